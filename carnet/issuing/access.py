"""Who may see or act on an issued credential. Every page of issued credentials starts with one of
these; others get 404 (they learn nothing, not even that the credential exists)."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from carnet.issuing.models import IssuedCredential
from carnet.organisations.access import access_organisation
from carnet.organisations.models import Membership, Organisation

# Assessors see what their organisation issued; only its admins revoke, suspend and reinstate.
READ_ROLES = (Membership.Role.ADMIN, Membership.Role.ASSESSOR)
CHANGE_ROLES = (Membership.Role.ADMIN,)


def _credential(**lookup: Any) -> IssuedCredential:
    try:
        return IssuedCredential.objects.select_related(
            "organisation", "recipient", "micro_credential_version__micro_credential"
        ).get(**lookup)
    except (IssuedCredential.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def access_issued_by(
    user: Any, org_slug: str, uuid: Any, *, roles: tuple[str, ...] = READ_ROLES
) -> tuple[Organisation, IssuedCredential]:
    """A credential ``org_slug`` issued, for a member holding one of ``roles`` there."""
    organisation = access_organisation(user, org_slug, roles=roles)
    return organisation, _credential(uuid=uuid, organisation=organisation)


def access_own_credential(user: Any, uuid: Any) -> IssuedCredential:
    """A credential issued to the signed-in person."""
    if not user.is_authenticated:
        raise Http404
    return _credential(uuid=uuid, recipient=user)
