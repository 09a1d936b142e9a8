"""Reading what an organisation issued, and a credential's history, in few queries."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from carnet.audit.models import AuditEvent
from carnet.catalogue.models import MicroCredential, MicroCredentialVersion
from carnet.issuing.models import IssuedCredential
from carnet.organisations.models import Organisation


def issued_by(
    organisation: Organisation, *, q: str = "", status: str = "", micro_credential: str = ""
) -> QuerySet[IssuedCredential]:
    """What ``organisation`` issued, newest first, narrowed by person, state and micro-credential."""
    credentials = (
        IssuedCredential.objects.filter(organisation=organisation)
        .select_related("recipient", "micro_credential_version__micro_credential")
        # The list shows neither the signed documents nor the badges' designs: not read nor parsed.
        .defer("document", "jwt", "micro_credential_version__design")
    )
    if q:
        credentials = credentials.filter(
            Q(recipient_email__icontains=q) | Q(recipient__display_name__icontains=q)
        )
    if status:
        credentials = credentials.filter(status=status)
    if micro_credential:
        credentials = credentials.filter(micro_credential_version__micro_credential__slug=micro_credential)
    return credentials.order_by("-issued_at", "-pk")


def micro_credential_choices(organisation: Organisation) -> list[tuple[str, str]]:
    """The organisation's micro-credentials that were issued at least once, by name."""
    # Their versions read at once (current_version uses them): not one query per micro-credential.
    names = MicroCredentialVersion.objects.only(
        "micro_credential_id", "number", "name_fr", "name_en", "published_at"
    )
    items = (
        MicroCredential.objects.filter(organisation=organisation, versions__issued_credentials__isnull=False)
        .distinct()
        .prefetch_related(Prefetch("versions", queryset=names))
    )
    choices = []
    for item in items:
        version = item.current_version()
        choices.append((item.slug, version.name() if version else item.slug))
    return sorted(choices, key=lambda choice: choice[1].lower())


# What its organisation did to a credential. What the holder did with it (its visibility, their
# share links) is theirs and stays out of the organisation's history.
ISSUER_VERBS = ("credential.issued", "credential.suspended", "credential.reinstated", "credential.revoked")


def history(credential: IssuedCredential) -> QuerySet[AuditEvent]:
    """What happened to the credential (issued, suspended, reinstated, revoked), oldest first."""
    return (
        AuditEvent.objects.filter(
            target_type="issuing.issuedcredential", target_id=str(credential.pk), verb__in=ISSUER_VERBS
        )
        .select_related("actor")
        .order_by("created_at", "pk")
    )


def held_by(user: Any) -> QuerySet[IssuedCredential]:
    """The credentials issued to ``user``, newest first."""
    return (
        IssuedCredential.objects.filter(recipient=user)
        .select_related("organisation", "micro_credential_version__micro_credential")
        .order_by("-issued_at", "-pk")
    )
