"""Bulk issuance from a CSV file, for an organisation's admins: upload, a preview with each row's
verdict, confirmation, then a page that follows the job (a progress bar updated from a small JSON
address) and gives its results. Assessors may not: they decide on one person's request at a time,
while a bulk issuance signs in the organisation's name without a request, as the API keys that do the
same are the admins' too."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from carnet.catalogue.models import MicroCredential, MicroCredentialVersion
from carnet.issuing import bulk, csv_import
from carnet.issuing.forms import BulkUploadForm
from carnet.issuing.models import IssuanceJob
from carnet.organisations.access import access_organisation
from carnet.organisations.models import Organisation

ROWS_PER_PAGE = 100


def _organisation(request: HttpRequest, org_slug: str) -> Organisation:
    """An organisation that issues micro-credentials, for one of its admins."""
    organisation = access_organisation(request.user, org_slug)  # type: ignore[arg-type]
    if not organisation.recognises:
        raise Http404
    return organisation


def _job(request: HttpRequest, org_slug: str, job_uuid: Any) -> IssuanceJob:
    organisation = _organisation(request, org_slug)
    return get_object_or_404(
        IssuanceJob.objects.select_related(
            "organisation", "created_by", "micro_credential_version__micro_credential"
        ),
        organisation=organisation,
        uuid=job_uuid,
    )


def _published(organisation: Organisation) -> dict[int, MicroCredentialVersion]:
    """The organisation's published micro-credentials, each with the version issued now."""
    versions: dict[int, MicroCredentialVersion] = {}
    items = MicroCredential.objects.filter(organisation=organisation, status="published").order_by("slug")
    for item in items:
        version = item.versions.filter(published_at__isnull=False).order_by("-number").first()
        if version is not None:
            versions[item.pk] = version
    return versions


@login_required
def jobs(request: HttpRequest, org_slug: str) -> HttpResponse:
    """The organisation's bulk issuances, and the form that starts one (a preview)."""
    organisation = _organisation(request, org_slug)
    bulk.discard_old_previews(organisation=organisation)
    versions = _published(organisation)
    choices = [(pk, version.name()) for pk, version in versions.items()]
    form = BulkUploadForm(request.POST or None, request.FILES or None, micro_credentials=choices)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = bulk.preview_csv_job(
                organisation=organisation, version=versions[form.cleaned_data["micro_credential"]],
                data=upload.read(csv_import.max_bytes() + 1), filename=upload.name, actor=request.user,
                language=get_language() or "fr",
            )  # fmt: skip
        except csv_import.FileRefused as exc:
            form.add_error("file", str(exc))
        else:
            return redirect("issued:bulk_job", organisation.slug, job.uuid)
    listed = IssuanceJob.objects.filter(organisation=organisation).select_related(
        "created_by", "micro_credential_version"
    )
    page = Paginator(listed, 50).get_page(request.GET.get("page"))
    return render(request, "issuing/bulk.html", {"organisation": organisation, "form": form, "page": page,
                                                 "has_published": bool(versions)})  # fmt: skip


@login_required
def template(request: HttpRequest, org_slug: str) -> HttpResponse:
    _organisation(request, org_slug)
    return _csv(csv_import.template(), "modele-delivrance-en-lot.csv")


@login_required
def job(request: HttpRequest, org_slug: str, job_uuid: Any) -> HttpResponse:
    """A preview to confirm or discard; once confirmed, the job's progress, then its results."""
    issuance = _job(request, org_slug, job_uuid)
    report = sorted(issuance.report, key=lambda entry: (not entry["errors"], entry["line"]))  # errors first
    shown = request.GET.get("lignes", "")
    rows = issuance.rows.select_related("credential").order_by("number")
    if shown == "echec":
        rows = rows.filter(state="failed")
    context = {
        "organisation": issuance.organisation, "job": issuance, "progress": _progress(issuance),
        "errors": sum(1 for entry in report if entry["errors"]),
        "warnings": sum(1 for entry in report if entry["warnings"] and not entry["errors"]),
        "report": Paginator(report, ROWS_PER_PAGE).get_page(request.GET.get("page")), "shown": shown,
        "rows": Paginator(rows, ROWS_PER_PAGE).get_page(request.GET.get("page")),
    }  # fmt: skip
    return render(request, "issuing/bulk_job.html", context)


@login_required
def progress(request: HttpRequest, org_slug: str, job_uuid: Any) -> JsonResponse:
    """What the progress bar reads while the job runs."""
    issuance = _job(request, org_slug, job_uuid)
    response = JsonResponse(_progress(issuance))
    response["Cache-Control"] = "no-store"
    return response


