"""``POST /api/verification``: the verification report for programs.

The body is the credential itself — JSON, a VC-JWT, or a PNG or SVG image with a baked credential,
told apart by content whatever the Content-Type says — or ``{"url": "https://…"}`` for a credential
to fetch (the address may serve JSON, a VC-JWT, a baked image, or a web page that links to its
credential: see :func:`carnet.verification.verifier.retrieve`). The answer is the report of
:func:`carnet.credentials.verify` as JSON (``to_dict``), with a ``verdict``, in French or English
(``?lang=en|fr``, else ``Accept-Language``, else French):

* 200 when a verification ran, ``"valid": true`` or ``false``;
* 400 ``application/problem+json`` (RFC 9457) for what is not a credential at all, or an address
  that is refused (``url.refused``, ``url.other_host``); 502 when the address did not answer a
  credential (``url.unavailable``, ``url.no_link``);
* 413 for a body over 2 MiB, 415 for a form upload, 429 beyond the rate limit (with Retry-After).

No cookie, session or CSRF token is used: the view reads the body and the headers above only.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from carnet.credentials import jsonsafe
from carnet.site.problems import api_language, problem
from carnet.site.problems import json_response as _json
from carnet.verification import limits, reportcache, verifier
from carnet.verification.views import declared_size


def _json_bytes(body: bytes, language: str) -> HttpResponse:
    """A report kept by :mod:`carnet.verification.reportcache`, with the headers of a fresh one."""
    response = HttpResponse(body, content_type="application/json")
    response["Content-Language"] = language
    response["Cache-Control"] = "no-store"
    return response


def _address_of(body: bytes) -> str | None:
    """The URL of ``{"url": "…"}``; None for any other body."""
    if not body.lstrip().startswith(b"{") or len(body) > 8192:
        return None
    try:
        document = jsonsafe.loads(body, max_bytes=8192, max_depth=2)
    except ValueError:
        return None
    if isinstance(document, dict) and set(document) == {"url"} and isinstance(document["url"], str):
        return document["url"]
    return None


@csrf_exempt  # an API without cookies: there is no session for a forged request to ride on
def verify_api(request: HttpRequest) -> HttpResponse:
    language = api_language(request)
    with translation.override(language):
        if request.method != "POST":
            response = problem(405, _("Envoyez la microattestation avec POST."), "method", language)
            response["Allow"] = "POST"
            return response
        allowed, retry_after = limits.allow(request, "api")
        if not allowed:
            response = problem(
                429,
                _("Trop de vérifications depuis votre adresse : réessayez dans %(seconds)s secondes.")
                % {"seconds": retry_after},
                "rate_limited",
                language,
            )
            response["Retry-After"] = str(retry_after)
            return response
        size = declared_size(request)
        if size > verifier.MAX_INPUT_BYTES:
            return _refused(verifier.too_large(size), language)
        if request.content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
            return problem(
                415,
                _("Envoyez la microattestation elle-même comme corps de la requête, pas un formulaire."),
                "form_body",
                language,
            )
        body = request.body
        address = _address_of(body)
        if address is not None:
            try:
                outcome = verifier.verify_address(address)
            except verifier.AddressError as exc:
                status = 400 if exc.refused else 502
                return problem(status, exc.message(), f"url.{exc.code}", language, details=exc.details)
        else:
            key, made_from = reportcache.key_for(body, language), reportcache.generation()
            kept = reportcache.get(key, made_from)
            if kept is not None:
                return _json_bytes(kept, language)
            outcome = verifier.verify_data(body)
            if outcome.is_credential and not outcome.fetched and outcome.report.credential is not None:
                response = _json(outcome.to_dict(language), 200, language)
                reportcache.put(key, made_from, outcome.report.credential, response.content)
                return response
        if not outcome.is_credential:
            return _refused(outcome, language)
        return _json(outcome.to_dict(language), 200, language)


def _refused(outcome: verifier.Outcome, language: str) -> JsonResponse:
    status = 413 if outcome.verdict == "too_large" else 400
    check = outcome.report.checks[0]
    return problem(
        status,
        outcome.error_message(),
        check.code,
        language,
        details=check.details,
        report=outcome.report.to_dict(language),
    )
