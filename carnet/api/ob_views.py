"""The Open Badges 3.0 REST API (1EdTech Open Badges 3.0, §6 "Open Badges API"), under
``/ims/ob/v3p0``: the service description (``getServiceDescription``, open to anyone), the learner's
credentials (``getCredentials``, ``upsertCredential``) and profile (``getProfile``, ``putProfile``),
each behind an OAuth 2.0 access token with the operation's scope (§6.2.1).

Errors are the specification's ``Imsx_StatusInfo`` (§6.2, every operation's error responses), with
a description in the caller's language (``?lang=``, else Accept-Language, else French). A missing or
dead token answers 401 with ``WWW-Authenticate: Bearer``; a token without the operation's scope, 403
``insufficient_scope`` (RFC 6750 §3.1). A token is one learner's: every read and write is theirs."""

from __future__ import annotations

import re
import urllib.parse
import uuid
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from oauth2_provider.oauth2_backends import get_oauthlib_core

from carnet.api import discovery
from carnet.api import oauth_services as services
from carnet.api.oauth import CREDENTIAL_READ, CREDENTIAL_UPSERT, PROFILE_READ, PROFILE_UPDATE
from carnet.credentials import baking, jsonsafe
from carnet.issuing.identity import absolute
from carnet.issuing.models import IssuedCredential
from carnet.portfolio import importing
from carnet.portfolio import services as portfolio
from carnet.portfolio.models import ImportedBadge, PublicProfile
from carnet.site.problems import api_language
from carnet.verification import limits, verifier
from carnet.verification.views import declared_size

DEFAULT_LIMIT, MAX_LIMIT = 50, 100
MAX_PROFILE_BYTES = 64 * 1024
JSON_TYPES = ("application/json", "application/vc+ld+json", "application/ld+json")
_JWS = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"


# -- answers ---------------------------------------------------------------------------------------


def status_info(status: int, minor: str, description: str, language: str) -> JsonResponse:
    """An ``Imsx_StatusInfo``: ``minor`` is one of the specification's imsx_codeMinorFieldValue."""
    body = {
        "imsx_codeMajor": "failure",
        "imsx_severity": "error",
        "imsx_description": description,
        "imsx_codeMinor": {
            "imsx_codeMinorField": [
                {"imsx_codeMinorFieldName": "TargetEndSystem", "imsx_codeMinorFieldValue": minor}
            ]
        },
    }
    return _json(body, status, language)


def _json(body: Any, status: int, language: str) -> JsonResponse:
    response = JsonResponse(body, status=status, safe=False, json_dumps_params={"ensure_ascii": False})
    response["Content-Language"] = language
    response["Cache-Control"] = "no-store"
    return response


def _not_allowed(language: str, allowed: str) -> JsonResponse:
    response = status_info(
        405, "not_allowed", _("Méthode non permise ici : %(allowed)s.") % {"allowed": allowed}, language
    )
    response["Allow"] = allowed
    return response


def authorised(request: HttpRequest, scope: str, language: str) -> tuple[Any, HttpResponse | None]:
    """The access token of the request if it is live and has ``scope``; else the 401 or 403 to
    answer (RFC 6750 §3)."""
    given = request.headers.get("Authorization", "")
    valid, oauth_request = get_oauthlib_core().verify_request(request, scopes=[])
    token = getattr(oauth_request, "access_token", None) if valid else None
    if token is None or not token.user or not token.user.is_active:
        if given:
            description = _(
                "Ce jeton d'accès n'est pas valide : il a expiré ou a été révoqué. Demandez-en un autre."
            )
            challenge = 'Bearer realm="Carnet", error="invalid_token"'
        else:
            description = _("Un jeton d'accès est nécessaire (Authorization: Bearer …).")
            challenge = 'Bearer realm="Carnet"'
        response = status_info(401, "unauthorizedrequest", description, language)
        response["WWW-Authenticate"] = challenge
        return None, response
    if not token.allow_scopes([scope]):
        response = status_info(
            403, "forbidden",
            _("Ce jeton ne permet pas cette opération : il lui faut la portée %(scope)s.") % {"scope": scope},
            language,
        )  # fmt: skip
        response["WWW-Authenticate"] = f'Bearer realm="Carnet", error="insufficient_scope", scope="{scope}"'
        return None, response
    return token, None


