"""Writes on the catalogue: one function per domain event, atomic."""

from __future__ import annotations

import datetime
import logging
import smtplib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from carnet.audit.services import record_event
from carnet.catalogue.models import (
    Alignment,
    Certificate,
    MicroCredential,
    MicroCredentialVersion,
    NeedDocument,
    PartnerEndorsement,
    RequirementGroup,
    Status,
)
from carnet.organisations.models import Organisation
from carnet.site.tokens import new_token, token_hash

logger = logging.getLogger("carnet.catalogue")

VERSION_FIELDS = (
    "name_fr", "name_en", "description_fr", "description_en", "criteria_fr", "criteria_en",
    "evidence_fr", "evidence_en", "learning_contexts", "assessment_method", "endorsements_required",
    "validity_months", "image", "image_png", "design", "purpose_fr", "purpose_en", "outcomes_fr",
    "outcomes_en", "hours", "credits", "need_fr", "need_en",
)  # fmt: skip
REVIEW_INTERVAL = datetime.timedelta(days=365)
MAX_NEED_DOCUMENTS = 10


class CatalogueError(ValueError):
    """A change the catalogue refuses (the message is for the person who asked)."""


def _unique_slug(organisation: Organisation, name: str) -> str:
    base = slugify(name)[:70] or "microattestation"
    slug, n = base, 2
    while MicroCredential.objects.filter(organisation=organisation, slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def _set_alignments(version: MicroCredentialVersion, alignments: Iterable[tuple[Any, Any]]) -> None:
    version.alignments.all().delete()
    for competency, level in alignments:
        Alignment.objects.create(version=version, competency=competency, level=level)


@transaction.atomic
def create_micro_credential(
    *,
    organisation: Organisation,
    fields: Mapping[str, Any],
    alignments: Iterable[tuple[Any, Any]] = (),
    actor: Any = None,
) -> MicroCredential:
    """A new micro-credential, as a draft (version 1)."""
    if not organisation.recognises:
        raise CatalogueError(_("Un employeur ne définit pas de microattestations."))
    micro_credential = MicroCredential.objects.create(
        organisation=organisation, slug=_unique_slug(organisation, str(fields["name_fr"]))
    )
    version = MicroCredentialVersion.objects.create(
        micro_credential=micro_credential,
        number=1,
        **{k: v for k, v in fields.items() if k in VERSION_FIELDS},
    )
    _set_alignments(version, alignments)
    record_event(
        verb="micro_credential.created", actor=actor, organisation=organisation, target=micro_credential
    )
    return micro_credential


@transaction.atomic
def update_micro_credential(
    *,
    micro_credential: MicroCredential,
    fields: Mapping[str, Any],
    alignments: Iterable[tuple[Any, Any]] | None = None,
    actor: Any = None,
) -> MicroCredentialVersion:
    """Change what a micro-credential says. A draft version is edited in place; a published one
    is never changed: the edit makes a new draft version, published when the admin publishes it."""
    micro_credential = MicroCredential.objects.select_for_update().get(pk=micro_credential.pk)
    if micro_credential.status == Status.ARCHIVED:
        raise CatalogueError(_("Une microattestation archivée ne peut plus être modifiée."))
    version = micro_credential.draft_version()
    if version is None:
        latest = micro_credential.versions.order_by("-number").first()
        assert latest is not None
        copied = {name: getattr(latest, name) for name in VERSION_FIELDS}
        previous_alignments = [(a.competency, a.level) for a in latest.alignments.all()]
        version = MicroCredentialVersion.objects.create(
            micro_credential=micro_credential, number=latest.number + 1, **copied
        )
        _set_alignments(version, previous_alignments)
    for name, value in fields.items():
        if name in VERSION_FIELDS:
            setattr(version, name, value)
    version.save()
    if alignments is not None:
        _set_alignments(version, alignments)
    if actor is not None:
        record_event(verb="micro_credential.updated", actor=actor, organisation=micro_credential.organisation,
                     target=micro_credential, data={"version": version.number})  # fmt: skip
    return version


@transaction.atomic
def publish_micro_credential(
    *, micro_credential: MicroCredential, actor: Any = None
) -> MicroCredentialVersion:
    """Publish the draft version: from now on it is what the catalogue shows and what is issued."""
    micro_credential = MicroCredential.objects.select_for_update().get(pk=micro_credential.pk)
    version = micro_credential.draft_version()
    if version is None:
        raise CatalogueError(_("Il n'y a aucune nouvelle version à publier."))
    if not version.alignments.exists():
        raise CatalogueError(
            _("Alignez la microattestation sur au moins une compétence avant de la publier.")
        )
    version.published_at = timezone.now()
    version.save(update_fields=["published_at"])
    micro_credential.status = Status.PUBLISHED
    # The first publication starts the yearly review. A later version keeps the date already set:
    # publishing a change is not a review of the whole definition (need, outcomes, size); an admin
    # who did review it says so with mark_reviewed. Definitions published before reviews existed got
    # their date from migration catalogue 0005.
    if micro_credential.review_due is None:
        micro_credential.review_due = timezone.localdate() + REVIEW_INTERVAL
    micro_credential.save(update_fields=["status", "review_due"])
    # A partner reviews one version: the requests about an older one would endorse what is no
    # longer issued, so their links stop working.
    _cancel_pending_partner_requests(micro_credential, keep=version)
    record_event(verb="micro_credential.published", actor=actor, organisation=micro_credential.organisation,
                 target=micro_credential, data={"version": version.number})  # fmt: skip
    return version


@transaction.atomic
def archive_micro_credential(*, micro_credential: MicroCredential, actor: Any = None) -> None:
    """Withdraw from the catalogue; what was issued stays valid and verifiable."""
    micro_credential.status = Status.ARCHIVED
    micro_credential.save(update_fields=["status"])
    _cancel_pending_partner_requests(micro_credential)
    record_event(verb="micro_credential.archived", actor=actor, organisation=micro_credential.organisation,
                 target=micro_credential)  # fmt: skip


@transaction.atomic
def mark_reviewed(
    *, micro_credential: MicroCredential, actor: Any, next_review: datetime.date | None = None
) -> MicroCredential:
    """The admins have checked that the definition still answers a need: the next review is due a
    year from today (or on ``next_review``), and a reminder will be sent again before it."""
    micro_credential = MicroCredential.objects.select_for_update().get(pk=micro_credential.pk)
    if micro_credential.status != Status.PUBLISHED:  # a draft or archived one is not in the catalogue
        raise CatalogueError(
            _(
                "Seule une microattestation publiée se révise : publiez-la d'abord, ou republiez-la si elle est archivée."
            )
        )
    today = timezone.localdate()
    if next_review is not None and not today < next_review <= today + 3 * REVIEW_INTERVAL:
        raise CatalogueError(_("Choisissez une date de prochaine révision dans les trois prochaines années."))
    previous = micro_credential.review_due
    micro_credential.review_due = next_review or today + REVIEW_INTERVAL
    if micro_credential.review_due != previous:  # the new date gets its own reminder
        micro_credential.review_reminded_for = None
    micro_credential.save(update_fields=["review_due", "review_reminded_for"])
    record_event(verb="micro_credential.reviewed", actor=actor, organisation=micro_credential.organisation,
                 target=micro_credential, data={"previous": _json(previous),
                                                "next": micro_credential.review_due.isoformat()})  # fmt: skip
    return micro_credential


@transaction.atomic
def add_need_document(
    *, micro_credential: MicroCredential, name: str, data: bytes, actor: Any
) -> NeedDocument:
    """Keep a document that shows the need (checked as evidence files are: size, type read from the
    content, images re-encoded without their metadata)."""
    from carnet.recognition import files

    checked = files.check_evidence_file(data)
    if micro_credential.need_documents.count() >= MAX_NEED_DOCUMENTS:
        raise CatalogueError(
            _("Une microattestation compte au plus %(count)s documents. Retirez-en un d'abord.")
            % {"count": MAX_NEED_DOCUMENTS}
        )
    document = NeedDocument(
        micro_credential=micro_credential,
        name=name[-200:] or f"document.{checked.extension}",
        content_type=checked.content_type,
        size=len(checked.content),
        uploaded_by=actor,
    )
    document.file.save(f"document.{checked.extension}", ContentFile(checked.content), save=False)
    document.save()
    record_event(verb="micro_credential.need_document_added", actor=actor,
                 organisation=micro_credential.organisation, target=micro_credential,
                 data={"document": document.pk, "name": document.name[:80]})  # fmt: skip
    return document


@transaction.atomic
def remove_need_document(*, document: NeedDocument, actor: Any) -> None:
    micro_credential = document.micro_credential
    stored, storage = document.file.name, document.file.storage
    record_event(verb="micro_credential.need_document_removed", actor=actor,
                 organisation=micro_credential.organisation, target=micro_credential,
                 data={"document": document.pk, "name": document.name[:80]})  # fmt: skip
    document.delete()
    if stored:
        transaction.on_commit(lambda: storage.delete(stored))


def send_review_reminders(*, today: datetime.date | None = None) -> int:
    """Email the admins of each organisation whose published micro-credentials are due for review
    within ``CATALOGUE_REVIEW_REMINDER_DAYS`` days (or overdue), once per review date. Returns how
    many micro-credentials were reminded of.

    Each admin gets one email listing every micro-credential due in their organisations, in their
    language then the other. The email goes first, and only then is the reminder recorded: a
    micro-credential counts as reminded once at least one of its admins got it; when none did (mail
    server out of reach, addresses refused: logged), the next run tries again, and the others are sent
    all the same. Two runs at the very same moment may both send; a lost reminder would be worse."""
    from carnet.organisations.models import Membership

    today = today or timezone.localdate()
    horizon = today + datetime.timedelta(days=settings.CATALOGUE_REVIEW_REMINDER_DAYS)
    due = list(
        MicroCredential.objects.filter(status=Status.PUBLISHED, review_due__lte=horizon)
        .exclude(review_reminded_for=models.F("review_due"))
        .select_related("organisation")
        .order_by("organisation_id", "review_due", "pk")
    )
    of_organisation: dict[int, list[MicroCredential]] = {}
    for item in due:
        of_organisation.setdefault(item.organisation_id, []).append(item)
    admins = (
        Membership.objects.filter(
            organisation_id__in=of_organisation, role=Membership.Role.ADMIN, user__is_active=True
        )
        .select_related("user")
        .order_by("user_id", "organisation_id")
    )
    per_admin: dict[int, tuple[Any, list[MicroCredential]]] = {}
    for membership in admins:
        per_admin.setdefault(membership.user_id, (membership.user, []))[1].extend(
            of_organisation[membership.organisation_id]
        )
    delivered: set[int] = set()
    for user, items in per_admin.values():
        if _remind(user, items, today):
            delivered.update(item.pk for item in items)
    return sum(1 for item in due if item.pk in delivered and _record_reminded(item))


def _remind(user: Any, items: list[MicroCredential], today: datetime.date) -> bool:
    """One email to one admin about ``items``; False (logged) when the mail server did not take it."""
    from carnet.site.mail import languages_for, send_templated

    entries = [
        {"item": item, "version": item.current_version(), "overdue": item.review_overdue(today),
         "link": settings.SITE_URL.rstrip("/") + reverse("catalogue:edit", args=[item.organisation.slug, item.slug])}
        for item in items
    ]  # fmt: skip
    context = {"entries": entries, "overdue": any(entry["overdue"] for entry in entries)}
    try:
        send_templated("catalogue/email/review", [user.email], context,
                       languages=languages_for(user.preferred_language))  # fmt: skip
    except (smtplib.SMTPException, OSError) as exc:
        logger.warning("review reminder to user %s not sent (%s): tried again on the next run",
                       user.pk, type(exc).__name__)  # fmt: skip
        return False
    return True


@transaction.atomic
def _record_reminded(item: MicroCredential) -> bool:
    """Record that ``item``'s admins were reminded of its review date; False when that date changed
    meanwhile (it was marked reviewed: the new date gets its own reminder) or another run got it."""
    locked = MicroCredential.objects.select_for_update().get(pk=item.pk)
    if locked.review_due != item.review_due or locked.review_reminded_for == locked.review_due:
        return False
    locked.review_reminded_for = locked.review_due
    locked.save(update_fields=["review_reminded_for"])
    record_event(verb="micro_credential.review_reminded", actor=None, organisation=item.organisation,
                 target=locked, data={"review_due": _json(locked.review_due)})  # fmt: skip
    return True


@transaction.atomic
def set_badge_image(
    *,
    micro_credential: MicroCredential,
    image: bytes,
    image_name: str,
    png: bytes | None = None,
    design: dict[str, Any] | None = None,
) -> MicroCredentialVersion:
    """Give the micro-credential a badge image (already checked: designed here, or an upload that
    was sanitised). Like any edit, it goes into a draft version."""
    version = update_micro_credential(micro_credential=micro_credential, fields={})
    stem = f"{micro_credential.organisation.slug}-{micro_credential.slug}-v{version.number}"
    version.image.save(f"{stem}-{image_name}", ContentFile(image), save=False)
    if png is not None:
        version.image_png.save(f"{stem}.png", ContentFile(png), save=False)
    else:
        # An uploaded SVG has no PNG: the draft must not keep the previous image's, which would
        # otherwise be baked and written into credentials as this badge. (The file stays: the
        # published versions that use it still point to it.)
        version.image_png = None
    version.design = design or {}
    version.save(update_fields=["image", "image_png", "design"])
    return version


# Certificates. A certificate's requirements form a tree of groups, typed by the admin as a flat list
# (``RequirementSpec``: each group names its parent); ``check_requirements`` says what is wrong with
# such a list, group by group, and the services below build the tree only from a list that passes.

MAX_DEPTH = 3  # the main group, its sub-groups and theirs (what the catalogue's searches look through)
CERTIFICATE_FIELDS = (
    "name_fr", "name_en", "description_fr", "description_en", "hours", "credits",
    "accepts_other_organisations", "issuance",
)  # fmt: skip
RESERVED_CERTIFICATE_SLUGS = {"nouveau"}  # taken by the URL of the creation page


@dataclass(frozen=True)
class RequirementSpec:
    """One group of a requirement tree as the admin typed it. ``key`` identifies the group in the
    list; ``parent`` is the key of the group that holds it (None for the main group)."""

    key: int
    parent: int | None
    rule: str = RequirementGroup.Rule.ALL
    minimum: int | None = 1
    label_fr: str = ""
    label_en: str = ""
    micro_credentials: tuple[MicroCredential, ...] = ()


@dataclass(frozen=True)
class RequirementProblem:
    """What is wrong with one group (``key``) and which of its fields (``field``); both None when
    the problem is with the tree as a whole."""

    key: int | None
    field: str | None
    message: str


class RequirementTreeError(CatalogueError):
    def __init__(self, problems: list[RequirementProblem]) -> None:
        super().__init__(problems[0].message)
        self.problems = problems


def check_requirements(
    *, organisation: Organisation, groups: Sequence[RequirementSpec], accepts_other_organisations: bool
) -> list[RequirementProblem]:
    """Everything wrong with a requirement tree: a missing or unknown parent, a cycle, more than
    ``MAX_DEPTH`` levels, an empty group, a minimum out of range, a micro-credential not published,
    of another organisation when the certificate does not accept them, or counted twice."""
    problems: list[RequirementProblem] = []
    roots = [group for group in groups if group.parent is None]
    if not groups or len(roots) != 1:
        return [RequirementProblem(None, None, _("Un certificat a un seul groupe principal."))]
    by_key = {group.key: group for group in groups}
    for group in groups:
        if group.parent is not None and group.parent not in by_key:
            problems.append(
                RequirementProblem(
                    group.key,
                    "parent",
                    _("Le groupe choisi comme parent est vide ou retiré : choisissez-en un autre."),
                )
            )
    for group in groups:
        seen, current, depth = {group.key}, group, 1
        while current.parent is not None and current.parent in by_key:
            current, depth = by_key[current.parent], depth + 1
            if current.key == group.key:
                problems.append(
                    RequirementProblem(
                        group.key,
                        "parent",
                        _(
                            "Ce choix crée une boucle : un groupe ne peut pas se trouver, directement ou par "
                            "un sous-groupe, dans lui-même."
                        ),
                    )
                )
                break
            if current.key in seen:  # a cycle further up, reported on the groups that form it
                break
            seen.add(current.key)
        else:
            if depth > MAX_DEPTH:
                problems.append(
                    RequirementProblem(
                        group.key,
                        "parent",
                        _(
                            "Trop de niveaux : un certificat compte au plus %(depth)s niveaux de groupes (le "
                            "groupe principal, ses sous-groupes et les sous-groupes de ceux-ci)."
                        )
                        % {"depth": MAX_DEPTH},
                    )
                )
    counted: set[int] = set()
    status = dict(  # as stored now, not as the objects passed remember it
        MicroCredential.objects.filter(
            pk__in=[item.pk for group in groups for item in group.micro_credentials]
        ).values_list("pk", "status")
    )
    for group in groups:
        items = len(group.micro_credentials) + sum(1 for child in groups if child.parent == group.key)
        if items == 0:
            problems.append(
                RequirementProblem(
                    group.key,
                    "micro_credentials",
                    _(
                        "Ce groupe est vide : cochez au moins une microattestation ou rattachez-y un sous-groupe."
                    ),
                )
            )
        elif group.rule == RequirementGroup.Rule.N_OF and not 1 <= (group.minimum or 0) <= items:
            problems.append(
                RequirementProblem(
                    group.key,
                    "minimum",
                    _(
                        "Le minimum doit être entre 1 et %(count)s, le nombre d'éléments de ce groupe "
                        "(microattestations cochées et sous-groupes)."
                    )
                    % {"count": items},
                )
            )
        for item in group.micro_credentials:
            if status.get(item.pk) != Status.PUBLISHED:
                message = _("« %(name)s » n'est pas publiée : retirez-la de ce groupe.")
            elif item.organisation_id != organisation.pk and not accepts_other_organisations:
                message = _(
                    "« %(name)s » est une microattestation d'un autre organisme : cochez « Accepter les "
                    "microattestations équivalentes d'autres organismes » ou retirez-la."
                )
            elif item.pk in counted:
                message = _(
                    "« %(name)s » figure déjà dans un autre groupe : une microattestation compte une seule fois."
                )
            else:
                counted.add(item.pk)
                continue
            problems.append(RequirementProblem(group.key, "micro_credentials", message % {"name": item}))
    return problems


def _build_requirements(groups: Sequence[RequirementSpec]) -> RequirementGroup:
    """The tree of an already checked list, parents created before their sub-groups."""
    by_key = {group.key: group for group in groups}

    def depth(group: RequirementSpec) -> int:
        return 0 if group.parent is None else 1 + depth(by_key[group.parent])

    created: dict[int, RequirementGroup] = {}
    for spec in sorted(groups, key=depth):
        n_of = spec.rule == RequirementGroup.Rule.N_OF
        group = RequirementGroup.objects.create(
            parent=created[spec.parent] if spec.parent is not None else None,
            rule=RequirementGroup.Rule.N_OF if n_of else RequirementGroup.Rule.ALL,
            minimum=(spec.minimum or 1) if n_of else 1,
            label_fr=spec.label_fr,
            label_en=spec.label_en,
        )
        group.micro_credentials.set(spec.micro_credentials)
        created[spec.key] = group
    return next(group for group in created.values() if group.parent_id is None)


def _check(organisation: Organisation, fields: Mapping[str, Any], groups: Sequence[RequirementSpec]) -> None:
    if not organisation.recognises:
        raise CatalogueError(_("Un employeur ne définit pas de certificats."))
    accepts_others = bool(fields.get("accepts_other_organisations"))
    problems = check_requirements(
        organisation=organisation, groups=groups, accepts_other_organisations=accepts_others
    )
    if problems:
        raise RequirementTreeError(problems)


def _summary(group: RequirementGroup) -> dict[str, Any]:
    """A requirement tree in a few words, for the audit trail."""
    return {
        "rule": group.rule,
        "minimum": group.minimum,
        "label": group.label_fr,
        "micro_credentials": sorted(group.micro_credentials.values_list("pk", flat=True)),
        "groups": [_summary(child) for child in group.groups.order_by("pk")],
    }


def _json(value: Any) -> Any:
    return value if value is None or isinstance(value, (bool, int, str)) else str(value)


@transaction.atomic
def create_certificate(
    *,
    organisation: Organisation,
    fields: Mapping[str, Any],
    groups: Sequence[RequirementSpec],
    actor: Any = None,
) -> Certificate:
    """A certificate (draft) whose requirements are the tree ``groups`` describes."""
    _check(organisation, fields, groups)
    slug = slugify(str(fields["name_fr"]))[:70] or "certificat"
    base, n = slug, 2
    while (
        slug in RESERVED_CERTIFICATE_SLUGS
        or Certificate.objects.filter(organisation=organisation, slug=slug).exists()
    ):
        slug, n = f"{base}-{n}", n + 1
    certificate = Certificate.objects.create(
        organisation=organisation,
        slug=slug,
        root=_build_requirements(groups),
        **{k: v for k, v in fields.items() if k in CERTIFICATE_FIELDS},
    )
    record_event(verb="certificate.created", actor=actor, organisation=organisation, target=certificate)
    return certificate


@transaction.atomic
def update_certificate(
    *,
    certificate: Certificate,
    fields: Mapping[str, Any],
    groups: Sequence[RequirementSpec],
    actor: Any = None,
) -> Certificate:
    """Change what a certificate says and replace its requirement tree. A published certificate
    stays editable and stays published (unlike a micro-credential, it has no versions yet): the
    audit event keeps what changed, the old and new requirements included. Progress is always
    computed against the current tree."""
    certificate = (
        Certificate.objects.select_for_update().select_related("organisation").get(pk=certificate.pk)
    )
    if certificate.status == Status.ARCHIVED:
        raise CatalogueError(_("Un certificat archivé ne peut plus être modifié."))
    _check(certificate.organisation, fields, groups)
    changed = {}
    for name in CERTIFICATE_FIELDS:
        if name in fields and fields[name] != getattr(certificate, name):
            changed[name] = [_json(getattr(certificate, name)), _json(fields[name])]
            setattr(certificate, name, fields[name])
    old_root = certificate.root
    before = _summary(old_root)
    certificate.root = _build_requirements(groups)
    certificate.save(update_fields=[*CERTIFICATE_FIELDS, "root"])
    old_root.delete()  # its sub-groups go with it
    after = _summary(certificate.root)
    record_event(
        verb="certificate.updated",
        actor=actor,
        organisation=certificate.organisation,
        target=certificate,
        data={
            "status": certificate.status,
            "fields": changed,
            "requirements": {"before": before, "after": after} if before != after else {},
        },
    )
    return certificate


@transaction.atomic
def publish_certificate(*, certificate: Certificate, actor: Any = None) -> None:
    certificate.status = Status.PUBLISHED
    certificate.save(update_fields=["status"])
    record_event(
        verb="certificate.published", actor=actor, organisation=certificate.organisation, target=certificate
    )


@transaction.atomic
def archive_certificate(*, certificate: Certificate, actor: Any = None) -> None:
    """Withdraw a certificate from the catalogue: its public page answers 404, as an archived
    micro-credential's does; it stays listed, as archived, for its organisation."""
    certificate.status = Status.ARCHIVED
    certificate.save(update_fields=["status"])
    record_event(
        verb="certificate.archived", actor=actor, organisation=certificate.organisation, target=certificate
    )


# --- partner endorsements of a definition ---------------------------------------------------------

MAX_OPEN_PARTNER_REQUESTS = 20  # pending requests per micro-credential
MAX_PARTNER_ENDORSEMENTS = 10  # endorsements shown and embedded per version (see achievements)
MAX_PARTNER_REQUESTS_PER_DAY = 50  # per organisation
MAX_PARTNER_SENDS = 3  # first sending and two reminders
PARTNER_RESEND_INTERVAL = datetime.timedelta(hours=1)


def partner_link(token: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("catalogue:partner_review", args=[token])


def _partner_lifetime() -> datetime.timedelta:
    return datetime.timedelta(days=settings.PARTNER_LINK_DAYS)


def _cancel_pending_partner_requests(
    item: MicroCredential, keep: MicroCredentialVersion | None = None
) -> int:
    """Cancel the pending requests about ``item`` (except those about ``keep``): their links die."""
    pending = PartnerEndorsement.objects.filter(
        version__micro_credential=item, status=PartnerEndorsement.Status.PENDING
    )
    if keep is not None:
        pending = pending.exclude(version=keep)
    return pending.update(status=PartnerEndorsement.Status.CANCELLED)


def _member_emails(organisation: Organisation) -> Any:
    """The confirmed addresses of the members of ``organisation`` (a queryset of addresses)."""
    from allauth.account.models import EmailAddress

    return EmailAddress.objects.filter(
        verified=True, user__memberships__organisation=organisation
    ).values_list("email", flat=True)


def _employer_of(email: str) -> Organisation | None:
    """The employer organisation on Carnet a member of which confirmed ``email`` (their workspace
    then lists the request), if any."""
    from allauth.account.models import EmailAddress

    from carnet.organisations.models import Membership

    users = EmailAddress.objects.filter(email__iexact=email, verified=True).values("user")
    membership = (
        Membership.objects.filter(user__in=users, organisation__kind=Organisation.Kind.EMPLOYER)
        .select_related("organisation")
        .order_by("pk")
        .first()
    )
    return membership.organisation if membership else None


@transaction.atomic
def invite_partner(
    *, version: MicroCredentialVersion, fields: Mapping[str, Any], actor: Any
) -> tuple[PartnerEndorsement, str]:
    """Ask a partner (``fields``: partner_name, partner_kind, contact_name, contact_email, message)
    to endorse the published ``version``; the link is emailed (and returned: only its hash is kept)."""
    item = MicroCredential.objects.select_for_update().get(pk=version.micro_credential_id)
    if version.published_at is None or item.status != Status.PUBLISHED:
        raise CatalogueError(_("Seule une version publiée peut être endossée : publiez-la d'abord."))
    now = timezone.now()
    pending = PartnerEndorsement.objects.filter(
        version__micro_credential=item, status=PartnerEndorsement.Status.PENDING, expires_at__gt=now
    )
    if pending.count() >= MAX_OPEN_PARTNER_REQUESTS:
        raise CatalogueError(
            _("Cette microattestation a déjà %(count)s demandes d'endossement en attente. Annulez-en une ou attendez les réponses.")
            % {"count": MAX_OPEN_PARTNER_REQUESTS}
        )  # fmt: skip
    email = str(fields["contact_email"]).strip().lower()
    own = {address.lower() for address in _member_emails(item.organisation)}
    own |= {address.lower() for address in _confirmed_emails(actor)}
    if email in own:
        raise CatalogueError(
            _("Cette adresse est celle d'un membre de votre organisme : un endossement doit venir du partenaire lui-même. Écrivez à une personne de l'organisme partenaire.")
        )  # fmt: skip
    endorsed = PartnerEndorsement.objects.filter(version=version, status=PartnerEndorsement.Status.ENDORSED)
    if endorsed.count() >= MAX_PARTNER_ENDORSEMENTS:
        raise CatalogueError(
            _("Cette version a déjà %(count)s endossements de partenaires, le maximum affiché. Retirez-en un pour en demander un autre.")
            % {"count": MAX_PARTNER_ENDORSEMENTS}
        )  # fmt: skip
    if pending.filter(version=version, contact_email__iexact=email).exists():
        raise CatalogueError(
            _(
                "Une demande à cette adresse attend déjà une réponse : renvoyez-la plutôt que d'en créer une autre."
            )
        )
    today = PartnerEndorsement.objects.filter(
        version__micro_credential__organisation=item.organisation,
        created_at__gt=now - datetime.timedelta(days=1),
    )
    if today.count() >= MAX_PARTNER_REQUESTS_PER_DAY:
        raise CatalogueError(
            _("Votre organisme a envoyé beaucoup de demandes aujourd'hui. Réessayez demain.")
        )
    token, digest = new_token()
    request = PartnerEndorsement.objects.create(
        version=version,
        partner_name=str(fields["partner_name"])[:200],
        partner_kind=fields["partner_kind"],
        partner_organisation=_employer_of(email),
        contact_name=str(fields["contact_name"])[:150],
        contact_email=email,
        message=str(fields.get("message") or "")[:1000],
        invited_by=actor,
        token_hash=digest,
        expires_at=now + _partner_lifetime(),
        sent_at=now,
        send_count=1,
    )
    record_event(verb="partner_endorsement.requested", actor=actor, organisation=item.organisation,
                 target=request, data={"partner": request.partner_name, "version": version.number})  # fmt: skip
    link = partner_link(token)
    transaction.on_commit(lambda: _send_partner_request(request, link))
    return request, token


@transaction.atomic
def resend_partner_request(*, request: PartnerEndorsement, actor: Any) -> str:
    """Send the request again with a new link (the previous one stops working) and a new delay."""
    request = PartnerEndorsement.objects.select_for_update().get(pk=request.pk)
    if request.status != PartnerEndorsement.Status.PENDING:
        raise CatalogueError(_("Cette demande a déjà reçu une réponse ou a été annulée."))
    now = timezone.now()
    if request.send_count >= MAX_PARTNER_SENDS:
        raise CatalogueError(
            _("Cette demande a déjà été envoyée %(count)s fois.") % {"count": request.send_count}
        )
    if request.sent_at and now - request.sent_at < PARTNER_RESEND_INTERVAL:
        raise CatalogueError(_("Attendez au moins une heure avant d'envoyer de nouveau cette demande."))
    token, request.token_hash = new_token()
    request.expires_at, request.sent_at, request.send_count = (
        now + _partner_lifetime(),
        now,
        request.send_count + 1,
    )
    request.save(update_fields=["token_hash", "expires_at", "sent_at", "send_count"])
    record_event(verb="partner_endorsement.resent", actor=actor,
                 organisation=request.version.micro_credential.organisation, target=request)  # fmt: skip
    link = partner_link(token)
    transaction.on_commit(lambda: _send_partner_request(request, link))
    return token


@transaction.atomic
def cancel_partner_request(*, request: PartnerEndorsement, actor: Any) -> None:
    updated = PartnerEndorsement.objects.filter(
        pk=request.pk, status=PartnerEndorsement.Status.PENDING
    ).update(status=PartnerEndorsement.Status.CANCELLED)
    if not updated:
        raise CatalogueError(_("Cette demande a déjà reçu une réponse ou a été annulée."))
    record_event(verb="partner_endorsement.cancelled", actor=actor,
                 organisation=request.version.micro_credential.organisation, target=request)  # fmt: skip


def find_partner_request(token: str) -> PartnerEndorsement | None:
    """The open request of ``token`` (None when unknown, answered, cancelled or expired)."""
    if not token or len(token) > 100:
        return None
    request = (
        PartnerEndorsement.objects.select_related("version__micro_credential__organisation")
        .filter(token_hash=token_hash(token))
        .first()
    )
    return request if request is not None and request.is_open else None


def _confirmed_emails(user: Any) -> set[str]:
    from carnet.privacy.services import verified_emails

    if user is None or not getattr(user, "is_authenticated", False):
        return set()
    return {address.lower() for address in verified_emails(user)}


def may_answer_in_workspace(request: PartnerEndorsement, user: Any) -> bool:
    """Only the contact themself, signed in with the request's address confirmed, answers from
    an employer workspace (anyone else: through the emailed link, which only the contact holds)."""
    return request.contact_email.lower() in _confirmed_emails(user)


def _claim(
    request: PartnerEndorsement, *, account: Any, workspace: Organisation | None
) -> PartnerEndorsement:
    """Lock the request for its answer: still open, about the version the catalogue publishes now,
    and, from a workspace, answered by the contact themself."""
    gone = CatalogueError(
        _("Cette demande d'endossement n'attend plus de réponse : elle a déjà reçu une réponse, a été annulée ou a expiré.")
    )  # fmt: skip
    item = MicroCredential.objects.select_for_update().get(pk=request.version.micro_credential_id)
    claimed = PartnerEndorsement.objects.select_for_update().get(pk=request.pk)
    if not claimed.is_open:
        raise gone
    current = item.versions.filter(published_at__isnull=False).order_by("-number").first()
    if item.status != Status.PUBLISHED or current is None or current.pk != claimed.version_id:
        raise gone
    if workspace is not None and not may_answer_in_workspace(claimed, account):
        raise gone
    claimed.answered_by = account if account is not None and account.is_authenticated else None
    claimed.answered_via = "workspace" if workspace is not None else "link"
    claimed.answered_in = workspace
    return claimed


@transaction.atomic
def endorse_definition(
    *,
    request: PartnerEndorsement,
    endorser_name: str,
    endorser_role: str,
    comment: str,
    account: Any = None,
    workspace: Organisation | None = None,
) -> PartnerEndorsement:
    """The partner endorses the version: their answer, kept as an EndorsementCredential about the
    version's Achievement signed by the platform; credentials issued afterwards carry it."""
    from carnet.issuing.endorsements import sign_partner_endorsement

    claimed = _claim(request, account=account, workspace=workspace)
    if not comment.strip() or not endorser_name.strip():
        raise CatalogueError(_("Écrivez votre nom et votre commentaire : ils accompagnent l'endossement."))
    endorsed = PartnerEndorsement.objects.filter(
        version_id=claimed.version_id, status=PartnerEndorsement.Status.ENDORSED
    )
    if endorsed.count() >= MAX_PARTNER_ENDORSEMENTS:
        raise CatalogueError(_("Cette version a déjà reçu le nombre maximal d'endossements de partenaires."))
    claimed.endorser_name, claimed.endorser_role = endorser_name.strip()[:150], endorser_role.strip()[:150]
    claimed.comment = comment.strip()[:2000]
    claimed.status, claimed.answered_at = PartnerEndorsement.Status.ENDORSED, timezone.now()
    claimed.document = sign_partner_endorsement(claimed)
    claimed.save(update_fields=["endorser_name", "endorser_role", "comment", "status", "answered_at",
                                "answered_by", "answered_via", "answered_in", "document"])  # fmt: skip
    organisation = claimed.version.micro_credential.organisation
    record_event(verb="partner_endorsement.given", actor=claimed.answered_by, organisation=organisation,
                 target=claimed, data={"partner": claimed.partner_name, "credential": claimed.document["id"]})  # fmt: skip
    transaction.on_commit(lambda: _tell_admins(claimed))
    return claimed


@transaction.atomic
def decline_definition(
    *,
    request: PartnerEndorsement,
    reason: str = "",
    account: Any = None,
    workspace: Organisation | None = None,
) -> None:
    claimed = _claim(request, account=account, workspace=workspace)
    claimed.status, claimed.answered_at = PartnerEndorsement.Status.DECLINED, timezone.now()
    claimed.decline_reason = reason.strip()[:1000]
    claimed.save(update_fields=["status", "answered_at", "decline_reason", "answered_by", "answered_via",
                                "answered_in"])  # fmt: skip
    record_event(verb="partner_endorsement.declined", actor=claimed.answered_by,
                 organisation=claimed.version.micro_credential.organisation, target=claimed)  # fmt: skip
    transaction.on_commit(lambda: _tell_admins(claimed))


@transaction.atomic
def withdraw_partner_endorsement(*, endorsement: PartnerEndorsement, actor: Any) -> None:
    """The organisation stops showing an endorsement (the partner asked, or it no longer holds):
    it leaves the catalogue, the badge pages and the credentials issued from now on. Credentials
    already issued keep the signed copy they carry."""
    updated = PartnerEndorsement.objects.filter(
        pk=endorsement.pk, status=PartnerEndorsement.Status.ENDORSED
    ).update(status=PartnerEndorsement.Status.WITHDRAWN, withdrawn_at=timezone.now())
    if not updated:
        raise CatalogueError(_("Cet endossement n'est plus affiché."))
    record_event(verb="partner_endorsement.withdrawn", actor=actor,
                 organisation=endorsement.version.micro_credential.organisation, target=endorsement)  # fmt: skip


def _send_partner_request(request: PartnerEndorsement, link: str) -> None:
    from carnet.site.mail import BOTH, send_templated

    send_templated(
        "catalogue/email/partner_request", [request.contact_email],
        {"request": request, "version": request.version, "organisation": request.version.micro_credential.organisation,
         "link": link, "days": settings.PARTNER_LINK_DAYS},
        languages=BOTH,  # the partner's language is not known
    )  # fmt: skip


def _tell_admins(request: PartnerEndorsement) -> None:
    from carnet.organisations.models import Membership
    from carnet.site.mail import languages_for, send_templated

    item = request.version.micro_credential
    link = settings.SITE_URL.rstrip("/") + reverse(
        "catalogue:partners", args=[item.organisation.slug, item.slug]
    )
    admins = Membership.objects.filter(
        organisation=item.organisation, role=Membership.Role.ADMIN, user__is_active=True
    ).select_related("user")
    for membership in admins:
        # The partner's answer is saved: a mail server failing for one admin must not undo it
        # (it runs on commit) nor keep the others from hearing of it.
        try:
            send_templated("catalogue/email/partner_answer", [membership.user.email],
                           {"request": request, "version": request.version, "link": link},
                           languages=languages_for(membership.user.preferred_language))  # fmt: skip
        except Exception:
            logger.exception("partner answer: could not tell admin %s", membership.user_id)
