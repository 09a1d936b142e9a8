"""Writes of the carnet: each a function named by its verb, atomic, recorded in the audit trail."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from carnet.audit.services import record_event
from carnet.issuing.models import IssuedCredential
from carnet.portfolio.models import CredentialSharing, ImportedBadge, ShareLink, ShareLinkOpening
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


@transaction.atomic
def set_imported_visibility(*, badge: ImportedBadge, visibility: str, actor: Any) -> None:
    """Who may open the page of a badge imported into the carnet: only its holder, anyone with its
    address, or anyone (and on the public profile). A badge awarded to another email address than
    the holder's can only stay private: shown, it would pass for theirs."""
    if visibility not in Visibility.values:
        raise ValueError(f"unknown visibility {visibility!r}")
    if visibility != Visibility.PRIVATE and badge.recipient == ImportedBadge.Recipient.OTHER:
        raise SharingError(
            _(
                "Ce badge a été décerné à une autre adresse courriel que les vôtres : il reste privé. "
                "S'il vous a été décerné à une ancienne adresse, ajoutez-la à votre compte, puis "
                "vérifiez-le de nouveau."
            )
        )
    updated = (
        ImportedBadge.objects.filter(pk=badge.pk).exclude(visibility=visibility).update(visibility=visibility)
    )
    badge.visibility = visibility
    if updated:
        record_event(verb="imported_badge.visibility_changed", actor=actor, target=badge,
                     data={"visibility": visibility})  # fmt: skip


# How long a share link may last, in days (None: until withdrawn).
SHARE_DURATIONS = (7, 30, 90, None)
MAX_OPEN_LINKS = 50  # per credential: more would be a leak, not sharing


@transaction.atomic
def create_share_link(
    *, credential: IssuedCredential, days: int | None, label: str = "", actor: Any, token: str = ""
) -> tuple[ShareLink, str]:
    """A new link to the credential's badge page; returns it with its token (shown once). ``token``:
    one drawn beforehand with :func:`carnet.site.tokens.new_token` (a fresh one otherwise)."""
    if days not in SHARE_DURATIONS:
        raise ValueError(f"unsupported duration {days!r}")
    check_room_for_a_link(credential)
    token, hashed = (token, token_hash(token)) if token else new_token()
    link = ShareLink.objects.create(
        credential=credential, label=label.strip()[:120], token_hash=hashed,
        expires_at=timezone.now() + timedelta(days=days) if days else None,
    )  # fmt: skip
    record_event(verb="credential.share_link_created", actor=actor, target=credential,
                 data={"link": link.pk, "days": days})  # fmt: skip
    return link, token


def check_room_for_a_link(credential: IssuedCredential) -> None:
    """Raise SharingError when the credential has as many open links as allowed."""
    open_links = [link for link in credential.share_links.filter(withdrawn_at=None) if link.is_open()]
    if len(open_links) >= MAX_OPEN_LINKS:
        raise SharingError(
            _("Retirez d'abord un lien : %(count)s sont déjà ouverts.") % {"count": MAX_OPEN_LINKS}
        )


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


def shared_document(*, uuid: str | None = None, token: str | None = None) -> dict[str, Any] | None:
    """The signed credential that a badge page address (``uuid``) or a share link (``token``) shows
    to anyone: the first only while its holder makes it visible by link or public, the second only
    while the link works (its opening is recorded, as when the page is opened). None otherwise,
    whether the credential does not exist or is private."""
    if token is not None:
        link = open_share_link(token)
        return link.credential.document if link is not None else None
    try:
        credential = IssuedCredential.objects.filter(uuid=uuid).first()
    except (ValueError, ValidationError):
        return None
    if credential is None or visibility_of(credential) == Visibility.PRIVATE:
        return None
    return credential.document


def _free_profile_slug(user: Any) -> str:
    from django.utils.text import slugify

    from carnet.portfolio.models import PublicProfile

    # From the name they chose, never from their email: the address of a public page.
    base = slugify(str(user.display_name))[:50] or "profil"
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
def set_search_consent(*, user: Any, given: bool, source: str = "portfolio:settings") -> None:
    """Record a change of the learner's consent to appear in employers' searches (nothing when it
    does not change), on the page ``source``. Withdrawing takes effect at once: searches read the
    latest record. The consent is also kept in the person's consent records (carnet.privacy)."""
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
        from carnet.privacy import consents
        from carnet.privacy.services import record_consent

        record_consent(user=user, purpose=consents.SEARCH, given=given, source=source)


