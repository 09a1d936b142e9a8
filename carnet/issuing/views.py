"""Public machine-readable documents: DID documents, issuer profiles, achievements and status lists.
Anyone may read them (verifiers fetch them); they hold no personal data."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from carnet.catalogue.models import MicroCredentialVersion
from carnet.issuing.achievements import achievement_document
from carnet.issuing.identity import issuer_profile, organisation_did_document, platform_did_document
from carnet.issuing.models import IssuedCredential, StatusList
from carnet.organisations.models import Organisation


def _json(
    request: HttpRequest, document: Any, *, max_age: int, content_type: str = "application/json"
) -> HttpResponse:
    body = json.dumps(document, ensure_ascii=False, sort_keys=True).encode()
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(body, content_type=content_type)
    response["ETag"] = etag
    response["Cache-Control"] = f"public, max-age={max_age}"
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _recognising(slug: str) -> Organisation:
    return get_object_or_404(Organisation.objects.exclude(kind=Organisation.Kind.EMPLOYER), slug=slug)


@require_GET
def did_document(request: HttpRequest, org_slug: str) -> HttpResponse:
    organisation = _recognising(org_slug)
    if not organisation.signing_keys.exists():
        raise Http404  # it has issued nothing yet
    return _json(
        request, organisation_did_document(organisation), max_age=300, content_type="application/did+json"
    )


@require_GET
def platform_did(request: HttpRequest) -> HttpResponse:
    return _json(request, platform_did_document(), max_age=300, content_type="application/did+json")


@require_GET
def profile(request: HttpRequest, org_slug: str) -> HttpResponse:
    return _json(request, issuer_profile(_recognising(org_slug)), max_age=3600)


@require_GET
def achievement(request: HttpRequest, org_slug: str, slug: str, number: int) -> HttpResponse:
    version = get_object_or_404(
        MicroCredentialVersion.objects.select_related("micro_credential__organisation"),
        micro_credential__organisation__slug=org_slug, micro_credential__slug=slug, number=number,
    )  # fmt: skip
    if version.published_at is None and not IssuedCredential.objects.filter(version=version).exists():
        raise Http404
    language = "en" if request.GET.get("lang") == "en" else "fr"
    return _json(request, achievement_document(version, language), max_age=3600)


@require_GET
def status_list(request: HttpRequest, org_slug: str, purpose: str, number: int) -> HttpResponse:
    found = get_object_or_404(StatusList, organisation__slug=org_slug, purpose=purpose, number=number)
    # Short: a revocation must reach verifiers quickly; the ETag makes re-fetching cheap.
    return _json(request, found.published, max_age=60, content_type="application/vc+ld+json")