def _progress(job: IssuanceJob) -> dict[str, Any]:
    figures = bulk.progress(job)
    words = _("%(done)s sur %(total)s traitées : %(issued)s délivrées, %(failed)s en échec.") % figures
    left = figures["seconds_left"]
    if left is not None:
        minutes = max(1, round(left / 60))
        words += " " + ngettext(
            "Environ %(minutes)s minute restante.", "Environ %(minutes)s minutes restantes.", minutes
        ) % {"minutes": minutes}
    figures["state_label"] = job.get_state_display()
    figures["message"] = words
    figures["finished"] = (
        job.state in (IssuanceJob.State.DONE, IssuanceJob.State.FAILED) or figures["stalled"]
    )
    return figures


@login_required
@require_POST
def confirm(request: HttpRequest, org_slug: str, job_uuid: Any) -> HttpResponse:
    issuance = _job(request, org_slug, job_uuid)
    try:
        bulk.confirm_issuance_job(job=issuance, actor=request.user)
    except bulk.IssuingError as exc:
        messages.error(request, str(exc))
    return redirect("issued:bulk_job", issuance.organisation.slug, issuance.uuid)


@login_required
@require_POST
def discard(request: HttpRequest, org_slug: str, job_uuid: Any) -> HttpResponse:
    issuance = _job(request, org_slug, job_uuid)
    if bulk.discard_issuance_job(job=issuance, actor=request.user):
        messages.success(request, _("Aperçu abandonné : rien n'a été délivré."))
        return redirect("issued:bulk", issuance.organisation.slug)
    return redirect("issued:bulk_job", issuance.organisation.slug, issuance.uuid)


@login_required
@require_POST
def resume(request: HttpRequest, org_slug: str, job_uuid: Any) -> HttpResponse:
    issuance = _job(request, org_slug, job_uuid)
    if bulk.resume_issuance_job(job=issuance, actor=request.user):
        messages.success(
            request, _("Délivrance reprise : seules les lignes pas encore traitées seront délivrées.")
        )
    return redirect("issued:bulk_job", issuance.organisation.slug, issuance.uuid)


@login_required
def download(request: HttpRequest, org_slug: str, job_uuid: Any) -> HttpResponse:
    """The preview's report (every row's verdict), or once confirmed each row's outcome."""
    issuance = _job(request, org_slug, job_uuid)
    stem = (issuance.filename.rsplit(".", 1)[0] or "delivrance")[:60]
    problems = {entry["line"]: entry for entry in issuance.report}
    if issuance.state == IssuanceJob.State.PREVIEW:
        lines: list[list[Any]] = [[_("ligne"), _("courriel"), _("nom"), _("verdict"), _("détails")]]
        kept = {row.line: row for row in issuance.rows.order_by("number")}
        for line in sorted({*kept, *problems}, key=lambda n: n or 0):
            entry = problems.get(line)
            row = kept.get(line)
            verdict = (
                _("erreur") if entry and entry["errors"] else _("avertissement") if entry else _("correcte")
            )
            details = " ".join((entry["errors"] + entry["warnings"]) if entry else [])
            lines.append([line, row.email if row else entry["email"] if entry else "",
                          row.name if row else entry["name"] if entry else "", verdict, details])  # fmt: skip
        return _csv(csv_import.write(lines), f"{stem}-apercu.csv")
    lines = [
        [
            _("ligne"),
            _("courriel"),
            _("nom"),
            _("résultat"),
            _("raison"),
            _("identifiant de la microattestation"),
        ]
    ]
    outcome = {"pending": _("en attente"), "issued": _("délivrée"), "failed": _("en échec")}
    for row in issuance.rows.select_related("credential").order_by("number"):
        lines.append([row.line, row.email, row.name, outcome.get(row.state, row.state), row.error,
                      row.credential.uuid if row.credential else ""])  # fmt: skip
    for entry in issuance.report:
        if entry["errors"]:
            lines.append(
                [entry["line"], entry["email"], entry["name"], _("écartée"), " ".join(entry["errors"]), ""]
            )
    return _csv(csv_import.write(lines), f"{stem}-resultats-{timezone.localdate():%Y-%m-%d}.csv")


def _csv(text: str, filename: str) -> HttpResponse:
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    safe = "".join(c for c in filename if c.isalnum() or c in "-_.") or "delivrance.csv"
    response["Content-Disposition"] = f'attachment; filename="{safe}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
