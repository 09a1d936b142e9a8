"""VC-JWT as Open Badges 3.0 §8.2 "JSON Web Token Proof Format" defines it (RFC 7515 compact JWS,
RFC 7519 claims), with EdDSA (RFC 8037, Ed25519) and RS256 (RFC 7518 §3.3, RSA of 2048 bits or more).

* JOSE header (§8.2.3): ``{"alg": "EdDSA" | "RS256", "kid": <DID URL of the verification method>,
  "typ": "JWT"}``. When verifying, ``kid`` or ``jwk`` (a public key, never with ``"d"``) must be
  present; ``crit`` is refused; other headers are ignored.
* JWT payload (§8.2.4.1): "The JWT Payload is the JSON object of the OpenBadgeCredential with the
  following properties (JWT Claims)": the credential's members at the top level, plus ``iss`` =
  ``issuer.id``, ``jti`` = ``id``, ``nbf`` = ``validFrom``, ``sub`` = ``credentialSubject.id`` (when
  the subject has one) and ``exp`` = ``validUntil`` (when there is one), dates as NumericDate
  (seconds since the epoch; an integer unless the date has a fraction of a second). No ``vc``
  claim is produced. When verifying, a payload carrying the credential under a ``vc`` claim (the
  VC Data Model 1.1 form, which §8.2.6 says to accept) is accepted too, with the 1.1 decoding
  rules: a missing ``id``, ``issuer``, ``credentialSubject.id`` or start date is taken from
  ``jti``, ``iss``, ``sub``, ``nbf``.
* Verification (§8.2.6, §8.2.6.1): the key named by ``kid`` must be a verification method of the
  credential's issuer (the DID before ``#`` is ``issuer.id``) listed under ``assertionMethod``;
  a key given only as ``jwk`` must be one of the issuer's ``assertionMethod`` keys. The signature
  is checked by joserfc. Then ``iss``, ``jti``, ``sub``, ``nbf`` and ``exp`` must agree with the
  credential (dates to within a second, NumericDate having whole seconds in practice). When the
  token has ``exp`` and the credential no ``validUntil``, the returned credential gets
  ``validUntil`` from ``exp``, as §8.2.6.1 says ("MUST be used to set the value of the
  validUntil"). Whether the credential is expired or not yet valid is not judged here.

The returned credential is the payload without the RFC 7519 registered claims (``iss``, ``sub``,
``aud``, ``exp``, ``nbf``, ``iat``, ``jti``). Verification never raises: :func:`verify_jwt` answers
a :class:`JwtResult` naming the check that failed ("format", "key", "binding", "signature",
"claims") with an English message for developers.
"""

from __future__ import annotations

import base64
import binascii
import copy
import json
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ed25519
from joserfc import jws
from joserfc.errors import JoseError, UnsupportedAlgorithmError
from joserfc.jwk import OKPKey, RSAKey
from joserfc.jws import JWSRegistry

from carnet.credentials import jsonsafe
from carnet.credentials.dataintegrity import parse_xsd_datetime
from carnet.credentials.did import Resolver, find_verification_method
from carnet.credentials.errors import KeyFormatError, ProofError, ResolutionError
from carnet.credentials.keys import Ed25519Key, decode_public_key
from carnet.credentials.keystore import RsaKey

ALGORITHMS = ("EdDSA", "RS256")
MAX_TOKEN_BYTES = 2 * 1024 * 1024
MAX_HEADER_BYTES = 16 * 1024
MAX_DEPTH = 64
REGISTERED_CLAIMS = ("iss", "sub", "aud", "exp", "nbf", "iat", "jti")
VC_V1 = "https://www.w3.org/2018/credentials/v1"
_BASE64URL = re.compile(r"^[A-Za-z0-9_-]*$")
_PRIVATE_JWK_MEMBERS = ("d", "p", "q", "dp", "dq", "qi", "oth", "k")


