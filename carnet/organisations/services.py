"""Writes about organisations: each a function named by its domain verb, atomic."""

from __future__ import annotations

from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from carnet.accounts.models import User
from carnet.organisations.models import Membership, Organisation


@transaction.atomic
def create_organisation(
    *, name: str, kind: str, admin: User, slug: str | None = None, website: str = ""
) -> Organisation:
    """A new organisation, with ``admin`` as its first administrator."""
    organisation = Organisation.objects.create(
        name=name, kind=kind, slug=slug or slugify(name)[:50], website=website
    )
    Membership.objects.create(organisation=organisation, user=admin, role=Membership.Role.ADMIN)
    return organisation


@transaction.atomic
def add_member(*, organisation: Organisation, user: User, role: str) -> Membership:
    membership, _ = Membership.objects.update_or_create(
        organisation=organisation, user=user, defaults={"role": role}
    )
    return membership


class MembershipError(ValueError):
    """A change to the members that is refused (the message is for the person who asked)."""


@transaction.atomic
def remove_member(*, organisation: Organisation, user: User) -> None:
    """Remove ``user`` from ``organisation``; the last admin cannot be removed."""
    membership = Membership.objects.select_for_update().filter(organisation=organisation, user=user).first()
    if membership is None:
        return
    admins = Membership.objects.filter(organisation=organisation, role=Membership.Role.ADMIN)
    if membership.role == Membership.Role.ADMIN and admins.count() == 1:
        raise MembershipError(_("L'organisation doit garder au moins un·e administrateur·rice."))
    membership.delete()


@transaction.atomic
def change_role(*, organisation: Organisation, user: User, role: str) -> Membership:
    membership = Membership.objects.select_for_update().get(organisation=organisation, user=user)
    last_admin = Membership.objects.filter(organisation=organisation, role=Membership.Role.ADMIN).count() == 1
    if membership.role == Membership.Role.ADMIN and role != Membership.Role.ADMIN and last_admin:
        raise MembershipError(_("L'organisation doit garder au moins un·e administrateur·rice."))
    membership.role = role
    membership.save(update_fields=["role"])
    return membership
