"""What every JSON API of Carnet answers alike: the language of its messages (``?lang=``, else
Accept-Language, else French; never the cookie) and its errors as RFC 9457 problem details
(``application/problem+json`` with ``type``, ``title``, ``status``, ``detail``, and a ``code`` for
programs)."""

from __future__ import annotations

import http
from typing import Any

from django.http import HttpRequest, JsonResponse

LANGUAGES = ("fr", "en")


def api_language(request: HttpRequest) -> str:
    """``?lang=`` if it is fr or en, else the best of fr and en in Accept-Language, else fr. Never
    the language cookie: the APIs ignore cookies."""
    asked = request.GET.get("lang", "").strip().lower()[:2]
    if asked in LANGUAGES:
        return asked
    best, best_weight = "fr", 0.0
    for part in request.headers.get("Accept-Language", "").split(",")[:20]:
        tag, *parameters = part.strip().split(";")
        weight = 1.0
        for parameter in parameters:
            name, _sep, value = parameter.strip().partition("=")
            if name.strip() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGUAGES and weight > best_weight:
            best, best_weight = primary, weight
    return best


def problem(status: int, detail: str, code: str, language: str, **extra: Any) -> JsonResponse:
    """An RFC 9457 problem document; ``code`` says which problem, for programs."""
    body = {
        "type": "about:blank",
        "title": http.HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "code": code,
        "lang": language,
        **extra,
    }
    return json_response(body, status, language, content_type="application/problem+json")


def json_response(
    body: Any, status: int, language: str, content_type: str = "application/json"
) -> JsonResponse:
    """A JSON answer that no cache keeps (API answers depend on who asks)."""
    response = JsonResponse(
        body, status=status, content_type=content_type, safe=False, json_dumps_params={"ensure_ascii": False}
    )
    response["Content-Language"] = language
    response["Cache-Control"] = "no-store"
    return response