@dataclass(frozen=True)
class JwtResult:
    """The outcome of :func:`verify_jwt`. ``credential`` is set whenever the payload could be read
    (also when a later check failed, so that it can be shown); ``check`` is "" when ``ok``."""

    credential: dict[str, Any] | None
    header: dict[str, Any] | None
    key_id: str | None
    ok: bool
    check: str
    message: str


# joserfc warns that "EdDSA" is deprecated by RFC 9864 (in favour of "Ed25519"). Open Badges 3.0,
# PyJWT and the wallets in use still say "EdDSA", so Carnet keeps it, with quiet copies of the
# two algorithm models instead of changing the process-wide warning filters.
_QUIET_ALGORITHMS = {name: copy.copy(JWSRegistry.algorithms[name]) for name in ALGORITHMS}
for _model in _QUIET_ALGORITHMS.values():
    _model.security_warning = None


class _Registry(JWSRegistry):
    max_header_length = MAX_HEADER_BYTES * 2
    max_payload_length = MAX_TOKEN_BYTES
    max_signature_length = 2048

    def get_alg(self, name: str) -> Any:
        if name not in _QUIET_ALGORITHMS or (self.allowed is not None and name not in self.allowed):
            raise UnsupportedAlgorithmError(f"Algorithm of '{name}' is not allowed")
        return _QUIET_ALGORITHMS[name]


def _registry(alg: str) -> _Registry:
    return _Registry(algorithms=[alg], strict_check_header=False)


# ── signing ────────────────────────────────────────────────────────────────────────────────


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(value: str) -> bytes:
    if len(value) % 4 == 1 or not _BASE64URL.match(value):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def _issuer_id(credential: dict[str, Any]) -> str | None:
    issuer = credential.get("issuer")
    if isinstance(issuer, dict):
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) and issuer else None


def _subject_id(credential: dict[str, Any]) -> str | None:
    subject = credential.get("credentialSubject")
    if isinstance(subject, list):
        subject = subject[0] if subject else None
    if isinstance(subject, dict):
        value = subject.get("id")
        return value if isinstance(value, str) else None
    return None


def _numeric_date(moment: datetime) -> int | float:
    seconds = moment.timestamp()
    return int(seconds) if seconds.is_integer() else seconds


def _sign_date(credential: dict[str, Any], name: str) -> int | float:
    moment = parse_xsd_datetime(credential.get(name))
    if moment is None:
        raise ProofError(f"the credential's {name} is not a date-time with a time zone")
    return _numeric_date(moment)


def sign_jwt(credential: dict[str, Any], key: Ed25519Key | RsaKey, *, alg: str | None = None) -> str:
    """``credential`` as a VC-JWT (compact JWS) signed with ``key``: EdDSA for an Ed25519 key,
    RS256 for an RSA key. The credential must have an ``id``, an ``issuer`` whose id is the key's
    controller, and a ``validFrom``; it must not carry a ``proof``. Raises :class:`ProofError`."""
    if not isinstance(credential, dict):
        raise ProofError("a credential to sign must be a JSON object")
    if "proof" in credential:
        raise ProofError("the credential already carries a proof: sign it as a VC-JWT without one")
    expected = "EdDSA" if isinstance(key, Ed25519Key) else "RS256" if isinstance(key, RsaKey) else None
    if expected is None:
        raise ProofError("a VC-JWT is signed with an Ed25519 key (EdDSA) or an RSA key (RS256)")
    if alg is not None and alg != expected:
        raise ProofError(f"an {type(key).__name__} signs with {expected}, not {alg}")
    if not key.has_private_key:
        raise ProofError("this key has no private part: it can verify but not sign")
    claimed = [name for name in (*REGISTERED_CLAIMS, "vc") if name in credential]
    if claimed:
        raise ProofError(f"the credential has a member named {claimed[0]!r}, which is a JWT claim name")
    issuer = _issuer_id(credential)
    if issuer is None:
        raise ProofError("the credential has no issuer id (it becomes the iss claim)")
    if key.controller != issuer:
        raise ProofError(
            f"the key belongs to {key.controller}, but the credential's issuer is {issuer}: "
            "verifiers would refuse the token"
        )
    credential_id = credential.get("id")
    if not isinstance(credential_id, str) or not credential_id:
        raise ProofError("the credential has no id (it becomes the jti claim)")
    payload: dict[str, Any] = dict(credential)
    payload["iss"] = issuer
    payload["jti"] = credential_id
    subject = _subject_id(credential)
    if subject is not None:
        payload["sub"] = subject
    payload["nbf"] = _sign_date(credential, "validFrom")
    if "validUntil" in credential:
        payload["exp"] = _sign_date(credential, "validUntil")
    try:
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")
    except ValueError as exc:
        raise ProofError(f"the credential cannot be written as JSON: {exc}") from None
    header = {"alg": expected, "kid": key.id, "typ": "JWT"}
    signing_key: OKPKey | RSAKey
    if isinstance(key, Ed25519Key):
        signing_key = OKPKey.import_key(ed25519.Ed25519PrivateKey.from_private_bytes(key.seed()))
    else:
        signing_key = RSAKey.import_key(key.private_key())
    return jws.serialize_compact(
        header, body, signing_key, algorithms=[expected], registry=_registry(expected)
    )


