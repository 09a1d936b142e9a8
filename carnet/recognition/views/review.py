"""The assessors' side: the queue of requests awaiting a decision, the request with its evidence and
endorsements side by side, the conversation with the learner, and the decisions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from carnet.accounts.models import User
from carnet.frameworks.models import Level
from carnet.recognition import services
from carnet.recognition.access import REVIEW_ROLES, access_request_to_review, access_review_queue
from carnet.recognition.forms import MessageForm, level_choices
from carnet.recognition.models import RecognitionRequest

Status = RecognitionRequest.Status


@login_required
def queue(request: HttpRequest, org_slug: str) -> HttpResponse:
    organisation = access_review_queue(request.user, org_slug)
    requests = (
        RecognitionRequest.objects.filter(organisation=organisation)
        .exclude(status=Status.DRAFT)
        .exclude(learner=request.user)
        .select_related("learner", "version", "assigned_to")
    )
    state = request.GET.get("etat", "pending")
    if state == "pending":
        requests = requests.filter(status__in=RecognitionRequest.IN_REVIEW)
    elif state in Status.values:
        requests = requests.filter(status=state)
    assigned = request.GET.get("assignee", "")
    if assigned == "me":
        requests = requests.filter(assigned_to=request.user)
    elif assigned == "none":
        requests = requests.filter(assigned_to=None)
    page = Paginator(requests.order_by("submitted_at", "pk"), 25).get_page(request.GET.get("page"))
    states = [("pending", _("À décider")), *[(v, label) for v, label in Status.choices if v != Status.DRAFT]]
    return render(
        request,
        "recognition/review_queue.html",
        {"organisation": organisation, "page": page, "state": state, "assigned": assigned, "states": states},
    )


@login_required
def review(request: HttpRequest, request_uuid: str) -> HttpResponse:
    item = access_request_to_review(request.user, request_uuid)
    assessors = User.objects.filter(
        memberships__organisation=item.organisation, memberships__role__in=REVIEW_ROLES
    ).exclude(pk=item.learner_id)
    aligned = item.version.alignments.select_related("competency", "level")
    return render(
        request,
        "recognition/review.html",
        {
            "item": item,
            "version": item.version,
            "aligned": aligned,
            "endorsements": item.completed_endorsements().select_related("invitation", "level_observed"),
            "evidence": item.evidence.all(),
            "conversation": item.messages.select_related("author"),
            "decisions": item.decisions.select_related("assessor", "level"),
            "levels": level_choices(item.version),
            "default_level": next((a.level_id for a in aligned if a.level_id), None),
            "assessors": assessors,
            "message_form": MessageForm(),
            "can_decide": item.status in RecognitionRequest.IN_REVIEW,
        },
    )


@login_required
@require_POST
def assign(request: HttpRequest, request_uuid: str) -> HttpResponse:
    item = access_request_to_review(request.user, request_uuid)
    chosen = request.POST.get("assessor", "")
    assessor = (
        User.objects.filter(
            pk=chosen, memberships__organisation=item.organisation, memberships__role__in=REVIEW_ROLES
        ).first()
        if chosen.isdigit()
        else None
    )
    services.assign_request(request=item, assessor=assessor, actor=request.user)  # type: ignore[arg-type]
    messages.success(request, _("Attribution enregistrée."))
    return redirect("recognition:review", item.uuid)


@login_required
@require_POST
def decide(request: HttpRequest, request_uuid: str) -> HttpResponse:
    item = access_request_to_review(request.user, request_uuid)
    decision = request.POST.get("decision")
    seen = request.POST.get("seen_status", "")
    reasons = request.POST.get("reasons", "")[:5000]
    try:
        if decision == "approve":
            level_id = request.POST.get("level", "")
            level = Level.objects.filter(pk=level_id).first() if level_id.isdigit() else None
            services.approve_request(
                request=item, assessor=request.user, level=level, seen_status=seen, comment=reasons
            )  # type: ignore[arg-type]
            messages.success(request, _("Demande approuvée."))
        elif decision == "changes":
            services.request_changes(request=item, assessor=request.user, reasons=reasons, seen_status=seen)  # type: ignore[arg-type]
            messages.success(request, _("Modifications demandées : la personne est prévenue."))
        elif decision == "decline":
            services.decline_request(request=item, assessor=request.user, reasons=reasons, seen_status=seen)  # type: ignore[arg-type]
            messages.success(request, _("Demande refusée : la personne reçoit vos motifs."))
        else:
            messages.error(request, _("Choisissez une décision."))
    except services.RecognitionError as exc:
        messages.error(request, str(exc))
    return redirect("recognition:review", item.uuid)


@login_required
@require_POST
def message(request: HttpRequest, request_uuid: str) -> HttpResponse:
    item = access_request_to_review(request.user, request_uuid)
    form = MessageForm(request.POST)
    if form.is_valid():
        services.post_message(request=item, author=request.user, body=form.cleaned_data["body"])  # type: ignore[arg-type]
        messages.success(request, _("Message envoyé."))
    else:
        messages.error(request, _("Le message est vide ou trop long."))
    return redirect("recognition:review", item.uuid)
