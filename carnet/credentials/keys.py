"""Ed25519 keys in the Multikey form (W3C Controlled Identifiers v1.0 §2.2.2 "Multikey").

``publicKeyMultibase`` is ``z`` + base58btc(0xed 0x01 ‖ 32-byte public key) and starts ``z6Mk``;
``secretKeyMultibase`` is ``z`` + base58btc(0x80 0x26 ‖ 32-byte seed) and starts ``z3u2``.
A key pair serialises to the JSON the JavaScript reference (``@digitalbazaar/ed25519-multikey``)
exports and imports. Private keys never appear in ``repr`` and are written to disk only encrypted
(see :mod:`carnet.credentials.keystore`).
"""

from __future__ import annotations

from functools import lru_cache

import base58
import nacl.exceptions
import nacl.signing

from carnet.credentials.errors import KeyFormatError
from carnet.credentials.memo import Memo, digest

MULTIKEY_CONTEXT = "https://w3id.org/security/multikey/v1"
ED25519_PUB_PREFIX = b"\xed\x01"
ED25519_PRIV_PREFIX = b"\x80\x26"


def multibase_encode(data: bytes) -> str:
    """Multibase base58btc (prefix ``z``)."""
    return "z" + base58.b58encode(data).decode("ascii")


def multibase_decode(value: str) -> bytes:
    if not isinstance(value, str) or not value.startswith("z") or len(value) > 512:
        raise KeyFormatError("not a base58btc multibase value (it must start with 'z')")
    try:
        return bytes(base58.b58decode(value[1:]))
    except ValueError as exc:
        raise KeyFormatError("invalid base58btc characters in multibase value") from exc


_CHECKED_SIGNATURES = Memo(4096)  # Ed25519 checks: (key, signature, message) → valid


@lru_cache(maxsize=4096)  # issuers' keys recur on every verification; base58 is slow in Python
def encode_public_key(public_key: bytes) -> str:
    return multibase_encode(ED25519_PUB_PREFIX + public_key)


@lru_cache(maxsize=4096)
def decode_public_key(public_key_multibase: str) -> bytes:
    raw = multibase_decode(public_key_multibase)
    if len(raw) != 34 or raw[:2] != ED25519_PUB_PREFIX:
        raise KeyFormatError("publicKeyMultibase is not an Ed25519 public key (expected z6Mk…)")
    return raw[2:]


def encode_secret_key(seed: bytes) -> str:
    return multibase_encode(ED25519_PRIV_PREFIX + seed)


def decode_secret_key(secret_key_multibase: str) -> bytes:
    raw = multibase_decode(secret_key_multibase)
    # The JavaScript reference exports seed ‖ public key (64 bytes); others export the 32-byte seed.
    if raw[:2] != ED25519_PRIV_PREFIX or len(raw) not in (34, 66):
        raise KeyFormatError("secretKeyMultibase is not an Ed25519 secret key (expected z3u2…)")
    return raw[2:34]


def did_key_for(public_key: bytes) -> str:
    return "did:key:" + encode_public_key(public_key)


class Ed25519Key:
    """An Ed25519 verification method: public key, optional private key, id and controller."""

    __slots__ = ("_signing", "_verify", "controller", "id", "public_key")

    def __init__(
        self,
        public_key: bytes,
        *,
        seed: bytes | None = None,
        controller: str | None = None,
        key_id: str | None = None,
    ) -> None:
        if len(public_key) != 32:
            raise KeyFormatError("an Ed25519 public key has 32 bytes")
        self._signing: nacl.signing.SigningKey | None = None
        if seed is not None:
            if len(seed) != 32:
                raise KeyFormatError("an Ed25519 secret key seed has 32 bytes")
            self._signing = nacl.signing.SigningKey(seed)
            if bytes(self._signing.verify_key) != public_key:
                raise KeyFormatError("the secret key does not match the public key")
        self.public_key = public_key
        self._verify = nacl.signing.VerifyKey(public_key)
        multibase = encode_public_key(public_key)
        self.controller = controller or "did:key:" + multibase
        if key_id is None:
            key_id = f"{self.controller}#{multibase}"
        elif key_id.startswith("#"):
            key_id = self.controller + key_id
        self.id = key_id

    @classmethod
    def generate(cls, *, controller: str | None = None, key_id: str | None = None) -> Ed25519Key:
        signing = nacl.signing.SigningKey.generate()
        return cls(bytes(signing.verify_key), seed=bytes(signing), controller=controller, key_id=key_id)

    @classmethod
    def from_seed(
        cls, seed: bytes, *, controller: str | None = None, key_id: str | None = None
    ) -> Ed25519Key:
        signing = nacl.signing.SigningKey(seed)
        return cls(bytes(signing.verify_key), seed=seed, controller=controller, key_id=key_id)

    @classmethod
    def from_multikey(cls, document: object) -> Ed25519Key:
        """Read a Multikey JSON object (public, or with ``secretKeyMultibase``)."""
        if not isinstance(document, dict):
            raise KeyFormatError("a key must be a JSON object with publicKeyMultibase")
        public_multibase = document.get("publicKeyMultibase")
        if not isinstance(public_multibase, str):
            raise KeyFormatError("the key has no publicKeyMultibase")
        public_key = decode_public_key(public_multibase)
        secret = document.get("secretKeyMultibase")
        seed = decode_secret_key(secret) if isinstance(secret, str) else None
        controller = document.get("controller")
        key_id = document.get("id")
        return cls(
            public_key,
            seed=seed,
            controller=controller if isinstance(controller, str) else None,
            key_id=key_id if isinstance(key_id, str) else None,
        )

    @property
    def public_key_multibase(self) -> str:
        return encode_public_key(self.public_key)

    @property
    def has_private_key(self) -> bool:
        return self._signing is not None

    def seed(self) -> bytes:
        if self._signing is None:
            raise KeyFormatError("this key has no private part")
        return bytes(self._signing)

    def to_multikey(self, *, include_private: bool = False) -> dict[str, str]:
        document = {
            "@context": MULTIKEY_CONTEXT,
            "id": self.id,
            "type": "Multikey",
            "controller": self.controller,
            "publicKeyMultibase": self.public_key_multibase,
        }
        if include_private:
            document["secretKeyMultibase"] = encode_secret_key(self.seed())
        return document

    def verification_method(self) -> dict[str, str]:
        """The public Multikey entry for a DID document (no ``@context``)."""
        return {
            "id": self.id,
            "type": "Multikey",
            "controller": self.controller,
            "publicKeyMultibase": self.public_key_multibase,
        }

    def sign(self, message: bytes) -> bytes:
        if self._signing is None:
            raise KeyFormatError("this key has no private part: it can verify but not sign")
        return bytes(self._signing.sign(message).signature)

    def verify(self, signature: bytes, message: bytes) -> bool:
        """Whether ``signature`` is this key's over ``message`` (memoised by all three)."""
        if not isinstance(signature, bytes) or not isinstance(message, bytes):
            return False
        key = digest(self.public_key, signature, message)
        known: bool | None = _CHECKED_SIGNATURES.get(key)
        if known is None:
            try:
                self._verify.verify(message, signature)
                known = True
            except (nacl.exceptions.BadSignatureError, ValueError, TypeError):
                known = False
            _CHECKED_SIGNATURES.put(key, known)
        return known

    def __repr__(self) -> str:  # never show the private key
        private = ", private" if self.has_private_key else ""
        return f"<Ed25519Key {self.id}{private}>"
