"""The learner's requests: open, write (saved as they type), places, evidence, endorsers, submit."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from carnet.catalogue.models import MicroCredential
from carnet.frameworks.models import Level
from carnet.recognition import files, services
from carnet.recognition.access import access_own_request, access_request_to_read
from carnet.recognition.fingerprints import marks_device, signals_of
from carnet.recognition.forms import (
    EvidenceFileForm,
    EvidenceNoteForm,
    InviteForm,
    MessageForm,
    NarrativeForm,
    PlaceFormSet,
)
from carnet.recognition.models import EndorsementInvitation, Evidence, RecognitionRequest

NEW_LINK = "recognition-new-endorsement-link"


@login_required
def my_requests(request: HttpRequest) -> HttpResponse:
    requests = (
        RecognitionRequest.objects.filter(learner=request.user)
        .select_related("version", "organisation", "micro_credential")
        .order_by("-updated_at")
    )
    return render(request, "recognition/requests.html", {"requests": requests})


@login_required
@require_POST
def open_request(request: HttpRequest, org_slug: str, slug: str) -> HttpResponse:
    micro_credential = get_object_or_404(MicroCredential, organisation__slug=org_slug, slug=slug)
    try:
        opened = services.open_request(learner=request.user, micro_credential=micro_credential)  # type: ignore[arg-type]
    except services.RecognitionError as exc:
        messages.error(request, str(exc))
        return redirect(micro_credential)
    return redirect(opened)


def _level(pk: Any) -> Level | None:
    return Level.objects.filter(pk=pk).first() if pk else None


@login_required
@marks_device
def detail(request: HttpRequest, request_uuid: str) -> HttpResponse:
    item = access_own_request(request.user, request_uuid)
    narrative = NarrativeForm(
        request.POST or None,
        version=item.version,
        initial={"narrative": item.narrative, "claimed_level": item.claimed_level_id},
    )
    if request.method == "POST":
        if not narrative.is_valid():
            return _render(request, item, narrative=narrative, status=400)
        try:
            services.save_draft(
                request=item,
                narrative=narrative.cleaned_data["narrative"],
                claimed_level=_level(narrative.cleaned_data["claimed_level"]),
            )
        except services.RecognitionError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Brouillon enregistré."))
        return redirect(item)
    return _render(request, item, narrative=narrative)


def _render(request: HttpRequest, item: RecognitionRequest, status: int = 200, **forms: Any) -> HttpResponse:
    places = [
        {k: getattr(place, k) for k in ("learning_context", "name", "role", "start_date", "end_date")}
        for place in item.places.all()
    ]
    context = {
        "item": item,
        "version": item.version,
        "narrative": forms.get("narrative")
        or NarrativeForm(
            version=item.version,
            initial={"narrative": item.narrative, "claimed_level": item.claimed_level_id},
        ),
        "places": forms.get("places") or PlaceFormSet(initial=places, prefix="places"),
        "file_form": forms.get("file_form") or EvidenceFileForm(),
        "note_form": forms.get("note_form") or EvidenceNoteForm(),
        "invite_form": forms.get("invite_form") or InviteForm(),
        "message_form": MessageForm(),
        "evidence": item.evidence.all(),
        "invitations": item.invitations.select_related("endorsement").order_by("created_at"),
        "missing": services.missing_for_submission(item) if item.is_editable else [],
        "received": item.completed_endorsements().count(),
        "conversation": item.messages.select_related("author"),
        "decisions": item.decisions.select_related("level"),
        "new_link": request.session.pop(NEW_LINK, None),
        "max_file_mb": files.MAX_FILE_BYTES // (1024 * 1024),
    }
    return render(request, "recognition/request.html", context, status=status)


@login_required
@require_POST
def autosave(request: HttpRequest, request_uuid: str) -> JsonResponse:
    """Called by the page as the learner types: keeps the narrative without validating anything else."""
    item = access_own_request(request.user, request_uuid)
    form = NarrativeForm(request.POST, version=item.version)
    if not form.is_valid():
        return JsonResponse({"saved": False, "error": _("Le texte est trop long.")}, status=400)
    try:
        services.save_draft(
            request=item,
            narrative=form.cleaned_data["narrative"],
            claimed_level=_level(form.cleaned_data["claimed_level"]),
        )
    except services.RecognitionError as exc:
        return JsonResponse({"saved": False, "error": str(exc)}, status=409)
    now = timezone.localtime()
    return JsonResponse({"saved": True, "at": formats.time_format(now, "H:i"), "timestamp": now.timestamp()})


@login_required
@require_POST
def places(request: HttpRequest, request_uuid: str) -> HttpResponse:
    item = access_own_request(request.user, request_uuid)
    formset = PlaceFormSet(request.POST, prefix="places")
    if not formset.is_valid():
        return _render(request, item, places=formset, status=400)
    rows = [
        {k: form.cleaned_data[k] for k in ("learning_context", "name", "role", "start_date", "end_date")}
        for form in formset.forms
        if form.has_changed() and form.cleaned_data and not form.cleaned_data.get("DELETE")
    ]
    try:
        services.set_places(request=item, places=rows)
    except services.RecognitionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Lieux d'apprentissage enregistrés."))
    return redirect(f"{item.get_absolute_url()}#lieux")


@login_required
@require_POST
def add_evidence(request: HttpRequest, request_uuid: str) -> HttpResponse:
    item = access_own_request(request.user, request_uuid)
    if "file" in request.FILES or request.POST.get("kind") == "file":
        form: Any = EvidenceFileForm(request.POST, request.FILES)
        if not form.is_valid():
            return _render(request, item, file_form=form, status=400)
        upload = form.cleaned_data["file"]
        try:
            services.add_evidence_file(
                request=item,
                name=upload.name,
                data=upload.read(files.MAX_FILE_BYTES + 1),
                title=form.cleaned_data["title"],
                description=form.cleaned_data["description"],
            )
        except (files.EvidenceFileError, services.RecognitionError) as exc:
            form.add_error("file", str(exc))
            return _render(request, item, file_form=form, status=400)
    else:
        form = EvidenceNoteForm(request.POST)
        if not form.is_valid():
            return _render(request, item, note_form=form, status=400)
        try:
            services.add_evidence_note(request=item, **form.cleaned_data)
        except services.RecognitionError as exc:
            form.add_error(None, str(exc))
            return _render(request, item, note_form=form, status=400)
    messages.success(request, _("Preuve ajoutée."))
    return redirect(f"{item.get_absolute_url()}#preuves")


@login_required
def evidence_file(request: HttpRequest, request_uuid: str, evidence_id: int) -> FileResponse:
    """An evidence file, for its learner and the organisation's assessors only. Served as a download,
    in a sandbox, never as a page of the site."""
    item = access_request_to_read(request.user, request_uuid)
    evidence = get_object_or_404(Evidence, request=item, pk=evidence_id, kind=Evidence.Kind.FILE)
    if not evidence.file:
        raise Http404
    inline = evidence.content_type in {"application/pdf", "image/png", "image/jpeg"}
    response = FileResponse(
        evidence.file.open("rb"),
        as_attachment=not inline,
        filename=files.download_name(evidence.original_name, evidence.file.name),
        content_type=evidence.content_type,
    )
    response["Content-Security-Policy"] = (
        "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def remove_evidence(request: HttpRequest, request_uuid: str, evidence_id: int) -> HttpResponse:
    item = access_own_request(request.user, request_uuid)
    evidence = get_object_or_404(Evidence, request=item, pk=evidence_id)
    try:
        services.remove_evidence(evidence=evidence)
    except services.RecognitionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Preuve retirée."))
    return redirect(f"{item.get_absolute_url()}#preuves")


@login_required
@require_POST
def invite(request: HttpRequest, request_uuid: str) -> HttpResponse:
    item = access_own_request(request.user, request_uuid)
    form = InviteForm(request.POST)
    if not form.is_valid():
        return _render(request, item, invite_form=form, status=400)
    try:
        invitation, token = services.invite_endorser(
            request=item, signals=signals_of(request), **form.cleaned_data
        )
    except services.RecognitionError as exc:
        form.add_error(None, str(exc))
        return _render(request, item, invite_form=form, status=400)
    if invitation.email:
        messages.success(request, _("Invitation envoyée à %(email)s.") % {"email": invitation.email})
    else:
        request.session[NEW_LINK] = {"name": invitation.name, "link": services.endorsement_link(token)}
    return redirect(f"{item.get_absolute_url()}#endosseurs")


def _own_invitation(item: RecognitionRequest, invitation_uuid: str) -> EndorsementInvitation:
    return get_object_or_404(EndorsementInvitation, request=item, uuid=invitation_uuid)


@login_required
@require_POST
def resend(request: HttpRequest, request_uuid: str, invitation_uuid: str) -> HttpResponse:
    item = access_own_request(request.user, request_uuid)
    invitation = _own_invitation(item, invitation_uuid)
    try:
        token = services.resend_invitation(invitation=invitation)
    except services.RecognitionError as exc:
        messages.error(request, str(exc))
    else:
        if invitation.email:
            messages.success(
                request, _("Invitation envoyée de nouveau à %(email)s.") % {"email": invitation.email}
            )
        else:
            request.session[NEW_LINK] = {"name": invitation.name, "link": services.endorsement_link(token)}
    return redirect(f"{item.get_absolute_url()}#endosseurs")


@login_required
@require_POST
def cancel_invitation(request: HttpRequest, request_uuid: str, invitation_uuid: str) -> HttpResponse:
    item = access_own_request(request.user, request_uuid)
    services.cancel_endorsement_invitation(invitation=_own_invitation(item, invitation_uuid))
    messages.success(request, _("Invitation annulée : son lien ne fonctionne plus."))
    return redirect(f"{item.get_absolute_url()}#endosseurs")


@login_required
@require_POST
def submit(request: HttpRequest, request_uuid: str) -> HttpResponse:
    item = access_own_request(request.user, request_uuid)
    try:
        services.submit_request(request=item, signals=signals_of(request))
    except services.RecognitionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, _("Demande soumise. L'organisme l'examinera et vous écrira ici et par courriel.")
        )
    return redirect(item)


@login_required
@require_POST
def withdraw(request: HttpRequest, request_uuid: str) -> HttpResponse:
    item = access_own_request(request.user, request_uuid)
    try:
        services.withdraw_request(request=item)
    except services.RecognitionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Demande retirée."))
    return redirect("recognition:requests")


@login_required
@require_POST
def message(request: HttpRequest, request_uuid: str) -> HttpResponse:
    item = access_own_request(request.user, request_uuid)
    form = MessageForm(request.POST)
    if form.is_valid():
        try:
            services.post_message(request=item, author=request.user, body=form.cleaned_data["body"])  # type: ignore[arg-type]
        except services.RecognitionError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Message envoyé."))
    else:
        messages.error(request, _("Le message est vide ou trop long."))
    return redirect(f"{item.get_absolute_url()}#conversation")
