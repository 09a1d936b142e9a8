"""Reading an organisation's audit trail: filtered, and each event tied to what it is about."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import CharField, Q, QuerySet
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils.translation import gettext as _

from carnet.audit.models import AuditEvent
from carnet.audit.services import actor_name
from carnet.organisations.models import Organisation


def trail(organisation: Organisation, *, family: str = "") -> QuerySet[AuditEvent]:
    """The organisation's events, newest first; ``family`` keeps one kind (``request``, ``credential``...).
    Nothing about a request its learner never submitted."""
    events = (
        AuditEvent.objects.filter(organisation=organisation)
        .exclude(_about_drafts(organisation))
        .select_related("actor")
    )
    if family:
        events = events.filter(verb__startswith=family + ".")
    return events.order_by("-created_at", "-pk")


def _about_drafts(organisation: Organisation) -> Q:
    """The events about the requests to ``organisation`` that were never submitted: the draft, its
    evidence, its endorsers' invitations and endorsements. A draft is its learner's alone until they
    submit it (its events are recorded with the organisation, and shown once it is submitted)."""
    from carnet.recognition.models import (
        Endorsement,
        EndorsementInvitation,
        Evidence,
        Message,
        RecognitionRequest,
    )

    drafts = RecognitionRequest.objects.filter(organisation=organisation, submitted_at=None)
    about = {
        "recognition.recognitionrequest": drafts,
        "recognition.endorsementinvitation": EndorsementInvitation.objects.filter(request__in=drafts),
        "recognition.endorsement": Endorsement.objects.filter(invitation__request__in=drafts),
        "recognition.message": Message.objects.filter(request__in=drafts),
    }
    condition = Q()
    for target_type, rows in about.items():
        condition |= Q(target_type=target_type, target_id__in=_keys(rows))
    # Evidence events name the request now; older ones named the evidence, whose row goes when it is
    # removed: those are shown only while it is there to tell that its request was submitted.
    submitted = Evidence.objects.filter(
        request__organisation=organisation, request__submitted_at__isnull=False
    )
    return condition | (Q(target_type="recognition.evidence") & ~Q(target_id__in=_keys(submitted)))


def _keys(rows: QuerySet[Any]) -> QuerySet[Any]:
    """The primary keys of ``rows`` as the trail keeps them (text)."""
    return rows.annotate(key=Cast("pk", output_field=CharField())).values("key")


def _requests(ids: set[str]) -> dict[str, tuple[str, str]]:
    from carnet.recognition.models import RecognitionRequest

    found = RecognitionRequest.objects.filter(pk__in=ids).select_related("learner", "version")
    return {
        str(r.pk): (f"{r.learner} — {r.version.name()}", reverse("recognition:review", args=[r.uuid]))
        for r in found
        if r.submitted_at  # a draft stays private to its learner
    }


def _credentials(ids: set[str]) -> dict[str, tuple[str, str]]:
    from carnet.issuing.models import IssuedCredential

    found = IssuedCredential.objects.filter(pk__in=ids).select_related(
        "recipient", "organisation", "micro_credential_version"
    )
    return {
        str(c.pk): (
            f"{c.recipient or c.recipient_email or _('Compte supprimé')} — {c.micro_credential_version.name()}",
            reverse("issued:credential", args=[c.organisation.slug, c.uuid]),
        )
        for c in found
    }


def _micro_credentials(ids: set[str]) -> dict[str, tuple[str, str]]:
    from carnet.catalogue.models import MicroCredential

    found = MicroCredential.objects.filter(pk__in=ids).select_related("organisation")
    return {str(m.pk): (str(m), reverse("catalogue:edit", args=[m.organisation.slug, m.slug])) for m in found}


RESOLVERS = {
    "recognition.recognitionrequest": _requests,
    "issuing.issuedcredential": _credentials,
    "catalogue.microcredential": _micro_credentials,
}


def describe(events: Iterable[AuditEvent]) -> list[AuditEvent]:
    """Give each event ``who`` (who acted, in words: "" for the platform or a person without an
    account), and ``about`` (words) and ``link`` (a page) when its target is one a reader of the trail
    may open; one query per kind of target on the page."""
    events = list(events)
    wanted: dict[str, set[str]] = defaultdict(set)
    for event in events:
        if event.target_type in RESOLVERS:
            wanted[event.target_type].add(event.target_id)
    found: dict[str, dict[str, tuple[str, str]]] = {
        kind: RESOLVERS[kind](ids) for kind, ids in wanted.items()
    }
    for event in events:
        about: Any = found.get(event.target_type, {}).get(event.target_id)
        event.about, event.link = about if about else ("", "")  # type: ignore[attr-defined]
        event.who = actor_name(event)  # type: ignore[attr-defined]
    return events
