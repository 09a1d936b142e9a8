"""Private keys at rest, always encrypted; and RSA keys for VC-JWT RS256 (Open Badges 3.0 §8.2.3
"Create the JOSE Header": ``alg`` MUST be "RS256" as a minimum; RFC 7518 §3.3: "A key of size
2048 bits or larger MUST be used"), published as ``JsonWebKey`` verification methods (Controlled
Identifiers v1.0, "JsonWebKey").

An encrypted key file is a JSON envelope::

    {"format": "carnet-encrypted-key", "version": 1,
     "id": …, "controller": …, "keyType": "Multikey", "publicKeyMultibase": "z6Mk…",
     "kdf": {"name": "scrypt", "salt": …, "n": 131072, "r": 8, "p": 1},
     "cipher": "AES-256-GCM", "nonce": …, "check": …, "ciphertext": …}

(an RSA key has ``"keyType": "JsonWebKey"`` and ``publicKeyJwk`` instead of ``publicKeyMultibase``).

* Key derivation: scrypt (RFC 7914) from a passphrase, N = 2**17, r = 8, p = 1 (128 MiB, about a
  quarter of a second: the OWASP Password Storage recommendation); or HKDF-SHA256 (RFC 5869) from
  a 32-byte key-encryption key the platform holds (``kek=``), with a fresh salt per file. Either
  gives 64 bytes: 32 for AES-256-GCM (NIST SP 800-38D, 96-bit random nonce), 32 for ``check``, an
  HMAC that tells a wrong passphrase apart from a damaged file.
* Everything except ``ciphertext`` is authenticated as AES-GCM associated data: the public key,
  id, controller and KDF parameters cannot be changed without the file failing to open.
* The plaintext is the 32-byte Ed25519 seed, or the RSA private key as PKCS #8 DER.
* Files are written with mode 0600, through a temporary file in the same directory, and never
  replace an existing key file unless asked to.

Short secrets other than keys (a webhook's signing secret) are sealed with the same KEK by
:func:`seal_bytes` as one line of text, ``cs1.<salt>.<nonce>.<ciphertext>`` (base64url): a key
derived by HKDF-SHA256 with a fresh salt and its own ``info``, AES-256-GCM with a random 96-bit
nonce, and the caller's associated data (what the secret belongs to), so that a sealed value copied
to another record does not open. :func:`open_bytes` reverses it.

No private key material, passphrase or key-encryption key appears in ``repr``, in exception
messages, or in logs (nothing here logs).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import tempfile
import unicodedata
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature, InvalidTag, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from carnet.credentials import jsonsafe
from carnet.credentials.errors import CredentialError, KeyFormatError
from carnet.credentials.keys import Ed25519Key, decode_public_key

FORMAT = "carnet-encrypted-key"
VERSION = 1
CIPHER = "AES-256-GCM"
SCRYPT_N = 2**17
SCRYPT_R = 8
SCRYPT_P = 1
KEK_INFO = b"carnet keystore v1"
MIN_RSA_BITS = 2048
MAX_ENVELOPE_BYTES = 64 * 1024
_CHECK_LABEL = b"carnet keystore check"
SEALED_PREFIX = "cs1"
SEALED_INFO = b"carnet sealed bytes v1"
MAX_SEALED_BYTES = 64 * 1024


class KeystoreError(CredentialError, ValueError):
    """An encrypted key cannot be written or opened."""


class WrongPassphraseError(KeystoreError):
    """The passphrase (or key-encryption key) does not open this key file."""


class TamperedKeyError(KeystoreError):
    """The key file was altered or damaged."""


class SealedDataError(KeystoreError):
    """A sealed value does not open: another key-encryption key, other associated data, or damage
    (AES-GCM cannot tell these apart)."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(value: Any, what: str) -> bytes:
    if not isinstance(value, str) or len(value) > MAX_ENVELOPE_BYTES:
        raise KeystoreError(f"the key file's {what} is missing or not text")
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except ValueError:
        raise KeystoreError(f"the key file's {what} is not base64url") from None


