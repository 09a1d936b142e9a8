"""Writes of the carnet: each a function named by its verb, atomic, recorded in the audit trail."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from carnet.audit.services import record_event
from carnet.issuing.models import IssuedCredential
from carnet.portfolio.models import CredentialSharing, ShareLink, ShareLinkOpening
from carnet.site.tokens import new_token, token_hash

Visibility = CredentialSharing.Visibility


class SharingError(ValueError):
    """A refused change; the message is for the person who asked."""


def visibility_of(credential: IssuedCredential) -> str:
    sharing = CredentialSharing.objects.filter(credential=credential).first()
    return sharing.visibility if sharing else Visibility.PRIVATE


@transaction.atomic
def set_visibility(*, credential: IssuedCredential, visibility: str, actor: Any) -> CredentialSharing:
    """Who may open the credential's badge page: only its holder, anyone with the link, or anyone."""
    if visibility not in Visibility.values:
        raise ValueError(f"unknown visibility {visibility!r}")
    sharing, _ = CredentialSharing.objects.select_for_update().get_or_create(credential=credential)
    if sharing.visibility != visibility:
        sharing.visibility = visibility
        sharing.save(update_fields=["visibility", "updated_at"])
        record_event(verb="credential.visibility_changed", actor=actor, target=credential,
                     data={"visibility": visibility})  # fmt: skip
    return sharing


# How long a share link may last, in days (None: until withdrawn).
SHARE_DURATIONS = (7, 30, 90, None)
MAX_OPEN_LINKS = 50  # per credential: more would be a leak, not sharing


@transaction.atomic
def create_share_link(
    *, credential: IssuedCredential, days: int | None, label: str = "", actor: Any
) -> tuple[ShareLink, str]:
    """A new link to the credential's badge page; returns it with its token (shown once)."""
    if days not in SHARE_DURATIONS:
        raise ValueError(f"unsupported duration {days!r}")
    open_links = [link for link in credential.share_links.filter(withdrawn_at=None) if link.is_open()]
    if len(open_links) >= MAX_OPEN_LINKS:
        raise SharingError(
            _("Retirez d'abord un lien : %(count)s sont déjà ouverts.") % {"count": MAX_OPEN_LINKS}
        )
    token, hashed = new_token()
    link = ShareLink.objects.create(
        credential=credential, label=label.strip()[:120], token_hash=hashed,
        expires_at=timezone.now() + timedelta(days=days) if days else None,
    )  # fmt: skip
    record_event(verb="credential.share_link_created", actor=actor, target=credential,
                 data={"link": link.pk, "days": days})  # fmt: skip
    return link, token


@transaction.atomic
def withdraw_share_link(*, link: ShareLink, actor: Any) -> None:
    """The link stops working at once (its record and openings stay for the holder to see)."""
    updated = ShareLink.objects.filter(pk=link.pk, withdrawn_at=None).update(withdrawn_at=timezone.now())
    if updated:
        record_event(verb="credential.share_link_withdrawn", actor=actor, target=link.credential,
                     data={"link": link.pk})  # fmt: skip


def open_share_link(token: str) -> ShareLink | None:
    """The link of ``token`` if it still works, with its opening recorded; None otherwise."""
    link = (
        ShareLink.objects.select_related(
            "credential__organisation", "credential__recipient",
            "credential__micro_credential_version__micro_credential__organisation", "credential__sharing",
        )  # what the badge page shows, in the same query
        .filter(token_hash=token_hash(token))
        .first()
    )  # fmt: skip
    if link is None or not link.is_open():
        return None
    ShareLinkOpening.objects.create(link=link)
    return link


def _free_profile_slug(user: Any) -> str:
    from django.utils.text import slugify

    from carnet.portfolio.models import PublicProfile

    base = slugify(str(user.display_name or user.email.split("@")[0]))[:50] or "profil"
    slug, number = base, 1
    while PublicProfile.objects.filter(slug=slug).exclude(user=user).exists():
        number += 1
        slug = f"{base}-{number}"
    return slug


def profile_of(user: Any) -> Any:
    """The learner's public profile (made, offline, the first time it is asked for)."""
    from carnet.portfolio.models import PublicProfile

    profile = PublicProfile.objects.filter(user=user).first()
    return profile or PublicProfile(user=user, slug=_free_profile_slug(user))


@transaction.atomic
def update_profile(*, user: Any, enabled: bool, headline: str, slug: str) -> Any:
    from carnet.portfolio.models import PublicProfile

    slug = slug.strip().lower()
    if PublicProfile.objects.filter(slug=slug).exclude(user=user).exists():
        raise SharingError(_("Cette adresse est déjà prise : choisissez-en une autre."))
    profile, _created = PublicProfile.objects.select_for_update().get_or_create(
        user=user, defaults={"slug": slug}
    )
    profile.slug, profile.enabled, profile.headline = slug, enabled, headline.strip()[:200]
    profile.save(update_fields=["slug", "enabled", "headline", "updated_at"])
    record_event(verb="profile.changed", actor=user, data={"enabled": enabled, "slug": slug})
    return profile


def consents_to_search(user: Any) -> bool:
    from carnet.portfolio.models import SearchConsent

    latest = SearchConsent.objects.filter(user=user).first()
    return bool(latest and latest.given)


@transaction.atomic
def set_search_consent(*, user: Any, given: bool) -> None:
    """Record a change of the learner's consent to appear in employers' searches (nothing when it
    does not change). Withdrawing takes effect at once: searches read the latest record."""
    from django.contrib.auth import get_user_model

    from carnet.issuing.models import ProvenLevel, SearchProfile
    from carnet.portfolio.models import SearchConsent

    get_user_model().objects.select_for_update().filter(pk=user.pk).first()  # one change at a time
    if consents_to_search(user) != given:
        SearchConsent.objects.create(user=user, given=given)
        # Its copy on the account, and the learner's credentials in employers' searches, change with it.
        get_user_model().objects.filter(pk=user.pk).update(consents_to_search=given)
        user.consents_to_search = given
        ProvenLevel.objects.filter(learner=user).update(searchable=given)
        SearchProfile.objects.filter(learner=user).update(searchable=given)
        record_event(verb="consent.search_given" if given else "consent.search_withdrawn", actor=user)
