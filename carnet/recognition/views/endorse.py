"""The endorser's pages: no account, only the single-use link of an invitation."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from carnet.frameworks.models import Level
from carnet.recognition import services
from carnet.recognition.fingerprints import marks_device, signals_of
from carnet.recognition.forms import DeclineForm, EndorsementForm

FIELDS = (
    "endorser_name", "endorser_email", "endorser_organisation", "relationship", "context", "period_start",
    "period_end", "comment", "consent_to_be_named",
)  # fmt: skip


def _gone(request: HttpRequest) -> HttpResponse:
    return render(request, "recognition/endorse_gone.html", status=410)


@never_cache
@marks_device
def endorse(request: HttpRequest, token: str) -> HttpResponse:
    invitation = services.find_endorsement_invitation(token)
    if invitation is None:
        return _gone(request)
    form = EndorsementForm(request.POST or None, invitation=invitation)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in FIELDS}
        level = form.cleaned_data["level_observed"]
        fields["level_observed"] = Level.objects.filter(pk=level).first() if level else None
        try:
            endorsement = services.record_endorsement(
                token=token,
                fields=fields,
                observations=form.observations(),
                account=request.user if request.user.is_authenticated else None,  # type: ignore[arg-type]
                signals=signals_of(request),
            )
        except services.RecognitionError as exc:
            form.add_error(None, str(exc))
        else:
            return render(request, "recognition/endorse_thanks.html", {"endorsement": endorsement})
    # The address holds the token: the site's Referrer-Policy (same-origin) keeps it from other sites.
    # (no-referrer would make the browser send "Origin: null" with the form, which CSRF refuses.)
    return render(
        request,
        "recognition/endorse.html",
        {"invitation": invitation, "item": invitation.request, "form": form, "decline_form": DeclineForm()},
        status=400 if form.errors else 200,
    )


@never_cache
@require_POST
def decline(request: HttpRequest, token: str) -> HttpResponse:
    form = DeclineForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.decline_endorsement(token=token, reason=reason)
    except services.RecognitionError:
        return _gone(request)
    return render(request, "recognition/endorse_thanks.html", {"declined": True})
