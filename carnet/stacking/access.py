"""Who may see or act on certificates issued and waiting for confirmation. Every page of stacking
starts with one of these; others get 404 (they learn nothing, not even that it exists)."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from carnet.organisations.access import access_organisation
from carnet.organisations.models import Membership, Organisation
from carnet.stacking.models import Confirmation, IssuedCertificate

# The admins and the assessors of the certificate's organisation confirm or decline, and see what
# it issued; only its admins revoke.
CONFIRM_ROLES = (Membership.Role.ADMIN, Membership.Role.ASSESSOR)
READ_ROLES = CONFIRM_ROLES
CHANGE_ROLES = (Membership.Role.ADMIN,)


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
    return _issued(uuid=uuid, recipient=user)


def _issued(**lookup: Any) -> IssuedCertificate:
    try:
        return IssuedCertificate.objects.select_related("certificate", "organisation", "recipient").get(
            **lookup
        )
    except (IssuedCertificate.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def access_issued_by(
    user: Any, org_slug: str, uuid: Any, *, roles: tuple[str, ...] = READ_ROLES
) -> tuple[Organisation, IssuedCertificate]:
    """A certificate ``org_slug`` issued, for a member holding one of ``roles`` there."""
    organisation = access_organisation(user, org_slug, roles=roles)
    return organisation, _issued(uuid=uuid, organisation=organisation)


def access_certificate_page(user: Any, uuid: Any) -> tuple[IssuedCertificate, bool]:
    """An issued certificate whose public page ``user`` may open, and whether they hold it: its
    holder always, others when the holder made it visible by link or public."""
    issued = _issued(uuid=uuid)
    is_holder = bool(getattr(user, "is_authenticated", False) and issued.recipient_id == user.pk)
    if not is_holder and issued.visibility == IssuedCertificate.Visibility.PRIVATE:
        raise Http404
    return issued, is_holder
