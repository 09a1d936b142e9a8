"""The guarded fetcher, against a local HTTPS server (a throw-away CA and certificate for 127.0.0.1
made here), and the safe JSON parser it uses (:mod:`carnet.credentials.jsonsafe`). No network."""

from __future__ import annotations

import datetime
import http.server
import ipaddress
import json
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from carnet.credentials import jsonsafe
from carnet.credentials.did import Resolver
from carnet.credentials.errors import FetchError
from carnet.credentials.fetch import GuardedFetcher, is_json_media_type, media_type_matches

DID_DOCUMENT = {"@context": ["https://www.w3.org/ns/did/v1"], "id": "did:web:127.0.0.1%3A0"}
BIG = 300 * 1024


# ── a local HTTPS server ─────────────────────────────────────────────────────────────────────


def _name(text: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, text)])


def _certificates(directory: Path) -> tuple[Path, Path, str]:
    """(server certificate chain, server key, CA certificate PEM) for 127.0.0.1 and localhost."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("Carnet test CA"))
        .issuer_name(_name("Carnet test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    server_key = ec.generate_private_key(ec.SECP256R1())
    server = (
        x509.CertificateBuilder()
        .subject_name(_name("127.0.0.1"))
        .issuer_name(ca.subject)
        .public_key(server_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    chain = directory / "server.pem"
    chain.write_bytes(server.public_bytes(serialization.Encoding.PEM))
    key = directory / "server.key"
    key.write_bytes(
        server_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return chain, key, ca.public_bytes(serialization.Encoding.PEM).decode()


def _body(status: int, content_type: str | None, body: bytes, **headers: str) -> tuple:
    return status, content_type, body, headers


ROUTES = {
    "/.well-known/did.json": _body(200, "application/did+json", json.dumps(DID_DOCUMENT).encode()),
    "/status/1": _body(200, "application/vc+ld+json; charset=utf-8", b'{"type": ["VerifiableCredential"]}'),
    "/plain.json": _body(200, "application/json", '{"name": "Université"}'.encode()),
    "/redirect": _body(302, "text/html", b"", Location="https://attacker.example/did.json"),
    "/moved": _body(301, "text/html", b"", Location="https://127.0.0.1/elsewhere"),
    "/big": _body(200, "application/json", b"[" + b"1," * (BIG // 2) + b"1]"),
    "/html": _body(200, "text/html", b"<html>login</html>"),
    "/text": _body(200, "text/plain", b'{"a": 1}'),
    "/none": _body(200, None, b'{"a": 1}'),
    "/latin1": _body(200, "application/json; charset=iso-8859-1", b'{"a": 1}'),
    "/gzip": _body(200, "application/json", b"\x1f\x8b", **{"Content-Encoding": "gzip"}),
    "/nan": _body(200, "application/json", b'{"a": NaN}'),
    "/deep": _body(200, "application/json", b"[" * 100 + b"]" * 100),
    "/duplicate": _body(200, "application/json", b'{"id": "a", "id": "b"}'),
    "/missing": _body(404, "application/json", b"{}"),
    "/badge.png": _body(200, "image/png", b"\x89PNG\r\n\x1a\n not really"),
    "/page": _body(200, "text/html; charset=utf-8", "<html>Page où</html>".encode()),
    "/token": _body(200, "application/jwt", b"eyJhbGciOiJFZERTQSJ9.e30.c2ln"),
    "/latin1-text": _body(200, "text/plain; charset=ISO-8859-1", b"caf\xe9"),
}


class _Handler(http.server.BaseHTTPRequestHandler):
    timeout = 10

    def do_GET(self) -> None:
        if self.path == "/stream":  # no Content-Length: the body runs until the connection closes
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b"[" + b"1," * BIG)
            return
        if self.path == "/slow":  # headers, then a body that stalls
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "20")
            self.end_headers()
            self.wfile.write(b"[")
            self.wfile.flush()
            time.sleep(3)
            return
        if self.path == "/echo":
            body = json.dumps({name.lower(): value for name, value in self.headers.items()}).encode()
            status, content_type, headers = 200, "application/json", {}
        else:
            status, content_type, body, headers = ROUTES.get(self.path, ROUTES["/missing"])
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


class _Server:
    def __init__(self, port: int, ca_pem: str) -> None:
        self.port = port
        self.host = f"127.0.0.1:{port}"
        self.ca_pem = ca_pem

    def url(self, path: str) -> str:
        return f"https://{self.host}{path}"

    def context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cadata=self.ca_pem)

    def fetcher(self, **options: object) -> GuardedFetcher:
        return GuardedFetcher([self.host], ssl_context=self.context(), **options)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[_Server]:
    chain, key, ca_pem = _certificates(tmp_path_factory.mktemp("tls"))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(chain, key)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield _Server(httpd.server_address[1], ca_pem)
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts TCP connections (into the backlog) and never says a word."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    try:
        yield listener.getsockname()[1]
    finally:
        listener.close()


# ── fetching ─────────────────────────────────────────────────────────────────────────────────


def test_good_json_is_fetched(server):
    fetcher = server.fetcher()
    assert fetcher.get_json(server.url("/.well-known/did.json")) == DID_DOCUMENT
    assert fetcher.get_json(server.url("/status/1")) == {"type": ["VerifiableCredential"]}
    assert fetcher.get_json(server.url("/plain.json")) == {"name": "Université"}


def test_the_request_asks_for_json_uncompressed(server):
    headers = server.fetcher().get_json(server.url("/echo"))
    assert headers["accept-encoding"] == "identity"
    assert "application/did+json" in headers["accept"]
    assert headers["host"] == server.host


def test_the_resolver_fetches_did_web_through_it(server):
    resolver = Resolver(fetcher=server.fetcher())
    assert resolver.resolve(f"did:web:127.0.0.1%3A{server.port}") == DID_DOCUMENT


def test_hosts_outside_the_allow_list_are_refused(server):
    fetcher = server.fetcher()
    with pytest.raises(FetchError, match="not among the hosts"):
        fetcher.get_json("https://example.org/.well-known/did.json")
    with pytest.raises(FetchError, match="not among the hosts"):
        fetcher.get_json(f"https://127.0.0.1:{server.port + 1}/.well-known/did.json")
    with pytest.raises(FetchError, match="not among the hosts"):
        fetcher.get_json("https://127.0.0.1/.well-known/did.json")  # port 443 is not the allowed port
    with pytest.raises(FetchError, match="not among the hosts"):
        GuardedFetcher(["127.0.0.1"]).get_json(server.url("/"))  # an entry without port means 443


def test_allow_list_entries_are_compared_lower_cased():
    fetcher = GuardedFetcher(["Badges.Example.ORG", "other.example:8443"])
    assert fetcher.allowed == {("badges.example.org", None), ("other.example", 8443)}
    with pytest.raises(ValueError, match="host"):
        GuardedFetcher(["https://example.org/"])


def test_http_and_other_schemes_are_refused(server):
    fetcher = server.fetcher()
    for url in (f"http://{server.host}/.well-known/did.json", f"ftp://{server.host}/x", "file:///etc/passwd"):
        with pytest.raises(FetchError, match="only https"):
            fetcher.get_json(url)


def test_credentials_and_control_characters_in_urls_are_refused(server):
    fetcher = server.fetcher()
    with pytest.raises(FetchError, match="user name"):
        fetcher.get_json(f"https://user:pass@{server.host}/")
    with pytest.raises(FetchError, match="control"):
        fetcher.get_json(server.url("/a\r\nX-Injected: 1"))


def test_redirects_are_refused(server):
    fetcher = server.fetcher()
    with pytest.raises(FetchError, match=r"redirect \(HTTP 302\) to 'https://attacker.example/did.json'"):
        fetcher.get_json(server.url("/redirect"))
    with pytest.raises(FetchError, match="redirects are not followed"):
        fetcher.get_json(server.url("/moved"))


def test_oversize_answers_are_refused(server):
    fetcher = server.fetcher(max_bytes=256 * 1024)
    with pytest.raises(FetchError, match="announces"):
        fetcher.get_json(server.url("/big"))
    with pytest.raises(FetchError, match="more than 262144 bytes"):
        fetcher.get_json(server.url("/stream"))  # no Content-Length: reading stops past the limit
    assert len(server.fetcher(max_bytes=BIG * 2).get_json(server.url("/big"))) == BIG // 2 + 1


def test_a_server_that_never_answers_times_out(silent_port):
    fetcher = GuardedFetcher([f"127.0.0.1:{silent_port}"], timeout=0.5)
    started = time.monotonic()
    with pytest.raises(FetchError, match=r"did not answer within 0.5 seconds"):
        fetcher.get_json(f"https://127.0.0.1:{silent_port}/.well-known/did.json")
    assert time.monotonic() - started < 3


def test_a_body_that_stalls_times_out(server):
    started = time.monotonic()
    with pytest.raises(FetchError, match="did not answer within"):
        server.fetcher(timeout=0.5).get_json(server.url("/slow"))
    assert time.monotonic() - started < 2.5


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/html", "text/html, not JSON"),
        ("/text", "text/plain, not JSON"),
        ("/none", "no Content-Type"),
        ("/latin1", "must be UTF-8"),
        ("/gzip", "compressed"),
        ("/missing", "HTTP 404"),
        ("/nan", "NaN"),
        ("/deep", "nested more than 64"),
        ("/duplicate", "appears twice"),
    ],
)
def test_unusable_answers_are_refused(server, path, message):
    with pytest.raises(FetchError, match=message):
        server.fetcher().get_json(server.url(path))


def test_an_untrusted_certificate_is_refused(server):
    with pytest.raises(FetchError, match="secure connection"):
        GuardedFetcher([server.host]).get_json(server.url("/.well-known/did.json"))


@pytest.mark.parametrize(
    "address", ["10.1.2.3", "192.168.0.10", "127.0.0.1", "169.254.169.254", "100.64.0.1", "::1", "fd00::1",
                "::ffff:127.0.0.1", "0.0.0.0", "224.0.0.1"],
)  # fmt: skip
def test_names_that_resolve_to_internal_addresses_are_refused(monkeypatch, address):
    fetcher = GuardedFetcher(["intranet.example"])
    monkeypatch.setattr(fetcher, "_resolve", lambda host, port: [address])
    with pytest.raises(FetchError, match="loopback, private or reserved"):
        fetcher.get_json("https://intranet.example/.well-known/did.json")


def test_one_internal_address_among_public_ones_is_refused(monkeypatch):
    fetcher = GuardedFetcher(["badges.example.org"])
    monkeypatch.setattr(fetcher, "_resolve", lambda host, port: ["93.184.215.14", "10.0.0.7"])
    with pytest.raises(FetchError, match=r"10\.0\.0\.7"):
        fetcher.get_json("https://badges.example.org/.well-known/did.json")


def test_localhost_is_fetched_when_named_explicitly(server):
    fetcher = GuardedFetcher([f"localhost:{server.port}"], ssl_context=server.context())
    assert fetcher.get_json(f"https://localhost:{server.port}/.well-known/did.json") == DID_DOCUMENT


def test_media_types():
    for accepted in ("application/json", "application/did+json", "application/ld+json; charset=UTF-8",
                     "application/vc+ld+json", "Application/JSON"):  # fmt: skip
        assert is_json_media_type(accepted), accepted
    for refused in (None, "", "text/plain", "text/html", "application/octet-stream", "text/json+html"):
        assert not is_json_media_type(refused), refused


# ── fetching bytes ───────────────────────────────────────────────────────────────────────────

ANY_BADGE = ("application/*+json", "application/json", "application/jwt", "text/plain", "text/html",
             "image/png", "image/svg+xml")  # fmt: skip


@pytest.mark.parametrize(
    ("path", "media_type", "charset"),
    [
        ("/badge.png", "image/png", None),
        ("/page", "text/html", "utf-8"),
        ("/token", "application/jwt", None),
        ("/status/1", "application/vc+ld+json", "utf-8"),
        ("/latin1-text", "text/plain", "iso-8859-1"),
    ],
)
def test_bytes_are_fetched_with_the_media_type_the_server_declared(server, path, media_type, charset):
    fetched = server.fetcher().get_bytes(server.url(path), media_types=ANY_BADGE)
    assert (fetched.url, fetched.media_type, fetched.charset) == (server.url(path), media_type, charset)
    assert fetched.body == ROUTES[path][2]


def test_fetching_bytes_asks_for_the_types_named_uncompressed(server):
    fetched = server.fetcher().get_bytes(server.url("/echo"), media_types=["application/json"])
    headers = json.loads(fetched.body)
    assert headers["accept"] == "application/json"
    assert headers["accept-encoding"] == "identity"
    fetched = server.fetcher().get_bytes(
        server.url("/echo"), media_types=["application/json"], accept="application/vc+ld+json"
    )
    assert json.loads(fetched.body)["accept"] == "application/vc+ld+json"


@pytest.mark.parametrize(
    ("path", "media_types", "message"),
    [
        ("/page", ["image/png"], "text/html; charset=utf-8, not one of image/png"),
        ("/none", ANY_BADGE, "no Content-Type"),
        ("/latin1", ANY_BADGE, "must be UTF-8"),  # JSON stays UTF-8 whatever the method
        ("/gzip", ANY_BADGE, "compressed"),
        ("/missing", ANY_BADGE, "HTTP 404"),
        ("/redirect", ANY_BADGE, "redirect"),
    ],
)
def test_fetching_bytes_keeps_the_guarantees(server, path, media_types, message):
    with pytest.raises(FetchError, match=message):
        server.fetcher().get_bytes(server.url(path), media_types=media_types)


def test_fetching_bytes_keeps_the_size_cap(server):
    with pytest.raises(FetchError, match="more than"):
        server.fetcher(max_bytes=1000).get_bytes(server.url("/stream"), media_types=ANY_BADGE)
    with pytest.raises(FetchError, match="announces"):
        server.fetcher(max_bytes=1000).get_bytes(server.url("/big"), media_types=ANY_BADGE)


def test_fetching_bytes_keeps_the_allow_list_and_the_address_checks(server, monkeypatch):
    with pytest.raises(FetchError, match="not among the hosts"):
        server.fetcher().get_bytes("https://elsewhere.example/badge.png", media_types=ANY_BADGE)
    with pytest.raises(FetchError, match="only https"):
        server.fetcher().get_bytes(f"http://{server.host}/badge.png", media_types=ANY_BADGE)
    fetcher = GuardedFetcher(["intranet.example"])
    monkeypatch.setattr(fetcher, "_resolve", lambda host, port: ["10.0.0.7"])
    with pytest.raises(FetchError, match="loopback, private or reserved"):
        fetcher.get_bytes("https://intranet.example/badge.png", media_types=ANY_BADGE)


def test_the_media_types_to_fetch_must_be_named(server):
    with pytest.raises(ValueError, match="media types"):
        server.fetcher().get_bytes(server.url("/badge.png"), media_types=[])


def test_media_type_patterns():
    assert media_type_matches("image/PNG", ["image/png"])
    assert media_type_matches("text/plain; charset=utf-8", ["text/*"])
    assert media_type_matches("application/vc+ld+json", ["application/*+json"])
    assert not media_type_matches("application/json", ["application/*+json"])
    assert not media_type_matches("text/html", ["image/*", "application/*+json"])
    assert not media_type_matches("", ["text/*"])
    assert not media_type_matches("image", ["image/*"])


# ── safe JSON (carnet.credentials.jsonsafe) ──────────────────────────────────────────────────


def test_safe_json_parses_ordinary_json():
    assert jsonsafe.loads('{"a": [1, 2.5, "é", null, true]}') == {"a": [1, 2.5, "é", None, True]}
    assert jsonsafe.loads(b'\xef\xbb\xbf{"a": "\\ud83d\\ude00"}') == {"a": "😀"}
    assert jsonsafe.loads('"[{not structure}]"', max_depth=1) == "[{not structure}]"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"a": NaN}', "NaN"),
        ("[Infinity]", "Infinity"),
        ("[-Infinity]", "Infinity"),
        ("[1e999]", "too large"),
        ('{"a": 1, "a": 2}', "appears twice"),
        ('["\\ud800"]', "surrogate"),
        ('{"\\udfff": 1}', "surrogate"),
        ("[" * 65 + "]" * 65, "nested more than 64"),
        ("{'a': 1}", "not valid JSON"),
        ('{"a": 1', "not valid JSON"),
        ("1" * 5000, "not valid JSON"),
    ],
)
def test_safe_json_refuses(text, message):
    with pytest.raises(jsonsafe.UnsafeJsonError, match=message):
        jsonsafe.loads(text)
    with pytest.raises(ValueError):
        jsonsafe.loads(text.encode("utf-8", "surrogatepass"))


def test_safe_json_limits_size_and_encoding():
    with pytest.raises(ValueError, match="larger than the 1 KiB accepted"):
        jsonsafe.loads(b"[" + b"1," * 600 + b"1]", max_bytes=1024)
    with pytest.raises(ValueError, match="larger"):
        jsonsafe.loads('"' + "é" * 600 + '"', max_bytes=1024)  # 1200 bytes in UTF-8
    with pytest.raises(ValueError, match="UTF-8"):
        jsonsafe.loads('{"a": "é"}'.encode("latin-1"))
    with pytest.raises(ValueError, match="UTF-8"):
        jsonsafe.loads('{"a": 1}'.encode("utf-16"))
    assert jsonsafe.loads("[" * 64 + "]" * 64) is not None


def test_very_deep_json_does_not_exhaust_the_stack():
    with pytest.raises(ValueError, match="nested"):
        jsonsafe.loads("[" * 200_000, max_bytes=10**6)
