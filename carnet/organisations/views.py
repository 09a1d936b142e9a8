"""The organisation's members, managed by its admins."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from carnet.accounts.models import User
from carnet.organisations import services
from carnet.organisations.access import access_organisation
from carnet.organisations.forms import AddMemberForm
from carnet.organisations.models import Membership


@login_required
def members(request: HttpRequest, org_slug: str) -> HttpResponse:
    organisation = access_organisation(request.user, org_slug)  # type: ignore[arg-type]
    form = AddMemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = User.objects.filter(email__iexact=form.cleaned_data["email"]).first()
        if user is None:
            form.add_error(
                "email",
                _("Aucun compte n'utilise cette adresse. Demandez à la personne de créer son compte."),
            )
        else:
            services.add_member(organisation=organisation, user=user, role=form.cleaned_data["role"])
            messages.success(
                request, _("%(person)s fait maintenant partie de l'organisation.") % {"person": user}
            )
            return redirect("organisations:members", organisation.slug)
    memberships = organisation.memberships.select_related("user").order_by("role", "user__email")
    return render(
        request,
        "organisations/members.html",
        {
            "organisation": organisation,
            "memberships": memberships,
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
            services.remove_member(organisation=organisation, user=membership.user)
            messages.success(request, _("Membre retiré."))
        elif request.POST.get("role") in Membership.Role.values:
            services.change_role(organisation=organisation, user=membership.user, role=request.POST["role"])
            messages.success(request, _("Rôle modifié."))
    except services.MembershipError as exc:
        messages.error(request, str(exc))
    return redirect("organisations:members", organisation.slug)
