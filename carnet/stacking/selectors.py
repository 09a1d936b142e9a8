"""Reads of stacking: what a person holds that counts, which certificates a micro-credential is part
of, which of the person's credentials satisfy a certificate, and where each certificate stands for
them (issued, waiting for confirmation, declined)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils import timezone

from carnet.catalogue.models import Certificate, RequirementGroup, Status
from carnet.issuing.models import IssuedCredential
from carnet.stacking.models import Confirmation, IssuedCertificate

MAX_NESTING = 8  # as RequirementGroup.progress allows


def held_credentials(user: Any) -> dict[int, IssuedCredential]:
    """The credentials of ``user`` that count today (active, not expired), by micro-credential id;
    the newest one when a micro-credential was issued more than once."""
    now = timezone.now()
    held: dict[int, IssuedCredential] = {}
    for credential in (
        IssuedCredential.objects.filter(recipient=user, status=IssuedCredential.Status.ACTIVE)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gt=now))
        .select_related("micro_credential_version__micro_credential")
        .order_by("issued_at", "pk")
    ):
        held[credential.micro_credential_version.micro_credential_id] = credential
    return held


def certificates_including(micro_credential_ids: Iterable[int]) -> list[Certificate]:
    """The published certificates whose requirements name one of these micro-credentials, in a
    group or in a sub-group at any depth."""
    current = set(
        RequirementGroup.objects.filter(micro_credentials__in=list(micro_credential_ids)).values_list(
            "pk", flat=True
        )
    )
    roots: set[int] = set()
    for _depth in range(MAX_NESTING + 1):
        if not current:
            break
        parents = dict(RequirementGroup.objects.filter(pk__in=current).values_list("pk", "parent_id"))
        roots |= {pk for pk, parent in parents.items() if parent is None}
        current = {parent for parent in parents.values() if parent is not None}
    return list(
        Certificate.objects.filter(root__in=roots, status=Status.PUBLISHED)
        .select_related("organisation", "root")
        .order_by("pk")
    )


def counted_for(certificate: Certificate, held: dict[int, IssuedCredential]) -> dict[int, IssuedCredential]:
    """What counts towards ``certificate``: micro-credentials of other organisations only when it
    accepts them."""
    if certificate.accepts_other_organisations:
        return dict(held)
    return {
        pk: credential
        for pk, credential in held.items()
        if credential.micro_credential_version.micro_credential.organisation_id == certificate.organisation_id
    }


def satisfying(group: RequirementGroup, held: set[int], depth: int = 0) -> set[int]:
    """The micro-credentials (ids, among ``held``) that make ``group`` complete: those held in it and
    in its complete sub-groups; nothing when the group itself is not complete."""
    if depth > MAX_NESTING or not group.progress(held).complete:
        return set()
    found = {pk for pk in group.micro_credentials.values_list("pk", flat=True) if pk in held}
    for child in group.groups.all():
        found |= satisfying(child, held, depth + 1)
    return found


def completion(certificate: Certificate, user: Any) -> list[IssuedCredential] | None:
    """The credentials of ``user`` that complete ``certificate`` now, oldest first; None when it is
    not complete."""
    held = counted_for(certificate, held_credentials(user))
    ids = set(held)
    if not certificate.progress(ids).complete:
        return None
    return sorted((held[pk] for pk in satisfying(certificate.root, ids)), key=lambda c: (c.issued_at, c.pk))


@dataclass(frozen=True)
class Standing:
    """Where a certificate stands for a person: issued (the IssuedCertificate), waiting for an
    assessor, or declined (the last decision, with its reason)."""

    issued: IssuedCertificate | None = None
    pending: bool = False
    declined: Confirmation | None = None


def standings(user: Any, certificate_ids: Iterable[int]) -> dict[int, Standing]:
    """The standing of each of these certificates for ``user`` that has one, by certificate id."""
    ids = list(certificate_ids)
    issued = {
        item.certificate_id: item
        for item in IssuedCertificate.objects.filter(recipient=user, certificate__in=ids)
    }
    pending: set[int] = set()
    declined: dict[int, Confirmation] = {}
    for confirmation in Confirmation.objects.filter(recipient=user, certificate__in=ids).order_by(
        "created_at", "pk"
    ):
        if confirmation.status == Confirmation.Status.PENDING:
            pending.add(confirmation.certificate_id)
        elif confirmation.status == Confirmation.Status.DECLINED:
            declined[confirmation.certificate_id] = confirmation
    return {
        pk: Standing(
            issued=issued.get(pk),
            pending=pk in pending and pk not in issued,
            declined=declined.get(pk) if pk not in issued and pk not in pending else None,
        )
        for pk in set(issued) | pending | set(declined)
    }


def pending_counts(user: Any) -> dict[int, int]:
    """How many completions wait for confirmation at each organisation where ``user`` confirms them
    (admin or assessor), by organisation id; their own never counted."""
    from django.db.models import Count

    from carnet.organisations.models import Membership

    organisations = Membership.objects.filter(
        user=user, role__in=(Membership.Role.ADMIN, Membership.Role.ASSESSOR)
    ).values_list("organisation_id", flat=True)
    rows = (
        Confirmation.objects.filter(
            certificate__organisation__in=organisations, status=Confirmation.Status.PENDING
        )
        .exclude(recipient=user)
        .values_list("certificate__organisation_id")
        .annotate(count=Count("pk"))
    )
    return dict(rows)


def pending_for(organisation: Any, *, excluding: Any = None) -> list[Confirmation]:
    """The organisation's completions waiting for confirmation, oldest first, each with the
    credentials that complete it now (``completing``; None when it is no longer complete). A person
    never sees their own (``excluding``)."""
    confirmations = Confirmation.objects.filter(
        certificate__organisation=organisation, status=Confirmation.Status.PENDING
    ).select_related("certificate__organisation", "certificate__root", "recipient")
    if excluding is not None:
        confirmations = confirmations.exclude(recipient=excluding)
    found = list(confirmations)
    for confirmation in found:
        confirmation.completing = completion(confirmation.certificate, confirmation.recipient)  # type: ignore[attr-defined]
    return found


def issued_by(organisation: Any, *, status: str = "") -> Any:
    """The certificates ``organisation`` issued, newest first (``status``: only those)."""
    issued = IssuedCertificate.objects.filter(organisation=organisation).select_related(
        "certificate", "recipient"
    )
    return issued.filter(status=status) if status else issued


def parts_of(issued: IssuedCertificate) -> list[IssuedCredential]:
    """The micro-credentials the certificate bundles, oldest first, each marked with whether it
    still counts today (``counts``: active and not expired) and whether its badge page is open to
    others (``shown``)."""
    now = timezone.now()
    parts = list(
        issued.credentials.select_related("organisation", "micro_credential_version__micro_credential")
        .prefetch_related("sharing")
        .order_by("issued_at", "pk")
    )
    for part in parts:
        part.counts = part.status == IssuedCredential.Status.ACTIVE and (  # type: ignore[attr-defined]
            part.valid_until is None or part.valid_until > now
        )
        sharing = getattr(part, "sharing", None)
        # Whether others may open its badge page (the public page of the certificate links to it then).
        part.shown = sharing is not None and sharing.visibility != "private"  # type: ignore[attr-defined]
    return parts


def state_of(issued: IssuedCertificate) -> str:
    """The certificate's state now, as a verifier finds it from its signed document: ``valid``,
    ``revoked``, ``altered`` (the document no longer matches its signature) or ``unconfirmed``."""
    from carnet.credentials import verify
    from carnet.issuing import identity

    report = verify(issued.document, resolver=identity.resolver())
    failed = {check.name for check in report.checks if check.status.value == "failed"}
    if failed & {"format", "schema", "contexts", "proof"}:
        return "altered"
    if issued.status == IssuedCertificate.Status.REVOKED:
        return "revoked"
    return "valid" if report.valid else "unconfirmed"


def public_certificates_of(user: Any) -> list[IssuedCertificate]:
    """The certificates ``user`` made public, newest first."""
    return list(
        IssuedCertificate.objects.filter(recipient=user, visibility=IssuedCertificate.Visibility.PUBLIC)
        .select_related("certificate", "organisation")
        .order_by("-issued_at")
    )
