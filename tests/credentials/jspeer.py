"""Python side of the JavaScript reference peer (``interop/js/peer.mjs``); not a test module.

The peer runs the Digital Bazaar stack (``@digitalbazaar/vc`` + ``data-integrity`` +
``eddsa-rdfc-2022-cryptosuite``) in one long-lived ``node`` process that answers JSON lines. It loads
nothing from the network: only the contexts bundled in :mod:`carnet.credentials.contexts` (written
to a temporary directory, byte for byte, after their SHA-256 check), did:key documents it builds
itself, and the documents a request supplies. Used by the interoperability tests (fixture
``js_peer`` in ``conftest.py``) and by the benchmark::

    with JsPeer() as peer:
        signed = peer.sign(credential, key)              # key: Ed25519Key or Multikey JSON
        peer.verify(signed)["verified"]                  # → True
        peer.canonize(credential)                        # → canonical N-Quads (RDFC-1.0)
        peer.sign_presentation(vp, key, challenge="…", domain="…")   # → signed presentation
        peer.verify_presentation(vp, challenge="…")["verified"]       # → True
        peer.bench(credential, key, seconds=5)           # → {"sign_per_s": …, "verify_per_s": …}

Raises :class:`JsPeerUnavailable` when node or ``interop/js/node_modules`` is missing (install
them with ``./scripts/test``), :class:`JsPeerError` when the peer answers ``{"ok": false}``.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import tempfile
import threading
from collections import deque
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
JS_DIR = REPO_ROOT / "interop" / "js"
PEER_SCRIPT = JS_DIR / "peer.mjs"
DEFAULT_TIMEOUT = 120.0


class JsPeerUnavailable(RuntimeError):
    """node, or the npm packages of ``interop/js``, are not installed."""


class JsPeerError(RuntimeError):
    """The peer answered ``{"ok": false, "error": …}`` (or died)."""


def _key_json(key: Any) -> dict[str, Any]:
    """A Multikey JSON object with its secret key, from an ``Ed25519Key`` or a dict."""
    if isinstance(key, Mapping):
        return dict(key)
    to_multikey = getattr(key, "to_multikey", None)
    if to_multikey is None:
        raise TypeError("a key must be a Multikey JSON object or have to_multikey(include_private=...)")
    document: dict[str, Any] = to_multikey(include_private=True)
    return document


def write_contexts_map(directory: Path) -> Path:
    """Write every bundled context (checked against its pinned SHA-256) into ``directory`` and a
    ``contexts-map.json`` {url: absolute path} beside them; return the map's path."""
    from carnet.credentials.contexts import CONTEXTS, context_bytes

    mapping = {}
    for url, bundled in CONTEXTS.items():
        path = directory / bundled.filename
        path.write_bytes(context_bytes(url))
        mapping[url] = str(path)
    map_path = directory / "contexts-map.json"
    map_path.write_text(json.dumps(mapping, indent=1), encoding="utf-8")
    return map_path


def check_available(node: str = "node") -> str:
    """The path of node; raises :class:`JsPeerUnavailable` with the reason when the peer cannot run."""
    node_path = shutil.which(node)
    if node_path is None:
        raise JsPeerUnavailable(f"{node!r} is not on PATH: the JavaScript reference peer needs Node.js 18+")
    if not (JS_DIR / "node_modules" / "@digitalbazaar" / "vc").is_dir():
        raise JsPeerUnavailable(
            f"{JS_DIR / 'node_modules'} is missing: the JavaScript reference packages are not installed"
        )
    return node_path


