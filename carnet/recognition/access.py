"""Who may see or act on a recognition request. Every view starts with one of these; others get 404
(they learn nothing, not even that the request exists)."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from carnet.organisations.access import access_organisation
from carnet.organisations.models import Membership, Organisation
from carnet.recognition.models import RecognitionRequest

REVIEW_ROLES = (Membership.Role.ADMIN, Membership.Role.ASSESSOR)


def _request(uuid: Any) -> RecognitionRequest:
    try:
        return RecognitionRequest.objects.select_related(
            "learner", "organisation", "version__micro_credential", "claimed_level", "recognised_level"
        ).get(uuid=uuid)
    except (RecognitionRequest.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def can_review(user: Any, organisation: Organisation) -> bool:
    return bool(
        user.is_authenticated
        and Membership.objects.filter(organisation=organisation, user=user, role__in=REVIEW_ROLES).exists()
    )


def access_own_request(user: Any, uuid: Any) -> RecognitionRequest:
    """A request of the signed-in learner."""
    request = _request(uuid)
    if not user.is_authenticated or request.learner_id != user.pk:
        raise Http404
    return request


def access_request_to_review(user: Any, uuid: Any) -> RecognitionRequest:
    """A submitted (or decided) request of an organisation ``user`` assesses for. Drafts stay private
    to their learner. Nobody reviews their own request."""
    request = _request(uuid)
    never_submitted = request.status == RecognitionRequest.Status.DRAFT or request.submitted_at is None
    if never_submitted or request.learner_id == getattr(user, "pk", None):
        raise Http404
    if not can_review(user, request.organisation):
        raise Http404
    return request


def access_request_to_read(user: Any, uuid: Any) -> RecognitionRequest:
    """Its learner, or an assessor of its organisation once it was submitted."""
    request = _request(uuid)
    if user.is_authenticated and request.learner_id == user.pk:
        return request
    return access_request_to_review(user, uuid)


def access_review_queue(user: Any, org_slug: str) -> Organisation:
    return access_organisation(user, org_slug, roles=REVIEW_ROLES)
