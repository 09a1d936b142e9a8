"""The organisation's members, managed by its admins; invitations; employers opening their space."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from carnet.api import keys
from carnet.api.models import ApiKey
from carnet.issuing import keys as signing_keys
from carnet.issuing.identity import controller_of, key_id
from carnet.issuing.models import SigningKey
from carnet.organisations import services
from carnet.organisations.access import access_organisation
from carnet.organisations.forms import AddMemberForm, ApiKeyForm, EmployerForm, KeyExportForm, SettingsForm
from carnet.organisations.models import Invitation, Membership, Organisation


@login_required
def members(request: HttpRequest, org_slug: str) -> HttpResponse:
    organisation = access_organisation(request.user, org_slug)  # type: ignore[arg-type]
    form = AddMemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email, role = form.cleaned_data["email"], form.cleaned_data["role"]
        invitation = services.invite_member(
            organisation=organisation,
            email=email,
            role=role,
            invited_by=request.user,  # type: ignore[arg-type]
        )
        if invitation is None:
            messages.success(
                request, _("%(person)s fait maintenant partie de l'organisation.") % {"person": email}
            )
        else:
            messages.success(
                request,
                _("Aucun compte n'utilise encore %(email)s : une invitation lui a été envoyée par courriel.")
                % {"email": email},
            )
        return redirect("organisations:members", organisation.slug)
    memberships = organisation.memberships.select_related("user").order_by("role", "user__email")
    invitations = [
        i for i in organisation.invitations.filter(accepted_at=None, cancelled_at=None) if i.is_pending
    ]
    return render(
        request,
        "organisations/members.html",
        {
            "organisation": organisation,
            "memberships": memberships,
            "invitations": invitations,
            "form": form,
            "roles": Membership.Role.choices,
        },
    )


@login_required
@require_POST
def change(request: HttpRequest, org_slug: str, member_id: int) -> HttpResponse:
    organisation = access_organisation(request.user, org_slug)  # type: ignore[arg-type]
    membership = get_object_or_404(Membership, organisation=organisation, pk=member_id)
    try:
        if request.POST.get("action") == "remove":
            services.remove_member(organisation=organisation, user=membership.user, actor=request.user)  # type: ignore[arg-type]
            messages.success(request, _("Membre retiré."))
        elif request.POST.get("role") in Membership.Role.values:
            services.change_role(
                organisation=organisation,
                user=membership.user,
                role=request.POST["role"],
                actor=request.user,  # type: ignore[arg-type]
            )
            messages.success(request, _("Rôle modifié."))
    except services.MembershipError as exc:
        messages.error(request, str(exc))
    return redirect("organisations:members", organisation.slug)


@login_required
def settings(request: HttpRequest, org_slug: str) -> HttpResponse:
    organisation = access_organisation(request.user, org_slug)  # type: ignore[arg-type]
    form = SettingsForm(  # an unticked box posts nothing: the form is bound on every POST
        request.POST if request.method == "POST" else None,
        initial={"requires_second_review": organisation.requires_second_review},
    )
    if request.method == "POST" and form.is_valid():
        services.change_settings(
            organisation=organisation,
            requires_second_review=form.cleaned_data["requires_second_review"],
            actor=request.user,  # type: ignore[arg-type]
        )
        messages.success(request, _("Paramètres enregistrés."))
        return redirect("organisations:settings", organisation.slug)
    return render(request, "organisations/settings.html", {"organisation": organisation, "form": form})


@login_required
@require_POST
def cancel_invitation(request: HttpRequest, org_slug: str, invitation_id: int) -> HttpResponse:
    organisation = access_organisation(request.user, org_slug)  # type: ignore[arg-type]
    invitation = get_object_or_404(Invitation, organisation=organisation, pk=invitation_id)
    services.cancel_invitation(invitation=invitation, actor=request.user)  # type: ignore[arg-type]
    messages.success(request, _("Invitation annulée : son lien ne fonctionne plus."))
    return redirect("organisations:members", organisation.slug)


def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The page an invitation link opens: sign in or create an account, then accept."""
    pending = services.find_invitation(token)
    if pending is None:
        return render(request, "organisations/invitation.html", {"invitation": None}, status=410)
    if request.method == "POST" and request.user.is_authenticated:
        try:
            membership = services.accept_invitation(token=token, user=request.user)  # type: ignore[arg-type]
        except services.InvitationError as exc:
            messages.error(request, str(exc))
            return redirect("home")
        messages.success(
            request,
            _("Bienvenue : vous faites maintenant partie de %(name)s.")
            % {"name": membership.organisation.name},
        )
        return redirect("home")
    return render(request, "organisations/invitation.html", {"invitation": pending})


@login_required
def create_employer(request: HttpRequest) -> HttpResponse:
    """A recruiter opens their organisation's employer space and becomes its administrator."""
    form = EmployerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        organisation = services.create_organisation(
            name=form.cleaned_data["name"],
            kind=Organisation.Kind.EMPLOYER,
            admin=request.user,  # type: ignore[arg-type]
            website=form.cleaned_data["website"],
        )
        messages.success(
            request, _("L'espace employeur de %(name)s est ouvert.") % {"name": organisation.name}
        )
        return redirect("home")
    return render(request, "organisations/create_employer.html", {"form": form})


def _api_organisation(request: HttpRequest, org_slug: str) -> Organisation:
    """An organisation that recognises skills (only those have an API), for one of its admins."""
    organisation = access_organisation(request.user, org_slug)  # type: ignore[arg-type]
    if not organisation.recognises:
        raise Http404
    return organisation