class JsPeer:
    """One ``node interop/js/peer.mjs`` process. Thread-safe (requests are serialised)."""

    def __init__(self, *, node: str = "node", timeout: float = DEFAULT_TIMEOUT) -> None:
        self.node = node
        self.timeout = timeout
        self._process: subprocess.Popen[bytes] | None = None
        self._lines: queue.Queue[bytes | None] = queue.Queue()
        self._stderr: deque[str] = deque(maxlen=50)
        self._lock = threading.Lock()
        self._tmpdir: tempfile.TemporaryDirectory[str] | None = None

    # -- process life cycle -------------------------------------------------------------------

    def start(self) -> JsPeer:
        if self._process is not None:
            return self
        node_path = check_available(self.node)
        self._lines = queue.Queue()
        self._stderr.clear()
        self._tmpdir = tempfile.TemporaryDirectory(prefix="carnet-jspeer-")
        map_path = write_contexts_map(Path(self._tmpdir.name))
        env = {**os.environ, "CARNET_CONTEXTS_MAP": str(map_path)}
        self._process = subprocess.Popen(
            [node_path, str(PEER_SCRIPT)],
            cwd=JS_DIR,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        threading.Thread(target=self._read_stdout, daemon=True, name="jspeer-stdout").start()
        threading.Thread(target=self._read_stderr, daemon=True, name="jspeer-stderr").start()
        try:
            self.request("ping")
        except Exception:
            self.close()
            raise
        return self

    def _read_stdout(self) -> None:
        assert self._process is not None and self._process.stdout is not None
        for line in self._process.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def _read_stderr(self) -> None:
        assert self._process is not None and self._process.stderr is not None
        for line in self._process.stderr:
            self._stderr.append(line.decode("utf-8", "replace").rstrip())

    def close(self) -> None:
        process, self._process = self._process, None
        if process is not None:
            try:
                if process.stdin is not None:
                    process.stdin.close()
                process.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                process.kill()
                process.wait()
            for stream in (process.stdout, process.stderr):
                if stream is not None:
                    stream.close()
        if self._tmpdir is not None:
            self._tmpdir.cleanup()
            self._tmpdir = None

    def __enter__(self) -> JsPeer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- protocol -----------------------------------------------------------------------------

    def request(self, op: str, *, timeout: float | None = None, **fields: Any) -> dict[str, Any]:
        """Send one request; return the peer's response as is (``ok`` true or false)."""
        with self._lock:
            process = self._process
            if process is None or process.stdin is None:
                raise JsPeerError("the JavaScript peer is not running (call start() or use `with`)")
            line = json.dumps({"op": op, **fields}, ensure_ascii=True) + "\n"
            try:
                process.stdin.write(line.encode("ascii"))
                process.stdin.flush()
            except OSError as exc:
                raise JsPeerError(f"the JavaScript peer died: {self._stderr_tail()}") from exc
            try:
                answer = self._lines.get(timeout=timeout or self.timeout)
            except queue.Empty:
                self._process = None
                process.kill()
                raise JsPeerError(f"no answer from the JavaScript peer to {op!r} in time") from None
            if answer is None:
                self._process = None
                raise JsPeerError(f"the JavaScript peer exited: {self._stderr_tail()}")
            response: dict[str, Any] = json.loads(answer.decode("utf-8"))
            return response

    def _stderr_tail(self) -> str:
        return "\n".join(self._stderr) or "(nothing on stderr)"

    def call(self, op: str, *, timeout: float | None = None, **fields: Any) -> dict[str, Any]:
        """Like :meth:`request`, but raise :class:`JsPeerError` on ``{"ok": false}``."""
        response = self.request(op, timeout=timeout, **fields)
        if not response.get("ok"):
            raise JsPeerError(str(response.get("error")))
        return response

    # -- operations ---------------------------------------------------------------------------

    def sign(
        self,
        credential: Mapping[str, Any],
        key: Any,
        *,
        documents: Mapping[str, Any] | None = None,
        created: str | None = None,
    ) -> dict[str, Any]:
        """``credential`` signed by the reference (``vc.issue``, DataIntegrityProof eddsa-rdfc-2022).

        ``created``: the proof's ``created`` date-time (default: now, to the second)."""
        fields: dict[str, Any] = {"credential": credential, "key": _key_json(key)}
        if documents:
            fields["documents"] = dict(documents)
        if created is not None:
            fields["created"] = created
        signed: dict[str, Any] = self.call("sign", **fields)["signed"]
        return signed

    def verify(
        self,
        credential: Mapping[str, Any],
        *,
        documents: Mapping[str, Any] | None = None,
        now: str | None = None,
        check_status: bool = True,
    ) -> dict[str, Any]:
        """The reference's verdict (``vc.verifyCredential``, CredentialIssuancePurpose):
        ``{"verified": bool, "error": str | None, "statuses": [...]?}``.

        ``statuses`` lists, when the credential has BitstringStatusListEntry entries, each entry's
        bit (``status``: true = revoked/suspended) — the reference leaves ``verified`` true even then.
        ``check_status=False`` skips status checking (for status types the reference does not know).
        """
        fields: dict[str, Any] = {"credential": credential, "check_status": check_status}
        if documents:
            fields["documents"] = dict(documents)
        if now is not None:
            fields["now"] = now
        return self.call("verify", **fields)

    def sign_presentation(
        self,
        presentation: Mapping[str, Any],
        key: Any,
        *,
        challenge: str | None = None,
        domain: str | None = None,
        documents: Mapping[str, Any] | None = None,
        created: str | None = None,
    ) -> dict[str, Any]:
        """``presentation`` signed by the reference (``vc.signPresentation``: DataIntegrityProof
        eddsa-rdfc-2022, proofPurpose authentication, with ``challenge`` and ``domain``)."""
        fields: dict[str, Any] = {"presentation": presentation, "key": _key_json(key)}
        for name, value in (("challenge", challenge), ("domain", domain), ("created", created)):
            if value is not None:
                fields[name] = value
        if documents:
            fields["documents"] = dict(documents)
        signed: dict[str, Any] = self.call("sign_presentation", **fields)["signed"]
        return signed

    def verify_presentation(
        self,
        presentation: Mapping[str, Any],
        *,
        challenge: str,
        domain: str | None = None,
        documents: Mapping[str, Any] | None = None,
        now: str | None = None,
    ) -> dict[str, Any]:
        """The reference's verdict on a presentation (``vc.verify``: AuthenticationProofPurpose with
        ``challenge`` and ``domain``, each credential with CredentialIssuancePurpose):
        ``{"verified", "error", "presentation_verified", "credentials_verified": [bool, …]}``."""
        fields: dict[str, Any] = {"presentation": presentation, "challenge": challenge}
        if domain is not None:
            fields["domain"] = domain
        if documents:
            fields["documents"] = dict(documents)
        if now is not None:
            fields["now"] = now
        return self.call("verify_presentation", **fields)

    def canonize(
        self, document: Mapping[str, Any], *, documents: Mapping[str, Any] | None = None, safe: bool = True
    ) -> str:
        """The canonical N-Quads (RDFC-1.0) of ``document``, exactly as eddsa-rdfc-2022 hashes it."""
        fields: dict[str, Any] = {"document": document, "safe": safe}
        if documents:
            fields["documents"] = dict(documents)
        nquads: str = self.call("canonize", **fields)["nquads"]
        return nquads

    def bench(self, credential: Mapping[str, Any], key: Any, *, seconds: float = 5.0) -> dict[str, Any]:
        """Single-threaded signatures and verifications per second of ``credential`` (did:key issuer),
        each measured for ``seconds`` after a warm-up; also ``rss_mb`` and package versions."""
        return self.call(
            "bench",
            credential=credential,
            key=_key_json(key),
            seconds=seconds,
            timeout=max(self.timeout, 4 * seconds + 60),
        )

    def load(self, url: str, *, documents: Mapping[str, Any] | None = None) -> Any:
        """The document the peer's loader serves for ``url`` (context, DID document, method…)."""
        fields: dict[str, Any] = {"url": url}
        if documents:
            fields["documents"] = dict(documents)
        return self.call("load", **fields)["document"]

    def versions(self) -> dict[str, Any]:
        """``{"node": "v20…", "packages": {name: version}}``."""
        return self.call("versions")