# ── verification ───────────────────────────────────────────────────────────────────────────


class _Failure(Exception):
    def __init__(self, check: str, message: str) -> None:
        super().__init__(message)
        self.check = check
        self.message = message


@dataclass(frozen=True)
class _PublicKey:
    kind: str  # "OKP" (Ed25519) or "RSA"
    fingerprint: tuple[Any, ...]
    jose: OKPKey | RSAKey


def _ed25519_key(public_key: bytes) -> _PublicKey:
    jose = OKPKey.import_key(ed25519.Ed25519PublicKey.from_public_bytes(public_key))
    return _PublicKey("OKP", ("OKP", public_key), jose)


def _jwk_key(jwk: Any, controller: str) -> _PublicKey:
    """A public key from a JWK (OKP Ed25519 or RSA ≥ 2048 bits). Raises KeyFormatError."""
    if not isinstance(jwk, dict):
        raise KeyFormatError("the JWK is not a JSON object")
    if any(member in jwk for member in _PRIVATE_JWK_MEMBERS):
        raise KeyFormatError("the JWK contains private key material")
    if jwk.get("kty") == "OKP":
        x = jwk.get("x")
        if jwk.get("crv") != "Ed25519" or not isinstance(x, str) or len(x) > 64:
            raise KeyFormatError("only Ed25519 OKP keys are supported")
        try:
            public_key = _unb64(x)
        except (ValueError, binascii.Error):
            raise KeyFormatError("the JWK's x is not base64url") from None
        if len(public_key) != 32:
            raise KeyFormatError("an Ed25519 public key has 32 bytes")
        return _ed25519_key(public_key)
    if jwk.get("kty") == "RSA":
        rsa_key = RsaKey.from_jwk(jwk, controller=controller)
        numbers = rsa_key.public_key().public_numbers()
        return _PublicKey("RSA", ("RSA", numbers.n, numbers.e), RSAKey.import_key(rsa_key.public_key()))
    raise KeyFormatError(f"unsupported JWK key type {str(jwk.get('kty'))[:20]!r} (Ed25519 or RSA only)")


def _method_key(method: dict[str, Any]) -> _PublicKey:
    """The public key of a verification method. Raises KeyFormatError."""
    kind = method.get("type")
    if kind in ("Multikey", "Ed25519VerificationKey2020"):
        return _ed25519_key(decode_public_key(method.get("publicKeyMultibase", "")))
    if kind in ("JsonWebKey", "JsonWebKey2020"):
        return _jwk_key(method.get("publicKeyJwk"), str(method.get("controller")))
    raise KeyFormatError(f"unsupported verification method type {str(kind)[:60]!r}")


