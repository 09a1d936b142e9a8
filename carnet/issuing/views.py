"""The public, machine-readable documents of issuing: DID documents, issuer Profiles, Achievements
and status lists. Anyone may read them (verifiers must), so the only refusal is 404 for what does
not exist or is not public: an unknown or employer organisation, a draft version, an unknown list.

Each ``*_document`` function builds one document from its URL's arguments; the views serve them, and
:class:`carnet.issuing.identity.PlatformResolver` answers from them without HTTP."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified
from django.shortcuts import get_object_or_404
from django.utils.http import parse_etags
from django.views.decorators.http import require_safe

from carnet.catalogue.models import MicroCredentialVersion
from carnet.issuing.achievements import achievement_document as build_achievement
from carnet.issuing.identity import did_document_of, public_profile, recognising_organisation
from carnet.issuing.models import SigningKey, StatusList

DID_MAX_AGE = 300  # a rotated key reaches verifiers within five minutes
PROFILE_MAX_AGE = 3600
# A published version never changes, but partners may endorse it (or an endorsement be withdrawn):
# its ``endorsement`` list does; an hour, and the ETag answers 304 while it is the same.
ACHIEVEMENT_MAX_AGE = 3600
STATUS_MAX_AGE = 60  # a revocation must reach verifiers quickly; the ETag keeps re-fetching cheap


def did_document(org_slug: str) -> dict[str, Any]:
    keys = list(
        SigningKey.objects.filter(organisation__slug=org_slug)
        .select_related("organisation")
        .order_by("created_at", "pk")
    )  # one query: the organisation comes with its keys
    if not keys or not keys[0].organisation.recognises:  # type: ignore[union-attr]
        raise Http404  # unknown, an employer, or it has signed nothing yet
    return did_document_of(keys[0].organisation, keys)


def platform_did_document() -> dict[str, Any]:
    keys = list(SigningKey.objects.filter(organisation=None).order_by("created_at", "pk"))
    if not keys:
        raise Http404
    return did_document_of(None, keys)


def profile_document(org_slug: str) -> dict[str, Any]:
    return public_profile(recognising_organisation(org_slug))


def achievement_document(org_slug: str, slug: str, number: int, language: str = "fr") -> dict[str, Any]:
    version = get_object_or_404(
        MicroCredentialVersion.objects.select_related("micro_credential__organisation"),
        micro_credential__organisation=recognising_organisation(org_slug),
        micro_credential__slug=slug,
        number=number,
    )
    if version.published_at is None and not version.issued_credentials.exists():
        raise Http404  # drafts are private
    return build_achievement(version, language)


def status_list_document(org_slug: str, purpose: str, number: int) -> dict[str, Any]:
    found = get_object_or_404(
        StatusList.objects.select_related("organisation"),
        organisation__slug=org_slug, purpose=purpose, number=number,
    )  # fmt: skip
    if not found.organisation.recognises:
        raise Http404
    return dict(found.published)


PUBLIC_DOCUMENTS = {
    "issuing:did": did_document,
    "issuing:platform_did": platform_did_document,
    "issuing:profile": profile_document,
    "issuing:achievement": achievement_document,
    "issuing:status_list": status_list_document,
}


def _json(
    request: HttpRequest, document: Any, *, max_age: int, content_type: str = "application/json"
) -> HttpResponse:
    body = json.dumps(document, ensure_ascii=False, indent=2).encode()
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    known = parse_etags(request.headers.get("If-None-Match", ""))
    response = (
        HttpResponseNotModified()
        if etag in known or "*" in known
        else HttpResponse(body, content_type=content_type)
    )
    response["ETag"] = etag
    response["Cache-Control"] = f"public, max-age={max_age}"
    response["Access-Control-Allow-Origin"] = "*"  # verifiers in a browser read them too
    return response


@require_safe
def did(request: HttpRequest, org_slug: str) -> HttpResponse:
    return _json(request, did_document(org_slug), max_age=DID_MAX_AGE, content_type="application/did+json")


@require_safe
def platform_did(request: HttpRequest) -> HttpResponse:
    return _json(request, platform_did_document(), max_age=DID_MAX_AGE, content_type="application/did+json")


@require_safe
def profile(request: HttpRequest, org_slug: str) -> HttpResponse:
    return _json(request, profile_document(org_slug), max_age=PROFILE_MAX_AGE)


@require_safe
def achievement(request: HttpRequest, org_slug: str, slug: str, number: int) -> HttpResponse:
    language = "en" if request.GET.get("lang") == "en" else "fr"
    return _json(request, achievement_document(org_slug, slug, number, language), max_age=ACHIEVEMENT_MAX_AGE)


@require_safe
def status_list(request: HttpRequest, org_slug: str, purpose: str, number: int) -> HttpResponse:
    return _json(request, status_list_document(org_slug, purpose, number), max_age=STATUS_MAX_AGE)
