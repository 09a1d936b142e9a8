"""Who signs: each organisation's did:web and issuer Profile, the platform's own did:web, their keys
(sealed at rest with the key-encryption key from the environment), and a resolver that answers the
platform's own DIDs and status lists from the database, so verifying what Carnet issued needs no
network.

did:web (did:web method §3.2): ``https://host[:port]/organisations/<slug>/did.json`` ↔
``did:web:host[%3Aport]:organisations:<slug>``; the platform is ``did:web:host[%3Aport]``
(``/.well-known/did.json``)."""

from __future__ import annotations

import secrets
import urllib.parse
from typing import Any, Protocol

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from carnet.audit.services import record_event
from carnet.credentials import Ed25519Key, ResolutionError, Resolver
from carnet.credentials import model as ob
from carnet.credentials.did import did_document
from carnet.credentials.keystore import decrypt_key, encrypt_key
from carnet.issuing.models import SigningKey, StatusList
from carnet.organisations.models import Organisation


def site_url() -> str:
    return settings.SITE_URL.rstrip("/")


def _host() -> str:
    parsed = urllib.parse.urlsplit(site_url())
    host = parsed.hostname or "localhost"
    return host + (f"%3A{parsed.port}" if parsed.port else "")


def platform_did() -> str:
    return f"did:web:{_host()}"


def organisation_did(organisation: Organisation) -> str:
    return f"did:web:{_host()}:organisations:{organisation.slug}"


def absolute(path: str) -> str:
    return site_url() + path


def issuer_profile(organisation: Organisation) -> dict[str, Any]:
    """The organisation's Open Badges issuer ``Profile``."""
    return ob.profile(
        organisation_did(organisation),
        organisation.name,
        url=organisation.website or absolute(reverse("issuing:profile", args=[organisation.slug])),
        description=organisation.description_fr or None,
    )


def platform_profile() -> dict[str, Any]:
    return ob.profile(platform_did(), "Carnet", url=site_url())


class Signer(Protocol):
    """What signs for an organisation (or the platform): the key held here, or a KMS/HSM behind the
    same interface."""

    def key_for(self, organisation: Organisation | None) -> Ed25519Key: ...


def _kek() -> bytes:
    return bytes(settings.KEY_ENCRYPTION_KEY)


def _controller(organisation: Organisation | None) -> str:
    return organisation_did(organisation) if organisation is not None else platform_did()


@transaction.atomic
def ensure_signing_key(organisation: Organisation | None) -> SigningKey:
    """The current key of ``organisation`` (None: the platform), made on first use."""
    current = (
        SigningKey.objects.select_for_update()
        .filter(organisation=organisation, retired_at=None)
        .order_by("-created_at")
        .first()
    )
    if current is not None:
        return current
    return _new_key(organisation)


def _new_key(organisation: Organisation | None) -> SigningKey:
    fragment = f"key-{timezone.now():%Y%m%d}-{secrets.token_hex(3)}"
    controller = _controller(organisation)
    key = Ed25519Key.generate(controller=controller, key_id=f"{controller}#{fragment}")
    return SigningKey.objects.create(
        organisation=organisation,
        fragment=fragment,
        public_key_multibase=key.public_key_multibase,
        sealed=encrypt_key(key, kek=_kek()),
    )


@transaction.atomic
def rotate_signing_key(*, organisation: Organisation, actor: Any) -> SigningKey:
    """Retire the current key (it stays published, so what it signed still verifies) and make a new one."""
    SigningKey.objects.select_for_update().filter(organisation=organisation, retired_at=None).update(
        retired_at=timezone.now()
    )
    key = _new_key(organisation)
    record_event(verb="key.rotated", actor=actor, organisation=organisation, target=key)
    return key


class DatabaseSigner:
    """Keys sealed in the database with the key-encryption key from the environment."""

    def key_for(self, organisation: Organisation | None) -> Ed25519Key:
        stored = ensure_signing_key(organisation)
        key = decrypt_key(stored.sealed, kek=_kek())
        assert isinstance(key, Ed25519Key)
        return key


def signer() -> Signer:
    return DatabaseSigner()


def _public_keys(organisation: Organisation | None) -> list[Ed25519Key]:
    controller = _controller(organisation)
    return [
        Ed25519Key.from_multikey(
            {
                "id": f"{controller}#{k.fragment}",
                "type": "Multikey",
                "controller": controller,
                "publicKeyMultibase": k.public_key_multibase,
            }
        )
        for k in SigningKey.objects.filter(organisation=organisation).order_by("created_at")
    ]


def organisation_did_document(organisation: Organisation) -> dict[str, Any]:
    """Every key of the organisation, current and retired."""
    return did_document(organisation_did(organisation), _public_keys(organisation))


def platform_did_document() -> dict[str, Any]:
    return did_document(platform_did(), _public_keys(None))


def status_list_url(status_list: StatusList) -> str:
    return absolute(
        reverse(
            "issuing:status_list",
            args=[status_list.organisation.slug, status_list.purpose, status_list.number],
        )
    )


class PlatformResolver(Resolver):
    """A resolver that answers the platform's own DIDs and status lists from the database and refuses
    anything else unless a fetcher is given (never an attacker-chosen URL fetched by default)."""

    def resolve(self, identifier: str) -> Any:
        base = identifier.split("#", 1)[0] if isinstance(identifier, str) else identifier
        own = self._own(base)
        if own is not None:
            return own
        return super().resolve(identifier)

    def _own(self, base: Any) -> Any:
        if not isinstance(base, str):
            return None
        if base == platform_did():
            return platform_did_document()
        prefix = f"did:web:{_host()}:organisations:"
        if base.startswith(prefix):
            organisation = Organisation.objects.filter(slug=base.removeprefix(prefix)).first()
            if organisation is None:
                raise ResolutionError(f"{base} is not an organisation of this platform")
            return organisation_did_document(organisation)
        status_prefix = absolute("/organisations/")
        if base.startswith(status_prefix) and "/statuts/" in base:
            for status_list in StatusList.objects.select_related("organisation"):
                if status_list_url(status_list) == base:
                    return status_list.published
        return None


def resolver() -> Resolver:
    return PlatformResolver()
