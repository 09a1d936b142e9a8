"""The public badge page of a credential, and its holder's choice of who may open it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from carnet.issuing.access import access_own_credential
from carnet.issuing.identity import absolute
from carnet.issuing.models import IssuedCredential
from carnet.portfolio import selectors, services
from carnet.portfolio.forms import ConsentForm, ProfileForm, ShareLinkForm
from carnet.portfolio.models import CredentialSharing, PublicProfile, SearchConsent, ShareLink

NEW_LINK = "portfolio-new-share-link"


def access_badge_page(user: object, uuid: object) -> tuple[IssuedCredential, bool]:
    """The credential if its badge page may be shown to ``user``: its holder always, others when the
    holder made it visible by link or public. 404 otherwise (nothing tells it exists)."""
    try:
        credential = IssuedCredential.objects.select_related(
            "organisation", "recipient", "micro_credential_version__micro_credential__organisation", "sharing"
        ).get(uuid=uuid)
    except (IssuedCredential.DoesNotExist, ValueError) as exc:
        raise Http404 from exc
    is_holder = getattr(user, "is_authenticated", False) and credential.recipient_id == getattr(
        user, "pk", None
    )
    if not is_holder and _visibility(credential) == CredentialSharing.Visibility.PRIVATE:
        raise Http404
    return credential, bool(is_holder)


def _visibility(credential: IssuedCredential) -> str:
    """The visibility read with the credential (``select_related("sharing")``), in the same query."""
    try:
        return credential.sharing.visibility
    except CredentialSharing.DoesNotExist:
        return CredentialSharing.Visibility.PRIVATE


def badge(request: HttpRequest, credential_uuid: str) -> HttpResponse:
    credential, is_holder = access_badge_page(request.user, credential_uuid)
    return _badge_page(request, credential, is_holder=is_holder)


def shared_badge(request: HttpRequest, token: str) -> HttpResponse:
    """A share link: the badge page, even of a private credential, while the link works."""
    link = services.open_share_link(token)
    if link is None:
        return render(request, "portfolio/link_gone.html", status=410)
    response = _badge_page(request, link.credential, is_holder=False)
    response["Referrer-Policy"] = "no-referrer"  # the token stays out of other sites' logs
    response["X-Robots-Tag"] = "noindex"
    return response


def _badge_page(request: HttpRequest, credential: IssuedCredential, *, is_holder: bool) -> HttpResponse:
    version = credential.micro_credential_version
    visibility = _visibility(credential)
    response = render(
        request,
        "portfolio/badge.html",
        {
            "credential": credential,
            "version": version,
            "alignments": version.alignments.select_related("competency", "level"),
            "state": selectors.live_state(credential),
            "endorsements": selectors.endorsements_of(credential),
            "is_holder": is_holder,
            "visibility": visibility,
            "page_url": absolute(reverse("portfolio:badge", args=[credential.uuid])),
            "image_url": absolute(version.image_png.url) if version.image_png else "",
        },
    )
    response["Cache-Control"] = "private, no-cache"  # its state is live; a revocation shows at once
    response["X-Robots-Tag"] = "noindex" if visibility != "public" else "all"
    return response


@login_required
@require_POST
def change_visibility(request: HttpRequest, credential_uuid: str) -> HttpResponse:
    credential = access_own_credential(request.user, credential_uuid)
    visibility = request.POST.get("visibility", "")
    if visibility not in CredentialSharing.Visibility.values:
        messages.error(request, _("Choisissez qui peut voir cette microattestation."))
    else:
        services.set_visibility(credential=credential, visibility=visibility, actor=request.user)
        messages.success(request, str(CredentialSharing.Visibility(visibility).label))
    return redirect("issued:mine", credential.uuid)


@login_required
@require_POST
def create_share_link(request: HttpRequest, credential_uuid: str) -> HttpResponse:
    credential = access_own_credential(request.user, credential_uuid)
    form = ShareLinkForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choisissez combien de temps le lien fonctionnera."))
        return redirect("issued:mine", credential.uuid)
    try:
        _link, token = services.create_share_link(
            credential=credential, days=form.cleaned_data["days"], label=form.cleaned_data["label"],
            actor=request.user,
        )  # fmt: skip
    except services.SharingError as exc:
        messages.error(request, str(exc))
    else:
        request.session[NEW_LINK] = absolute(reverse("portfolio:shared", args=[token]))
        messages.success(request, _("Lien créé : copiez-le maintenant, il ne sera plus affiché."))
    return redirect("issued:mine", credential.uuid)


@login_required
@require_POST
def withdraw_share_link(request: HttpRequest, credential_uuid: str, link_id: int) -> HttpResponse:
    credential = access_own_credential(request.user, credential_uuid)
    link = get_object_or_404(ShareLink, pk=link_id, credential=credential)
    services.withdraw_share_link(link=link, actor=request.user)
    messages.success(request, _("Lien retiré : il ne fonctionne plus."))
    return redirect("issued:mine", credential.uuid)


@login_required
def carnet(request: HttpRequest) -> HttpResponse:
    """The learner's carnet: every badge they hold, grouped by competency, the picture of their
    skills, and the certificates they are working towards."""
    return render(request, "portfolio/carnet.html", {"carnet": selectors.carnet_of(request.user)})


@login_required
def sharing_settings(request: HttpRequest) -> HttpResponse:
    """The learner's public profile and their consent to employers' searches, with its history."""
    user = request.user
    profile = services.profile_of(user)
    profile_form = ProfileForm(
        request.POST if request.POST.get("form") == "profile" else None,
        initial={"enabled": profile.enabled, "slug": profile.slug, "headline": profile.headline},
    )
    consent_form = ConsentForm(
        request.POST if request.POST.get("form") == "consent" else None,
        initial={"search": services.consents_to_search(user)},
    )
    if request.method == "POST":
        if request.POST.get("form") == "consent" and consent_form.is_valid():
            services.set_search_consent(user=user, given=consent_form.cleaned_data["search"])
            messages.success(request, _("Votre choix est enregistré."))
            return redirect("portfolio:settings")
        if request.POST.get("form") == "profile" and profile_form.is_valid():
            data = profile_form.cleaned_data
            try:
                services.update_profile(
                    user=user, enabled=data["enabled"], headline=data["headline"], slug=data["slug"]
                )
            except services.SharingError as exc:
                profile_form.add_error("slug", str(exc))
            else:
                messages.success(request, _("Votre profil public est enregistré."))
                return redirect("portfolio:settings")
    return render(
        request,
        "portfolio/settings.html",
        {
            "profile": profile,
            "profile_form": profile_form,
            "consent_form": consent_form,
            "consents": SearchConsent.objects.filter(user=user)[:20],
        },
        status=400 if request.method == "POST" else 200,
    )


def public_profile(request: HttpRequest, slug: str) -> HttpResponse:
    """A learner's public profile: only while they keep it online, only the credentials they made
    public."""
    profile = get_object_or_404(PublicProfile.objects.select_related("user"), slug=slug, enabled=True)
    credentials = selectors.public_credentials_of(profile.user)
    response = render(request, "portfolio/profile.html", {"profile": profile, "credentials": credentials})
    response["Cache-Control"] = "private, no-cache"
    return response
