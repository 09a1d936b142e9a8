"""Writes on the catalogue: one function per domain event, atomic."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from carnet.catalogue.models import (
    Alignment,
    Certificate,
    MicroCredential,
    MicroCredentialVersion,
    RequirementGroup,
    Status,
)
from carnet.organisations.models import Organisation

VERSION_FIELDS = (
    "name_fr", "name_en", "description_fr", "description_en", "criteria_fr", "criteria_en",
    "evidence_fr", "evidence_en", "learning_contexts", "assessment_method", "endorsements_required",
    "validity_months", "image", "image_png", "design",
)  # fmt: skip


class CatalogueError(ValueError):
    """A change the catalogue refuses (the message is for the person who asked)."""


def _unique_slug(organisation: Organisation, name: str) -> str:
    base = slugify(name)[:70] or "microattestation"
    slug, n = base, 2
    while MicroCredential.objects.filter(organisation=organisation, slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def _set_alignments(version: MicroCredentialVersion, alignments: Iterable[tuple[Any, Any]]) -> None:
    version.alignments.all().delete()
    for competency, level in alignments:
        Alignment.objects.create(version=version, competency=competency, level=level)


@transaction.atomic
def create_micro_credential(
    *, organisation: Organisation, fields: Mapping[str, Any], alignments: Iterable[tuple[Any, Any]] = ()
) -> MicroCredential:
    """A new micro-credential, as a draft (version 1)."""
    if not organisation.recognises:
        raise CatalogueError(_("Un employeur ne définit pas de microattestations."))
    micro_credential = MicroCredential.objects.create(
        organisation=organisation, slug=_unique_slug(organisation, str(fields["name_fr"]))
    )
    version = MicroCredentialVersion.objects.create(
        micro_credential=micro_credential,
        number=1,
        **{k: v for k, v in fields.items() if k in VERSION_FIELDS},
    )
    _set_alignments(version, alignments)
    return micro_credential


@transaction.atomic
def update_micro_credential(
    *,
    micro_credential: MicroCredential,
    fields: Mapping[str, Any],
    alignments: Iterable[tuple[Any, Any]] | None = None,
) -> MicroCredentialVersion:
    """Change what a micro-credential says. A draft version is edited in place; a published one
    is never changed: the edit makes a new draft version, published when the admin publishes it."""
    micro_credential = MicroCredential.objects.select_for_update().get(pk=micro_credential.pk)
    if micro_credential.status == Status.ARCHIVED:
        raise CatalogueError(_("Une microattestation archivée ne peut plus être modifiée."))
    version = micro_credential.draft_version()
    if version is None:
        latest = micro_credential.versions.order_by("-number").first()
        assert latest is not None
        copied = {name: getattr(latest, name) for name in VERSION_FIELDS}
        previous_alignments = [(a.competency, a.level) for a in latest.alignments.all()]
        version = MicroCredentialVersion.objects.create(
            micro_credential=micro_credential, number=latest.number + 1, **copied
        )
        _set_alignments(version, previous_alignments)
    for name, value in fields.items():
        if name in VERSION_FIELDS:
            setattr(version, name, value)
    version.save()
    if alignments is not None:
        _set_alignments(version, alignments)
    return version


@transaction.atomic
def publish_micro_credential(*, micro_credential: MicroCredential) -> MicroCredentialVersion:
    """Publish the draft version: from now on it is what the catalogue shows and what is issued."""
    micro_credential = MicroCredential.objects.select_for_update().get(pk=micro_credential.pk)
    version = micro_credential.draft_version()
    if version is None:
        raise CatalogueError(_("Il n'y a aucune nouvelle version à publier."))
    if not version.alignments.exists():
        raise CatalogueError(
            _("Alignez la microattestation sur au moins une compétence avant de la publier.")
        )
    version.published_at = timezone.now()
    version.save(update_fields=["published_at"])
    micro_credential.status = Status.PUBLISHED
    micro_credential.save(update_fields=["status"])
    return version


@transaction.atomic
def archive_micro_credential(*, micro_credential: MicroCredential) -> None:
    """Withdraw from the catalogue; what was issued stays valid and verifiable."""
    micro_credential.status = Status.ARCHIVED
    micro_credential.save(update_fields=["status"])


@transaction.atomic
def set_badge_image(
    *,
    micro_credential: MicroCredential,
    image: bytes,
    image_name: str,
    png: bytes | None = None,
    design: dict[str, Any] | None = None,
) -> MicroCredentialVersion:
    """Give the micro-credential a badge image (already checked: designed here, or an upload that
    was sanitised). Like any edit, it goes into a draft version."""
    from django.core.files.base import ContentFile

    version = update_micro_credential(micro_credential=micro_credential, fields={})
    stem = f"{micro_credential.organisation.slug}-{micro_credential.slug}-v{version.number}"
    version.image.save(f"{stem}-{image_name}", ContentFile(image), save=False)
    if png is not None:
        version.image_png.save(f"{stem}.png", ContentFile(png), save=False)
    version.design = design or {}
    version.save(update_fields=["image", "image_png", "design"])
    return version


@transaction.atomic
def create_certificate(
    *,
    organisation: Organisation,
    fields: Mapping[str, Any],
    required: Iterable[MicroCredential],
    choose_from: Iterable[MicroCredential] = (),
    choose_at_least: int = 0,
) -> Certificate:
    """A certificate (draft): every micro-credential of ``required``, and at least
    ``choose_at_least`` of ``choose_from`` (a nested "N of" group)."""
    required, choose_from = list(required), list(choose_from)
    if not organisation.recognises:
        raise CatalogueError(_("Un employeur ne définit pas de certificats."))
    if not required and not choose_from:
        raise CatalogueError(_("Un certificat regroupe au moins une microattestation."))
    if choose_from and not 1 <= choose_at_least <= len(choose_from):
        raise CatalogueError(
            _("Le nombre à choisir doit être entre 1 et le nombre de microattestations proposées.")
        )
    accepts_others = bool(fields.get("accepts_other_organisations"))
    for item in [*required, *choose_from]:
        if item.organisation_id != organisation.pk and not accepts_others:
            raise CatalogueError(_("Ce certificat n'accepte pas les microattestations d'autres organismes."))
    root = RequirementGroup.objects.create(rule=RequirementGroup.Rule.ALL)
    root.micro_credentials.set(required)
    if choose_from:
        group = RequirementGroup.objects.create(
            parent=root, rule=RequirementGroup.Rule.N_OF, minimum=choose_at_least
        )
        group.micro_credentials.set(choose_from)
    slug = slugify(str(fields["name_fr"]))[:70] or "certificat"
    base, n = slug, 2
    while Certificate.objects.filter(organisation=organisation, slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    names = (
        "name_fr",
        "name_en",
        "description_fr",
        "description_en",
        "hours",
        "credits",
        "accepts_other_organisations",
    )
    return Certificate.objects.create(
        organisation=organisation, slug=slug, root=root, **{k: v for k, v in fields.items() if k in names}
    )


@transaction.atomic
def publish_certificate(*, certificate: Certificate) -> None:
    certificate.status = Status.PUBLISHED
    certificate.save(update_fields=["status"])
