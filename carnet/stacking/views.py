"""The pages of stacking: the public Achievement of each certificate (JSON, for verifiers); the queue
where an organisation's admins and assessors confirm or decline completed certificates, and the list
of what it issued, where its admins revoke; the holder's page of an issued certificate with its two
signed documents and the choice of who sees it; and the certificate's page for those it is shown to."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from carnet.catalogue.models import Certificate, Status
from carnet.issuing.identity import absolute, recognising_organisation
from carnet.issuing.views import ACHIEVEMENT_MAX_AGE
from carnet.issuing.views import _json as public_json  # the same caching and CORS as issuing's documents
from carnet.organisations.models import Membership
from carnet.stacking import selectors, services
from carnet.stacking.access import (
    CHANGE_ROLES,
    access_certificate_page,
    access_confirmation,
    access_issued_by,
    access_own_certificate,
    access_queue,
)
from carnet.stacking.achievements import achievement_document as build_achievement
from carnet.stacking.forms import DeclineForm, RevokeForm
from carnet.stacking.models import IssuedCertificate


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
    return render(
        request,
        "stacking/mine.html",
        {
            "issued": issued,
            "credentials": selectors.parts_of(issued),
            "visibility_choices": IssuedCertificate.Visibility.choices,
            "page_url": absolute(reverse("stacked:public", args=[issued.uuid])),
        },
    )


@login_required
@require_POST
def change_visibility(request: HttpRequest, certificate_uuid: str) -> HttpResponse:
    issued = access_own_certificate(request.user, certificate_uuid)
    try:
        services.set_visibility(
            issued=issued, visibility=request.POST.get("visibility", ""), actor=request.user
        )
    except services.StackingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, str(IssuedCertificate.Visibility(issued.visibility).label))
    return redirect("stacked:mine", issued.uuid)


def public(request: HttpRequest, certificate_uuid: str) -> HttpResponse:
    """The page of an issued certificate for anyone its holder shows it to: what a certificate is,
    what this one required, the micro-credentials it bundles, and its state, verified now."""
    issued, is_holder = access_certificate_page(request.user, certificate_uuid)
    response = render(
        request,
        "stacking/public.html",
        {
            "issued": issued,
            "certificate": issued.certificate,
            "parts": selectors.parts_of(issued),
            "state": selectors.state_of(issued),
            "is_holder": is_holder,
            "page_url": absolute(reverse("stacked:public", args=[issued.uuid])),
        },
    )
    response["Cache-Control"] = "private, no-cache"  # its state is live; a revocation shows at once
    response["X-Robots-Tag"] = (
        "all" if issued.visibility == IssuedCertificate.Visibility.PUBLIC else "noindex"
    )
    return response


def public_document(request: HttpRequest, certificate_uuid: str) -> HttpResponse:
    """The signed Open Badges 3.0 credential of the certificate, to whoever may open its page, for
    a verifier or a wallet app."""
    issued, _is_holder = access_certificate_page(request.user, certificate_uuid)
    response = HttpResponse(
        json.dumps(issued.document, ensure_ascii=False, indent=2),
        content_type="application/vc+ld+json; charset=utf-8",
    )
    response["Cache-Control"] = "private, no-cache"
    response["X-Content-Type-Options"] = "nosniff"
    return response


PAGE_SIZE = 50


@login_required
def issued_list(request: HttpRequest, org_slug: str) -> HttpResponse:
    """The certificates the organisation issued, newest first, for its admins and assessors."""
    organisation = access_queue(request.user, org_slug)
    status = request.GET.get("etat", "")
    if status not in IssuedCertificate.Status.values:
        status = ""
    page = Paginator(selectors.issued_by(organisation, status=status), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "stacking/issued_list.html",
        {"organisation": organisation, "page": page, "status": status,
         "statuses": IssuedCertificate.Status.choices},
    )  # fmt: skip


def _issued_page(
    request: HttpRequest, organisation: Any, issued: IssuedCertificate, form: RevokeForm | None = None
) -> HttpResponse:
    can_change = Membership.objects.filter(
        organisation=organisation, user=request.user, role__in=CHANGE_ROLES
    ).exists()
    parts = selectors.parts_of(issued)
    return render(
        request,
        "stacking/issued.html",
        {"organisation": organisation, "issued": issued, "parts": parts, "can_change": can_change,
         "weakened": any(not part.counts for part in parts), "form": form or RevokeForm()},
        status=400 if form is not None else 200,
    )  # fmt: skip


@login_required
def issued_detail(request: HttpRequest, org_slug: str, certificate_uuid: str) -> HttpResponse:
    organisation, issued = access_issued_by(request.user, org_slug, certificate_uuid)
    return _issued_page(request, organisation, issued)


@login_required
@require_POST
def revoke(request: HttpRequest, org_slug: str, certificate_uuid: str) -> HttpResponse:
    organisation, issued = access_issued_by(request.user, org_slug, certificate_uuid, roles=CHANGE_ROLES)
    form = RevokeForm(request.POST)
    if form.is_valid():
        try:
            services.revoke_certificate(issued=issued, reason=form.cleaned_data["reason"], actor=request.user)
        except services.StackingError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, _("Certificat révoqué : il ne se vérifiera plus jamais. La personne est prévenue.")
            )
            return redirect("stacked:issued", organisation.slug, issued.uuid)
    return _issued_page(request, organisation, issued, form)


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
