"""The pages of issued credentials: an organisation's list, where its admins suspend, reinstate and
revoke (with a reason the holder receives), and the holder's own page with the signed document."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from carnet.issuing import selectors, services
from carnet.issuing.access import CHANGE_ROLES, access_issued_by, access_own_credential
from carnet.issuing.forms import CredentialFilterForm, StatusChangeForm
from carnet.issuing.models import IssuedCredential
from carnet.organisations.access import access_organisation
from carnet.organisations.models import Membership

PAGE_SIZE = 50


@login_required
def issued(request: HttpRequest, org_slug: str) -> HttpResponse:
    organisation = access_organisation(request.user, org_slug, roles=("admin", "assessor"))  # type: ignore[arg-type]
    form = CredentialFilterForm(
        request.GET or None, micro_credentials=selectors.micro_credential_choices(organisation)
    )
    filters = form.cleaned_data if form.is_valid() else {}
    credentials = selectors.issued_by(organisation, **{k: v for k, v in filters.items() if v})
    page = Paginator(credentials, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "issuing/issued.html", {"organisation": organisation, "form": form, "page": page})


@login_required
def credential(request: HttpRequest, org_slug: str, credential_uuid: str) -> HttpResponse:
    organisation, issued_credential = access_issued_by(request.user, org_slug, credential_uuid)
    can_change = Membership.objects.filter(
        organisation=organisation, user=request.user, role__in=CHANGE_ROLES
    ).exists()
    return render(
        request,
        "issuing/credential.html",
        {
            "organisation": organisation,
            "credential": issued_credential,
            "history": selectors.history(issued_credential),
            "can_change": can_change,
            "form": StatusChangeForm(),
        },
    )


@login_required
@require_POST
def change_status(request: HttpRequest, org_slug: str, credential_uuid: str) -> HttpResponse:
    organisation, issued_credential = access_issued_by(
        request.user, org_slug, credential_uuid, roles=CHANGE_ROLES
    )
    form = StatusChangeForm(request.POST)
    if form.is_valid():
        action, reason = form.cleaned_data["action"], form.cleaned_data["reason"]
        change = {
            "suspend": services.suspend_credential,
            "revoke": services.revoke_credential,
            "reinstate": services.reinstate_credential,
        }[action]
        try:
            change(credential=issued_credential, reason=reason, actor=request.user)
        except services.IssuingError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, DONE[action]())
            return redirect("issued:credential", organisation.slug, issued_credential.uuid)
    return render(
        request,
        "issuing/credential.html",
        {
            "organisation": organisation,
            "credential": issued_credential,
            "history": selectors.history(issued_credential),
            "can_change": True,
            "form": form,
        },
        status=400,
    )


DONE = {
    "suspend": lambda: _(
        "Microattestation suspendue : elle ne se vérifie plus jusqu'à son rétablissement. La personne est prévenue."
    ),
    "revoke": lambda: _(
        "Microattestation révoquée : elle ne se vérifiera plus jamais. La personne est prévenue."
    ),
    "reinstate": lambda: _(
        "Microattestation rétablie : elle se vérifie de nouveau. La personne est prévenue."
    ),
}


@login_required
def mine(request: HttpRequest, credential_uuid: str) -> HttpResponse:
    """The holder's page of one credential: what it is, its state, the signed document to download."""
    from carnet.portfolio.forms import ShareLinkForm
    from carnet.portfolio.models import CredentialSharing
    from carnet.portfolio.selectors import share_links_of
    from carnet.portfolio.services import visibility_of
    from carnet.portfolio.views import NEW_LINK

    issued_credential = access_own_credential(request.user, credential_uuid)
    return render(
        request,
        "issuing/mine.html",
        {
            "credential": issued_credential,
            "visibility": visibility_of(issued_credential),
            "visibility_choices": CredentialSharing.Visibility.choices,
            "share_links": share_links_of(issued_credential),
            "share_form": ShareLinkForm(),
            "new_link": request.session.pop(NEW_LINK, None),
        },
    )


@login_required
def download(request: HttpRequest, credential_uuid: str) -> HttpResponse:
    """The signed credential as issued (Open Badges 3.0 JSON), to its holder only."""
    issued_credential: IssuedCredential = access_own_credential(request.user, credential_uuid)
    response = HttpResponse(
        json.dumps(issued_credential.document, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    name = f"microattestation-{issued_credential.micro_credential_version.micro_credential.slug}.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response
