"""The platform staff's pages of known issuers: the list, adding one, withdrawing one (confirmed on a
page of its own first), importing a
list (previewed first, then imported all at once) and exporting it for another platform."""

from __future__ import annotations

import base64
import json

from django.contrib import messages
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from carnet.issuing.identity import site_url
from carnet.site.views import access_staff
from carnet.trust import interchange, services
from carnet.trust.forms import ImportForm, KnownIssuerForm
from carnet.trust.models import KnownIssuer

IMPORT_SALT = "carnet.trust.import"
IMPORT_MAX_AGE = 3600  # seconds a preview may be confirmed


@require_http_methods(["GET", "HEAD", "POST"])
def known_issuers(request: HttpRequest) -> HttpResponse:
    access_staff(request.user)
    form = KnownIssuerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            entry = services.add_known_issuer(actor=request.user, **form.cleaned_data)
        except services.Refused as exc:
            form.add_error(exc.field, str(exc))
        else:
            messages.success(
                request, _("« %(name)s » est maintenant un émetteur reconnu.") % {"name": entry.name}
            )
            return redirect("trust:issuers")
    withdrawn = KnownIssuer.objects.filter(withdrawn_at__isnull=False)
    context = {
        "form": form,
        "active": KnownIssuer.objects.active().select_related("added_by"),
        "withdrawn": withdrawn.select_related("withdrawn_by").order_by("-withdrawn_at")[:100],
    }
    return render(request, "trust/issuers.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "HEAD", "POST"])
def withdraw(request: HttpRequest, entry_id: int) -> HttpResponse:
    """GET: what withdrawing changes, and the button that does it; POST: withdraw."""
    access_staff(request.user)
    if request.method != "POST":
        entry = get_object_or_404(KnownIssuer.objects.active(), pk=entry_id)
        return render(request, "trust/withdraw.html", {"entry": entry})
    entry = services.withdraw_known_issuer(
        actor=request.user, entry=get_object_or_404(KnownIssuer, pk=entry_id)
    )
    messages.success(
        request,
        _(
            "« %(name)s » n'est plus reconnu : ses badges se vérifient désormais comme ceux d'un émetteur inconnu."
        )
        % {"name": entry.name},
    )
    return redirect("trust:issuers")


@require_http_methods(["GET", "HEAD", "POST"])
def import_list(request: HttpRequest) -> HttpResponse:
    """Upload a list: its preview; confirm the preview: the import."""
    access_staff(request.user)
    if request.method == "POST" and "confirm" in request.POST:
        return _confirm(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method != "POST" or not form.is_valid():
        return render(request, "trust/import.html", {"form": form}, status=400 if form.errors else 200)
    content, reason = form.content(), form.cleaned_data["reason"]
    try:
        preview = interchange.preview(content, default_reason=reason)
    except interchange.FileRefused as exc:
        form.add_error("file", str(exc))
        return render(request, "trust/import.html", {"form": form}, status=400)
    upload = {
        "content": base64.b64encode(content).decode(),
        "reason": reason,
        "file": form.cleaned_data["file"].name,
    }
    confirm = signing.dumps(upload, salt=IMPORT_SALT, compress=True)
    context = {"form": form, "preview": preview, "confirm": confirm, "file_name": upload["file"]}
    return render(request, "trust/import.html", context)


def _confirm(request: HttpRequest) -> HttpResponse:
    try:
        upload = signing.loads(request.POST["confirm"], salt=IMPORT_SALT, max_age=IMPORT_MAX_AGE)
        content = base64.b64decode(upload["content"], validate=True)
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        messages.error(
            request, _("Cette prévisualisation a expiré ou a été modifiée : téléversez la liste de nouveau.")
        )
        return redirect("trust:import")
    try:
        result = services.import_known_issuers(
            actor=request.user,
            content=content,
            reason=str(upload.get("reason", "")),
            file_name=str(upload.get("file", "")),
        )
    except (interchange.FileRefused, services.Refused) as exc:
        messages.error(request, str(exc))
        return redirect("trust:import")
    messages.success(
        request,
        _(
            "Liste importée : %(added)s émetteur(s) ajouté(s), %(skipped)s déjà connu(s), %(refused)s refusé(s)."
        )
        % {
            "added": len(result.to_add),
            "skipped": len(result.skipped),
            "refused": len(result.refused),
        },
    )
    return redirect("trust:issuers")


@require_safe
def export(request: HttpRequest) -> HttpResponse:
    access_staff(request.user)
    body = json.dumps(interchange.export_document(site_url()), ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="emetteurs-reconnus.json"'
    return response