def _parse(token: Any) -> tuple[dict[str, Any], dict[str, Any], str]:
    """(header, payload, alg) of a compact JWS, checked for form only."""
    if not isinstance(token, str):
        raise _Failure("format", "a VC-JWT must be text")
    token = token.strip()
    if len(token) > MAX_TOKEN_BYTES:
        raise _Failure("format", f"the token is larger than {MAX_TOKEN_BYTES} bytes")
    parts = token.split(".")
    if len(parts) != 3:
        raise _Failure("format", "a compact JWS has three base64url parts separated by dots")
    if not all(_BASE64URL.match(part) for part in parts) or not parts[0] or not parts[1]:
        raise _Failure("format", "a compact JWS has three base64url parts (header, payload, signature)")
    if len(parts[0]) > MAX_HEADER_BYTES:
        raise _Failure("format", "the JOSE header is too large")
    try:
        header = jsonsafe.loads(_unb64(parts[0]), max_bytes=MAX_HEADER_BYTES, max_depth=8)
    except (ValueError, binascii.Error) as exc:
        raise _Failure("format", f"the JOSE header is not base64url-encoded JSON: {exc}") from None
    if not isinstance(header, dict):
        raise _Failure("format", "the JOSE header is not a JSON object")
    alg = header.get("alg")
    if isinstance(alg, str) and alg.lower() == "none":
        raise _Failure("format", 'alg "none" (an unsigned token) is refused')
    if isinstance(alg, str) and alg.upper().startswith("HS"):
        raise _Failure("format", f"alg {alg!r} (a shared secret, not the issuer's signature) is refused")
    if alg not in ALGORITHMS:
        raise _Failure("format", f"unsupported alg {str(alg)[:20]!r}: EdDSA and RS256 are accepted")
    if not parts[2]:
        raise _Failure("format", "the token has no signature")
    try:
        payload = jsonsafe.loads(_unb64(parts[1]), max_bytes=MAX_TOKEN_BYTES, max_depth=MAX_DEPTH)
        _unb64(parts[2])
    except (ValueError, binascii.Error) as exc:
        raise _Failure("format", f"the JWT payload is not base64url-encoded JSON: {exc}") from None
    if not isinstance(payload, dict):
        raise _Failure("format", "the JWT payload is not a JSON object")
    typ = header.get("typ")
    if typ is not None and (not isinstance(typ, str) or typ.upper() != "JWT"):
        raise _Failure("format", f'typ must be "JWT" (Open Badges 3.0 §8.2.3), not {str(typ)[:40]!r}')
    if "crit" in header:
        raise _Failure("format", "the token has critical header extensions (crit), which are not understood")
    kid, jwk = header.get("kid"), header.get("jwk")
    if kid is None and jwk is None:
        raise _Failure("format", "the JOSE header names no key (kid) and carries none (jwk)")
    if kid is not None and (not isinstance(kid, str) or not kid or len(kid) > 2048):
        raise _Failure("format", "the header's kid must be a URI")
    if jwk is not None:
        if not isinstance(jwk, dict):
            raise _Failure("format", "the header's jwk must be a JSON object")
        if any(member in jwk for member in _PRIVATE_JWK_MEMBERS):
            raise _Failure(
                "format",
                'the header\'s jwk contains a private key ("d"): refused, and that key must be replaced',
            )
    return header, payload, alg


def _uses_v1_context(credential: dict[str, Any]) -> bool:
    context = credential.get("@context")
    first = context[0] if isinstance(context, list) and context else context
    return first == VC_V1