# -- getServiceDescription -------------------------------------------------------------------------


def service_description(request: HttpRequest) -> HttpResponse:
    """The Service Description Document (§6.3): open to anyone, no token."""
    language = api_language(request)
    with translation.override(language):
        if request.method not in ("GET", "HEAD"):
            return _not_allowed(language, "GET")
        response = _json(discovery.document(), 200, language)
        response["Cache-Control"] = "public, max-age=3600"
        response["Vary"] = "Accept-Language"  # its descriptions follow the caller's language
        return response


# -- getCredentials and upsertCredential -----------------------------------------------------------


@csrf_exempt  # no cookie is read: the bearer token is the only credential
def credentials(request: HttpRequest) -> HttpResponse:
    language = api_language(request)
    with translation.override(language):
        if request.method in ("GET", "HEAD"):
            return _get_credentials(request, language)
        if request.method == "POST":
            return _upsert_credential(request, language)
        return _not_allowed(language, "GET, POST")


def _query_number(request: HttpRequest, name: str, default: int, minimum: int) -> int | None:
    value = request.GET.get(name)
    if value is None:
        return default
    if not value.isdigit() or len(value) > 9 or int(value) < minimum:
        return None
    return int(value)


def _moment(value: str) -> datetime | None:
    """The ISO 8601 moment ``value`` in UTC (without an offset: in UTC); None when it is none, such
    as February 30, or has no UTC equivalent (year 1 ahead of UTC, year 9999 behind it)."""
    try:
        moment = parse_datetime(value[:40].strip().replace(" ", "+"))  # an unescaped + reads as a space
        if moment is None:
            return None
        if timezone.is_naive(moment):
            return moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC)  # PostgreSQL takes no offset beyond ±15:59
    except (ValueError, OverflowError):
        return None


def _get_credentials(request: HttpRequest, language: str) -> HttpResponse:
    token, refusal = authorised(request, CREDENTIAL_READ, language)
    if refusal is not None:
        return refusal
    limit = _query_number(request, "limit", DEFAULT_LIMIT, 1)
    offset = _query_number(request, "offset", 0, 0)
    if limit is None or offset is None:
        return status_info(
            400, "invalid_query_parameter",
            _("limit est un entier positif, offset un entier positif ou nul."), language,
        )  # fmt: skip
    limit = min(limit, MAX_LIMIT)
    since = None
    if "since" in request.GET:
        since = _moment(request.GET["since"])
        if since is None:
            return status_info(
                400, "invalid_query_parameter",
                _("since est une date et une heure ISO 8601, par exemple 2026-01-31T12:00:00Z."), language,
            )  # fmt: skip
    entries = _credential_entries(token.user, since)
    page = entries[offset : offset + limit]
    body = _documents(page)
    response = _json(body, 200, language)
    response["X-Total-Count"] = str(len(entries))
    response["Link"] = _links(request, len(entries), limit, offset)
    return response


def _credential_entries(user: Any, since: Any) -> list[tuple[Any, str, int]]:
    """(moment, kind, pk) of every credential of the learner, newest first: those Carnet issued them
    (whatever their status: each carries its status list entry, for the reader to check) by the
    moment they were issued, and the Open Badges 3.0 badges in their carnet by the moment they came
    in. ``since``: only those after it."""
    issued = IssuedCredential.objects.filter(recipient=user)
    imported = ImportedBadge.objects.filter(holder=user, kind=ImportedBadge.Kind.OB3)
    if since is not None:
        issued = issued.filter(issued_at__gt=since)
        imported = imported.filter(imported_at__gt=since)
    entries = [(moment, "issued", pk) for moment, pk in issued.values_list("issued_at", "pk")]
    entries += [(moment, "imported", pk) for moment, pk in imported.values_list("imported_at", "pk")]
    return sorted(entries, key=lambda entry: (entry[0], entry[1], entry[2]), reverse=True)


def _documents(page: list[tuple[Any, str, int]]) -> dict[str, list[Any]]:
    """GetOpenBadgeCredentialsResponse: the credentials of ``page`` with an embedded proof in
    ``credential``, those signed as a VC-JWT in ``compactJwsString``."""
    issued = IssuedCredential.objects.in_bulk([pk for _m, kind, pk in page if kind == "issued"])
    imported = ImportedBadge.objects.in_bulk([pk for _m, kind, pk in page if kind == "imported"])
    body: dict[str, list[Any]] = {"credential": [], "compactJwsString": []}
    for _moment, kind, pk in page:
        if kind == "issued":
            body["credential"].append(issued[pk].document)
            continue
        badge = imported[pk]
        jws = _compact_jws(badge)
        if jws:
            body["compactJwsString"].append(jws)
        else:
            body["credential"].append(badge.document)
    return body