# -- badges earned elsewhere -----------------------------------------------------------------------


MAX_IMPORTED = 500  # badges imported per learner: each is verified, stored and re-verified on demand


def import_badge(*, holder: Any, data: bytes | str | None = None, url: str | None = None) -> Any:
    """Add to ``holder``'s carnet the badge in ``data`` (a file's bytes, a pasted text) or at
    ``url``, verified first (the fetches and checks run outside any transaction). Raises
    :class:`~carnet.portfolio.importing.ImportRefused` — nothing saved — for what is not a badge,
    was altered, or is already in the carnet."""
    from carnet.portfolio import importing

    if ImportedBadge.objects.filter(holder=holder).count() >= MAX_IMPORTED:
        raise importing.ImportRefused(
            "carnet_full",
            _(
                "Votre carnet contient déjà %(count)s badges importés, le maximum : supprimez-en un "
                "pour en ajouter un autre."
            )
            % {"count": MAX_IMPORTED}
            + " "
            + _("Rien n'a été ajouté à votre carnet."),
        )
    handed = importing.hand_over(data=data, url=url)
    return _save_import(holder=holder, handed=handed)


def _duplicate() -> Any:
    from carnet.portfolio.importing import ImportRefused

    return ImportRefused(
        "duplicate",
        _("Ce badge est déjà dans votre carnet.") + " " + _("Rien n'a été ajouté à votre carnet."),
    )


def _issued_here(holder: Any, credential_id: str) -> bool:
    """Whether ``credential_id`` is one the platform issued to ``holder`` (already in their carnet)."""
    if not credential_id.startswith("urn:uuid:"):
        return False
    try:
        return IssuedCredential.objects.filter(
            uuid=credential_id.removeprefix("urn:uuid:"), recipient=holder
        ).exists()
    except (ValueError, ValidationError):
        return False


@transaction.atomic
def _save_import(*, holder: Any, handed: Any, client_id: str = "") -> Any:
    from django.db import IntegrityError

    from carnet.portfolio import importing
    from carnet.portfolio.models import ImportedBadge

    outcome = handed.outcome
    key = importing.credential_key(outcome, handed.original)
    if ImportedBadge.objects.filter(holder=holder, credential_id=key).exists() or _issued_here(holder, key):
        raise _duplicate()
    document = importing.document_of(handed)
    summary = importing.summary_of(outcome)
    try:
        with transaction.atomic():
            badge = ImportedBadge.objects.create(
                holder=holder, credential_id=key,
                kind=ImportedBadge.Kind.OB2 if outcome.old_badge is not None else ImportedBadge.Kind.OB3,
                source=handed.source, source_url=handed.source_url[:2048],
                fetched_from=handed.fetched_from[:2048], original=handed.original, document=document,
                image_png=importing.image_of(handed), verdict=outcome.verdict, report=outcome.to_record(),
                checked_at=timezone.now(),
                recipient=importing.recipient_of(outcome, document, importing.emails_of(holder)),
                alignments=importing.alignments_of(outcome), added_by_client=client_id, **vars(summary),
            )  # fmt: skip
    except IntegrityError:  # the same badge, imported at the same moment
        raise _duplicate() from None
    data = {"kind": badge.kind, "source": badge.source, "verdict": badge.verdict}
    if client_id:  # put there by an application, through the Open Badges API
        data["client_id"] = client_id
    record_event(verb="imported_badge.added", actor=holder, target=badge, data=data)
    return badge


