"""Emails of the recognition journey: to the learner in their language, to endorsers in both (we do
not know theirs), to the organisation's assessors. The people with an account also find each one in
their in-app inbox. Called once the change is committed."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from carnet.inbox.services import notify, site_path
from carnet.organisations.models import Membership
from carnet.site.mail import BOTH, send_templated


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _send(template: str, recipients: list[str], context: dict[str, Any], language: str | None) -> None:
    """To readers whose language we know (``language``), or in both when we do not (None)."""
    if recipients:
        languages = (language,) if language else BOTH
        send_templated(f"recognition/email/{template}", recipients, context, languages=languages)


def _titles(request: Any) -> dict[str, str]:
    return {
        "title_fr": request.version.name_fr,
        "title_en": request.version.name_en or request.version.name_fr,
    }


def _to_learner(template: str, request: Any, **context: Any) -> None:
    learner = request.learner
    path = translation.override(learner.preferred_language)(
        lambda: reverse("recognition:request", args=[request.uuid])
    )()
    context.update(request=request, link=_absolute(path))
    _send(template, [learner.email], context, learner.preferred_language)


def request_submitted(request: Any) -> None:
    _to_assessors(request, "request.submitted")
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


def _to_assessors(request: Any, kind: str, *, excluding: Any = None) -> None:
    """In-app: every admin and assessor of the organisation but the learner (and ``excluding``)."""
    people = Membership.objects.filter(
        organisation=request.organisation, role__in=[Membership.Role.ASSESSOR, Membership.Role.ADMIN]
    ).exclude(user=request.learner)
    if excluding is not None:
        people = people.exclude(user=excluding)
    link = site_path("recognition:review", request.uuid)
    for membership in people.select_related("user"):
        notify(membership.user, kind, link=link, person=str(request.learner), **_titles(request))


def awaiting_second_review(decision: Any) -> None:
    _to_assessors(decision.request, "request.awaiting_second", excluding=decision.assessor)


def endorsement_invitation(invitation: Any, link: str) -> None:
    _send(
        "invitation",
        [invitation.email],
        {"invitation": invitation, "request": invitation.request, "link": link},
        None,
    )


def endorsement_received(endorsement: Any) -> None:
    request = endorsement.request
    notify(request.learner, "endorsement.received", link=site_path("recognition:request", request.uuid),
           person=endorsement.endorser_name, **_titles(request))  # fmt: skip
    _to_learner("endorsed", endorsement.request, endorsement=endorsement)


def endorsement_declined(invitation: Any) -> None:
    request = invitation.request
    notify(request.learner, "endorsement.declined", link=site_path("recognition:request", request.uuid),
           person=invitation.name, **_titles(request))  # fmt: skip
    _to_learner("declined_invitation", invitation.request, invitation=invitation)


def message_posted(message: Any) -> None:
    request = message.request
    if message.author_id == request.learner_id:
        if request.assigned_to is not None:
            notify(request.assigned_to, "request.message_to_assessor",
                   link=site_path("recognition:review", request.uuid), person=str(request.learner),
                   **_titles(request))  # fmt: skip
            link = _absolute(reverse("recognition:review", args=[request.uuid]))
            _send("message", [request.assigned_to.email], {"request": request, "message": message, "link": link},
                  request.assigned_to.preferred_language)  # fmt: skip
    else:
        notify(request.learner, "request.message_to_learner",
               link=site_path("recognition:request", request.uuid), **_titles(request))  # fmt: skip
        _to_learner("message", request, message=message)


def decision_made(decision: Any) -> None:
    request = decision.request
    notify(request.learner, f"request.{decision.kind}", link=site_path("recognition:request", request.uuid),
           **_titles(request))  # fmt: skip
    _to_learner("decision", decision.request, decision=decision)
