"""The assessors' side: the queue of requests awaiting a decision, the request with its evidence and
endorsements side by side, the conversation with the learner, and the decisions."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from carnet.frameworks.models import Level
from carnet.recognition import collusion, selectors, services, strength
from carnet.recognition.access import access_request_to_review, access_review_queue
from carnet.recognition.forms import AssignForm, DecisionForm, MessageForm, QueueFilterForm
from carnet.recognition.models import EndorsementInvitation, RecognitionRequest

PER_PAGE = 25


@login_required
def queue(request: HttpRequest, org_slug: str) -> HttpResponse:
    organisation = access_review_queue(request.user, org_slug)
    counts = selectors.status_counts(organisation, user=request.user)
    filters = QueueFilterForm(request.GET or None, organisation=organisation, counts=counts)
    chosen = filters.filters()
    requests = selectors.review_queue(organisation, user=request.user, **chosen)
    page = Paginator(requests, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "recognition/review_queue.html",
        {"organisation": organisation, "page": page, "filters": filters, "status": chosen["status"]},
    )


def _reviewable(user: Any, request_uuid: Any) -> RecognitionRequest:
    """The request to review; a draft withdrawn before it was ever submitted stays its learner's."""
    item = access_request_to_review(user, request_uuid)
    if item.submitted_at is None:
        raise Http404
    return item


def _render(request: HttpRequest, item: RecognitionRequest, status: int = 200, **forms: Any) -> HttpResponse:
    first = selectors.first_approval(item)
    aligned = list(item.version.alignments.select_related("competency", "level"))
    default_level = first.level_id if first else next((a.level_id for a in aligned if a.level_id), None)
    endorsements = list(
        item.completed_endorsements().select_related("invitation", "level_observed").order_by("created_at")
    )
    evidence = [(piece, selectors.safe_link(piece)) for piece in item.evidence.all()]
    warnings = collusion.warnings_for(item, endorsements)
    assessors = selectors.assessors_of(item.organisation, excluding=item.learner)
    context = {
        "item": item,
        "version": item.version,
        "aligned": aligned,
        "criteria": selectors.criteria_coverage(item.criteria(), endorsements),
        "endorsements": [
            (e, strength.endorsement_strength(e), [w for w in warnings if w.endorsement == e])
            for e in endorsements
        ],
        "endorsement_count": len(endorsements),
        "strength": strength.summarise(endorsements),
        "warnings": warnings,
        "pending_invitations": item.invitations.filter(status=EndorsementInvitation.Status.PENDING).count(),
        "evidence": evidence,
        "conversation": item.messages.select_related("author"),
        "decisions": item.decisions.select_related("assessor", "level"),
        "first_approval": first,
        "is_first_approver": bool(first and first.assessor_id == request.user.pk),
        "can_decide": item.status in RecognitionRequest.IN_REVIEW,
        "decision_form": forms.get("decision_form")
        or DecisionForm(version=item.version, initial={"seen_status": item.status, "level": default_level}),
        "assign_form": forms.get("assign_form")
        or AssignForm(assessors=assessors, user=request.user, initial={"assessor": item.assigned_to_id}),
        "message_form": forms.get("message_form") or MessageForm(),
    }
    return render(request, "recognition/review_request.html", context, status=status)


@login_required
def review(request: HttpRequest, request_uuid: str) -> HttpResponse:
    item = _reviewable(request.user, request_uuid)
    return _render(request, item)


@login_required
@require_POST
def assign(request: HttpRequest, request_uuid: str) -> HttpResponse:
    item = _reviewable(request.user, request_uuid)
    assessors = selectors.assessors_of(item.organisation, excluding=item.learner)
    form = AssignForm(request.POST, assessors=assessors, user=request.user)
    if not form.is_valid():
        return _render(request, item, assign_form=form, status=400)
    assessor = form.chosen()
    services.assign_request(request=item, assessor=assessor, actor=request.user)  # type: ignore[arg-type]
    if assessor is None:
        messages.success(request, _("La demande n'est plus attribuée."))
    else:
        messages.success(request, _("Demande attribuée à %(name)s.") % {"name": assessor})
    return redirect("recognition:review", item.uuid)


@login_required
@require_POST
def decide(request: HttpRequest, request_uuid: str) -> HttpResponse:
    item = _reviewable(request.user, request_uuid)
    form = DecisionForm(request.POST, version=item.version)
    if not form.is_valid():
        messages.error(request, _("La décision n'est pas enregistrée : voyez les erreurs ci-dessous."))
        return _render(request, item, decision_form=form, status=400)
    data = form.cleaned_data
    common = {"request": item, "assessor": request.user, "seen_status": data["seen_status"]}
    try:
        if data["decision"] == DecisionForm.APPROVE:
            level = Level.objects.filter(pk=data["level"]).first() if data["level"] else None
            decision = services.approve_request(level=level, comment=data["reasons"], **common)
            done = (
                _("Première approbation enregistrée : une autre personne doit confirmer.")
                if decision.request.status == RecognitionRequest.Status.AWAITING_SECOND_REVIEW
                else _("Demande approuvée : la microattestation sera délivrée.")
            )
        elif data["decision"] == DecisionForm.CHANGES:
            services.request_changes(reasons=data["reasons"], **common)
            done = _("Modifications demandées : la personne est prévenue.")
        else:
            services.decline_request(reasons=data["reasons"], **common)
            done = _("Demande refusée : la personne reçoit vos motifs.")
    except services.DecisionConflict as exc:
        # Someone else decided first: show the page as it is now, with what happened.
        messages.error(request, str(exc))
        return redirect("recognition:review", item.uuid)
    except services.RecognitionError as exc:
        # Refused (second approval by the same person, endorsements missing...): keep what was typed.
        messages.error(request, str(exc))
        return _render(request, item, decision_form=form, status=400)
    messages.success(request, done)
    return redirect("recognition:review", item.uuid)


@login_required
@require_POST
def message(request: HttpRequest, request_uuid: str) -> HttpResponse:
    item = _reviewable(request.user, request_uuid)
    form = MessageForm(request.POST)
    if form.is_valid():
        try:
            services.post_message(request=item, author=request.user, body=form.cleaned_data["body"])  # type: ignore[arg-type]
        except services.RecognitionError as exc:
            form.add_error("body", str(exc))
        else:
            messages.success(request, _("Message envoyé."))
            return redirect(reverse("recognition:review", args=[item.uuid]) + "#conversation")
    messages.error(request, _("Le message n'est pas envoyé : voyez l'erreur ci-dessous."))
    return _render(request, item, message_form=form, status=400)
