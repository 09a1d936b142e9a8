"""The public verification page: anyone, without an account, pastes a credential, uploads a baked
badge or a JSON file, or gives the address of a credential, and reads the report in plain language.
Nothing is stored. The page never renders an uploaded SVG, and marks nothing from a credential safe."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from carnet.insights import survey
from carnet.insights.models import Verification
from carnet.verification import limits, verifier
from carnet.verification.forms import FORMS

# A form's body may exceed the file it carries by its fields and boundaries; beyond this it is
# refused before anything reads it.
MAX_FORM_BYTES = verifier.MAX_INPUT_BYTES + 64 * 1024


def declared_size(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


@csrf_exempt  # only so that an oversized body is refused before the CSRF check reads it: see below
@require_http_methods(["GET", "HEAD", "POST"])
def verify_page(request: HttpRequest) -> HttpResponse:
    if request.method == "POST" and declared_size(request) > MAX_FORM_BYTES:
        return _render(
            request, problem=verifier.too_large(declared_size(request)).error_message(), status=413
        )
    return _verify_page(request)


@csrf_protect
def _verify_page(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _render(request)
    mode = request.POST.get("mode", "")
    if mode not in FORMS:
        return _render(request, problem=_("Choisissez une façon de donner la microattestation."), status=400)
    form = FORMS[mode](request.POST, request.FILES)
    allowed, retry_after = limits.allow(request, "page")
    if not allowed:
        message = _("Trop de vérifications depuis votre adresse : réessayez dans %(seconds)s secondes.") % {
            "seconds": retry_after
        }
        response = _render(request, mode, form, problem=message, status=429)
        response["Retry-After"] = str(retry_after)
        return response
    if not form.is_valid():
        return _render(request, mode, form, status=400)
    field = next(iter(form.fields))
    try:
        outcome = _verify_form(mode, form.cleaned_data)
    except verifier.AddressError as exc:
        form.add_error(field, exc.message())
        return _render(request, mode, form, details=exc.details, status=400)
    if not outcome.is_credential:
        form.add_error(field, outcome.error_message())
        details = outcome.report.checks[0].details if outcome.report.checks else ""
        status = 413 if outcome.verdict == "too_large" else 400
        return _render(request, mode, form, details=details, status=status)
    return _render(request, mode, form, outcome=outcome)


def _verify_form(mode: str, data: dict[str, Any]) -> verifier.Outcome:
    """What one of the three forms handed over, verified. Raises :class:`verifier.AddressError`."""
    if mode == "adresse":
        return verifier.verify_address(data["url"])
    if mode == "fichier":
        upload = data["file"]
        if upload.size > verifier.MAX_INPUT_BYTES:
            return verifier.too_large(upload.size)
        return verifier.verify_data(upload.read(verifier.MAX_INPUT_BYTES + 1))
    return verifier.verify_data(data["credential"])


def _render(
    request: HttpRequest,
    mode: str | None = None,
    form: Any = None,
    *,
    outcome: verifier.Outcome | None = None,
    problem: str = "",
    details: str = "",
    status: int = 200,
) -> HttpResponse:
    forms = {name: form if name == mode else form_class() for name, form_class in FORMS.items()}
    context = {
        "paste_form": forms["coller"],
        "upload_form": forms["fichier"],
        "address_form": forms["adresse"],
        "mode": mode,
        "outcome": outcome,
        "problem": problem,
        "details": details,
        "max_megabytes": verifier.MAX_INPUT_BYTES // (1024 * 1024),
        "survey": _survey(request, outcome),
    }
    response = render(request, "verification/page.html", context, status=status)
    if request.method == "POST":
        response["Cache-Control"] = "no-store"
    return response


# What the verifier's word is taken for: a credential signed by its issuer, whatever its state now.
SIGNED = ("valid", "valid_warnings", "revoked", "suspended", "expired")


def _survey(request: HttpRequest, outcome: verifier.Outcome | None) -> dict[str, Any] | None:
    """A credential issued on this platform, verified: counted for its issuer's figures, and the
    employer survey offered under the report (carnet.insights). None otherwise.

    A credential's id is public (it is on its badge page): anyone may sign a document of their own
    that carries it. Only one signed by the issuer of the credential kept here is counted (the report
    has checked that the signing key belongs to the issuer it names), as in verifier._suspended_here."""
    if outcome is None or outcome.verdict not in SIGNED or outcome.claims is None:
        return None
    credential_id, issuer_id = outcome.claims.credential_id or "", outcome.report.issuer_id
    if not credential_id.startswith("urn:uuid:") or issuer_id is None:
        return None
    from carnet.issuing.models import IssuedCredential

    try:
        uuid = UUID(credential_id.removeprefix("urn:uuid:"))
    except ValueError:
        return None
    found = IssuedCredential.objects.filter(uuid=uuid).only("pk", "organisation_id", "document").first()
    if found is None or _issuer_id(found.document) != issuer_id:
        return None
    return survey.offer(
        request, credential_id=found.pk, organisation_id=found.organisation_id,
        channel=Verification.Channel.VERIFIER,
    )  # fmt: skip


def _issuer_id(document: dict[str, Any]) -> str | None:
    issuer = document.get("issuer")
    issuer = issuer.get("id") if isinstance(issuer, dict) else issuer
    return issuer if isinstance(issuer, str) else None
