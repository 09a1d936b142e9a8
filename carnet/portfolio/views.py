"""The public badge page of a credential, and its holder's choice of who may open it. The page
also gives the signed credential to machines (a wallet app, a verifier): by content negotiation
(``Accept: application/vc+ld+json``, ``application/ld+json`` or ``application/json``), at its
``.json`` address, and named in the page by ``<link rel="alternate">`` — always with the page's
own visibility. The carnet, its sharing settings, and its PDF."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from carnet.insights import survey
from carnet.insights.models import Verification
from carnet.issuing.access import access_own_credential
from carnet.issuing.identity import absolute
from carnet.issuing.models import IssuedCredential
from carnet.portfolio import pagecache, selectors, services
from carnet.portfolio.cv import PdfUnavailable
from carnet.portfolio.forms import ConsentForm, CvForm, ProfileForm, ShareLinkForm
from carnet.portfolio.models import CredentialSharing, ImportedBadge, PublicProfile, SearchConsent, ShareLink
from carnet.recognition.strength import summarise
from carnet.stacking.selectors import public_certificates_of

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


CREDENTIAL_TYPES = ("application/vc+ld+json", "application/ld+json", "application/json")


def negotiate(accept: str, offers: tuple[str, ...]) -> str | None:
    """The offer the ``Accept`` header prefers (RFC 9110 §12.5.1): the highest quality, an exact
    media type before ``type/*`` before ``*/*``, and the earlier offer on a tie. None when it
    accepts none of them. A missing header accepts anything."""
    ranges = []
    for part in (accept or "*/*").split(",")[:40]:
        media_range, *parameters = part.strip().lower().split(";")
        kind, _slash, subtype = media_range.strip().partition("/")
        quality = 1.0
        for parameter in parameters:
            name, _sep, value = parameter.strip().partition("=")
            if name.strip() == "q":
                try:
                    quality = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    quality = 0.0
        ranges.append((kind, subtype, quality))
    best, best_rank = None, (0.0, -1)
    for offer in offers:
        offer_kind, _slash, offer_subtype = offer.partition("/")
        quality, specificity = 0.0, -1
        for kind, subtype, range_quality in ranges:
            if (kind, subtype) == (offer_kind, offer_subtype):
                level = 2
            elif kind == offer_kind and subtype == "*":
                level = 1
            elif (kind, subtype) == ("*", "*"):
                level = 0
            else:
                continue
            if level > specificity:
                quality, specificity = range_quality, level
        if quality > 0 and (quality, specificity) > best_rank:
            best, best_rank = offer, (quality, specificity)
    return best


def _credential_json(credential: IssuedCredential, media_type: str) -> HttpResponse:
    """The signed credential as its holder received it, for a machine."""
    response = HttpResponse(
        json.dumps(credential.document, ensure_ascii=False, indent=2),
        content_type=f"{media_type}; charset=utf-8",
    )
    response["Cache-Control"] = "private, no-cache"  # who may read it can change at any time
    response["Vary"] = "Accept, Cookie"
    response["X-Content-Type-Options"] = "nosniff"
    if services.visibility_of(credential) != CredentialSharing.Visibility.PRIVATE:
        response["Access-Control-Allow-Origin"] = "*"  # wallet and verifier apps in a browser
    response["X-Robots-Tag"] = "noindex"
    return response


def badge(request: HttpRequest, credential_uuid: str) -> HttpResponse:
    wanted = negotiate(request.headers.get("Accept", ""), ("text/html", *CREDENTIAL_TYPES))
    key = None
    if wanted not in CREDENTIAL_TYPES and pagecache.applies(request):
        key, ids = pagecache.lookup(credential_uuid)  # key None: private or unknown, refused below
        kept = pagecache.get(key) if key is not None else None
        if kept is not None and ids is not None:
            return _verified(request, kept, ids=ids, channel=Verification.Channel.PAGE)
    credential, is_holder = access_badge_page(request.user, credential_uuid)
    if wanted in CREDENTIAL_TYPES:
        return _credential_json(credential, wanted)
    json_url = absolute(reverse("portfolio:badge_json", args=[credential.uuid]))
    response = _badge_page(request, credential, is_holder=is_holder, json_url=json_url)
    if key is not None and not is_holder:
        pagecache.put(key, response)  # with the survey's marker: each visitor gets their own survey
    return _verified(request, response, credential, channel=Verification.Channel.PAGE)


def _verified(
    request: HttpRequest,
    response: HttpResponse,
    credential: IssuedCredential | None = None,
    *,
    ids: tuple[int, int] | None = None,
    channel: str,
    employer: Any = None,
) -> HttpResponse:
    """A badge page seen by someone other than its holder (the page then holds the survey's marker):
    the verification counted, and the employer survey offered in the page (carnet.insights)."""
    if survey.MARKER not in response.content:
        return response
    credential_id, organisation_id = ids or (credential.pk, credential.organisation_id)  # type: ignore[union-attr]
    return survey.put_in_page(
        request, response, credential_id=credential_id, organisation_id=organisation_id, channel=channel,
        employer=employer,
    )  # fmt: skip


@require_safe
def badge_json(request: HttpRequest, credential_uuid: str) -> HttpResponse:
    """The signed credential of the badge page, at a stable address of its own (what the holder's
    "wallet" QR code holds); for whoever may open the page."""
    credential, _is_holder = access_badge_page(request.user, credential_uuid)
    wanted = negotiate(request.headers.get("Accept", ""), CREDENTIAL_TYPES) or CREDENTIAL_TYPES[0]
    return _credential_json(credential, wanted)


def shared_badge(request: HttpRequest, token: str) -> HttpResponse:
    """A share link: the badge page, even of a private credential, while the link works."""
    link = services.open_share_link(token)
    if link is None:
        return render(request, "portfolio/link_gone.html", status=410)
    wanted = negotiate(request.headers.get("Accept", ""), ("text/html", *CREDENTIAL_TYPES))
    if wanted in CREDENTIAL_TYPES:
        response = _credential_json(link.credential, wanted)
        response["Access-Control-Allow-Origin"] = "*"  # a live link is for whoever holds it
    else:
        json_url = absolute(reverse("portfolio:shared_json", args=[token]))
        response = _badge_page(request, link.credential, is_holder=False, json_url=json_url, share_link=link)
        response = _verified(request, response, link.credential, channel=Verification.Channel.LINK)
    response["Referrer-Policy"] = "no-referrer"  # the token stays out of other sites' logs
    response["X-Robots-Tag"] = "noindex"
    return response


@require_safe
def shared_badge_json(request: HttpRequest, token: str) -> HttpResponse:
    """The signed credential behind a share link, while the link works."""
    link = services.open_share_link(token)
    if link is None:
        return render(request, "portfolio/link_gone.html", status=410)
    wanted = negotiate(request.headers.get("Accept", ""), CREDENTIAL_TYPES) or CREDENTIAL_TYPES[0]
    response = _credential_json(link.credential, wanted)
    response["Access-Control-Allow-Origin"] = "*"
    response["Referrer-Policy"] = "no-referrer"
    return response


def _badge_page(
    request: HttpRequest,
    credential: IssuedCredential,
    *,
    is_holder: bool,
    json_url: str = "",
    share_link: ShareLink | None = None,
) -> HttpResponse:
    """The badge page; ``json_url``: the address of its signed credential for this visitor (none
    for a page whose visitor may not read the credential at an address of its own); ``share_link``:
    the link it was opened through (the page says until when that link works)."""
    version = credential.micro_credential_version
    visibility = _visibility(credential)
    endorsements = selectors.endorsements_of(credential)
    response = render(
        request,
        "portfolio/badge.html",
        {
            "credential": credential,
            "version": version,
            "alignments": version.alignments.select_related("competency", "level"),
            "state": selectors.live_state(credential),
            "endorsements": endorsements,
            "strength": summarise(endorsements),
            "partner_endorsements": selectors.partner_endorsements_of(credential),
            "is_holder": is_holder,
            "visibility": visibility,
            "page_url": absolute(reverse("portfolio:badge", args=[credential.uuid])),
            "image_url": absolute(version.image_png.url) if version.image_png else "",
            "json_url": json_url,
            "share_link": share_link,
        },
    )
    response["Cache-Control"] = "private, no-cache"  # its state is live; a revocation shows at once
    response["Vary"] = "Accept, Cookie"  # the same address answers JSON to a machine that asks
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
    """A learner's public profile: only while they keep it online, only the credentials, certificates
    and imported badges they made public."""
    profile = get_object_or_404(PublicProfile.objects.select_related("user"), slug=slug, enabled=True)
    credentials = selectors.public_credentials_of(profile.user)
    certificates = public_certificates_of(profile.user)
    imported = ImportedBadge.objects.filter(
        holder=profile.user, visibility=CredentialSharing.Visibility.PUBLIC
    ).defer("original", "document", "report", "image_png")
    response = render(
        request,
        "portfolio/profile.html",
        {"profile": profile, "credentials": credentials, "certificates": certificates, "imported": imported},
    )
    response["Cache-Control"] = "private, no-cache"
    return response


def _cv_defaults(user: Any, choices: selectors.CvChoices) -> dict[str, Any]:
    """The form as the page first shows it: the valid credentials and certificates ticked, the
    name of the account, the line of the public profile, the language of the page."""
    return {
        "name": getattr(user, "display_name", ""),
        "headline": services.profile_of(user).headline,
        "credentials": [str(c.uuid) for c in choices.credentials if c.state == "valid"],
        "certificates": [str(c.uuid) for c in choices.certificates if c.state == "valid"],
        "language": (get_language() or "fr")[:2],
        "paper": "letter",
        "days": "90",
    }


@login_required
def cv(request: HttpRequest) -> HttpResponse:
    """The page where the holder prepares the PDF of their carnet (a skills CV), and the PDF itself,
    answered to the form's POST. The choices offered are the signed-in person's own credentials
    and certificates: anything else sent is an invalid choice, and nothing is made."""
    choices = selectors.cv_choices(request.user)
    form = CvForm(
        request.POST if request.method == "POST" else None, credentials=choices.credentials,
        certificates=choices.certificates, initial=_cv_defaults(request.user, choices),
    )  # fmt: skip
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            pdf = services.make_cv(
                holder=request.user, name=data["name"], headline=data["headline"],
                credentials=[c for c in choices.credentials if str(c.uuid) in data["credentials"]],
                certificates=[c for c in choices.certificates if str(c.uuid) in data["certificates"]],
                days=data["days"], language=data["language"], paper=data["paper"],
            )  # fmt: skip
        except services.SharingError as exc:
            form.add_error(None, str(exc))
        except PdfUnavailable:
            form.add_error(None, _pdf_unavailable())
        else:
            return _pdf_attachment(pdf, data["name"])
    return render(
        request,
        "portfolio/cv.html",
        {"form": form, "choices": choices, "durations": ShareLinkForm.DURATIONS},
        status=400 if request.method == "POST" else 200,
    )


def _pdf_unavailable() -> str:
    return _(
        "Le PDF ne peut pas être préparé sur ce serveur pour l'instant (un composant manque). "
        "Réessayez plus tard ou prévenez l'équipe de Carnet : rien n'a été enregistré."
    )


def _pdf_attachment(pdf: bytes, name: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = f"carnet-{slugify(name) or 'cv'}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"  # it holds share links
    response["X-Content-Type-Options"] = "nosniff"
    return response
