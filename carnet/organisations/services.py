"""Writes about organisations: each a function named by its domain verb, atomic."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from carnet.accounts.models import User
from carnet.audit.services import record_event
from carnet.organisations.models import Invitation, Membership, Organisation
from carnet.site.mail import BOTH, send_templated
from carnet.site.tokens import new_token, token_hash

INVITATION_LIFETIME = timedelta(days=14)


@transaction.atomic
def create_organisation(
    *, name: str, kind: str, admin: User, slug: str | None = None, website: str = ""
) -> Organisation:
    """A new organisation, with ``admin`` as its first administrator."""
    organisation = Organisation.objects.create(
        name=name, kind=kind, slug=slug or _free_slug(name), website=website
    )
    Membership.objects.create(organisation=organisation, user=admin, role=Membership.Role.ADMIN)
    record_event(verb="organisation.created", actor=admin, organisation=organisation, target=organisation)
    return organisation


def _free_slug(name: str) -> str:
    base = slugify(name)[:44] or "organisation"
    slug, number = base, 1
    while Organisation.objects.filter(slug=slug).exists():
        number += 1
        slug = f"{base}-{number}"
    return slug


@transaction.atomic
def add_member(*, organisation: Organisation, user: User, role: str) -> Membership:
    membership, _ = Membership.objects.update_or_create(
        organisation=organisation, user=user, defaults={"role": role}
    )
    return membership


class MembershipError(ValueError):
    """A change to the members that is refused (the message is for the person who asked)."""


@transaction.atomic
def remove_member(*, organisation: Organisation, user: User, actor: User | None = None) -> None:
    """Remove ``user`` from ``organisation``; the last admin cannot be removed."""
    membership = Membership.objects.select_for_update().filter(organisation=organisation, user=user).first()
    if membership is None:
        return
    admins = Membership.objects.filter(organisation=organisation, role=Membership.Role.ADMIN)
    if membership.role == Membership.Role.ADMIN and admins.count() == 1:
        raise MembershipError(_("L'organisation doit garder au moins un·e administrateur·rice."))
    membership.delete()
    record_event(verb="member.removed", actor=actor, organisation=organisation, target=user,
                 data={"role": membership.role})  # fmt: skip


@transaction.atomic
def change_role(
    *, organisation: Organisation, user: User, role: str, actor: User | None = None
) -> Membership:
    membership = Membership.objects.select_for_update().get(organisation=organisation, user=user)
    last_admin = Membership.objects.filter(organisation=organisation, role=Membership.Role.ADMIN).count() == 1
    if membership.role == Membership.Role.ADMIN and role != Membership.Role.ADMIN and last_admin:
        raise MembershipError(_("L'organisation doit garder au moins un·e administrateur·rice."))
    previous, membership.role = membership.role, role
    membership.save(update_fields=["role"])
    if previous != role:
        record_event(verb="member.role_changed", actor=actor, organisation=organisation, target=user,
                     data={"from": previous, "to": role})  # fmt: skip
    return membership


@transaction.atomic
def change_settings(*, organisation: Organisation, requires_second_review: bool, actor: User) -> Organisation:
    """The review settings an organisation's admins choose (for now: whether each approval needs a
    second assessor). Requests already awaiting a second review keep waiting for it."""
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if organisation.requires_second_review != requires_second_review:
        organisation.requires_second_review = requires_second_review
        organisation.save(update_fields=["requires_second_review"])
        record_event(verb="organisation.settings_changed", actor=actor, organisation=organisation,
                     target=organisation, data={"requires_second_review": requires_second_review})  # fmt: skip
    return organisation


@transaction.atomic
def invite_member(
    *, organisation: Organisation, email: str, role: str, invited_by: User
) -> Invitation | None:
    """Add the person with account ``email`` to ``organisation``, or, if there is none, email them
    an invitation link (returned; None when the person was added directly). A pending invitation
    to the same address is replaced, so only the newest link works."""
    user = User.objects.filter(email__iexact=email).first()
    if user is not None:
        add_member(organisation=organisation, user=user, role=role)
        record_event(verb="member.added", actor=invited_by, organisation=organisation, target=user)
        return None
    now = timezone.now()
    organisation.invitations.filter(email__iexact=email, accepted_at=None, cancelled_at=None).update(
        cancelled_at=now
    )
    token, digest = new_token()
    invitation = Invitation.objects.create(
        organisation=organisation,
        email=email,
        role=role,
        token_hash=digest,
        invited_by=invited_by,
        expires_at=now + INVITATION_LIFETIME,
    )
    record_event(verb="member.invited", actor=invited_by, organisation=organisation, target=invitation)
    link = settings.SITE_URL.rstrip("/") + reverse("organisations:invitation", args=[token])
    transaction.on_commit(lambda: _send_invitation(invitation, link))
    return invitation


def _send_invitation(invitation: Invitation, link: str) -> None:
    context = {"invitation": invitation, "link": link, "days": INVITATION_LIFETIME.days}
    send_templated("organisations/invitation", invitation.email, context, languages=BOTH)


def find_invitation(token: str) -> Invitation | None:
    """The pending invitation of ``token``, if there is one."""
    invitation = (
        Invitation.objects.select_related("organisation").filter(token_hash=token_hash(token)).first()
    )
    return invitation if invitation is not None and invitation.is_pending else None


class InvitationError(ValueError):
    """An invitation that can no longer be used (the message is for the person who opened it)."""


@transaction.atomic
def accept_invitation(*, token: str, user: User) -> Membership:
    """``user`` joins the organisation with the invitation's role. The link works once."""
    invitation = (
        Invitation.objects.select_for_update().select_related("organisation")
        .filter(token_hash=token_hash(token)).first()
    )  # fmt: skip
    if invitation is None or not invitation.is_pending:
        raise InvitationError(
            _(
                "Cette invitation n'est plus valide (déjà utilisée, annulée ou expirée). Demandez-en une nouvelle."
            )
        )
    existing = Membership.objects.filter(organisation=invitation.organisation, user=user).first()
    if existing is not None and existing.role == Membership.Role.ADMIN:
        membership = existing  # an invitation never lowers an admin's role
    else:
        membership = add_member(organisation=invitation.organisation, user=user, role=invitation.role)
    invitation.accepted_at, invitation.accepted_by = timezone.now(), user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    record_event(verb="member.joined", actor=user, organisation=invitation.organisation, target=invitation)
    return membership


@transaction.atomic
def cancel_invitation(*, invitation: Invitation, actor: User) -> None:
    if invitation.accepted_at is None and invitation.cancelled_at is None:
        invitation.cancelled_at = timezone.now()
        invitation.save(update_fields=["cancelled_at"])
        record_event(
            verb="member.invitation_cancelled", actor=actor, organisation=invitation.organisation,
            target=invitation,
        )  # fmt: skip