def _xsd(seconds: float) -> str:
    return datetime.fromtimestamp(math.floor(seconds), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _numeric(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if not math.isfinite(value) or abs(value) > 253402300799:  # up to 9999-12-31
        return None
    return float(value)


def _credential_of(payload: dict[str, Any]) -> dict[str, Any]:
    vc = payload.get("vc")
    if "@context" in payload or vc is None:
        return {name: value for name, value in payload.items() if name not in REGISTERED_CLAIMS}
    if not isinstance(vc, dict):
        raise _Failure("format", "the vc claim is not a JSON object")
    credential = dict(vc)  # VC Data Model 1.1 §6.3.1 "JWT Decoding"
    if "id" not in credential and isinstance(payload.get("jti"), str):
        credential["id"] = payload["jti"]
    if "issuer" not in credential and isinstance(payload.get("iss"), str):
        credential["issuer"] = payload["iss"]
    subject = credential.get("credentialSubject")
    if isinstance(subject, dict) and "id" not in subject and isinstance(payload.get("sub"), str):
        credential["credentialSubject"] = {**subject, "id": payload["sub"]}
    nbf = _numeric(payload.get("nbf"))
    if nbf is not None and "validFrom" not in credential and "issuanceDate" not in credential:
        credential["issuanceDate" if _uses_v1_context(credential) else "validFrom"] = _xsd(nbf)
    return credential


def _bind(header: dict[str, Any], issuer: str, resolver: Resolver) -> tuple[str, _PublicKey]:
    """(verification method id, public key) of the token, bound to ``issuer``."""
    kid, jwk = header.get("kid"), header.get("jwk")
    if isinstance(kid, str):
        method_id = kid
        if method_id.startswith("#"):
            method_id = issuer + method_id
        elif method_id.startswith("did:key:") and "#" not in method_id:
            method_id = f"{method_id}#{method_id.removeprefix('did:key:')}"
        controller = method_id.split("#", 1)[0]
        if controller != issuer:
            raise _Failure(
                "binding", f"the token is signed with a key of {controller}, not of the issuer {issuer}"
            )
        document = _resolve(resolver, controller, f"the signing key {kid}")
        try:
            method = find_verification_method(Resolver({controller: document}), method_id)
        except ResolutionError as exc:
            raise _Failure("binding", str(exc)) from None
        try:
            key = _method_key(method)
        except (KeyFormatError, ValueError) as exc:
            raise _Failure("key", f"{method_id}: {exc}") from None
        if jwk is not None:
            try:
                same = _jwk_key(jwk, issuer).fingerprint == key.fingerprint
            except (KeyFormatError, ValueError):
                same = False
            if not same:
                raise _Failure("binding", f"the header's jwk is not the key {method_id}")
        return method_id, key
    try:
        header_key = _jwk_key(jwk, issuer)
    except (KeyFormatError, ValueError) as exc:
        raise _Failure("key", f"the header's jwk is not a usable public key: {exc}") from None
    document = _resolve(resolver, issuer, f"the issuer {issuer}")
    references = document.get("assertionMethod") if isinstance(document, dict) else None
    if not isinstance(references, list):
        references = [references] if references is not None else []
    single = Resolver({issuer: document})
    for reference in references[:100]:
        ref = reference.get("id") if isinstance(reference, dict) else reference
        if not isinstance(ref, str):
            continue
        method_id = issuer + ref if ref.startswith("#") else ref
        try:
            key = _method_key(find_verification_method(single, method_id))
        except (ResolutionError, KeyFormatError, ValueError):
            continue
        if key.fingerprint == header_key.fingerprint:
            return method_id, key
    raise _Failure("binding", f"the key in the token's header is not one of {issuer}'s assertionMethod keys")


def _resolve(resolver: Resolver, identifier: str, what: str) -> Any:
    try:
        return resolver.resolve(identifier)
    except ResolutionError as exc:
        raise _Failure("key", f"cannot resolve {what}: {exc}") from None
    except Exception as exc:  # a caller's fetcher may fail in its own ways
        raise _Failure("key", f"cannot resolve {what}: {type(exc).__name__}") from None


def _date_of(credential: dict[str, Any], *names: str) -> tuple[str, Any] | None:
    for name in names:
        if name in credential:
            return name, credential[name]
    return None


def _same_instant(claim: float, value: Any) -> bool:
    moment = parse_xsd_datetime(value)
    return moment is not None and abs(moment.timestamp() - claim) < 1


def _check_claims(payload: dict[str, Any], credential: dict[str, Any], issuer: str) -> None:
    iss = payload.get("iss")
    if iss is None:
        raise _Failure("claims", "the token has no iss claim (Open Badges 3.0 §8.2.4.1 requires it)")
    if iss != issuer:
        raise _Failure(
            "claims", f"the token's iss {str(iss)[:200]!r} is not the credential's issuer {issuer!r}"
        )
    jti = payload.get("jti")
    if jti is None:
        raise _Failure("claims", "the token has no jti claim (Open Badges 3.0 §8.2.4.1 requires it)")
    if jti != credential.get("id"):
        raise _Failure("claims", f"the token's jti {str(jti)[:200]!r} is not the credential's id")
    subject = _subject_id(credential)
    sub = payload.get("sub")
    if subject is not None and sub is None:
        raise _Failure("claims", "the token has no sub claim, but the credential subject has an id")
    if sub is not None and sub != subject:
        raise _Failure("claims", f"the token's sub {str(sub)[:200]!r} is not the credential subject's id")
    if "nbf" not in payload:
        raise _Failure("claims", "the token has no nbf claim (Open Badges 3.0 §8.2.4.1 requires it)")
    nbf = _numeric(payload["nbf"])
    if nbf is None:
        raise _Failure("claims", "the token's nbf is not a NumericDate")
    start = _date_of(credential, "validFrom", "issuanceDate")
    if start is None or not _same_instant(nbf, start[1]):
        shown = f"{start[0]} {str(start[1])[:40]}" if start else "no validFrom"
        raise _Failure("claims", f"the token's nbf ({_xsd(nbf)}) does not match the credential's {shown}")
    end = _date_of(credential, "validUntil", "expirationDate")
    if "exp" in payload:
        exp = _numeric(payload["exp"])
        if exp is None:
            raise _Failure("claims", "the token's exp is not a NumericDate")
        if end is None:
            credential["expirationDate" if _uses_v1_context(credential) else "validUntil"] = _xsd(exp)
        elif not _same_instant(exp, end[1]):
            raise _Failure(
                "claims", f"the token's exp ({_xsd(exp)}) does not match the credential's {end[0]}"
            )
    elif end is not None:
        raise _Failure("claims", f"the credential has {end[0]} but the token has no exp claim")


def verify_jwt(token: str, resolver: Resolver) -> JwtResult:
    """Check a VC-JWT: form, key, issuer binding, signature, claims. Never raises."""
    header: dict[str, Any] | None = None
    credential: dict[str, Any] | None = None
    key_id: str | None = None
    try:
        header, payload, alg = _parse(token)
        credential = _credential_of(payload)
        issuer = _issuer_id(credential)
        if issuer is None:
            raise _Failure("binding", "the credential names no issuer, so its key cannot be checked")
        key_id, key = _bind(header, issuer, resolver)
        if (alg == "EdDSA") != (key.kind == "OKP"):
            kind = "an Ed25519" if key.kind == "OKP" else "an RSA"
            raise _Failure("key", f"the token says {alg}, but {key_id} is {kind} key")
        try:
            jws.deserialize_compact(token.strip(), key.jose, algorithms=[alg], registry=_registry(alg))
        except (JoseError, ValueError, TypeError):
            message = "the signature does not verify: the token was altered or signed by another key"
            raise _Failure("signature", message) from None
        _check_claims(payload, credential, issuer)
    except _Failure as failure:
        return JwtResult(credential, header, key_id, False, failure.check, failure.message)
    except Exception as exc:  # a verifier answers, whatever it is given
        return JwtResult(
            credential, header, key_id, False, "format", f"unreadable VC-JWT ({type(exc).__name__})"
        )
    return JwtResult(credential, header, key_id, True, "", f"VC-JWT signed by {key_id}")
