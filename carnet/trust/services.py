"""Changes to the registry of known issuers, each atomic and recorded in the audit trail."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from carnet.audit.services import record_event
from carnet.trust import identifiers, interchange
from carnet.trust.models import NAME_LENGTH, REASON_LENGTH, KnownIssuer
from carnet.trust.recognition import own_issuer


class Refused(ValueError):
    """The change cannot be made; the message says why, for staff. ``field``: the form's field."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def _text(value: str, limit: int, field: str, label: str) -> str:
    try:
        return interchange.clean_text(value, limit, required=True)
    except ValueError as exc:
        raise Refused(f"{label} {exc}.", field) from None


@transaction.atomic
def add_known_issuer(*, actor: Any, identifier: str, name: str, reason: str) -> KnownIssuer:
    """Register an issuer. Raises :class:`Refused` for an identifier that is malformed or already
    recognised."""
    if own_issuer(identifier.strip()) is not None:
        raise Refused(str(interchange.OWN), "identifier")
    try:
        form = identifiers.normalise(identifier)
    except identifiers.Invalid as exc:
        raise Refused(str(exc), "identifier") from None
    name = _text(name, NAME_LENGTH, "name", _("Le nom"))
    reason = _text(reason, REASON_LENGTH, "reason", _("La raison"))
    if KnownIssuer.objects.active().filter(identifier=form).exists():
        raise Refused(_("Cet émetteur est déjà dans la liste des émetteurs reconnus."), "identifier")
    try:
        with transaction.atomic():
            entry = KnownIssuer.objects.create(identifier=form, name=name, reason=reason, added_by=actor)
    except IntegrityError:  # added at the same moment by someone else
        raise Refused(
            _("Cet émetteur est déjà dans la liste des émetteurs reconnus."), "identifier"
        ) from None
    record_event(
        verb="known_issuer.added", actor=actor, target=entry, data={"identifier": form, "name": name}
    )
    return entry


@transaction.atomic
def withdraw_known_issuer(*, actor: Any, entry: KnownIssuer) -> KnownIssuer:
    """Stop recognising ``entry``'s issuer: its credentials verify again as from an unknown issuer.
    The entry is kept, withdrawn, for the record."""
    entry = KnownIssuer.objects.select_for_update().get(pk=entry.pk)
    if entry.withdrawn_at is not None:
        return entry
    entry.withdrawn_at, entry.withdrawn_by = timezone.now(), actor
    entry.save(update_fields=["withdrawn_at", "withdrawn_by", "updated_at"])
    record_event(
        verb="known_issuer.withdrawn",
        actor=actor,
        target=entry,
        data={"identifier": entry.identifier, "name": entry.name},
    )
    return entry


@transaction.atomic
def import_known_issuers(
    *, actor: Any, content: bytes, reason: str, file_name: str = ""
) -> interchange.Preview:
    """Add every entry of the list ``content`` that :func:`interchange.preview` would add, all or
    none; the preview is made again inside the transaction, so what changed since it was shown is
    skipped rather than added twice. Raises :class:`interchange.FileRefused` or :class:`Refused`."""
    reason = _text(reason, REASON_LENGTH, "reason", _("La raison"))
    result = interchange.preview(content, default_reason=reason)
    try:
        with transaction.atomic():
            added = KnownIssuer.objects.bulk_create(
                KnownIssuer(
                    identifier=line.identifier, name=line.name, reason=line.reason,
                    origin=KnownIssuer.Origin.IMPORTED, added_by=actor,
                )
                for line in result.to_add
            )  # fmt: skip
    except IntegrityError:  # someone added one of them at this very moment: nothing was imported
        raise Refused(_("La liste a changé pendant l'import : rien n'a été importé. Recommencez.")) from None
    record_event(
        verb="known_issuer.imported",
        actor=actor,
        data={
            "file": file_name[:200], "added": len(added), "skipped": len(result.skipped),
            "refused": len(result.refused), "identifiers": [entry.identifier for entry in added][:200],
        },
    )  # fmt: skip
    return result
