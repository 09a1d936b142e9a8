"""Signing keys: one current Ed25519 key per organisation (and one for the platform), made on first
use, sealed at rest with the key-encryption key (KEK) from the environment, rotated without breaking
what the old key signed; and the signer interface through which everything in Carnet gets the key it
signs with, so that a KMS or an HSM can take the place of the database.

The signer is chosen by ``settings.SIGNER`` (``CARNET_SIGNER``: the dotted path of a class taking no
arguments; by default :class:`DatabaseSigner`). A signer whose keys stay outside (a KMS, an HSM)
signs bytes remotely and reports its public key with :func:`record_external_key`, which publishes it
in the DID document like any other key; docs/operators-guide.md ("Signing keys in a KMS or an HSM")
shows how to write one.

The KEK is ``settings.KEY_ENCRYPTION_KEY`` (32 bytes, from ``CARNET_KEY_ENCRYPTION_KEY``; derived
from ``SECRET_KEY`` when that is unset). It is never stored in the database.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from collections.abc import Iterable, Iterator
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Protocol

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.module_loading import import_string

from carnet.audit.services import record_event
from carnet.credentials import Ed25519Key, sign
from carnet.credentials.keys import decode_public_key
from carnet.credentials.keystore import (
    KeystoreError,
    decrypt_bundle,
    decrypt_key,
    encrypt_bundle,
    encrypt_key,
)
from carnet.credentials.pool import SigningPool, dumps
from carnet.issuing.identity import controller_of, key_id
from carnet.issuing.models import IssuedCredential, SigningKey
from carnet.organisations.models import Organisation

MIN_PASSPHRASE_LENGTH = 12

logger = logging.getLogger("carnet.issuing")


class SigningKeyHandle(Protocol):
    """What :func:`carnet.credentials.sign` needs of a key: its verification method id and a way to
    sign bytes. :class:`~carnet.credentials.Ed25519Key` is one; a KMS/HSM client can be another
    (it would sign remotely and never hand out the private key)."""

    id: str

    @property
    def has_private_key(self) -> bool: ...

    def sign(self, message: bytes) -> bytes: ...


class Signer(Protocol):
    """Gives the key that signs for an organisation (None: the platform) right now.

    ``key_for`` is called for every signature (credentials, status lists, endorsements,
    certificates). The handle's ``id`` must be the key id published in the DID document
    (``<DID>#<fragment>`` of a :class:`~carnet.issuing.models.SigningKey` row): a signer keeping
    its keys elsewhere gets that row from :func:`record_external_key`."""

    def key_for(self, organisation: Organisation | None) -> SigningKeyHandle: ...


EXTERNAL_FORMAT = "carnet-external-key"


def _kek() -> bytes:
    return bytes(settings.KEY_ENCRYPTION_KEY)


def _new_key(organisation: Organisation | None) -> SigningKey:
    controller = controller_of(organisation)
    fragment = f"key-{timezone.now():%Y%m%d}-{secrets.token_hex(4)}"
    key = Ed25519Key.generate(controller=controller, key_id=f"{controller}#{fragment}")
    envelope = encrypt_key(key, kek=_kek())
    return SigningKey.objects.create(
        organisation=organisation,
        fragment=fragment,
        public_key_multibase=key.public_key_multibase,
        envelope=json.loads(envelope),
    )


def ensure_signing_key(organisation: Organisation | None) -> SigningKey:
    """The current key of ``organisation`` (None: the platform), made on first use. Two processes
    making the first key at once end up with the same one (a constraint allows one current key)."""
    current = SigningKey.objects.filter(organisation=organisation, retired_at=None).first()
    if current is not None:
        return current
    try:
        with transaction.atomic():
            stored = _new_key(organisation)
            record_event(verb="signing_key.created", organisation=organisation, target=stored)
            return stored
    except IntegrityError:
        return SigningKey.objects.get(organisation=organisation, retired_at=None)


@transaction.atomic
def rotate_signing_key(*, organisation: Organisation | None, actor: Any) -> SigningKey:
    """Retire the current key and make a new one. The retired key stays in the DID document, so
    the credentials and status lists it signed keep verifying."""
    SigningKey.objects.select_for_update().filter(organisation=organisation, retired_at=None).update(
        retired_at=timezone.now()
    )
    stored = _new_key(organisation)
    record_event(verb="signing_key.rotated", actor=actor, organisation=organisation, target=stored)
    return stored


def is_external(stored: SigningKey) -> bool:
    """Whether the private part of ``stored`` lives outside Carnet (a KMS, an HSM)."""
    return stored.envelope.get("format") == EXTERNAL_FORMAT


def record_external_key(
    organisation: Organisation | None, *, public_key_multibase: str, reference: str
) -> SigningKey:
    """The key row of a key held outside Carnet, for an external signer's ``key_for``: the current
    row if it already publishes ``public_key_multibase``; otherwise a new current row (the previous
    one retired, still published) and an audit event. ``reference`` names the key in the KMS (an
    ARN, a key URI): it is kept, never the key."""
    current = SigningKey.objects.filter(organisation=organisation, retired_at=None).first()
    if current is not None and current.public_key_multibase == public_key_multibase:
        return current
    Ed25519Key.from_multikey(
        {"id": "x#x", "controller": "x", "publicKeyMultibase": public_key_multibase}
    )  # refuses what is not an Ed25519 public key
    with transaction.atomic():
        SigningKey.objects.select_for_update().filter(organisation=organisation, retired_at=None).update(
            retired_at=timezone.now()
        )
        stored = SigningKey.objects.create(
            organisation=organisation,
            fragment=f"key-{timezone.now():%Y%m%d}-{secrets.token_hex(4)}",
            public_key_multibase=public_key_multibase,
            envelope={"format": EXTERNAL_FORMAT, "reference": reference},
        )
        record_event(
            verb="signing_key.external",
            organisation=organisation,
            target=stored,
            data={"reference": reference},
        )
    return stored


def export_keys(*, organisations: list[Organisation | None], passphrase: str, actor: Any) -> str:
    """The keys (current and retired) of ``organisations`` (None: the platform) as one backup file
    locked with ``passphrase`` (:func:`carnet.credentials.keystore.encrypt_bundle`). Keys held in a
    KMS are not in it (their private part never was in Carnet). Audited, once per organisation."""
    entries: list[tuple[Any, dict[str, Any]]] = []
    for organisation in organisations:
        stored_keys = [k for k in SigningKey.objects.filter(organisation=organisation) if not is_external(k)]
        for stored in stored_keys:
            key = decrypt_key(json.dumps(stored.envelope), kek=_kek())
            metadata = {
                "organisation": organisation.slug if organisation is not None else None,
                "fragment": stored.fragment,
                "createdAt": stored.created_at.isoformat(),
                "retiredAt": stored.retired_at.isoformat() if stored.retired_at else None,
            }
            entries.append((key, metadata))
        record_event(
            verb="signing_key.exported",
            actor=actor,
            organisation=organisation,
            data={"keys": len(stored_keys)},
        )
    return encrypt_bundle(entries, passphrase=passphrase)


class ImportRefused(KeystoreError):
    """A key of the backup does not match this platform (another site, another key)."""


@transaction.atomic
def import_keys(data: str | bytes, *, passphrase: str, actor: Any = None) -> dict[str, int]:
    """Put back the keys of a backup made by :func:`export_keys`, sealed with this platform's KEK:
    a key already here with the same public key has its sealed copy replaced (what a new KEK needs);
    a missing one is added (retired if its organisation has a current key). Refuses the whole file,
    changing nothing, if a key's id is not the one this site gives it, or its id is taken by another
    public key. Counts of keys ``added`` and ``resealed``."""
    counts = {"added": 0, "resealed": 0}
    for key, metadata in decrypt_bundle(data, passphrase=passphrase):
        if not isinstance(metadata, dict) or not isinstance(metadata.get("fragment"), str):
            raise ImportRefused("a key of the backup has no fragment")
        slug = metadata.get("organisation")
        organisation = Organisation.objects.filter(slug=slug).first() if slug is not None else None
        if slug is not None and organisation is None:
            raise ImportRefused(f"the organisation {slug!r} of a key does not exist here")
        if not isinstance(key, Ed25519Key):
            raise ImportRefused("only Ed25519 signing keys can be imported")
        controller = controller_of(organisation)
        expected = f"{controller}#{metadata['fragment']}"
        if key.id != expected or key.controller != controller:
            raise ImportRefused(f"the key {key.id} is not {expected}: was it exported from another site?")
        stored = SigningKey.objects.filter(organisation=organisation, fragment=metadata["fragment"]).first()
        envelope = json.loads(encrypt_key(key, kek=_kek()))
        if stored is not None:
            if stored.public_key_multibase != key.public_key_multibase:
                raise ImportRefused(f"the key {key.id} here has another public key")
            stored.envelope = envelope
            stored.save(update_fields=["envelope"])
            counts["resealed"] += 1
            continue
        retired_at = _moment(metadata.get("retiredAt"))
        if (
            retired_at is None
            and SigningKey.objects.filter(organisation=organisation, retired_at=None).exists()
        ):
            retired_at = timezone.now()
        stored = SigningKey.objects.create(
            organisation=organisation, fragment=metadata["fragment"],
            public_key_multibase=key.public_key_multibase, envelope=envelope, retired_at=retired_at,
        )  # fmt: skip
        created_at = _moment(metadata.get("createdAt"))
        if created_at is not None:
            SigningKey.objects.filter(pk=stored.pk).update(created_at=created_at)
        counts["added"] += 1
    record_event(verb="signing_key.imported", actor=actor, data=counts)
    return counts


def _moment(value: Any) -> Any:
    return parse_datetime(value) if isinstance(value, str) else None


def fingerprint(stored: SigningKey) -> str:
    """The SHA-256 of the raw public key, first 16 bytes in groups of four hex digits: what two
    people compare aloud to know they hold the same key."""
    digest = hashlib.sha256(decode_public_key(stored.public_key_multibase)).hexdigest()[:32]
    return " ".join(digest[i : i + 4] for i in range(0, 32, 4))


def signed_counts(organisation: Organisation | None) -> dict[str, int]:
    """How many credentials each key (by key id) of ``organisation`` signed."""
    rows = (
        IssuedCredential.objects.filter(organisation=organisation)
        .values("document__proof__verificationMethod")
        .annotate(n=Count("pk"))
    )
    return {row["document__proof__verificationMethod"]: row["n"] for row in rows}


class DatabaseSigner:
    """Keys kept in the database, sealed with the KEK; opened only for the moment of signing."""

    def key_for(self, organisation: Organisation | None) -> SigningKeyHandle:
        stored = ensure_signing_key(organisation)
        if is_external(stored):
            raise ValueError(
                f"the current key {stored.pk} is held outside Carnet: set CARNET_SIGNER to its signer, "
                "or rotate the key to make one in the database"
            )
        key = decrypt_key(json.dumps(stored.envelope), kek=_kek())
        controller = controller_of(organisation)
        if not isinstance(key, Ed25519Key) or key.id != key_id(controller, stored):
            raise ValueError(f"the sealed key {stored.pk} does not belong to {controller}")
        return key


def signer() -> Signer:
    """The signer of the platform: an instance of the class named by ``settings.SIGNER``."""
    factory = import_string(settings.SIGNER)
    return factory()  # type: ignore[no-any-return]


_pool: SigningPool | None = None


def sign_many(
    documents: Iterable[dict[str, Any]], key: SigningKeyHandle
) -> Iterator[tuple[dict[str, Any], str]]:
    """Each document signed by ``key``, in order, as :func:`carnet.credentials.sign` signs it, with
    its JSON text (bulk issuance stores that text as it is). ``documents`` is read at once (it may
    make them one by one). With ``settings.SIGNING_PROCESSES`` above 0, the costly part of each
    signature (schema check, canonicalisation, hashes) starts in other processes as soon as a
    batch of documents is made, and goes on while the caller does its other work and then stores
    the documents as they come (:mod:`carnet.credentials.pool`); the key signs here and never
    leaves this process. Should those processes die (killed for memory, say), the rest is signed
    here."""
    processes = int(getattr(settings, "SIGNING_PROCESSES", 0))
    source, made = iter(documents), []
    signed: Iterator[tuple[dict[str, Any], str]] = iter(())
    if processes > 0:

        def kept() -> Iterator[dict[str, Any]]:
            for document in source:
                made.append(document)
                yield document

        try:
            signed = _signing_pool(processes).sign_all(kept(), key)  # type: ignore[arg-type]
        except BrokenProcessPool:
            _pool_died()
    made.extend(source)  # all of them, whatever happened to the pool
    return _signed_here_after(signed, made, key)


def start_signing_pool() -> None:
    """Start this process's signing processes, if the settings want them, without waiting: they
    are ready by the time the first documents are made."""
    processes = int(getattr(settings, "SIGNING_PROCESSES", 0))
    if processes > 0:
        try:
            _signing_pool(processes).start()
        except BrokenProcessPool:
            _pool_died()


def _signed_here_after(
    signed: Iterator[tuple[dict[str, Any], str]], documents: list[dict[str, Any]], key: SigningKeyHandle
) -> Iterator[tuple[dict[str, Any], str]]:
    """What ``signed`` gives, then the rest of ``documents`` signed in this process."""
    done = 0
    try:
        for item in signed:
            done += 1
            yield item
    except BrokenProcessPool:
        _pool_died()
    for document in documents[done:]:
        document = sign(document, key)  # type: ignore[arg-type]
        yield document, dumps(document)


def _pool_died() -> None:
    logger.warning("the signing process stopped: the rest is signed in the worker", exc_info=True)
    close_signing_pool()


def _signing_pool(processes: int) -> SigningPool:
    global _pool
    if _pool is None or _pool.processes != processes:
        close_signing_pool()
        _pool = SigningPool(processes)
    return _pool


def signing_pids() -> list[int]:
    """The process ids of this process's signing processes (for bench/bulk_issuing.py)."""
    return _pool.pids if _pool is not None else []


def close_signing_pool() -> None:
    """Stop this process's signing processes (they start again when next needed)."""
    global _pool
    if _pool is not None:
        _pool.close()
        _pool = None