def _compact_jws(badge: ImportedBadge) -> str:
    """The VC-JWT an imported badge was given as (in a file or baked in an image); '' for one with
    an embedded proof."""
    original = bytes(badge.original)
    if badge.source == ImportedBadge.Source.JWT:
        return original.decode("utf-8", "replace").strip().lstrip("\ufeff")
    if badge.source in (ImportedBadge.Source.PNG, ImportedBadge.Source.SVG):
        try:
            payload = baking.unbake(original).payload
        except baking.BakingError:
            return ""
        return payload.strip() if isinstance(payload, str) else ""
    return ""


def _links(request: HttpRequest, total: int, limit: int, offset: int) -> str:
    """The Link header of §6.4: first and last always, next and prev when there are such pages."""
    base = absolute(request.path)
    extra = {"since": request.GET["since"]} if "since" in request.GET else {}

    def link(at: int, rel: str) -> str:
        query = urllib.parse.urlencode({"limit": limit, "offset": at, **extra})
        return f'<{base}?{query}>; rel="{rel}"'

    last = max(0, (total - 1) // limit * limit)
    links = []
    if offset + limit < total:
        links.append(link(offset + limit, "next"))
    links.append(link(last, "last"))
    links.append(link(0, "first"))
    if offset > 0:
        links.append(link(max(0, offset - limit), "prev"))
    return ", ".join(links)


def _upsert_credential(request: HttpRequest, language: str) -> HttpResponse:
    token, refusal = authorised(request, CREDENTIAL_UPSERT, language)
    if refusal is not None:
        return refusal
    content_type = request.content_type.lower()
    if content_type not in JSON_TYPES and content_type != "text/plain":
        return status_info(
            415, "invalid_data",
            _("Envoyez la microattestation en JSON (application/json) ou, signée en VC-JWT, en text/plain."),
            language,
        )  # fmt: skip
    if declared_size(request) > verifier.MAX_INPUT_BYTES:
        return status_info(
            413, "invalid_data", verifier.too_large(declared_size(request)).error_message(), language
        )
    allowed, retry_after = limits.allow(request, "api")
    if not allowed:
        response = status_info(
            429, "server_busy",
            _("Trop de vérifications depuis votre adresse : réessayez dans %(seconds)s secondes.")
            % {"seconds": retry_after},
            language,
        )  # fmt: skip
        response["Retry-After"] = str(retry_after)
        return response
    try:
        data = request.body
    except RequestDataTooBig:
        return status_info(
            413, "invalid_data", verifier.too_large(verifier.MAX_INPUT_BYTES + 1).error_message(), language
        )
    if len(data) > verifier.MAX_INPUT_BYTES:
        return status_info(413, "invalid_data", verifier.too_large(len(data)).error_message(), language)
    problem = _form_problem(data, content_type)
    if problem:
        return status_info(400, "invalid_data", problem, language)
    try:
        badge, outcome = portfolio.upsert_imported_badge(
            holder=token.user, data=data, client_id=getattr(token.application, "client_id", "")
        )
    except importing.ImportRefused as exc:
        if exc.code == "duplicate":  # issued by Carnet to this learner: it is in their carnet already
            return HttpResponse(status=304)
        status = {"too_large": 413, "conflict": 409}.get(exc.code, 400)
        return status_info(status, "invalid_data", exc.message, language)
    if outcome == "unchanged":
        return HttpResponse(status=304)
    status = 201 if outcome == "created" else 200
    response = HttpResponse(
        data, status=status, content_type="text/plain" if content_type == "text/plain" else content_type
    )
    response["Content-Language"] = language
    response["Cache-Control"] = "no-store"
    response["Location"] = absolute(reverse("portfolio:imported", args=[badge.uuid]))
    return response


def _form_problem(data: bytes, content_type: str) -> str:
    """'' when the body has the form its Content-Type says (§6.2.3.1), else why not."""
    text = data.strip().lstrip(b"\xef\xbb\xbf")
    if content_type == "text/plain":
        if not _JWS.match(text.decode("ascii", "replace")):
            return _("En text/plain, le corps est une microattestation signée en VC-JWT (JWS compact).")
        return ""
    if not text.startswith(b"{"):
        return _("En JSON, le corps est une microattestation : un objet JSON.")
    return ""


# -- getProfile and putProfile ---------------------------------------------------------------------


@csrf_exempt  # no cookie is read: the bearer token is the only credential
def profile(request: HttpRequest) -> HttpResponse:
    language = api_language(request)
    with translation.override(language):
        if request.method in ("GET", "HEAD"):
            token, refusal = authorised(request, PROFILE_READ, language)
            if refusal is not None:
                return refusal
            return _json(profile_of(token.user), 200, language)
        if request.method == "PUT":
            return _put_profile(request, language)
        return _not_allowed(language, "GET, PUT")


def profile_id(user: Any) -> str:
    """The learner's Profile ``id``: their public profile's address while it is online, else a
    URN that stays the same for them and tells nothing about them."""
    public = PublicProfile.objects.filter(user=user, enabled=True).first()
    if public is not None:
        with translation.override(settings.LANGUAGE_CODE):
            return absolute(reverse("portfolio:profile", args=[public.slug]))
    digest = salted_hmac("carnet.api.profile", str(user.pk), algorithm="sha256").digest()
    return f"urn:uuid:{uuid.UUID(bytes=digest[:16], version=4)}"


def profile_of(user: Any) -> dict[str, Any]:
    """The learner's Open Badges Profile: its id, their display name, their account's email."""
    body: dict[str, Any] = {"@context": [VC_CONTEXT, OB_CONTEXT], "id": profile_id(user), "type": ["Profile"]}
    if user.display_name:
        body["name"] = user.display_name
    body["email"] = user.email
    return body


def _put_profile(request: HttpRequest, language: str) -> HttpResponse:
    token, refusal = authorised(request, PROFILE_UPDATE, language)
    if refusal is not None:
        return refusal
    if declared_size(request) > MAX_PROFILE_BYTES:
        return status_info(413, "invalid_data", _("Un profil tient en 64 Kio au plus."), language)
    try:
        given = jsonsafe.loads(request.body, max_bytes=MAX_PROFILE_BYTES, max_depth=8)
    except (ValueError, RequestDataTooBig):
        given = None
    if not isinstance(given, dict):
        return status_info(
            400, "invalid_data", _("Envoyez le profil entier : un objet JSON de type Profile."), language
        )
    user = token.user
    problem = _profile_problem(given, user)
    if problem:
        return status_info(400, "invalid_data", problem, language)
    if "name" in given:
        services.change_name(user=user, name=given["name"].strip(), application=token.application)
    return _json(profile_of(user), 200, language)


CHANGEABLE = {"name"}
KEPT = {"@context", "id", "type", "email"}  # accepted when they say what Carnet holds


def _profile_problem(given: dict[str, Any], user: Any) -> str:
    """Why Carnet refuses the Profile ``given`` ('' when it takes it): Carnet lets an application
    change the learner's display name only."""
    kinds = given.get("type")
    kinds = [kinds] if isinstance(kinds, str) else kinds
    if not isinstance(kinds, list) or "Profile" not in kinds:
        return _("Le profil envoyé doit être de type Profile.")
    if "id" in given and given["id"] != profile_id(user):
        return _("L'identifiant (id) du profil ne se change pas : renvoyez celui que donne GET /profile.")
    if "email" in given and (
        not isinstance(given["email"], str) or given["email"].strip().lower() != user.email.lower()
    ):
        return _("L'adresse courriel se change dans votre compte Carnet, pas par une application.")
    others = sorted(set(given) - CHANGEABLE - KEPT)
    if others:
        return _(
            "Carnet ne permet de changer que votre nom (name) : %(names)s ne peut pas être changé ici."
        ) % {"names": ", ".join(name[:50] for name in others[:5])}
    if "name" in given:
        name = given["name"]
        if not isinstance(name, str) or not name.strip() or len(name.strip()) > 150:
            return _("Le nom (name) est un texte de 1 à 150 caractères.")
        if any(ord(character) < 32 or ord(character) == 127 for character in name):
            return _("Le nom (name) ne contient pas de caractères de contrôle.")
    return ""