def upsert_imported_badge(*, holder: Any, data: bytes, client_id: str) -> tuple[Any, str]:
    """Put into ``holder``'s carnet the Open Badges 3.0 credential in ``data`` (its JSON or its
    compact JWS), as the OAuth application ``client_id`` does through the Open Badges API's
    ``upsertCredential``: verified by :func:`~carnet.portfolio.importing.hand_over`, like a badge the
    learner imports themself, and refused (:class:`~carnet.portfolio.importing.ImportRefused`,
    nothing saved) for the same reasons; refused also when it is an Open Badges 2.0 badge (never
    fetched), or awarded to an email address that is none of the holder's.

    The same credential (same issuer and same ``id``) already in the carnet is left as it was when
    this one is not newer (a later ``validFrom``). A newer one replaces it only when both were
    signed by their issuer (:data:`~carnet.portfolio.importing.SIGNED`) and the badge there was put
    by this same application; else it is refused with the code ``conflict`` (a badge the learner
    imported themself is never replaced here). The check and the write hold the row locked.
    Returns the badge and what happened: ``created``, ``replaced`` or ``unchanged``."""
    from carnet.portfolio import importing
    from carnet.verification import ob2

    if ob2.detect(data) is not None:
        raise importing.ImportRefused(
            "ob2", _nothing_added(_("L'API Open Badges 3.0 ne reçoit que des badges Open Badges 3.0."))
        )
    handed = importing.hand_over(data=data)  # verified before the transaction: it may fetch keys
    key = importing.credential_key(handed.outcome, handed.original)
    document = importing.document_of(handed)
    if importing.recipient_of(handed.outcome, document, importing.emails_of(holder)) == "other":
        raise importing.ImportRefused(
            "not_awarded",
            _nothing_added(_("Ce badge a été décerné à une autre adresse courriel que les vôtres.")),
        )
    with transaction.atomic():
        existing = ImportedBadge.objects.select_for_update().filter(holder=holder, credential_id=key).first()
        if existing is None:
            if ImportedBadge.objects.filter(holder=holder).count() >= MAX_IMPORTED:
                raise importing.ImportRefused(
                    "carnet_full",
                    _nothing_added(
                        _(
                            "Votre carnet contient déjà %(count)s badges importés, le maximum : supprimez-en un "
                            "pour en ajouter un autre."
                        )
                        % {"count": MAX_IMPORTED}
                    ),
                )
            return _save_import(holder=holder, handed=handed, client_id=client_id), "created"
        summary = importing.summary_of(handed.outcome)
        if existing.issuer_id != summary.issuer_id:
            raise _conflict(
                _("Votre carnet contient déjà un badge de même identifiant, d'un autre émetteur.")
            )
        newer = summary.valid_from is not None and existing.valid_from is not None
        if not newer or summary.valid_from <= existing.valid_from:
            return existing, "unchanged"
        if not client_id or existing.added_by_client != client_id:
            raise _conflict(
                _(
                    "Le badge de même identifiant déjà dans votre carnet n'a pas été ajouté par cette "
                    "application : elle ne peut pas le remplacer."
                )
            )
        if existing.verdict not in importing.SIGNED:
            raise _conflict(
                _(
                    "La signature du badge de même identifiant déjà dans votre carnet n'a pas été "
                    "vérifiée : il ne peut pas être remplacé par l'API."
                )
            )
        if handed.outcome.verdict not in importing.SIGNED:
            raise _conflict(
                _(
                    "La signature de ce badge n'a pas pu être vérifiée : il ne peut pas remplacer celui "
                    "de même identifiant déjà dans votre carnet."
                )
            )
        return _replace_import(badge=existing, handed=handed, document=document), "replaced"


def _nothing_added(reason: str) -> str:
    return f"{reason} " + _("Rien n'a été ajouté à votre carnet.")


def _conflict(reason: str) -> Exception:
    """A refusal of upsertCredential that leaves the badge already in the carnet as it was."""
    from carnet.portfolio import importing

    return importing.ImportRefused("conflict", f"{reason} " + _("Le badge de votre carnet reste tel quel."))


