"""The organisation API (``/api/v1/``): an organisation's programs manage its micro-credentials, issue
one credential or many (a job issued in the background), revoke, suspend and reinstate, list and
search what was issued, and read the audit trail.

Each call carries ``Authorization: Bearer carnet_...``, a key of one organisation (carnet.api.keys):
it reaches that organisation's things only (anything else is 404) and each endpoint needs one of the
key's scopes (403 ``insufficient_scope`` otherwise). Every error is an RFC 9457 problem in the
caller's language (carnet.site.problems). Each endpoint is thin: it finds the thing through the key's
organisation and calls the service the site's pages call."""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import urlencode
from uuid import UUID

from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as FormValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Path, Query, Status
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer

from carnet.api import org_schemas as s
from carnet.api.keys import bearer_token, key_of
from carnet.api.models import ApiKey
from carnet.audit import selectors as audit
from carnet.audit.labels import FAMILIES, label
from carnet.audit.services import acting_as
from carnet.catalogue import services as catalogue
from carnet.catalogue.forms import MicroCredentialForm
from carnet.catalogue.models import MicroCredential, MicroCredentialVersion
from carnet.issuing import bulk, csv_import
from carnet.issuing import services as issuing
from carnet.issuing.models import IssuanceJob, IssuedCredential
from carnet.site.problems import api_language, json_response, problem
from carnet.webhooks import services as webhooks
from carnet.webhooks.forms import REFUSALS, EndpointForm
from carnet.webhooks.models import Delivery, Endpoint
from carnet.webhooks.sending import Refused

logger = logging.getLogger(__name__)

MAX_BODY = 1_000_000  # bytes: a job of 1,000 recipients with short evidence fits
MAX_LIMIT, DEFAULT_LIMIT, MAX_OFFSET = 100, 50, 1_000_000_000
Scope = ApiKey.Scope


