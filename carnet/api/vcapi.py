"""The W3C VC API (w3c-ccg/vc-api: issuer.yml, verifier.yml), outside the language prefixes, so that
standard test suites, wallets and verifiers can talk to Carnet:

* ``POST /credentials/issue`` {credential, options} → 201 {verifiableCredential}: an organisation's
  API key (``Authorization: Bearer carnet_…``, scope ``credentials:issue``); Carnet signs as that
  organisation (:func:`carnet.api.vcapi_services.sign_credential`). 401 without a live key, 403
  without the scope, 400 for a malformed request or another issuer, 422 for a credential Carnet will
  not sign, 413 beyond 256 KiB.
* ``POST /credentials/verify`` {verifiableCredential, options} → VerificationResult: public,
  limited per address like ``/api/verification`` (and sharing its budget), through the one verifier
  (:func:`carnet.verification.verifier.verify_document`).
* ``POST /presentations/verify`` {verifiablePresentation, options: {challenge, domain}} →
  VerificationResult with ``presentationResult`` and ``credentialResults``.

A verification that ran answers 200 when verified and 400 when not (what the W3C test suites expect
of a verifier), the VerificationResult then being the members of an RFC 9457 problem document; a
request that is not one answers 400 (413 too large, 415 a form, 429 beyond the rate limit). Messages
are in the caller's language (``?lang=``, else Accept-Language, else French). No cookie, session or
CSRF token is used.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from carnet.api import vcapi_results, vcapi_services
from carnet.api.keys import key_of
from carnet.api.models import ApiKey
from carnet.audit.services import acting_as
from carnet.credentials import jsonsafe
from carnet.credentials.contexts import VC_V2
from carnet.credentials.presentation import enveloped_token
from carnet.site.problems import api_language, json_response, problem
from carnet.verification import limits, verifier
from carnet.verification.views import declared_size

MAX_ISSUE_BYTES = 256 * 1024
MAX_VERIFY_BYTES = verifier.MAX_INPUT_BYTES
MAX_DEPTH = 48


class _BadRequest(Exception):
    def __init__(self, response: HttpResponse) -> None:
        super().__init__()
        self.response = response


def _request_body(request: HttpRequest, limit: int, language: str) -> dict[str, Any]:
    """The JSON object of a POST request; raises :class:`_BadRequest` with the problem to answer."""
    if request.method != "POST":
        response = problem(405, _("Envoyez la requête avec POST."), "method", language)
        response["Allow"] = "POST"
        raise _BadRequest(response)
    if declared_size(request) > limit:
        raise _BadRequest(_too_large(limit, language))
    if request.content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        raise _BadRequest(
            problem(415, _("Envoyez un objet JSON (Content-Type: application/json), pas un formulaire."),
                    "form_body", language)
        )  # fmt: skip
    try:
        body = request.body
    except RequestDataTooBig:
        raise _BadRequest(_too_large(limit, language)) from None
    if len(body) > limit:
        raise _BadRequest(_too_large(limit, language))
    try:
        document = jsonsafe.loads(body, max_bytes=limit, max_depth=MAX_DEPTH)
    except ValueError as exc:
        raise _BadRequest(
            problem(400, _("Le corps de la requête n'est pas un JSON valide."), "request.json", language,
                    details=str(exc)[:300])
        ) from None  # fmt: skip
    if not isinstance(document, dict):
        raise _BadRequest(
            problem(400, _("Le corps de la requête doit être un objet JSON."), "request.json", language)
        )
    return document


def _too_large(limit: int, language: str) -> JsonResponse:
    return problem(
        413,
        _("La requête est trop volumineuse (au plus %(kib)s Kio).") % {"kib": limit // 1024},
        "request.too_large",
        language,
    )


def _rate_limited(request: HttpRequest, language: str) -> JsonResponse | None:
    allowed, retry_after = limits.allow(request, "api")
    if allowed:
        return None
    response = problem(
        429,
        _("Trop de vérifications depuis votre adresse : réessayez dans %(seconds)s secondes.")
        % {"seconds": retry_after},
        "rate_limited",
        language,
    )
    response["Retry-After"] = str(retry_after)
    return response


def _options(body: dict[str, Any], language: str) -> dict[str, Any]:
    options = body.get("options")
    if options is None:
        return {}
    if not isinstance(options, dict):
        raise _BadRequest(
            problem(400, _("« options » doit être un objet JSON."), "options.invalid", language)
        )
    return options


def _verification_answer(result: dict[str, Any], language: str) -> JsonResponse:
    if result["verified"]:
        return json_response(result, 200, language)
    return problem(
        400, _("La vérification a échoué : lisez « errors »."), "verification.failed", language, **result
    )


def _issuing_key(request: HttpRequest, language: str) -> ApiKey:
    key = key_of(request)
    if key is None:
        response = problem(
            401,
            _("Une clé d'API de votre organisation est requise : Authorization: Bearer carnet_…"),
            "unauthenticated",
            language,
        )
        response["WWW-Authenticate"] = 'Bearer realm="carnet"'
        raise _BadRequest(response)
    if not key.allows(ApiKey.Scope.CREDENTIALS_ISSUE):
        raise _BadRequest(
            problem(403, _("Cette clé d'API n'a pas la portée « credentials:issue »."), "forbidden", language)
        )
    return key


@csrf_exempt  # an API without cookies: there is no session for a forged request to ride on
def issue_credential(request: HttpRequest) -> HttpResponse:
    language = api_language(request)
    with translation.override(language):
        try:
            key = _issuing_key(request, language)
            body = _request_body(request, MAX_ISSUE_BYTES, language)
            with acting_as(key.audit_facts()):  # the audit trail names the key
                signed = vcapi_services.sign_credential(
                    api_key=key, credential=body.get("credential"), options=_options(body, language)
                )
        except _BadRequest as exc:
            return exc.response
        except vcapi_services.Refused as exc:
            return problem(exc.status, exc.message, exc.code, language, details=exc.details)
        if isinstance(signed, str):  # a VC-JWT, enveloped (VC Data Model 2.0 §4.13.1)
            signed = {
                "@context": VC_V2,
                "type": "EnvelopedVerifiableCredential",
                "id": "data:application/vc+jwt," + signed,
            }
        return json_response({"verifiableCredential": signed}, 201, language)


@csrf_exempt
def verify_credential(request: HttpRequest) -> HttpResponse:
    language = api_language(request)
    with translation.override(language):
        limited = _rate_limited(request, language) if request.method == "POST" else None
        if limited is not None:
            return limited
        try:
            body = _request_body(request, MAX_VERIFY_BYTES, language)
            _options(body, language)
        except _BadRequest as exc:
            return exc.response
        credential = body.get("verifiableCredential")
        token = enveloped_token(credential)
        if token is not None:
            credential = token
        if not isinstance(credential, dict | str):
            return problem(
                400,
                _("« verifiableCredential » doit être le justificatif : un objet JSON ou un VC-JWT."),
                "request.invalid",
                language,
            )
        outcome = verifier.verify_document(credential)
        result = vcapi_results.credential_result(outcome.report, language, standing=outcome.issuer_standing)
        return _verification_answer(result, language)


@csrf_exempt
def verify_presentation(request: HttpRequest) -> HttpResponse:
    language = api_language(request)
    with translation.override(language):
        limited = _rate_limited(request, language) if request.method == "POST" else None
        if limited is not None:
            return limited
        try:
            body = _request_body(request, MAX_VERIFY_BYTES, language)
            options = _options(body, language)
        except _BadRequest as exc:
            return exc.response
        challenge, domain = options.get("challenge"), options.get("domain")
        if not all(value is None or (isinstance(value, str) and value) for value in (challenge, domain)):
            return problem(
                400,
                _("« challenge » et « domain » doivent être des textes non vides."),
                "options.invalid",
                language,
            )
        presentation = body.get("verifiablePresentation")
        if not isinstance(presentation, dict):
            return problem(
                400,
                _("« verifiablePresentation » doit être la présentation : un objet JSON."),
                "request.invalid",
                language,
            )
        report = verifier.verify_presentation(presentation, challenge=challenge, domain=domain)
        return _verification_answer(vcapi_results.presentation_result(report, language), language)
