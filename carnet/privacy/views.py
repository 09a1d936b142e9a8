"""Privacy pages: the public privacy notice, and each person's page of their consents, their
"download all my data" archive and the deletion of their account."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from carnet.privacy import consents, services
from carnet.privacy.forms import DeleteAccountForm
from carnet.privacy.models import DataExport

RECENT_LOGIN = timedelta(minutes=15)  # without a password, deleting asks for a login this recent
SALT = "carnet.privacy.export"


def download_token(export: DataExport) -> str:
    return signing.dumps(export.uuid.hex, salt=SALT)


def access_own_export(user: Any, token: str) -> DataExport:
    """The person's own archive, while it is offered: a link signed for them, expiring with it."""
    try:
        uuid = signing.loads(token, salt=SALT, max_age=settings.PRIVACY_RETENTION["exports_hours"] * 3600)
    except signing.BadSignature:
        raise Http404("no such archive") from None
    export = DataExport.objects.filter(uuid=uuid, user=user).first()
    if export is None or not export.is_available():
        raise Http404("no such archive")
    return export


@require_safe
def policy(request: HttpRequest) -> HttpResponse:
    """What Carnet collects, why, who sees it, how long, and the person's rights, in plain words."""
    return render(
        request,
        "privacy/policy.html",
        {
            "retention": settings.PRIVACY_RETENTION,
            "officer_email": settings.PRIVACY_OFFICER_EMAIL,
            "export_max_mb": settings.PRIVACY_EXPORT_MAX_BYTES // (1024 * 1024),
        },
    )


@login_required
@require_safe
def mine(request: HttpRequest) -> HttpResponse:
    """The person's consents (and withdrawing them), their archive, and the way to delete their account."""
    export = DataExport.objects.filter(user=request.user).first()
    return render(
        request,
        "privacy/mine.html",
        {
            "consents": services.consents_in_force(request.user),
            "history": [
                (
                    record,
                    consents.PURPOSES[record.purpose].label
                    if record.purpose in consents.PURPOSES
                    else record.purpose,
                )
                for record in request.user.consent_records.all()[:50]  # type: ignore[union-attr]
            ],
            "export": export,
            "download": download_token(export) if export is not None and export.is_available() else "",
        },
    )


@login_required
@require_POST
def withdraw(request: HttpRequest, purpose: str) -> HttpResponse:
    try:
        services.withdraw_consent(user=request.user, purpose=purpose, source="privacy:mine")
    except services.PrivacyError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Votre consentement est retiré. Il ne s'applique plus dès maintenant."))
    return redirect("privacy:mine")


@login_required
@require_POST
def export(request: HttpRequest) -> HttpResponse:
    try:
        made = services.request_export(user=request.user)
    except services.PrivacyError as exc:
        messages.error(request, str(exc))
    else:
        made.refresh_from_db()
        if made.state == DataExport.State.READY:
            messages.success(request, _("Votre archive est prête : téléchargez-la ci-dessous."))
        elif made.state == DataExport.State.FAILED:
            messages.error(
                request, _("Votre archive n'a pas pu être préparée. Réessayez dans quelques minutes.")
            )
        else:
            messages.success(
                request,
                _("Votre archive est en préparation. Vous recevrez un courriel quand elle sera prête."),
            )
    return redirect("privacy:mine")


@login_required
@require_safe
def download(request: HttpRequest, token: str) -> FileResponse:
    export = access_own_export(request.user, token)
    response = FileResponse(
        export.file.open("rb"),
        as_attachment=True,
        filename=f"carnet-{timezone.localdate(export.created_at):%Y-%m-%d}.zip",
        content_type="application/zip",
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def delete(request: HttpRequest) -> HttpResponse:
    """Delete the account, after the person confirms with their password (or a recent login)."""
    user = request.user
    form = DeleteAccountForm(request.POST if request.method == "POST" else None, user=user)
    blocking = services.organisations_left_without_admin(user)
    recent = user.last_login is not None and user.last_login > timezone.now() - RECENT_LOGIN  # type: ignore[union-attr]
    needs_login = not user.has_usable_password() and not recent  # type: ignore[union-attr]
    if request.method == "POST" and not blocking and not needs_login and form.is_valid():
        try:
            services.delete_account(user=user)
        except services.PrivacyError as exc:
            messages.error(request, str(exc))
        else:
            logout(request)
            messages.success(request, _("Votre compte est supprimé. Merci d'avoir utilisé Carnet."))
            return redirect(reverse("home"))
    return render(
        request,
        "privacy/delete.html",
        {
            "form": form,
            "blocking": blocking,
            "needs_login": needs_login,
            "credentials": user.issued_credentials.count(),  # type: ignore[union-attr]
        },
        status=400 if request.method == "POST" else 200,
    )
