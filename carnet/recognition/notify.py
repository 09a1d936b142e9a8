"""Emails of the recognition journey: to the learner in their language, to endorsers in both (we do
not know theirs), to the organisation's assessors. Called once the change is committed."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from carnet.organisations.models import Membership
from carnet.site.mail import BOTH, send_templated


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _send(template: str, recipients: list[str], context: dict[str, Any], language: str | None) -> None:
    """To readers whose language we know (``language``), or in both when we do not (None)."""
    if recipients:
        languages = (language,) if language else BOTH
        send_templated(f"recognition/email/{template}", recipients, context, languages=languages)


def _to_learner(template: str, request: Any, **context: Any) -> None:
    learner = request.learner
    path = translation.override(learner.preferred_language)(
        lambda: reverse("recognition:request", args=[request.uuid])
    )()
    context.update(request=request, link=_absolute(path))
    _send(template, [learner.email], context, learner.preferred_language)


def request_submitted(request: Any) -> None:
    assessors = (
        Membership.objects.filter(
            organisation=request.organisation, role__in=[Membership.Role.ASSESSOR, Membership.Role.ADMIN]
        )
        .exclude(user=request.learner)  # an assessor's own request is reviewed by the others
        .select_related("user")
    )
    link = _absolute(reverse("recognition:review", args=[request.uuid]))
    for membership in assessors:
        _send(
            "submitted",
            [membership.user.email],
            {"request": request, "link": link},
            membership.user.preferred_language,
        )


def endorsement_invitation(invitation: Any, link: str) -> None:
    _send(
        "invitation",
        [invitation.email],
        {"invitation": invitation, "request": invitation.request, "link": link},
        None,
    )


def endorsement_received(endorsement: Any) -> None:
    _to_learner("endorsed", endorsement.request, endorsement=endorsement)


def endorsement_declined(invitation: Any) -> None:
    _to_learner("declined_invitation", invitation.request, invitation=invitation)


def message_posted(message: Any) -> None:
    request = message.request
    if message.author_id == request.learner_id:
        if request.assigned_to is not None:
            link = _absolute(reverse("recognition:review", args=[request.uuid]))
            _send("message", [request.assigned_to.email], {"request": request, "message": message, "link": link},
                  request.assigned_to.preferred_language)  # fmt: skip
    else:
        _to_learner("message", request, message=message)


def decision_made(decision: Any) -> None:
    _to_learner("decision", decision.request, decision=decision)
