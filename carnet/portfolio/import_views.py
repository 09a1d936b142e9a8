"""Badges earned elsewhere, in the carnet: the import page (a file, a pasted text or an address),
each imported badge's page for its holder (what it says, the verification report in plain words,
verify again, delete), its picture re-encoded, and its original. Each view starts with
:func:`access_imported_badge`: only the holder sees or changes an imported badge; anyone else gets
404, a visitor who is not signed in is sent to log in. Nothing from a badge is marked safe."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from carnet.issuing.downloads import SVG_POLICY
from carnet.portfolio import importing, services
from carnet.portfolio.models import CredentialSharing, ImportedBadge
from carnet.verification import limits, verifier
from carnet.verification.forms import FORMS
from carnet.verification.views import MAX_FORM_BYTES, declared_size


def access_imported_badge(user: Any, uuid: Any) -> ImportedBadge:
    """A badge the signed-in person imported into their carnet; 404 for anyone else."""
    if not getattr(user, "is_authenticated", False):
        raise Http404
    try:
        return ImportedBadge.objects.get(uuid=uuid, holder=user)
    except (ImportedBadge.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc


def access_shown_imported_badge(user: Any, uuid: Any) -> ImportedBadge:
    """An imported badge whose page its holder shows (by its address, or publicly), or that the
    signed-in person holds; 404 for anyone else."""
    try:
        # Not the file given nor the report: neither is shown there (up to 2 MiB each).
        badge = (
            ImportedBadge.objects.select_related("holder")
            .defer("original", "document", "report")
            .get(uuid=uuid)
        )
    except (ImportedBadge.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc
    if badge.visibility == CredentialSharing.Visibility.PRIVATE and badge.holder_id != getattr(
        user, "pk", None
    ):
        raise Http404
    return badge


@csrf_exempt  # only so that an oversized body is refused before the CSRF check reads it: see below
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def import_badge(request: HttpRequest) -> HttpResponse:
    """Add a badge earned elsewhere: it is verified first, and refused — nothing saved — when it is
    not a badge, was altered, or is already in the carnet."""
    if request.method == "POST" and declared_size(request) > MAX_FORM_BYTES:
        problem = verifier.too_large(declared_size(request)).error_message()
        return _render_import(request, problem=problem, status=413)
    return _import_badge(request)


@csrf_protect
def _import_badge(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _render_import(request)
    mode = request.POST.get("mode", "")
    if mode not in FORMS:
        return _render_import(request, problem=_("Choisissez une façon de donner le badge."), status=400)
    form = FORMS[mode](request.POST, request.FILES)
    allowed, retry_after = limits.allow(request, "page")
    if not allowed:
        message = _("Trop de vérifications depuis votre adresse : réessayez dans %(seconds)s secondes.") % {
            "seconds": retry_after
        }
        response = _render_import(request, mode, form, problem=message, status=429)
        response["Retry-After"] = str(retry_after)
        return response
    if not form.is_valid():
        return _render_import(request, mode, form, status=400)
    try:
        badge = services.import_badge(holder=request.user, **_handed(mode, form.cleaned_data))
    except importing.ImportRefused as exc:
        form.add_error(next(iter(form.fields)), exc.message)
        status = 413 if exc.code == "too_large" else 400
        return _render_import(request, mode, form, details=exc.details, status=status)
    messages.success(request, _("Badge ajouté à votre carnet. Voici ce que sa vérification a donné."))
    return redirect("portfolio:imported", badge.uuid)


def _handed(mode: str, data: dict[str, Any]) -> dict[str, Any]:
    """What one of the three forms handed over, for :func:`services.import_badge`."""
    if mode == "adresse":
        return {"url": data["url"]}
    if mode == "fichier":
        upload = data["file"]
        if upload.size > verifier.MAX_INPUT_BYTES:
            outcome = verifier.too_large(upload.size)
            raise importing.ImportRefused("too_large", outcome.error_message())
        return {"data": upload.read(verifier.MAX_INPUT_BYTES + 1)}
    return {"data": data["credential"]}


def _render_import(
    request: HttpRequest,
    mode: str | None = None,
    form: Any = None,
    *,
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
        "problem": problem,
        "details": details,
        "max_megabytes": verifier.MAX_INPUT_BYTES // (1024 * 1024),
    }
    response = render(request, "portfolio/import.html", context, status=status)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_safe
def imported_badge(request: HttpRequest, badge_uuid: str) -> HttpResponse:
    """The holder's page of an imported badge: its state as last checked, what it says, where it
    comes from, and the verification report check by check."""
    badge = access_imported_badge(request.user, badge_uuid)
    document = badge.document if badge.kind == ImportedBadge.Kind.OB3 else None
    outcome = verifier.Outcome.from_record(badge.report, document)
    competencies = importing.competencies_of(badge.alignments, importing.competency_index())
    response = render(
        request,
        "portfolio/imported.html",
        {
            "badge": badge, "outcome": outcome, "state": badge.state(), "competencies": competencies,
            "visibility_choices": CredentialSharing.Visibility.choices,
        },
    )  # fmt: skip
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def change_visibility(request: HttpRequest, badge_uuid: str) -> HttpResponse:
    badge = access_imported_badge(request.user, badge_uuid)
    visibility = request.POST.get("visibility", "")
    if visibility not in CredentialSharing.Visibility.values:
        messages.error(request, _("Choisissez qui peut voir ce badge."))
        return redirect("portfolio:imported", badge.uuid)
    try:
        services.set_imported_visibility(badge=badge, visibility=visibility, actor=request.user)
    except services.SharingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, str(CredentialSharing.Visibility(visibility).label))
    return redirect("portfolio:imported", badge.uuid)


@require_safe
def shown(request: HttpRequest, badge_uuid: str) -> HttpResponse:
    """The page of an imported badge its holder shows: what the badge says, who awarded it, and
    what Carnet found when it last verified it — never presented as issued by Carnet."""
    badge = access_shown_imported_badge(request.user, badge_uuid)
    competencies = importing.competencies_of(badge.alignments, importing.competency_index())
    document = badge.document if badge.kind == ImportedBadge.Kind.OB3 else None
    # Whether the platform recognises its issuer: as the registry stands now (carnet.trust).
    standing = verifier.Outcome.from_record(badge.report, document).issuer_standing
    response = render(
        request,
        "portfolio/imported_shown.html",
        {
            "badge": badge,
            "state": badge.state(),
            "competencies": competencies,
            "standing": standing,
            "is_holder": request.user.is_authenticated and request.user.pk == badge.holder_id,
        },
    )
    response["Cache-Control"] = "private, no-cache"
    if badge.visibility != CredentialSharing.Visibility.PUBLIC:
        response["X-Robots-Tag"] = "noindex"
    return response


@require_safe
def shown_image(request: HttpRequest, badge_uuid: str) -> HttpResponse:
    """The picture of a shown imported badge (its page's)."""
    badge = access_shown_imported_badge(request.user, badge_uuid)
    return _image_response(badge)


@login_required
@require_POST
def reverify(request: HttpRequest, badge_uuid: str) -> HttpResponse:
    badge = access_imported_badge(request.user, badge_uuid)
    allowed, retry_after = limits.allow(request, "page")
    if not allowed:
        messages.error(
            request,
            _("Trop de vérifications depuis votre adresse : réessayez dans %(seconds)s secondes.")
            % {"seconds": retry_after},
        )
        return redirect("portfolio:imported", badge.uuid)
    services.reverify_imported_badge(badge=badge, actor=request.user)
    messages.success(request, _("Vérifié à l'instant : %(state)s.") % {"state": badge.state_label()})
    return redirect("portfolio:imported", badge.uuid)


@login_required
@require_POST
def delete(request: HttpRequest, badge_uuid: str) -> HttpResponse:
    badge = access_imported_badge(request.user, badge_uuid)
    services.delete_imported_badge(badge=badge, actor=request.user)
    messages.success(request, _("Badge retiré de votre carnet."))
    return redirect("portfolio:carnet")


@login_required
@require_safe
def image(request: HttpRequest, badge_uuid: str) -> HttpResponse:
    """The badge's picture, re-encoded from the pixels of its baked PNG (none otherwise: the pages
    then show a neutral picture)."""
    return _image_response(access_imported_badge(request.user, badge_uuid))


def _image_response(badge: ImportedBadge) -> HttpResponse:
    if not badge.image_png:
        raise Http404
    response = HttpResponse(bytes(badge.image_png), content_type="image/png")
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


ORIGINAL_TYPES = {
    "json": ("application/json", "json"),
    "jwt": ("application/jwt", "jwt"),
    "png": ("image/png", "png"),
    "svg": ("image/svg+xml", "svg"),
}


@login_required
@require_safe
def original(request: HttpRequest, badge_uuid: str) -> HttpResponse:
    """The badge as its holder gave it, to download (never shown in a page)."""
    badge = access_imported_badge(request.user, badge_uuid)
    content_type, extension = ORIGINAL_TYPES.get(badge.source, ("application/octet-stream", "bin"))
    response = HttpResponse(bytes(badge.original), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="badge-importe.{extension}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = SVG_POLICY if extension == "svg" else "default-src 'none'; sandbox"
    return response
