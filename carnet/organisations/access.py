"""Who may see or change an organisation's things: every view starts with one of these."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404

from carnet.accounts.models import User
from carnet.organisations.models import Membership, Organisation


def access_organisation(user: User, slug: str, *, roles: tuple[str, ...] = ("admin",)) -> Organisation:
    """The organisation ``slug`` if ``user`` holds one of ``roles`` in it; 404 otherwise (an
    outsider learns nothing, not even that it exists as something they may manage)."""
    organisation = get_object_or_404(Organisation, slug=slug)
    if not user.is_authenticated:
        raise Http404
    if not Membership.objects.filter(organisation=organisation, user=user, role__in=roles).exists():
        raise Http404
    return organisation