@transaction.atomic
def _replace_import(*, badge: Any, handed: Any, document: dict[str, Any]) -> Any:
    """The imported ``badge`` replaced by a newer version of the same credential: what it is and
    says, its verification, and the moment it came in (for ``getCredentials?since=``); its address
    and who may see it stay."""
    from carnet.portfolio import importing

    outcome = handed.outcome
    summary = importing.summary_of(outcome)
    fields = {
        "source": handed.source, "original": handed.original, "document": document,
        "image_png": importing.image_of(handed), "verdict": outcome.verdict, "report": outcome.to_record(),
        "checked_at": timezone.now(), "imported_at": timezone.now(),
        "recipient": importing.recipient_of(outcome, document, importing.emails_of(badge.holder)),
        "alignments": importing.alignments_of(outcome), **vars(summary),
    }  # fmt: skip
    for name, value in fields.items():
        setattr(badge, name, value)
    badge.save(update_fields=list(fields))
    record_event(verb="imported_badge.replaced", actor=badge.holder, target=badge,
                 data={"source": badge.source, "verdict": badge.verdict,
                       "client_id": badge.added_by_client})  # fmt: skip
    return badge


def reverify_imported_badge(*, badge: Any, actor: Any) -> Any:
    """Verify the kept original again, now (signature, status list, dates; for an Open Badges 2.0
    badge, its hosted check), and keep the new outcome and its moment. The recipient is checked
    again against the holder's email addresses of today."""
    from carnet.portfolio import importing

    outcome = importing.verify_again(bytes(badge.original))
    return _save_reverification(badge=badge, outcome=outcome, actor=actor)


@transaction.atomic
def _save_reverification(*, badge: Any, outcome: Any, actor: Any) -> Any:
    from carnet.portfolio import importing

    previous = badge.verdict
    badge.verdict, badge.report, badge.checked_at = outcome.verdict, outcome.to_record(), timezone.now()
    badge.recipient = importing.recipient_of(outcome, badge.document, importing.emails_of(badge.holder))
    badge.save(update_fields=["verdict", "report", "checked_at", "recipient"])
    record_event(verb="imported_badge.verified", actor=actor, target=badge,
                 data={"verdict": badge.verdict, "previous": previous})  # fmt: skip
    return badge


@transaction.atomic
def delete_imported_badge(*, badge: Any, actor: Any) -> None:
    """Remove the badge from the carnet, with its original (the audit trail keeps that it was)."""
    record_event(verb="imported_badge.deleted", actor=actor, target=badge, data={"kind": badge.kind})
    badge.delete()


CV_LINK_LABEL = "CV PDF"  # the label of the share links a PDF of the carnet makes, in both languages


def make_cv(
    *,
    holder: Any,
    name: str,
    headline: str,
    credentials: list[IssuedCredential],
    certificates: list[Any],
    days: int | None,
    language: str,
    paper: str,
) -> bytes:
    """The PDF of the holder's carnet with the credentials and certificates they chose (theirs:
    the caller checked). A private credential's QR code needs a share link (its badge page is 404
    to others): one is made for each, labelled "CV PDF", working for ``days`` (None: until
    withdrawn), which the holder sees and withdraws on the credential's page like any other.

    The links are made only if the PDF is, and the PDF is given only if the links are made: their
    tokens are drawn first, the PDF is drawn outside any transaction (a second or two: on SQLite a
    transaction holds the database's write lock, and every other writer would wait), then the links
    and the event are written in one short transaction, which checks again that there is room."""
    from carnet.portfolio import cv

    if days not in SHARE_DURATIONS:
        raise ValueError(f"unsupported duration {days!r}")
    private = [credential for credential in credentials if visibility_of(credential) == Visibility.PRIVATE]
    for credential in private:
        check_room_for_a_link(credential)  # before drawing, to say so at once
    tokens = {credential.pk: new_token()[0] for credential in private}
    until = timezone.now() + timedelta(days=days) if days and private else None
    pdf = cv.render_pdf(
        name=name, headline=headline, credentials=credentials, certificates=certificates, tokens=tokens,
        links_until=until, language=language, paper=paper,
    )  # fmt: skip
    with transaction.atomic():
        for credential in private:
            create_share_link(
                credential=credential,
                days=days,
                label=CV_LINK_LABEL,
                actor=holder,
                token=tokens[credential.pk],
            )
        record_event(verb="cv.made", actor=holder, data={
            "credentials": len(credentials), "certificates": len(certificates), "share_links": len(tokens),
            "language": language,
        })  # fmt: skip
    return pdf
