"""Writes about organisations: each a function named by its domain verb, atomic."""

from __future__ import annotations

from django.db import transaction
from django.utils.text import slugify

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