@login_required
def api_keys(request: HttpRequest, org_slug: str) -> HttpResponse:
    """The organisation's API keys; a new one is shown once, on the answer to the form that made it."""
    organisation = _api_organisation(request, org_slug)
    form = ApiKeyForm(request.POST or None)
    made = None
    if request.method == "POST" and form.is_valid():
        expires_on = form.cleaned_data["expires_on"]
        expires_at = (
            datetime.combine(expires_on + timedelta(days=1), time.min, tzinfo=timezone.get_current_timezone())
            if expires_on
            else None
        )
        key, token = keys.create_api_key(
            organisation=organisation, name=form.cleaned_data["name"], scopes=form.cleaned_data["scopes"],
            actor=request.user, expires_at=expires_at,
        )  # fmt: skip
        made = {"key": key, "token": token}
        form = ApiKeyForm()
    response = render(
        request,
        "organisations/api_keys.html",
        {
            "organisation": organisation,
            "keys": organisation.api_keys.select_related("created_by"),
            "scope_labels": dict(ApiKey.Scope.choices),
            "form": form,
            "made": made,
            "now": timezone.now(),
        },
    )
    response["Cache-Control"] = "no-store"  # the page may hold a new key
    return response


@login_required
def revoke_api_key(request: HttpRequest, org_slug: str, key_id: int) -> HttpResponse:
    """Ask to confirm, then revoke: programs using the key stop working at once."""
    organisation = _api_organisation(request, org_slug)
    key = get_object_or_404(ApiKey, organisation=organisation, pk=key_id)
    if request.method == "POST":
        keys.revoke_api_key(key=key, actor=request.user)
        messages.success(
            request, _("Clé « %(name)s » révoquée : elle ne fonctionne plus.") % {"name": key.name}
        )
        return redirect("organisations:api_keys", organisation.slug)
    return render(request, "organisations/api_key_revoke.html", {"organisation": organisation, "key": key})


def _key_owner(request: HttpRequest, org_slug: str | None) -> Organisation | None:
    """The organisation whose signing keys ``org_slug`` names, for one of its admins; None (the
    platform's keys) for platform staff when there is no slug; 404 for everyone else."""
    if org_slug is None:
        user = request.user
        if not (user.is_authenticated and user.is_active and user.is_staff):
            raise Http404
        return None
    return _api_organisation(request, org_slug)


def _keys_url(owner: Organisation | None) -> str:
    if owner is None:
        return reverse("organisations:platform_signing_keys")
    return reverse("organisations:signing_keys", args=[owner.slug])


@login_required
def signing_keys_page(request: HttpRequest, org_slug: str | None = None) -> HttpResponse:
    """The current signing key, the retired ones (still published), what each signed."""
    owner = _key_owner(request, org_slug)
    signing_keys.ensure_signing_key(owner)
    controller = controller_of(owner)
    counts = signing_keys.signed_counts(owner)
    rows = [
        {
            "stored": stored,
            "id": key_id(controller, stored),
            "fingerprint": signing_keys.fingerprint(stored),
            "external": signing_keys.is_external(stored),
            "signed": counts.get(key_id(controller, stored), 0),
        }
        for stored in SigningKey.objects.filter(organisation=owner).order_by("-created_at", "-pk")
    ]
    context = {"owner": owner, "organisation": owner, "controller": controller, "keys_url": _keys_url(owner)}
    return render(
        request,
        "organisations/signing_keys.html",
        {**context, "current": rows[0], "retired": rows[1:], "did_url": _did_url(owner)},
    )


def _did_url(owner: Organisation | None) -> str:
    return reverse("issuing:did", args=[owner.slug]) if owner is not None else reverse("issuing:platform_did")


@login_required
def rotate_signing_key(request: HttpRequest, org_slug: str | None = None) -> HttpResponse:
    """Explain, ask to confirm, then replace the current signing key with a new one."""
    owner = _key_owner(request, org_slug)
    if signing_keys.is_external(signing_keys.ensure_signing_key(owner)):
        messages.error(
            request,
            _(
                "Cette clé est gardée hors de Carnet (KMS ou HSM) : remplacez-la là-bas, Carnet publiera la nouvelle."
            ),
        )
        return redirect(_keys_url(owner))
    if request.method == "POST":
        signing_keys.rotate_signing_key(organisation=owner, actor=request.user)
        messages.success(
            request,
            _(
                "Nouvelle clé de signature en service. L'ancienne reste publiée : tout ce qu'elle a signé "
                "reste vérifiable."
            ),
        )
        return redirect(_keys_url(owner))
    return render(
        request,
        "organisations/signing_key_rotate.html",
        {"owner": owner, "organisation": owner, "keys_url": _keys_url(owner)},
    )


@login_required
def export_signing_keys(request: HttpRequest, org_slug: str | None = None) -> HttpResponse:
    """The keys, current and retired, in a file locked with a passphrase, after the password again."""
    owner = _key_owner(request, org_slug)
    form = KeyExportForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = signing_keys.export_keys(
            organisations=[owner], passphrase=form.cleaned_data["passphrase"], actor=request.user
        )
        name = owner.slug if owner is not None else "carnet"
        response = HttpResponse(data, content_type="application/json")
        response["Content-Disposition"] = (
            f'attachment; filename="cles-{name}-{timezone.localdate():%Y-%m-%d}.carnet-keys.json"'
        )
        response["Cache-Control"] = "no-store"
        return response
    response = render(
        request,
        "organisations/signing_key_export.html",
        {"owner": owner, "organisation": owner, "form": form, "keys_url": _keys_url(owner)},
    )
    response["Cache-Control"] = "no-store"
    return response
