"""Who may see or act on certificates issued and waiting for confirmation. Every page of stacking
starts with one of these; others get 404 (they learn nothing, not even that it exists)."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from carnet.organisations.access import access_organisation
from carnet.organisations.models import Membership, Organisation
from carnet.stacking.models import Confirmation, IssuedCertificate

# The admins and the assessors of the certificate's organisation confirm or decline.
CONFIRM_ROLES = (Membership.Role.ADMIN, Membership.Role.ASSESSOR)


def access_queue(user: Any, org_slug: str) -> Organisation:
    return access_organisation(user, org_slug, roles=CONFIRM_ROLES)


def access_confirmation(user: Any, org_slug: str, pk: int) -> tuple[Organisation, Confirmation]:
    """A confirmation waiting at ``org_slug``, for one of its admins or assessors (not the person
    it is about)."""
    organisation = access_queue(user, org_slug)
    confirmation = (
        Confirmation.objects.select_related("certificate__organisation", "recipient")
        .filter(pk=pk, certificate__organisation=organisation)
        .exclude(recipient=user)
        .first()
    )
    if confirmation is None:
        raise Http404
    return organisation, confirmation


def access_own_certificate(user: Any, uuid: Any) -> IssuedCertificate:
    """A certificate issued to the signed-in person."""
    if not user.is_authenticated:
        raise Http404
    try:
        return IssuedCertificate.objects.select_related("certificate", "organisation").get(
            uuid=uuid, recipient=user
        )
    except (IssuedCertificate.DoesNotExist, ValueError) as exc:
        raise Http404 from exc
