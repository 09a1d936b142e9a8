"""The pages of stacking: the public Achievement of each certificate (JSON, for verifiers), the queue
where an organisation's admins and assessors confirm or decline completed certificates, and the
holder's page of an issued certificate with its two signed documents."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from carnet.catalogue.models import Certificate, Status
from carnet.issuing.identity import recognising_organisation
from carnet.issuing.views import ACHIEVEMENT_MAX_AGE
from carnet.issuing.views import _json as public_json  # the same caching and CORS as issuing's documents
from carnet.stacking import selectors, services
from carnet.stacking.access import access_confirmation, access_own_certificate, access_queue
from carnet.stacking.achievements import achievement_document as build_achievement
from carnet.stacking.forms import DeclineForm


def achievement_document(org_slug: str, slug: str, language: str = "fr") -> dict[str, Any]:
    """The certificate's Achievement: published ones, and those something was issued against."""
    certificate = get_object_or_404(
        Certificate.objects.select_related("organisation", "root"),
        organisation=recognising_organisation(org_slug),
        slug=slug,
    )
    if certificate.status != Status.PUBLISHED and not certificate.issued_certificates.exists():
        raise Http404  # drafts are private
    return build_achievement(certificate, language)


@require_safe
def achievement(request: HttpRequest, org_slug: str, slug: str) -> HttpResponse:
    language = "en" if request.GET.get("lang") == "en" else "fr"
    return public_json(request, achievement_document(org_slug, slug, language), max_age=ACHIEVEMENT_MAX_AGE)


def _queue(
    request: HttpRequest, organisation: Any, failed: tuple[int, DeclineForm] | None = None
) -> HttpResponse:
    pending = selectors.pending_for(organisation, excluding=request.user)
    for confirmation in pending:
        bound = failed is not None and failed[0] == confirmation.pk
        confirmation.form = failed[1] if bound else DeclineForm(prefix=f"c{confirmation.pk}")  # type: ignore[union-attr, attr-defined]
    return render(
        request,
        "stacking/queue.html",
        {"organisation": organisation, "pending": pending},
        status=400 if failed is not None else 200,
    )


@login_required
def queue(request: HttpRequest, org_slug: str) -> HttpResponse:
    """The completed certificates waiting for the organisation's confirmation, oldest first."""
    return _queue(request, access_queue(request.user, org_slug))


@login_required
@require_POST
def confirm(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    organisation, confirmation = access_confirmation(request.user, org_slug, pk)
    try:
        services.confirm(confirmation=confirmation, actor=request.user)
    except services.StackingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("Certificat confirmé et délivré à %(person)s, qui en est prévenu·e.")
            % {"person": confirmation.recipient},
        )
    return redirect("stacked:queue", organisation.slug)


@login_required
@require_POST
def decline(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    organisation, confirmation = access_confirmation(request.user, org_slug, pk)
    form = DeclineForm(request.POST, prefix=f"c{confirmation.pk}")
    if form.is_valid():
        try:
            services.decline(
                confirmation=confirmation, reason=form.cleaned_data["reason"], actor=request.user
            )
        except services.StackingError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("Certificat refusé : %(person)s reçoit le motif.") % {"person": confirmation.recipient},
            )
            return redirect("stacked:queue", organisation.slug)
    return _queue(request, organisation, failed=(confirmation.pk, form))


@login_required
def mine(request: HttpRequest, certificate_uuid: str) -> HttpResponse:
    """The holder's page of a certificate: what it is, what it bundles, its two signed documents."""
    issued = access_own_certificate(request.user, certificate_uuid)
    credentials = issued.credentials.select_related(
        "organisation", "micro_credential_version__micro_credential"
    ).order_by("issued_at")
    return render(request, "stacking/mine.html", {"issued": issued, "credentials": credentials})


DOCUMENTS = {"badge": ("document", "certificat"), "clr": ("clr", "releve-clr")}


@login_required
def download(request: HttpRequest, certificate_uuid: str, kind: str) -> HttpResponse:
    """One of the two signed documents, as issued, to its holder only: ``badge`` (Open Badges 3.0)
    or ``clr`` (CLR 2.0)."""
    issued = access_own_certificate(request.user, certificate_uuid)
    if kind not in DOCUMENTS:
        raise Http404
    field, stem = DOCUMENTS[kind]
    response = HttpResponse(
        json.dumps(getattr(issued, field), ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{stem}-{issued.certificate.slug}.json"'
    response["Cache-Control"] = "private, no-store"
    return response