class ApiProblem(Exception):
    """An error the API answers as a problem document."""

    def __init__(self, status: int, code: str, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail, self.extra = status, code, detail, extra


def _not_found() -> ApiProblem:
    return ApiProblem(404, "not_found", _("Votre organisation n'a rien à cette adresse."))


# -- authentication --------------------------------------------------------------------------------


class ApiKeyAuth(HttpBearer):
    """``Authorization: Bearer carnet_...``: a live key of the organisation that has ``scope``."""

    openapi_description = (
        "An API key of your organisation (made by its admins on the organisation's 'API keys' page), "
        "sent as `Authorization: Bearer carnet_<prefix>_<secret>`. Each operation needs one scope."
    )
    openapi_bearerFormat = "carnet_<prefix>_<secret>"

    def __init__(self, scope: str) -> None:
        super().__init__()
        self.scope = scope

    def __call__(self, request: HttpRequest) -> ApiKey | None:
        translation.activate(api_language(request))  # services' messages in the caller's language
        _check_input(request)
        key = key_of(request)
        if key is None:
            return None
        if not key.allows(self.scope):
            raise ApiProblem(
                403, "insufficient_scope",
                _("Cette clé n'a pas la portée « %(scope)s » que demande cette opération.") % {"scope": self.scope},
                scope=self.scope,
            )  # fmt: skip
        return key

    def authenticate(self, request: HttpRequest, token: str) -> ApiKey | None:
        return key_of(request)


def _check_input(request: HttpRequest) -> None:
    """Refuse what no operation takes, before anything reads it: a body over the cap, and NUL
    characters (which the database refuses) in the address or the body."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY:
        raise ApiProblem(
            413,
            "too_large",
            _("La requête dépasse la taille permise (%(size)s octets).") % {"size": MAX_BODY},
        )
    if "\x00" in request.path or any("\x00" in v for values in request.GET.lists() for v in values[1]):
        raise ApiProblem(400, "bad_request", _("L'adresse contient un caractère nul."))
    if request.method in ("POST", "PATCH", "PUT") and re.search(rb"\\u0000", request.body, re.IGNORECASE):
        raise ApiProblem(422, "invalid", _("Le corps de la requête contient un caractère nul."))


def scoped(scope: str) -> ApiKeyAuth:
    return ApiKeyAuth(scope)


def writes(view: Callable[..., Any]) -> Callable[..., Any]:
    """An operation that changes something: the audit events it records name the key that called it
    (carnet.audit.services.acting_as). Every operation but a GET has it (tests/api check)."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        with acting_as(request.auth.audit_facts()):  # type: ignore[attr-defined]
            return view(request, *args, **kwargs)

    wrapped.writes = True  # type: ignore[attr-defined]
    return wrapped


# -- the API and its errors ------------------------------------------------------------------------


class OrganisationApi(NinjaAPI):
    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        """Errors are served as application/problem+json: say so in the document."""
        schema = super().get_openapi_schema(*args, **kwargs)
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                for status, response in operation.get("responses", {}).items():
                    if int(status) >= 400 and "application/json" in response.get("content", {}):
                        response["content"] = {
                            "application/problem+json": response["content"]["application/json"]
                        }
        return schema


api = OrganisationApi(
    title="Carnet — organisation API",
    version="1",
    description=(
        "Manage your organisation's micro-credentials, issue credentials one at a time or in bulk, "
        "revoke, suspend and reinstate them, search what was issued, and read the audit trail. "
        "Errors are RFC 9457 problem details (`application/problem+json`), in French or English "
        "(`?lang=en` or `Accept-Language`). Lists are paged with `limit` and `offset`; each page gives "
        "`count` and the `next` and `previous` pages' addresses (also in a `Link` header)."
    ),
    urls_namespace="org_api",
    docs_url=None,
)


def _problem(request: HttpRequest, status: int, code: str, detail: str, **extra: Any) -> HttpResponse:
    return problem(status, detail, code, api_language(request), **extra)


@functools.partial(api.add_exception_handler, ApiProblem)
def _on_problem(request: HttpRequest, exc: ApiProblem) -> HttpResponse:
    response = _problem(request, exc.status, exc.code, exc.detail, **exc.extra)
    if exc.code == "insufficient_scope":
        response["WWW-Authenticate"] = (
            f'Bearer realm="carnet", error="insufficient_scope", scope="{exc.extra["scope"]}"'
        )
    return response


@functools.partial(api.add_exception_handler, AuthenticationError)
def _on_authentication(request: HttpRequest, exc: Exception) -> HttpResponse:
    with translation.override(api_language(request)):
        if bearer_token(request):
            response = _problem(request, 401, "invalid_key", _("Cette clé d'API n'est pas valide : inconnue, révoquée ou expirée."))  # fmt: skip
            response["WWW-Authenticate"] = 'Bearer realm="carnet", error="invalid_token"'
        else:
            response = _problem(
                request, 401, "no_key", _("Envoyez une clé d'API : Authorization: Bearer carnet_...")
            )
            response["WWW-Authenticate"] = 'Bearer realm="carnet"'
    return response


@functools.partial(api.add_exception_handler, ValidationError)
def _on_validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [
        {"location": [str(part) for part in error.get("loc", ())], "message": str(error.get("msg", ""))}
        for error in exc.errors[:100]
    ]
    with translation.override(api_language(request)):
        return _problem(
            request, 422, "invalid", _("La requête n'est pas valide : voyez « errors »."), errors=errors
        )


@functools.partial(api.add_exception_handler, Http404)
def _on_404(request: HttpRequest, exc: Exception) -> HttpResponse:
    with translation.override(api_language(request)):
        return _on_problem(request, _not_found())


@functools.partial(api.add_exception_handler, HttpError)
def _on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code != 400:
        return _problem(request, exc.status_code, "error", str(exc))
    with translation.override(api_language(request)):  # ninja's only one: a body that is not JSON
        return _problem(request, 400, "bad_request", _("Le corps de la requête n'est pas du JSON valide."))


@functools.partial(api.add_exception_handler, RequestDataTooBig)
def _on_too_big(request: HttpRequest, exc: Exception) -> HttpResponse:
    with translation.override(api_language(request)):
        return _on_problem(request, ApiProblem(413, "too_large", _("La requête dépasse la taille permise.")))


@functools.partial(api.add_exception_handler, Exception)
def _on_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("organisation API: %s", exc)
    with translation.override(api_language(request)):
        return _problem(
            request, 500, "server_error", _("Une erreur inattendue est survenue ; réessayez plus tard.")
        )


def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Any address under /api/v1/ that is no operation."""
    with translation.override(api_language(request)):
        return _problem(request, 404, "not_found", _("Il n'y a aucune opération à cette adresse."))


def _problems_for_405(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and response.get("Content-Type", "").startswith("text/html"):
            with translation.override(api_language(request)):
                answer = _problem(request, 405, "method_not_allowed", _("Cette opération n'accepte pas cette méthode."))  # fmt: skip
            answer["Allow"] = response.get("Allow", "")
            return answer
        return response

    return wrapped


def root(request: HttpRequest) -> HttpResponse:
    """``/api/v1/``: what this is, and where its description is."""
    language = api_language(request)
    body = {"name": api.title, "version": api.version, "openapi": request.build_absolute_uri("openapi.json")}
    return json_response(body, 200, language)


def urls() -> tuple[list[URLPattern], str, str]:
    """The API's URL patterns (to include under ``api/v1/``), each answering 405 as a problem, and
    its root answering what it is (ninja's root is a 404 page)."""
    patterns, app_name, namespace = api.urls
    for pattern in patterns:
        if isinstance(pattern, URLPattern):
            pattern.callback = root if pattern.name == "api-root" else _problems_for_405(pattern.callback)
    return patterns, app_name, namespace


ERRORS = {400: s.Problem, 401: s.Problem, 403: s.Problem, 404: s.Problem, 413: s.Problem, 422: s.Problem}


def answers(ok: dict[int, Any]) -> dict[int, Any]:
    return {**ok, **ERRORS}


# -- paging ----------------------------------------------------------------------------------------


def page(
    request: HttpRequest, response: HttpResponse, rows: QuerySet[Any], limit: int, offset: int
) -> dict[str, Any]:
    """``count``, ``next`` and ``previous`` (also as a Link header) and the rows of one page."""
    count = rows.count()
    results = list(rows[offset : offset + limit])

    def at(start: int) -> str:
        query = request.GET.copy()
        query["limit"], query["offset"] = str(limit), str(start)
        return request.build_absolute_uri(f"{request.path}?{urlencode(sorted(query.items()))}")

    following = at(offset + limit) if offset + limit < count else None
    previous = at(max(offset - limit, 0)) if offset > 0 else None
    links = [f'<{url}>; rel="{rel}"' for url, rel in ((following, "next"), (previous, "prev")) if url]
    if links:
        response["Link"] = ", ".join(links)
    return {"count": count, "next": following, "previous": previous, "results": results}


class Paging(s.Schema):
    limit: int = s.Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    offset: int = s.Field(0, ge=0, le=MAX_OFFSET)


# -- micro-credentials -----------------------------------------------------------------------------


def _micro_credential(key: ApiKey, ref: str) -> MicroCredential:
    found = MicroCredential.objects.filter(organisation=key.organisation)
    item = found.filter(slug=ref).first()
    if item is None and ref.isdigit() and len(ref) < 10:
        item = found.filter(pk=int(ref)).first()
    if item is None:
        raise ApiProblem(
            404, "not_found", _("Aucune microattestation de votre organisation ne porte cet identifiant.")
        )
    return item


def _version_out(version: MicroCredentialVersion) -> dict[str, Any]:
    alignments = [
        {
            "competency": a.competency.code,
            "competency_name": a.competency.name(),
            "level_id": a.level_id,
            "level_rank": a.level.rank if a.level else None,
            "level_name": a.level.name() if a.level else None,
        }
        for a in version.alignments.select_related("competency", "level").order_by("competency__code")
    ]
    fields = {name: getattr(version, name) for name in MicroCredentialForm.Meta.fields}
    return {
        **fields,
        "number": version.number,
        "published_at": version.published_at,
        "alignments": alignments,
    }


def _summary(item: MicroCredential) -> dict[str, Any]:
    versions = sorted(item.versions.all(), key=lambda v: -v.number)
    published = next((v for v in versions if v.published_at), None)
    draft = next((v for v in versions if v.published_at is None), None)
    shown = published or draft
    return {
        "id": item.pk, "slug": item.slug, "status": item.status,
        "name_fr": shown.name_fr if shown else "", "name_en": shown.name_en if shown else "",
        "published_version": published.number if published else None,
        "draft_version": draft.number if draft else None,
        "url": "" if published is None else f"{item.get_absolute_url()}",
    }  # fmt: skip


def _detail(item: MicroCredential) -> dict[str, Any]:
    versions = item.versions.order_by("-number")
    return {
        **_summary(item), "created_at": item.created_at,
        "review_due": item.review_due, "review_overdue": item.review_overdue(),
        "need_documents": list(item.need_documents.values("name", "size", "uploaded_at")),
        "versions": [_version_out(v) for v in versions],
    }  # fmt: skip


def _form(data: dict[str, Any]) -> MicroCredentialForm:
    """The catalogue's own form checks what the API is sent, as it checks what its pages are sent."""
    form = MicroCredentialForm(data={k: ("" if v is None else v) for k, v in data.items()})
    if not form.is_valid():
        errors = [
            {"location": ["body", field if field != "__all__" else ""], "message": str(message)}
            for field, messages in form.errors.items()
            for message in messages
        ]
        raise ApiProblem(
            422, "invalid", _("La microattestation n'est pas valide : voyez « errors »."), errors=errors
        )
    return form


@api.get(
    "/micro-credentials", response=answers({200: s.MicroCredentialPage}), auth=scoped(Scope.ACHIEVEMENTS_READ),
    tags=["micro-credentials"], summary="List the organisation's micro-credentials",
)  # fmt: skip
def list_micro_credentials(
    request: HttpRequest, response: HttpResponse, paging: Query[Paging], status: str | None = None
) -> Any:
    rows = MicroCredential.objects.filter(organisation=request.auth.organisation).prefetch_related("versions")  # type: ignore[attr-defined]
    if status:
        rows = rows.filter(status=status)
    found = page(request, response, rows.order_by("slug", "pk"), paging.limit, paging.offset)
    found["results"] = [_summary(item) for item in found["results"]]
    return found


@api.get(
    "/micro-credentials/{ref}", response=answers({200: s.MicroCredentialOut}),
    auth=scoped(Scope.ACHIEVEMENTS_READ), tags=["micro-credentials"],
    summary="One micro-credential with all its versions (by slug or id)",
)  # fmt: skip
def get_micro_credential(request: HttpRequest, ref: str) -> Any:
    return _detail(_micro_credential(request.auth, ref))  # type: ignore[attr-defined]


@api.post(
    "/micro-credentials", response=answers({201: s.MicroCredentialOut}), auth=scoped(Scope.ACHIEVEMENTS_WRITE),
    tags=["micro-credentials"], summary="Create a micro-credential (a draft, version 1)",
)  # fmt: skip
@writes
def create_micro_credential(
    request: HttpRequest, response: HttpResponse, payload: s.MicroCredentialIn
) -> Any:
    form = _form(payload.model_dump())
    try:
        item = catalogue.create_micro_credential(
            organisation=request.auth.organisation,
            fields=form.version_fields(),
            alignments=form.alignments(),  # type: ignore[attr-defined]
        )
    except catalogue.CatalogueError as exc:
        raise ApiProblem(409, "refused", str(exc)) from exc
    response["Location"] = request.build_absolute_uri(f"/api/v1/micro-credentials/{item.slug}")
    return Status(201, _detail(item))


@api.patch(
    "/micro-credentials/{ref}", response=answers({200: s.MicroCredentialOut, 409: s.Problem}),
    auth=scoped(Scope.ACHIEVEMENTS_WRITE), tags=["micro-credentials"],
    summary="Change a micro-credential: its draft version, or a new draft if it is published",
)  # fmt: skip
@writes
def update_micro_credential(request: HttpRequest, ref: str, payload: s.MicroCredentialPatch) -> Any:
    item = _micro_credential(request.auth, ref)  # type: ignore[attr-defined]
    latest = item.versions.order_by("-number").first()
    assert latest is not None
    current = _version_out(latest)
    data = {name: current[name] for name in MicroCredentialForm.Meta.fields}
    data["levels"] = [a["level_id"] for a in current["alignments"] if a["level_id"]]
    data.update(payload.model_dump(exclude_unset=True, exclude_none=True))
    form = _form(data)
    try:
        catalogue.update_micro_credential(  # an actor (not kept: the key is named by @writes) records it
            micro_credential=item,
            fields=form.version_fields(),
            alignments=form.alignments(),
            actor=request.auth,  # type: ignore[attr-defined]
        )
    except catalogue.CatalogueError as exc:
        raise ApiProblem(409, "refused", str(exc)) from exc
    return _detail(item)


@api.post(
    "/micro-credentials/{ref}/publish", response=answers({200: s.MicroCredentialOut, 409: s.Problem}),
    auth=scoped(Scope.ACHIEVEMENTS_WRITE), tags=["micro-credentials"],
    summary="Publish the draft version: from now on it is the one issued",
)  # fmt: skip
@writes
def publish_micro_credential(request: HttpRequest, ref: str) -> Any:
    item = _micro_credential(request.auth, ref)  # type: ignore[attr-defined]
    try:
        catalogue.publish_micro_credential(micro_credential=item)
    except catalogue.CatalogueError as exc:
        raise ApiProblem(409, "refused", str(exc)) from exc
    item.refresh_from_db()
    return _detail(item)


# -- issuing ---------------------------------------------------------------------------------------


def _published_version(key: ApiKey, ref: str) -> MicroCredentialVersion:
    item = _micro_credential(key, ref)
    version = item.versions.filter(published_at__isnull=False).order_by("-number").first()
    if version is None or item.status != "published":
        raise ApiProblem(
            409,
            "not_published",
            _("Cette microattestation n'est pas publiée : elle ne peut pas être délivrée."),
        )
    return version


def _email_error(email: str) -> str:
    return csv_import.email_error(email)


def _evidence(items: list[s.EvidenceIn]) -> list[dict[str, Any]]:
    """Keyword arguments of carnet.credentials.model.evidence (a narrative or a URL, or both)."""
    return [
        {
            "narrative": e.narrative,
            "evidence_id": e.url,
            "name": e.name,
            "description": e.description,
            "genre": e.genre,
        }
        for e in items
    ]


def _evidence_errors(items: list[s.EvidenceIn]) -> list[tuple[int, str]]:
    return csv_import.evidence_errors(e.model_dump() for e in items)


def _credential_out(credential: IssuedCredential, document: bool = False) -> dict[str, Any]:
    version = credential.micro_credential_version
    out = {
        "id": credential.uuid, "credential_id": credential.credential_id,
        "micro_credential": {"id": version.micro_credential.pk, "slug": version.micro_credential.slug,
                             "version": version.number},
        "recipient_email": credential.recipient_email, "recipient_has_account": credential.recipient_id is not None,
        "status": credential.status, "status_reason": credential.status_reason,
        "status_changed_at": credential.status_changed_at, "issued_at": credential.issued_at,
        "valid_until": credential.valid_until, "source": credential.source,
    }  # fmt: skip
    if document:
        out["document"] = credential.document
    return out


IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,100}$")


def _idempotency_header(example: str) -> dict[str, Any]:
    """The required Idempotency-Key header, as the OpenAPI document declares it (what
    :func:`_idempotency_key` accepts)."""
    schema = {"type": "string", "pattern": IDEMPOTENCY_KEY.pattern}
    return {"parameters": [{"in": "header", "name": "Idempotency-Key", "required": True, "schema": schema,
                            "example": example}]}  # fmt: skip


def _idempotency_key(request: HttpRequest) -> str:
    """The request's Idempotency-Key header (400 idempotency_key_required if missing or malformed)."""
    idempotency = request.headers.get("Idempotency-Key", "").strip()
    if not IDEMPOTENCY_KEY.match(idempotency):
        raise ApiProblem(400, "idempotency_key_required", _("Envoyez un en-tête Idempotency-Key (1 à 100 caractères ASCII visibles)."))  # fmt: skip
    return idempotency


@api.post(
    "/credentials", response=answers({200: s.CredentialDetail, 201: s.CredentialDetail, 409: s.Problem}),
    auth=scoped(Scope.CREDENTIALS_ISSUE), tags=["credentials"],
    summary="Issue one credential (send an Idempotency-Key header: a retry gives back the same credential)",
    description=(
        "Issues the micro-credential's current published version to `recipient_email`. If the address "
        "belongs to a Carnet account, the credential appears in its carnet. The `Idempotency-Key` header "
        "(1–100 visible ASCII characters, unique per credential you mean to issue) is required: the same "
        "key again answers 200 with the credential issued the first time (201 when it is issued); the "
        "same key with another micro-credential or recipient is 409."
    ),
    openapi_extra=_idempotency_header("lms-enrolment-1234"),
)  # fmt: skip
@writes
def issue(request: HttpRequest, response: HttpResponse, payload: s.IssueIn) -> Any:
    key: ApiKey = request.auth  # type: ignore[attr-defined]
    idempotency = _idempotency_key(request)
    errors = [
        {"location": ["body", "recipient_email"], "message": m}
        for m in [_email_error(payload.recipient_email)]
        if m
    ]
    errors += [
        {"location": ["body", "evidence", n], "message": m} for n, m in _evidence_errors(payload.evidence)
    ]
    if errors:
        raise ApiProblem(422, "invalid", _("La requête n'est pas valide : voyez « errors »."), errors=errors)
    version = _published_version(key, payload.micro_credential)
    stored_key = f"api:{key.organisation.pk}:{idempotency}"
    existed = IssuedCredential.objects.filter(idempotency_key=stored_key).exists()
    email = payload.recipient_email.strip()
    try:
        credential = issuing.issue_credential(
            organisation=key.organisation, version=version, recipient=bulk.recipient_of(email),
            recipient_email=email, idempotency_key=stored_key, evidence=_evidence(payload.evidence),
            source=IssuedCredential.Source.API,
        )  # fmt: skip
    except issuing.IssuingError as exc:
        raise ApiProblem(409, "refused", str(exc)) from exc
    response["Location"] = request.build_absolute_uri(f"/api/v1/credentials/{credential.uuid}")
    return Status(200 if existed else 201, _credential_out(credential, document=True))


def _credential(key: ApiKey, credential_id: UUID) -> IssuedCredential:
    credential = (
        IssuedCredential.objects.filter(organisation=key.organisation, uuid=credential_id)
        .select_related("micro_credential_version__micro_credential")
        .first()
    )
    if credential is None:
        raise ApiProblem(404, "not_found", _("Votre organisation n'a délivré aucune microattestation portant cet identifiant."))  # fmt: skip
    return credential


class CredentialFilters(s.Schema):
    micro_credential: str | None = s.Field(None, max_length=80, description="Its slug or id.")
    recipient_email: str | None = s.Field(
        None, max_length=254, description="Exactly this address (any case)."
    )
    status: str | None = s.Field(None, description="active, suspended or revoked.")
    issued_after: s.Moment | None = None
    issued_before: s.Moment | None = None


@api.get(
    "/credentials", response=answers({200: s.CredentialPage}), auth=scoped(Scope.CREDENTIALS_READ),
    tags=["credentials"], summary="List and search the credentials the organisation issued, newest first",
)  # fmt: skip
def list_credentials(
    request: HttpRequest, response: HttpResponse, filters: Query[CredentialFilters], paging: Query[Paging]
) -> Any:
    key: ApiKey = request.auth  # type: ignore[attr-defined]
    rows = IssuedCredential.objects.filter(organisation=key.organisation).select_related(
        "micro_credential_version__micro_credential"
    )
    if filters.micro_credential:
        rows = rows.filter(
            micro_credential_version__micro_credential=_micro_credential(key, filters.micro_credential)
        )
    if filters.recipient_email:
        rows = rows.filter(recipient_email__iexact=filters.recipient_email.strip())
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.issued_after:
        rows = rows.filter(issued_at__gte=filters.issued_after)
    if filters.issued_before:
        rows = rows.filter(issued_at__lt=filters.issued_before)
    found = page(request, response, rows.order_by("-issued_at", "-pk"), paging.limit, paging.offset)
    found["results"] = [_credential_out(c) for c in found["results"]]
    return found


@api.get(
    "/credentials/{credential_id}", response=answers({200: s.CredentialDetail}),
    auth=scoped(Scope.CREDENTIALS_READ), tags=["credentials"], summary="One issued credential, with its signed document",
)  # fmt: skip
def get_credential(request: HttpRequest, credential_id: UUID) -> Any:
    return _credential_out(_credential(request.auth, credential_id), document=True)  # type: ignore[arg-type, attr-defined]


def _change(
    request: HttpRequest, credential_id: UUID, change: Callable[..., IssuedCredential], reason: str
) -> Any:
    credential = _credential(request.auth, credential_id)  # type: ignore[attr-defined]
    try:
        change(credential=credential, reason=reason, actor=None)
    except issuing.IssuingError as exc:
        raise ApiProblem(409, "status_conflict", str(exc)) from exc
    return _credential_out(_credential(request.auth, credential_id))  # type: ignore[attr-defined]


STATUS = answers({200: s.CredentialOut, 409: s.Problem})


@api.post(
    "/credentials/{credential_id}/revoke", response=STATUS, auth=scoped(Scope.CREDENTIALS_STATUS),
    tags=["credentials"], summary="Revoke for good (the holder is told the reason by email)",
)  # fmt: skip
@writes
def revoke(request: HttpRequest, credential_id: UUID, payload: s.ReasonIn) -> Any:
    return _change(request, credential_id, issuing.revoke_credential, payload.reason)


@api.post(
    "/credentials/{credential_id}/suspend", response=STATUS, auth=scoped(Scope.CREDENTIALS_STATUS),
    tags=["credentials"], summary="Suspend an active credential until it is reinstated",
)  # fmt: skip
@writes
def suspend(request: HttpRequest, credential_id: UUID, payload: s.ReasonIn) -> Any:
    return _change(request, credential_id, issuing.suspend_credential, payload.reason)


@api.post(
    "/credentials/{credential_id}/reinstate", response=STATUS, auth=scoped(Scope.CREDENTIALS_STATUS),
    tags=["credentials"], summary="Lift a suspension",
)  # fmt: skip
@writes
def reinstate(request: HttpRequest, credential_id: UUID, payload: s.ReasonIn) -> Any:
    return _change(request, credential_id, issuing.reinstate_credential, payload.reason)


# -- issuance jobs ---------------------------------------------------------------------------------


def _row_errors(recipients: list[s.RecipientIn]) -> list[dict[str, Any]]:
    """Every invalid row, and why: nothing is queued unless every row is right (the same check as a
    CSV file's rows, carnet.issuing.csv_import)."""
    return csv_import.row_errors([row.model_dump() for row in recipients])


def _job_out(
    request: HttpRequest, response: HttpResponse, job: IssuanceJob, paging: Paging
) -> dict[str, Any]:
    version = job.micro_credential_version
    rows = page(
        request,
        response,
        job.rows.select_related("credential").order_by("number"),
        paging.limit,
        paging.offset,
    )
    rows["results"] = [
        {"row": r.number, "email": r.email, "name": r.name, "state": r.state,
         "credential": r.credential.uuid if r.credential else None, "error": r.error}
        for r in rows["results"]
    ]  # fmt: skip
    return {
        "id": job.uuid, "state": job.state, "total": job.total, "issued": job.issued, "failed": job.failed,
        "micro_credential": {"id": version.micro_credential.pk, "slug": version.micro_credential.slug,
                             "version": version.number},
        "created_at": job.created_at, "started_at": job.started_at, "finished_at": job.finished_at, "rows": rows,
    }  # fmt: skip


@api.post(
    "/issuance-jobs", response=answers({200: s.JobOut, 202: s.JobOut, 409: s.Problem}),
    auth=scoped(Scope.CREDENTIALS_ISSUE), tags=["issuance jobs"],
    summary="Issue a micro-credential to many recipients, in the background (send an Idempotency-Key header)",
    description=(
        "Checks every row first: if any is invalid the answer is 422 with `errors`, one entry per invalid "
        "row (`row`, `field`, `message`), and nothing is queued. Otherwise the job is queued and the "
        "answer is 202 with the job and its address (`Location`): poll it until `state` is `done`. The "
        "`Idempotency-Key` header (1–100 visible ASCII characters, unique per job you mean to make) is "
        "required: the same key again with the same micro-credential and rows answers 200 with the job "
        "made the first time, and issues nothing more; the same key with anything else is 409."
    ),
    openapi_extra=_idempotency_header("lms-cohort-2026-09"),
)  # fmt: skip
@writes
def create_job(request: HttpRequest, response: HttpResponse, payload: s.JobIn) -> Any:
    key: ApiKey = request.auth  # type: ignore[attr-defined]
    idempotency = _idempotency_key(request)
    errors = _row_errors(payload.recipients)
    if errors:
        raise ApiProblem(422, "invalid_rows", _("Des lignes ne sont pas valides : rien n'a été mis en file. Voyez « errors »."), errors=errors)  # fmt: skip
    version = _published_version(key, payload.micro_credential)
    rows = [{"email": r.email, "name": r.name, "evidence": _evidence(r.evidence)} for r in payload.recipients]
    try:
        job, created = bulk.issuance_job_for_key(
            organisation=key.organisation, version=version, rows=rows, idempotency_key=idempotency,
            requested_by=f"api:{key.prefix}", language=api_language(request),
        )  # fmt: skip
    except bulk.JobKeyReused as exc:
        raise ApiProblem(409, "refused", _("Cette clé Idempotency-Key a déjà servi à une autre délivrance en lot (autre microattestation ou autres lignes).")) from exc  # fmt: skip
    job.refresh_from_db()  # an immediate backend has run it already
    response["Location"] = request.build_absolute_uri(f"/api/v1/issuance-jobs/{job.uuid}")
    return Status(202 if created else 200, _job_out(request, response, job, Paging()))


@api.get(
    "/issuance-jobs/{job_id}", response=answers({200: s.JobOut}), auth=scoped(Scope.CREDENTIALS_ISSUE),
    tags=["issuance jobs"], summary="A job's progress, and its rows' results (paged)",
)  # fmt: skip
def get_job(request: HttpRequest, response: HttpResponse, job_id: UUID, paging: Query[Paging]) -> Any:
    key: ApiKey = request.auth  # type: ignore[attr-defined]
    job = (
        IssuanceJob.objects.filter(organisation=key.organisation, uuid=job_id)
        .select_related("micro_credential_version__micro_credential")
        .first()
    )
    if job is None:
        raise ApiProblem(404, "not_found", _("Votre organisation n'a aucune délivrance en lot portant cet identifiant."))  # fmt: skip
    return _job_out(request, response, job, paging)


# -- the audit trail -------------------------------------------------------------------------------


class EventFilters(s.Schema):
    family: str | None = s.Field(None, description=f"One of: {', '.join(FAMILIES)}.")
    verb: str | None = s.Field(None, max_length=60, description="One verb, e.g. credential.revoked.")
    since: s.Moment | None = None
    until: s.Moment | None = None


@api.get(
    "/audit-events", response=answers({200: s.EventPage}), auth=scoped(Scope.AUDIT_READ), tags=["audit"],
    summary="The organisation's audit trail, newest first (what its activity log page shows)",
)  # fmt: skip
def list_events(
    request: HttpRequest, response: HttpResponse, filters: Query[EventFilters], paging: Query[Paging]
) -> Any:
    key: ApiKey = request.auth  # type: ignore[attr-defined]
    family = filters.family if filters.family in FAMILIES else ""
    if filters.family and not family:
        raise ApiProblem(422, "invalid", _("Ce type d'activité n'existe pas."), errors=[{"location": ["query", "family"], "message": ", ".join(FAMILIES)}])  # fmt: skip
    events = audit.trail(key.organisation, family=family)
    if filters.verb:
        events = events.filter(verb=filters.verb)
    if filters.since:
        events = events.filter(created_at__gte=filters.since)
    if filters.until:
        events = events.filter(created_at__lt=filters.until)
    found = page(request, response, events, paging.limit, paging.offset)
    found["results"] = [
        {"id": e.pk, "created_at": e.created_at, "verb": e.verb, "label": label(e.verb),
         "actor": e.who or None, "target_type": e.target_type, "target_id": e.target_id,
         "about": e.about, "data": e.data}  # type: ignore[attr-defined]
        for e in audit.describe(found["results"])
    ]  # fmt: skip
    return found


# -- webhooks --------------------------------------------------------------------------------------

WebhookId = Annotated[int, Path(ge=1, le=s.SQL_INT, description="The webhook's id.")]
DeliveryId = Annotated[int, Path(ge=1, le=s.SQL_INT, description="The delivery's id.")]


def _webhook(key: ApiKey, endpoint_id: int) -> Endpoint:
    endpoint = Endpoint.objects.filter(organisation=key.organisation, pk=endpoint_id).first()
    if endpoint is None:
        raise ApiProblem(404, "not_found", _("Votre organisation n'a aucun webhook portant cet identifiant."))  # fmt: skip
    return endpoint


def _webhook_out(endpoint: Endpoint) -> dict[str, Any]:
    return {
        "id": endpoint.pk, "url": endpoint.url, "events": endpoint.events, "active": endpoint.active,
        "disabled_at": endpoint.disabled_at, "consecutive_failures": endpoint.consecutive_failures,
        "created_at": endpoint.created_at,
    }  # fmt: skip


def _delivery_out(delivery: Delivery) -> dict[str, Any]:
    return {
        "id": delivery.pk, "event_type": delivery.event_type, "event_id": delivery.event_id,
        "state": delivery.state, "attempts": delivery.attempts, "last_status": delivery.last_status,
        "error": webhooks.delivery_error(delivery), "created_at": delivery.created_at,
        "delivered_at": delivery.delivered_at, "next_attempt_at": delivery.next_attempt_at,
    }  # fmt: skip


def _invalid(errors: list[dict[str, Any]]) -> ApiProblem:
    return ApiProblem(422, "invalid", _("Le webhook n'est pas valide : voyez « errors »."), errors=errors)


def _form_errors(form: EndpointForm) -> list[dict[str, Any]]:
    return [
        {"location": ["body", field], "message": str(message)}
        for field, messages in form.errors.items()
        for message in messages
    ]


def _checked_events(events: list[str]) -> list[str]:
    """The events, checked as the admins' page checks them."""
    try:
        chosen: list[str] = EndpointForm.base_fields["events"].clean(events)
    except FormValidationError as exc:
        raise _invalid([{"location": ["body", "events"], "message": str(m)} for m in exc.messages]) from exc
    return chosen


WEBHOOKS = Scope.WEBHOOKS_MANAGE


@api.get(
    "/webhooks", response=answers({200: s.WebhookPage}), auth=scoped(WEBHOOKS), tags=["webhooks"],
    summary="List the organisation's webhooks (its admins' webhooks page shows the same)",
)  # fmt: skip
def list_webhooks(request: HttpRequest, response: HttpResponse, paging: Query[Paging]) -> Any:
    rows = Endpoint.objects.filter(organisation=request.auth.organisation).order_by("-created_at", "-pk")  # type: ignore[attr-defined]
    found = page(request, response, rows, paging.limit, paging.offset)
    found["results"] = [_webhook_out(e) for e in found["results"]]
    return found


def _may_hear(key: ApiKey, events: list[str]) -> None:
    """The credential events name the recipient of each credential: a key that cannot read issued
    credentials (``credentials:read``) cannot subscribe to them either."""
    needed = Scope.CREDENTIALS_READ
    if any(event.startswith("credential.") for event in events) and not key.allows(needed):
        raise ApiProblem(
            403, "insufficient_scope",
            _("Cette clé n'a pas la portée « %(scope)s » que demande cette opération.") % {"scope": needed},
            scope=needed,
        )  # fmt: skip


@api.post(
    "/webhooks", response=answers({201: s.WebhookCreated, 409: s.Problem}), auth=scoped(WEBHOOKS),
    tags=["webhooks"], summary="Add a webhook; the answer holds its signing secret, shown this once",
    description=(
        "Carnet then posts each chosen event to `url`, signed as Standard Webhooks says. The address is "
        "checked as on the admins' page: `https://` only, no user name or password, and its host must "
        "lead to public Internet addresses only (otherwise 422, with the reason in `errors`). "
        "An organisation has at most 10 webhooks (409 beyond)."
    ),
)  # fmt: skip
@writes
def create_webhook(request: HttpRequest, response: HttpResponse, payload: s.WebhookIn) -> Any:
    key: ApiKey = request.auth  # type: ignore[attr-defined]
    _may_hear(key, list(payload.events))
    form = EndpointForm(data={"url": payload.url, "events": payload.events})
    if not form.is_valid():
        raise _invalid(_form_errors(form))
    try:
        endpoint = webhooks.create_endpoint(
            organisation=key.organisation, url=form.cleaned_data["url"], events=form.cleaned_data["events"],
            actor=None,  # no account: @writes names the key
        )  # fmt: skip
    except Refused as exc:  # the host's addresses changed since the form's check
        raise _invalid([{"location": ["body", "url"], "message": str(REFUSALS[exc.reason])}]) from exc
    except webhooks.WebhookError as exc:
        raise ApiProblem(409, "refused", str(exc)) from exc
    response["Location"] = request.build_absolute_uri(f"/api/v1/webhooks/{endpoint.pk}")
    return Status(201, {**_webhook_out(endpoint), "secret": webhooks.reveal_secret(endpoint)})


@api.get(
    "/webhooks/{endpoint_id}", response=answers({200: s.WebhookOut}), auth=scoped(WEBHOOKS), tags=["webhooks"],
    summary="One webhook (without its secret)",
)  # fmt: skip
def get_webhook(request: HttpRequest, endpoint_id: WebhookId) -> Any:
    return _webhook_out(_webhook(request.auth, endpoint_id))  # type: ignore[arg-type, attr-defined]


@api.patch(
    "/webhooks/{endpoint_id}", response=answers({200: s.WebhookOut}), auth=scoped(WEBHOOKS), tags=["webhooks"],
    summary="Change the events a webhook receives, or turn it off or on again",
)  # fmt: skip
@writes
def update_webhook(request: HttpRequest, endpoint_id: WebhookId, payload: s.WebhookPatch) -> Any:
    endpoint = _webhook(request.auth, endpoint_id)  # type: ignore[arg-type, attr-defined]
    events = None if payload.events is None else _checked_events(payload.events)
    if events is not None:
        _may_hear(request.auth, list(events))  # type: ignore[attr-defined]
    try:
        with transaction.atomic():
            if events is not None:
                webhooks.set_events(endpoint=endpoint, events=events, actor=None)
            if payload.active is not None and payload.active != endpoint.active:
                webhooks.set_active(endpoint=endpoint, active=payload.active, actor=None)
    except webhooks.WebhookError as exc:
        raise _invalid([{"location": ["body", "events"], "message": str(exc)}]) from exc
    return _webhook_out(_webhook(request.auth, endpoint_id))  # type: ignore[arg-type, attr-defined]


@api.delete(
    "/webhooks/{endpoint_id}", response=answers({204: None}), auth=scoped(WEBHOOKS), tags=["webhooks"],
    summary="Remove a webhook, with the history of its deliveries",
)  # fmt: skip
@writes
def delete_webhook(request: HttpRequest, endpoint_id: WebhookId) -> Any:
    webhooks.remove_endpoint(endpoint=_webhook(request.auth, endpoint_id), actor=None)  # type: ignore[arg-type, attr-defined]
    return Status(204, None)


@api.post(
    "/webhooks/{endpoint_id}/ping", response=answers({202: s.DeliveryOut}), auth=scoped(WEBHOOKS),
    tags=["webhooks"], summary="Send a test `ping` event to the webhook; its delivery is answered",
    description="The delivery is tried at once, then retried like any other: read its outcome in the deliveries.",
)  # fmt: skip
@writes
def ping_webhook(request: HttpRequest, endpoint_id: WebhookId) -> Any:
    delivery = webhooks.send_ping(endpoint=_webhook(request.auth, endpoint_id))  # type: ignore[arg-type, attr-defined]
    delivery.refresh_from_db()
    return Status(202, _delivery_out(delivery))


@api.get(
    "/webhooks/{endpoint_id}/deliveries", response=answers({200: s.DeliveryPage}), auth=scoped(WEBHOOKS),
    tags=["webhooks"], summary="The webhook's deliveries, newest first",
)  # fmt: skip
def list_deliveries(
    request: HttpRequest, response: HttpResponse, endpoint_id: WebhookId, paging: Query[Paging]
) -> Any:
    endpoint = _webhook(request.auth, endpoint_id)  # type: ignore[arg-type, attr-defined]
    found = page(
        request, response, endpoint.deliveries.order_by("-created_at", "-pk"), paging.limit, paging.offset
    )
    found["results"] = [_delivery_out(d) for d in found["results"]]
    return found


@api.post(
    "/webhooks/{endpoint_id}/deliveries/{delivery_id}/send-again", response=answers({202: s.DeliveryOut}),
    auth=scoped(WEBHOOKS), tags=["webhooks"],
    summary="Send a delivery's event again (same webhook-id and body), as a new delivery",
)  # fmt: skip
@writes
def send_delivery_again(request: HttpRequest, endpoint_id: WebhookId, delivery_id: DeliveryId) -> Any:
    endpoint = _webhook(request.auth, endpoint_id)  # type: ignore[arg-type, attr-defined]
    delivery = endpoint.deliveries.filter(pk=delivery_id).first()
    if delivery is None:
        raise ApiProblem(404, "not_found", _("Ce webhook n'a aucune livraison portant cet identifiant."))
    again = webhooks.send_again(delivery=delivery)
    again.refresh_from_db()
    return Status(202, _delivery_out(again))
