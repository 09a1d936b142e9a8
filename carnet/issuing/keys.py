"""Signing keys: one current Ed25519 key per organisation (and one for the platform), made on first
use, sealed at rest with the key-encryption key (KEK) from the environment, rotated without breaking
what the old key signed; and the signer interface through which everything in Carnet gets the key it
signs with, so that a KMS or an HSM can take the place of the database later.

The KEK is ``settings.KEY_ENCRYPTION_KEY`` (32 bytes, from ``CARNET_KEY_ENCRYPTION_KEY``; derived
from ``SECRET_KEY`` when that is unset). It is never stored in the database.
"""

from __future__ import annotations

import json
import secrets
from typing import Any, Protocol

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from carnet.audit.services import record_event
from carnet.credentials import Ed25519Key
from carnet.credentials.keystore import decrypt_key, encrypt_key
from carnet.issuing.identity import controller_of, key_id
from carnet.issuing.models import SigningKey
from carnet.organisations.models import Organisation


class SigningKeyHandle(Protocol):
    """What :func:`carnet.credentials.sign` needs of a key: its verification method id and a way to
    sign bytes. :class:`~carnet.credentials.Ed25519Key` is one; a KMS/HSM client can be another
    (it would sign remotely and never hand out the private key)."""

    id: str

    @property
    def has_private_key(self) -> bool: ...

    def sign(self, message: bytes) -> bytes: ...


class Signer(Protocol):
    """Gives the key that signs for an organisation (None: the platform) right now."""

    def key_for(self, organisation: Organisation | None) -> SigningKeyHandle: ...


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
def rotate_signing_key(*, organisation: Organisation, actor: Any) -> SigningKey:
    """Retire the current key and make a new one. The retired key stays in the DID document, so
    the credentials and status lists it signed keep verifying."""
    SigningKey.objects.select_for_update().filter(organisation=organisation, retired_at=None).update(
        retired_at=timezone.now()
    )
    stored = _new_key(organisation)
    record_event(verb="signing_key.rotated", actor=actor, organisation=organisation, target=stored)
    return stored


class DatabaseSigner:
    """Keys kept in the database, sealed with the KEK; opened only for the moment of signing."""

    def key_for(self, organisation: Organisation | None) -> SigningKeyHandle:
        stored = ensure_signing_key(organisation)
        key = decrypt_key(json.dumps(stored.envelope), kek=_kek())
        controller = controller_of(organisation)
        if not isinstance(key, Ed25519Key) or key.id != key_id(controller, stored):
            raise ValueError(f"the sealed key {stored.pk} does not belong to {controller}")
        return key


def signer() -> Signer:
    """The signer of the platform. Replace this function's answer to sign with a KMS or an HSM."""
    return DatabaseSigner()