def _uint_b64(number: int) -> str:
    return _b64(number.to_bytes((number.bit_length() + 7) // 8 or 1, "big"))


class RsaKey:
    """An RSA verification method (``JsonWebKey``) for RS256, at least 2048 bits.

    ``id`` defaults to ``controller#<JWK thumbprint>`` (RFC 7638). The private key, when present,
    never appears in ``repr`` and is exported only encrypted.
    """

    __slots__ = ("_private", "_public", "controller", "id")

    def __init__(
        self,
        public_key: rsa.RSAPublicKey,
        *,
        private_key: rsa.RSAPrivateKey | None = None,
        controller: str,
        key_id: str | None = None,
    ) -> None:
        if not isinstance(public_key, rsa.RSAPublicKey):
            raise KeyFormatError("not an RSA public key")
        if public_key.key_size < MIN_RSA_BITS:
            raise KeyFormatError(f"an RSA key for RS256 needs at least {MIN_RSA_BITS} bits")
        if (
            private_key is not None
            and private_key.public_key().public_numbers() != public_key.public_numbers()
        ):
            raise KeyFormatError("the RSA private key does not match the public key")
        if not isinstance(controller, str) or not controller:
            raise KeyFormatError("an RSA key needs a controller (the issuer's DID)")
        self._public = public_key
        self._private = private_key
        self.controller = controller
        if key_id is None:
            key_id = f"{controller}#{self.thumbprint()}"
        elif key_id.startswith("#"):
            key_id = controller + key_id
        self.id = key_id

    @classmethod
    def generate(cls, *, controller: str, key_id: str | None = None, bits: int = 3072) -> RsaKey:
        private = rsa.generate_private_key(public_exponent=65537, key_size=bits)
        return cls(private.public_key(), private_key=private, controller=controller, key_id=key_id)

    @classmethod
    def from_private_pem(
        cls, pem: bytes | str, *, password: str | bytes, controller: str, key_id: str | None = None
    ) -> RsaKey:
        """Read an encrypted PKCS #8 PEM (``-----BEGIN ENCRYPTED PRIVATE KEY-----``)."""
        data = pem.encode("ascii", "replace") if isinstance(pem, str) else pem
        try:
            private = serialization.load_pem_private_key(data, password=_secret(password, "password"))
        except TypeError:
            raise KeyFormatError(
                "the PEM private key is not encrypted: Carnet reads private keys only encrypted"
            ) from None
        except (ValueError, UnsupportedAlgorithm):
            raise KeyFormatError(
                "the PEM private key cannot be read: wrong password, or not a PEM key"
            ) from None
        if not isinstance(private, rsa.RSAPrivateKey):
            raise KeyFormatError("the PEM private key is not an RSA key")
        return cls(private.public_key(), private_key=private, controller=controller, key_id=key_id)

    @classmethod
    def from_public_pem(cls, pem: bytes | str, *, controller: str, key_id: str | None = None) -> RsaKey:
        data = pem.encode("ascii", "replace") if isinstance(pem, str) else pem
        try:
            public = serialization.load_pem_public_key(data)
        except (ValueError, UnsupportedAlgorithm):
            raise KeyFormatError("not a PEM public key") from None
        if not isinstance(public, rsa.RSAPublicKey):
            raise KeyFormatError("the PEM public key is not an RSA key")
        return cls(public, controller=controller, key_id=key_id)

    @classmethod
    def from_jwk(cls, jwk: Any, *, controller: str, key_id: str | None = None) -> RsaKey:
        """Read a public RSA JWK (RFC 7518 §6.3.1). A JWK with private members is refused."""
        if not isinstance(jwk, dict) or jwk.get("kty") != "RSA":
            raise KeyFormatError('not an RSA JWK (expected "kty": "RSA")')
        if any(member in jwk for member in ("d", "p", "q", "dp", "dq", "qi", "oth")):
            raise KeyFormatError("the JWK contains private key members: refused (publish only n and e)")
        n, e = jwk.get("n"), jwk.get("e")
        if not isinstance(n, str) or not isinstance(e, str) or len(n) > 2048 or len(e) > 16:
            raise KeyFormatError("the RSA JWK needs n and e as base64url text")
        try:
            modulus = int.from_bytes(base64.urlsafe_b64decode(n + "=" * (-len(n) % 4)), "big")
            exponent = int.from_bytes(base64.urlsafe_b64decode(e + "=" * (-len(e) % 4)), "big")
            public = rsa.RSAPublicNumbers(exponent, modulus).public_key()
        except ValueError:
            raise KeyFormatError("the RSA JWK's n or e is not a valid RSA public key") from None
        return cls(public, controller=controller, key_id=key_id)

    @property
    def key_size(self) -> int:
        return self._public.key_size

    @property
    def has_private_key(self) -> bool:
        return self._private is not None

    def public_jwk(self) -> dict[str, str]:
        numbers = self._public.public_numbers()
        return {"kty": "RSA", "n": _uint_b64(numbers.n), "e": _uint_b64(numbers.e)}

    def thumbprint(self) -> str:
        """RFC 7638 JWK thumbprint (SHA-256, base64url)."""
        jwk = self.public_jwk()
        canonical = json.dumps({"e": jwk["e"], "kty": "RSA", "n": jwk["n"]}, separators=(",", ":"))
        return _b64(hashlib.sha256(canonical.encode("ascii")).digest())

    def verification_method(self) -> dict[str, Any]:
        """The public ``JsonWebKey`` entry for a DID document."""
        return {
            "id": self.id,
            "type": "JsonWebKey",
            "controller": self.controller,
            "publicKeyJwk": self.public_jwk(),
        }

    def public_key(self) -> rsa.RSAPublicKey:
        return self._public

    def private_key(self) -> rsa.RSAPrivateKey:
        """The private key object (for a JOSE library to sign with)."""
        if self._private is None:
            raise KeyFormatError("this key has no private part: it can verify but not sign")
        return self._private

    def public_pem(self) -> str:
        return self._public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode("ascii")

    def private_pem(self, *, password: str | bytes) -> bytes:
        """The private key as an encrypted PKCS #8 PEM (never unencrypted)."""
        return self.private_key().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(_secret(password, "password")),
        )

    def sign(self, message: bytes) -> bytes:
        """RSASSA-PKCS1-v1_5 with SHA-256 (the RS256 signature of RFC 7518 §3.3)."""
        return self.private_key().sign(message, padding.PKCS1v15(), hashes.SHA256())

    def verify(self, signature: bytes, message: bytes) -> bool:
        try:
            self._public.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
        except (InvalidSignature, ValueError, TypeError):
            return False
        return True

    def __repr__(self) -> str:  # never show the private key
        private = ", private" if self.has_private_key else ""
        return f"<RsaKey {self.id} {self.key_size} bits{private}>"


def _secret(value: str | bytes, what: str) -> bytes:
    if isinstance(value, str):
        value = unicodedata.normalize("NFC", value).encode("utf-8")
    if not isinstance(value, bytes) or not value:
        raise KeystoreError(f"the {what} must not be empty")
    return value


def _derive(kdf: dict[str, Any], *, passphrase: str | bytes | None, kek: bytes | None) -> tuple[bytes, bytes]:
    """(AES key, check key) for the ``kdf`` description."""
    salt = _unb64(kdf.get("salt"), "salt")
    if not 16 <= len(salt) <= 64:
        raise KeystoreError("the key file's salt has an unexpected length")
    name = kdf.get("name")
    if name == "scrypt":
        if passphrase is None:
            raise KeystoreError("this key file is locked with a passphrase, not a key-encryption key")
        n, r, p = kdf.get("n"), kdf.get("r"), kdf.get("p")
        if not (
            type(n) is int and type(r) is int and type(p) is int
            and 2**14 <= n <= 2**18 and n & (n - 1) == 0 and 1 <= r <= 16 and 1 <= p <= 4
        ):  # fmt: skip
            raise KeystoreError("the key file's scrypt parameters are outside the accepted range")
        secret = _secret(passphrase, "passphrase")
        derived = Scrypt(salt=salt, length=64, n=n, r=r, p=p).derive(secret)
    elif name == "hkdf-sha256":
        if kek is None:
            raise KeystoreError("this key file is locked with a key-encryption key, not a passphrase")
        derived = HKDF(algorithm=hashes.SHA256(), length=64, salt=salt, info=KEK_INFO).derive(_kek(kek))
    else:
        raise KeystoreError("the key file uses an unknown key derivation")
    return derived[:32], derived[32:]


def _kek(kek: Any) -> bytes:
    if not isinstance(kek, bytes | bytearray) or len(kek) != 32:
        raise KeystoreError("a key-encryption key must be exactly 32 bytes")
    return bytes(kek)


def _check_value(check_key: bytes) -> str:
    return _b64(hmac.new(check_key, _CHECK_LABEL, hashlib.sha256).digest()[:16])


def _associated_data(envelope: dict[str, Any]) -> bytes:
    clear = {name: value for name, value in envelope.items() if name != "ciphertext"}
    return json.dumps(clear, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def _one_secret(passphrase: str | bytes | None, kek: bytes | None) -> None:
    if (passphrase is None) == (kek is None):
        raise KeystoreError("give either a passphrase or a key-encryption key (kek), not both or neither")


def encrypt_key(
    key: Ed25519Key | RsaKey, *, passphrase: str | bytes | None = None, kek: bytes | None = None
) -> str:
    """The JSON envelope of ``key``'s private part, encrypted with ``passphrase`` or ``kek``."""
    _one_secret(passphrase, kek)
    envelope: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "id": key.id,
        "controller": key.controller,
    }
    if isinstance(key, Ed25519Key):
        plaintext = key.seed()
        envelope["keyType"] = "Multikey"
        envelope["publicKeyMultibase"] = key.public_key_multibase
    elif isinstance(key, RsaKey):
        plaintext = key.private_key().private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        envelope["keyType"] = "JsonWebKey"
        envelope["publicKeyJwk"] = key.public_jwk()
    else:
        raise KeystoreError("only Ed25519 and RSA keys can be stored")
    salt = secrets.token_bytes(16)
    if passphrase is not None:
        envelope["kdf"] = {"name": "scrypt", "salt": _b64(salt), "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P}
    else:
        envelope["kdf"] = {"name": "hkdf-sha256", "salt": _b64(salt)}
    aes_key, check_key = _derive(envelope["kdf"], passphrase=passphrase, kek=kek)
    nonce = secrets.token_bytes(12)
    envelope.update(cipher=CIPHER, nonce=_b64(nonce), check=_check_value(check_key))
    ciphertext = AESGCM(aes_key).encrypt(nonce, plaintext, _associated_data(envelope))
    envelope["ciphertext"] = _b64(ciphertext)
    return json.dumps(envelope, indent=2)


def _text(envelope: Any, what: str) -> Any:
    if not isinstance(envelope, str) or len(envelope) > MAX_ENVELOPE_BYTES:
        raise KeystoreError(f"the key file's {what} is missing or not text")
    return envelope


def decrypt_key(
    envelope: str | bytes, *, passphrase: str | bytes | None = None, kek: bytes | None = None
) -> Ed25519Key | RsaKey:
    """The key sealed in ``envelope`` (JSON text). Raises :class:`WrongPassphraseError` or
    :class:`TamperedKeyError` (both :class:`KeystoreError`)."""
    _one_secret(passphrase, kek)
    try:
        document = jsonsafe.loads(envelope, max_bytes=MAX_ENVELOPE_BYTES, max_depth=8)
    except ValueError:
        raise KeystoreError("this is not an encrypted Carnet key file (not valid JSON)") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise KeystoreError("this is not an encrypted Carnet key file")
    if document.get("version") != VERSION or document.get("cipher") != CIPHER:
        raise KeystoreError("this key file was written by an unsupported version of Carnet")
    kdf = document.get("kdf")
    if not isinstance(kdf, dict):
        raise KeystoreError("the key file has no key derivation parameters")
    aes_key, check_key = _derive(kdf, passphrase=passphrase, kek=kek)
    if not hmac.compare_digest(_check_value(check_key), _text(document.get("check"), "check value")):
        secret = "passphrase" if passphrase is not None else "key-encryption key"
        raise WrongPassphraseError(f"wrong {secret}: it does not open this key file")
    nonce = _unb64(document.get("nonce"), "nonce")
    ciphertext = _unb64(document.get("ciphertext"), "ciphertext")
    if len(nonce) != 12:
        raise TamperedKeyError("the key file was altered or damaged (bad nonce)")
    try:
        plaintext = AESGCM(aes_key).decrypt(nonce, ciphertext, _associated_data(document))
    except InvalidTag:
        raise TamperedKeyError("the key file was altered or damaged: it fails its integrity check") from None
    key_id = _text(document.get("id"), "id")
    controller = _text(document.get("controller"), "controller")
    if document.get("keyType") == "Multikey":
        public = decode_public_key(_text(document.get("publicKeyMultibase"), "public key"))
        return Ed25519Key(public, seed=plaintext, controller=controller, key_id=key_id)
    if document.get("keyType") == "JsonWebKey":
        try:
            private = serialization.load_der_private_key(plaintext, password=None)
        except (ValueError, UnsupportedAlgorithm):
            raise TamperedKeyError("the key file's private key cannot be read") from None
        if not isinstance(private, rsa.RSAPrivateKey):
            raise KeystoreError("the key file holds a key of an unsupported type")
        key = RsaKey(private.public_key(), private_key=private, controller=controller, key_id=key_id)
        if key.public_jwk() != document.get("publicKeyJwk"):
            raise TamperedKeyError("the key file's public key does not match its private key")
        return key
    raise KeystoreError("the key file holds a key of an unsupported type")


def save_key(
    path: str | os.PathLike[str],
    key: Ed25519Key | RsaKey,
    *,
    passphrase: str | bytes | None = None,
    kek: bytes | None = None,
    overwrite: bool = False,
) -> None:
    """Write ``key`` encrypted to ``path`` with mode 0600, atomically (temporary file, then rename).

    An existing file is never replaced unless ``overwrite=True``: losing a private key loses the
    ability to sign (and, for did:key, the issuer's identity).
    """
    target = Path(path)
    data = encrypt_key(key, passphrase=passphrase, kek=kek).encode("utf-8")
    if not overwrite and target.exists():
        raise KeystoreError(f"{target} already exists: Carnet does not overwrite a key file")
    directory = target.parent if str(target.parent) else Path(".")
    fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if overwrite:
            os.replace(temporary, target)
        else:
            try:
                os.link(temporary, target)  # atomic, and fails if the target appeared meanwhile
            except FileExistsError:
                raise KeystoreError(
                    f"{target} already exists: Carnet does not overwrite a key file"
                ) from None
            except OSError:  # a file system without hard links
                os.replace(temporary, target)
            else:
                os.unlink(temporary)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
    _sync_directory(directory)


def _sync_directory(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def load_key(
    path: str | os.PathLike[str], *, passphrase: str | bytes | None = None, kek: bytes | None = None
) -> Ed25519Key | RsaKey:
    """Read and decrypt the key file at ``path``."""
    data = Path(path).read_bytes()[: MAX_ENVELOPE_BYTES + 1]
    return decrypt_key(data, passphrase=passphrase, kek=kek)


# -- short secrets sealed with the key-encryption key --------------------------------------------------


def _sealing_key(kek: bytes, salt: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=SEALED_INFO).derive(_kek(kek))


def seal_bytes(data: bytes, *, kek: bytes, associated_data: bytes) -> str:
    """``data`` encrypted with ``kek`` (32 bytes) and bound to ``associated_data``, as one line of
    ASCII text (``cs1.<salt>.<nonce>.<ciphertext>``)."""
    if not isinstance(data, bytes) or len(data) > MAX_SEALED_BYTES:
        raise KeystoreError(f"only bytes, at most {MAX_SEALED_BYTES}, can be sealed")
    if not isinstance(associated_data, bytes):
        raise KeystoreError("the associated data must be bytes")
    salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
    ciphertext = AESGCM(_sealing_key(kek, salt)).encrypt(nonce, data, associated_data)
    return ".".join((SEALED_PREFIX, _b64(salt), _b64(nonce), _b64(ciphertext)))


def open_bytes(sealed: str, *, kek: bytes, associated_data: bytes) -> bytes:
    """The bytes sealed by :func:`seal_bytes` with the same ``kek`` and ``associated_data``;
    :class:`SealedDataError` otherwise (or :class:`KeystoreError` if ``sealed`` is not one)."""
    if not isinstance(sealed, str) or len(sealed) > 2 * MAX_SEALED_BYTES:
        raise KeystoreError("a sealed value is text of reasonable length")
    parts = sealed.split(".")
    if len(parts) != 4 or parts[0] != SEALED_PREFIX:
        raise KeystoreError("this is not a value sealed by Carnet")
    salt, nonce, ciphertext = (_unb64(part, "sealed value") for part in parts[1:])
    if len(salt) != 16 or len(nonce) != 12 or len(ciphertext) < 16:
        raise SealedDataError("the sealed value is damaged")
    try:
        return AESGCM(_sealing_key(kek, salt)).decrypt(nonce, ciphertext, associated_data)
    except InvalidTag:
        raise SealedDataError(
            "the sealed value does not open: another key-encryption key, another owner, or damage"
        ) from None


# -- several keys in one backup file, locked with a passphrase -----------------------------------------

BUNDLE_FORMAT = "carnet-key-backup"
BUNDLE_VERSION = 1
_BUNDLE_CHECK_LABEL = b"carnet key backup check"
MAX_BUNDLE_BYTES = 16 * 1024 * 1024


def _bundle_secrets(kdf: dict[str, Any], passphrase: str | bytes) -> tuple[bytes, bytes]:
    """(key-encryption key for the envelopes, MAC key for the file) from ``passphrase``."""
    aes_key, check_key = _derive(kdf, passphrase=passphrase, kek=None)
    return aes_key, check_key


def _bundle_mac(mac_key: bytes, document: dict[str, Any]) -> str:
    clear = {name: value for name, value in document.items() if name != "mac"}
    data = json.dumps(clear, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")
    return _b64(hmac.new(mac_key, data, hashlib.sha256).digest())


def encrypt_bundle(
    entries: list[tuple[Ed25519Key | RsaKey, dict[str, Any]]], *, passphrase: str | bytes
) -> str:
    """Several keys, each with its metadata (JSON values the caller chooses: whose key, when made
    and retired), in one JSON file locked with ``passphrase``.

    One scrypt derivation (the parameters of :func:`encrypt_key`) gives a key-encryption key, with
    which each key is sealed as an :func:`encrypt_key` envelope (HKDF, AES-256-GCM), and a MAC key
    for an HMAC-SHA256 over the whole file, so that no metadata can be changed either. A ``check``
    value tells a wrong passphrase apart from a damaged file."""
    kdf = {
        "name": "scrypt",
        "salt": _b64(secrets.token_bytes(16)),
        "n": SCRYPT_N,
        "r": SCRYPT_R,
        "p": SCRYPT_P,
    }
    kek, mac_key = _bundle_secrets(kdf, _secret(passphrase, "passphrase"))
    document: dict[str, Any] = {
        "format": BUNDLE_FORMAT,
        "version": BUNDLE_VERSION,
        "kdf": kdf,
        "check": _b64(hmac.new(mac_key, _BUNDLE_CHECK_LABEL, hashlib.sha256).digest()[:16]),
        "keys": [
            {"metadata": metadata, "envelope": json.loads(encrypt_key(key, kek=kek))}
            for key, metadata in entries
        ],
    }
    document["mac"] = _bundle_mac(mac_key, document)
    return json.dumps(document, indent=2)


def decrypt_bundle(data: str | bytes, *, passphrase: str | bytes) -> list[tuple[Ed25519Key | RsaKey, Any]]:
    """The keys and metadata of a file made by :func:`encrypt_bundle`. Raises
    :class:`WrongPassphraseError` or :class:`TamperedKeyError` (both :class:`KeystoreError`)."""
    try:
        document = jsonsafe.loads(data, max_bytes=MAX_BUNDLE_BYTES, max_depth=12)
    except ValueError:
        raise KeystoreError("this is not a Carnet key backup (not valid JSON)") from None
    if not isinstance(document, dict) or document.get("format") != BUNDLE_FORMAT:
        raise KeystoreError("this is not a Carnet key backup")
    if document.get("version") != BUNDLE_VERSION:
        raise KeystoreError("this key backup was written by an unsupported version of Carnet")
    kdf = document.get("kdf")
    if not isinstance(kdf, dict) or kdf.get("name") != "scrypt":
        raise KeystoreError("the key backup has no usable key derivation parameters")
    kek, mac_key = _bundle_secrets(kdf, _secret(passphrase, "passphrase"))
    check = _b64(hmac.new(mac_key, _BUNDLE_CHECK_LABEL, hashlib.sha256).digest()[:16])
    if not hmac.compare_digest(check, _text(document.get("check"), "check value")):
        raise WrongPassphraseError("wrong passphrase: it does not open this key backup")
    if not hmac.compare_digest(_bundle_mac(mac_key, document), _text(document.get("mac"), "MAC")):
        raise TamperedKeyError("the key backup was altered or damaged: it fails its integrity check")
    entries = document.get("keys")
    if not isinstance(entries, list):
        raise TamperedKeyError("the key backup holds no list of keys")
    keys: list[tuple[Ed25519Key | RsaKey, Any]] = []
    for entry in entries:
        if not isinstance(entry, dict):
            raise TamperedKeyError("the key backup holds an entry that is not an object")
        envelope = json.dumps(entry.get("envelope"))
        keys.append((decrypt_key(envelope, kek=kek), entry.get("metadata")))
    return keys
