"""Issuing: the one place that turns a decision into a signed Open Badges 3.0 credential, and that
revokes, suspends and reinstates it. Each write is atomic, recorded in the audit trail, republishes
the status list it changed, and tells the learner by email once committed (a background task).

Open Badges 3.0 gives a credential one ``credentialStatus`` (its JSON Schema, which
:func:`carnet.credentials.sign` and every conformant verifier apply, refuses a list). Each credential
therefore points to one bit, in its organisation's revocation list: revoking sets it for good,
suspending sets it until the credential is reinstated. Carnet's own records
(``IssuedCredential.status``) tell a suspension from a revocation.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from carnet.audit.services import record_event
from carnet.catalogue.models import MicroCredentialVersion
from carnet.credentials import model as ob
from carnet.credentials import sign
from carnet.credentials.status import MIN_SIZE, IndexAllocator, status_entry, status_list_credential
from carnet.credentials.status import StatusList as Bitstring
from carnet.frameworks.models import Level
from carnet.issuing.achievements import achievement_document, level_result
from carnet.issuing.identity import issuer_profile, organisation_did, status_list_url
from carnet.issuing.keys import ensure_signing_key, rotate_signing_key, signer
from carnet.issuing.models import AttestedLevel, IssuedCredential, ProvenLevel, SearchProfile, StatusList
from carnet.issuing.tasks import tell_recipient
from carnet.organisations.models import Organisation
from carnet.webhooks.events import credential_data
from carnet.webhooks.services import emit

__all__ = [
    "IssuingError",
    "allocate_status_entries",
    "allocate_status_entry",
    "attest",
    "check_issuable",
    "credential_document",
    "credential_issued",
    "ensure_signing_key",
    "issue_credential",
    "refresh_search_profile",
    "reinstate_credential",
    "revoke_credential",
    "rotate_signing_key",
    "set_status_bit",
    "suspend_credential",
    "valid_until_of",
]

# A list takes new credentials until three quarters of it are used: random draws stay cheap, and
# each holder stays hidden among many (Bitstring Status List §6.1, herd privacy).
FILL_LIMIT = MIN_SIZE * 3 // 4


class IssuingError(ValueError):
    """A refused change; the message is for the person who asked."""


# Sent once an issuance is committed, with ``credential`` (the IssuedCredential): other apps react to
# it (carnet.stacking looks for the certificates it completes) without issuing knowing them.
credential_issued = Signal()


def _add_months(moment: datetime, months: int) -> datetime:
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


def valid_until_of(version: MicroCredentialVersion, issued_at: datetime) -> datetime | None:
    """The end of validity of a credential of ``version`` issued at ``issued_at`` (None: none)."""
    return _add_months(issued_at, version.validity_months) if version.validity_months else None


# -- status lists ----------------------------------------------------------------------------------


def _open_list(organisation: Organisation, purpose: str) -> StatusList:
    """The organisation's list for ``purpose`` that takes new credentials, locked until commit; a
    new one (published at once) when the last is full."""
    latest = (
        StatusList.objects.select_for_update()
        .filter(organisation=organisation, purpose=purpose)
        .order_by("-number")
        .first()
    )
    if latest is not None and latest.credentials.count() < FILL_LIMIT:
        return latest
    return _new_list(organisation, purpose, latest.number + 1 if latest else 1)


def _new_list(organisation: Organisation, purpose: str, number: int) -> StatusList:
    """List ``number``, made now, or locked if another transaction made it meanwhile (two first
    issuances of an organisation at once, two workers of a bulk issuance)."""
    try:
        with transaction.atomic():
            status_list = StatusList.objects.create(
                organisation=organisation, purpose=purpose, number=number, size=MIN_SIZE,
                encoded=Bitstring(MIN_SIZE).encode(),
            )  # fmt: skip
    except IntegrityError:
        return StatusList.objects.select_for_update().get(
            organisation=organisation, purpose=purpose, number=number
        )
    _publish(status_list)
    return status_list


def _holders() -> list[tuple[Any, str]]:
    """Every kind of record that holds a bit of a list (a ``status_list`` and a ``status_index``:
    issued credentials, issued certificates), with the name of its list field."""
    return [
        (relation.related_model, relation.field.name)
        for relation in StatusList._meta.related_objects
        if any(field.name == "status_index" for field in relation.related_model._meta.fields)
    ]


def _allocator(status_list: StatusList) -> IndexAllocator:
    """The free indexes of a locked list (§2.1: indexes SHOULD be assigned randomly). Every kind
    of record that holds a bit of the list keeps it from the others."""
    used: list[int] = []
    for holder, field in _holders():
        used += holder._default_manager.filter(**{field: status_list}).values_list("status_index", flat=True)
    return IndexAllocator(status_list.size, used)


def _allocate_index(status_list: StatusList) -> int:
    """A random free index of a locked list."""
    return _allocator(status_list).allocate()


class _KeptAllocator:
    """A list's allocator kept from one chunk of a bulk issuance to the next, so that a list of tens
    of thousands of credentials is not read again for each few hundred more. It holds while the
    records added to the list since it was read are exactly the ones given its indexes, none by
    anyone else (ids only grow, and records join a list only under its lock); otherwise the list is
    read again."""

    def __init__(self, status_list: StatusList) -> None:
        self.allocator = IndexAllocator(status_list.size)
        self.last: dict[Any, int] = {}
        self.given: list[int] = []
        self._read(status_list, {holder: 0 for holder, _ in _holders()})

    def _read(self, status_list: StatusList, after: dict[Any, int]) -> list[int]:
        """The indexes of the records of the list with an id above ``after`` (by kind), noted as used."""
        found: list[int] = []
        self.last = dict(after)
        for holder, field in _holders():
            rows = holder._default_manager.filter(**{field: status_list, "pk__gt": after[holder]})
            for pk, index in rows.values_list("pk", "status_index"):
                found.append(index)
                self.last[holder] = max(self.last[holder], pk)
        self.allocator.used.update(found)
        return found

    def holds(self, status_list: StatusList) -> bool:
        added = self._read(status_list, self.last)
        holds = sorted(added) == sorted(self.given)
        self.given = []
        return holds

    def allocate(self) -> int:
        index = self.allocator.allocate()
        self.given.append(index)
        return index


def allocate_status_entries(
    organisation: Organisation, count: int, *, memo: dict[Any, Any] | None = None
) -> list[tuple[StatusList, int]]:
    """``count`` free bits of the organisation's revocation lists, all drawn at once (bulk
    issuance): the open list's up to its fill limit, then a new list's, and so on. Call it inside
    a transaction: the lists stay locked until commit. ``memo``: kept from one call to the next by
    the same job (the lists' allocators, read again only when someone else added to a list)."""
    purpose = StatusList.Purpose.REVOCATION
    memo = {} if memo is None else memo
    entries: list[tuple[StatusList, int]] = []
    status_list = _open_list(organisation, purpose)
    while True:
        room = FILL_LIMIT - status_list.credentials.count()
        kept = memo.get(("allocator", status_list.pk))
        if kept is None or not kept.holds(status_list):
            kept = memo["allocator", status_list.pk] = _KeptAllocator(status_list)
        entries += [(status_list, kept.allocate()) for _ in range(min(room, count - len(entries)))]
        if len(entries) == count:
            return entries
        status_list = _new_list(organisation, purpose, status_list.number + 1)


def allocate_status_entry(organisation: Organisation) -> tuple[StatusList, int]:
    """A free bit of the organisation's open revocation list, for a credential issued elsewhere
    than here (a certificate). Call it inside a transaction: the list stays locked until commit."""
    status_list = _open_list(organisation, StatusList.Purpose.REVOCATION)
    return status_list, _allocate_index(status_list)


def _publish(status_list: StatusList) -> None:
    """Sign the list as a BitstringStatusListCredential with the organisation's current key. It
    has no end of validity: it is republished whenever a bit changes, and served with a short
    max-age."""
    document = status_list_credential(
        status_list_url(status_list),
        organisation_did(status_list.organisation),
        Bitstring.decode(status_list.encoded),
        status_list.purpose,
        valid_from=timezone.now(),
    )
    status_list.published = sign(document, signer().key_for(status_list.organisation))
    status_list.save(update_fields=["published", "updated_at"])


def set_status_bit(credential: Any, value: bool) -> None:
    """Set or clear the bit of a record that holds one (``status_list``, ``status_index``: an issued
    credential, an issued certificate) and republish its list. Call it inside a transaction."""
    status_list = StatusList.objects.select_for_update().get(pk=credential.status_list_id)
    bits = Bitstring.decode(status_list.encoded)
    if bits.get(credential.status_index) == value:
        return
    bits.set(credential.status_index, value)
    status_list.encoded = bits.encode()
    status_list.save(update_fields=["encoded", "updated_at"])
    _publish(status_list)


# -- issuing ---------------------------------------------------------------------------------------


def issue_credential(
    *,
    organisation: Organisation,
    version: MicroCredentialVersion,
    recipient: Any,
    recipient_email: str,
    idempotency_key: str,
    evidence: Iterable[Mapping[str, Any]] = (),
    endorsements: Iterable[Mapping[str, Any]] = (),
    level: Level | None = None,
    actor: Any = None,
    source: str = IssuedCredential.Source.RECOGNITION,
    credential_uuid: Any = None,
) -> IssuedCredential:
    """Issue ``version`` to ``recipient`` (a user, or None with only an email): build the
    OpenBadgeCredential, give it a status bit, sign it with the organisation's key, store it, record
    ``credential.issued`` and, once committed, email the learner.

    The same ``idempotency_key`` again — a double click, a retried task, two workers racing — gives
    back the credential issued the first time (for another version or person it is refused).
    ``evidence``: keyword arguments of :func:`carnet.credentials.model.evidence`; ``endorsements``:
    signed EndorsementCredentials to embed; ``level``: the recognised level of one of the version's
    competencies; ``credential_uuid`` fixes the credential's id in advance (endorsements gathered
    before issuance are about that id).
    """
    recipient_email = recipient_email.strip()
    existing = _already_issued(idempotency_key)
    if existing is None:
        try:
            with transaction.atomic():
                return _issue(
                    organisation=organisation, version=version, recipient=recipient,
                    recipient_email=recipient_email, idempotency_key=idempotency_key, evidence=evidence,
                    endorsements=endorsements, level=level, actor=actor, source=source,
                    credential_uuid=credential_uuid,
                )  # fmt: skip
        except IntegrityError:
            # Another transaction committed the same key between our check and our insert.
            existing = _already_issued(idempotency_key)
            if existing is None:
                raise
    if existing.micro_credential_version_id != version.pk or existing.recipient_email != recipient_email:
        raise IssuingError(_("Cette clé d'idempotence a déjà servi à délivrer une autre microattestation."))
    return existing


def _already_issued(idempotency_key: str) -> IssuedCredential | None:
    return IssuedCredential.objects.filter(idempotency_key=idempotency_key).first()


def check_issuable(
    *, organisation: Organisation, version: MicroCredentialVersion, recipient_email: str, source: str,
    level: Level | None = None,
) -> None:  # fmt: skip
    """Raise IssuingError, for the person who asked, if ``version`` cannot be issued so."""
    if not organisation.recognises or version.micro_credential.organisation_id != organisation.pk:
        raise IssuingError(_("Un organisme ne délivre que les microattestations de son propre catalogue."))
    if version.published_at is None:
        raise IssuingError(_("Seule une version publiée d'une microattestation peut être délivrée."))
    if level is not None and not version.alignments.filter(competency_id=level.competency_id).exists():
        raise IssuingError(_("Le niveau reconnu doit être celui d'une compétence de la microattestation."))
    if not recipient_email:
        raise IssuingError(_("Indiquez l'adresse courriel de la personne qui reçoit la microattestation."))
    if source not in IssuedCredential.Source.values:
        raise IssuingError(f"unknown source {source!r}")


def _issue(
    *, organisation: Organisation, version: MicroCredentialVersion, recipient: Any, recipient_email: str,
    idempotency_key: str, evidence: Iterable[Mapping[str, Any]], endorsements: Iterable[Mapping[str, Any]],
    level: Level | None, actor: Any, source: str, credential_uuid: Any,
) -> IssuedCredential:  # fmt: skip
    check_issuable(organisation=organisation, version=version, recipient_email=recipient_email, level=level,
                   source=source)  # fmt: skip
    status_list = _open_list(organisation, StatusList.Purpose.REVOCATION)
    now = timezone.now()
    credential = IssuedCredential(
        organisation=organisation, recipient=recipient, recipient_email=recipient_email,
        micro_credential_version=version, issued_at=now, status_list=status_list,
        status_index=_allocate_index(status_list), idempotency_key=idempotency_key, source=source,
        valid_until=valid_until_of(version, now),
    )  # fmt: skip
    if credential_uuid is not None:
        credential.uuid = credential_uuid
    credential.document = sign(
        credential_document(credential, recipient, evidence, endorsements, level),
        signer().key_for(organisation),
    )
    credential.save()
    attest([credential], level)
    record_event(verb="credential.issued", actor=actor, organisation=organisation, target=credential,
                 data={"source": source, "idempotency_key": idempotency_key})  # fmt: skip
    emit(
        organisation=organisation,
        event="credential.issued",
        data=credential_data(credential, with_recipient=True),
    )
    _tell_on_commit(credential, "issued")
    return credential


def attest(credentials: Sequence[IssuedCredential], level: Level | None = None) -> None:
    """The competencies the credentials (stored, of one version) attest, at their levels, for the
    employers' search (none for a credential without a holder); ``level``: the level an assessor
    recognised, of one of the competencies."""
    held = [credential for credential in credentials if credential.recipient_id is not None]
    if not held:
        return
    alignments = list(held[0].micro_credential_version.alignments.select_related("level"))
    rows = []
    for credential in held:
        for alignment in alignments:
            rank = alignment.level.rank if alignment.level else 0
            if level is not None and level.competency_id == alignment.competency_id:
                rank = level.rank  # the level the assessor recognised
            rows.append(
                AttestedLevel(
                    credential=credential,
                    learner_id=credential.recipient_id,
                    competency_id=alignment.competency_id,
                    rank=rank,
                    issued_at=credential.issued_at,
                    valid_until=credential.valid_until,
                )
            )
    AttestedLevel.objects.bulk_create(rows)
    learners = sorted({row.learner_id for row in rows})  # locked in one order: no deadlock
    for learner_id in learners:
        _prove(learner_id, [alignment.competency_id for alignment in alignments])


_NEVER = datetime.max.replace(tzinfo=UTC)  # no end of validity


def _beats(other: AttestedLevel, row: AttestedLevel, field: str) -> bool:
    """Whether ``other`` is at least as good as ``row`` on ``field`` (rank or issued_at) and on
    validity, and better on one of them (or, equal on both, the later row): the rule of
    ProvenLevel, and of the migration that fills it in."""
    mine, theirs = getattr(row, field), getattr(other, field)
    until, other_until = row.valid_until or _NEVER, other.valid_until or _NEVER
    return (
        theirs >= mine
        and other_until >= until
        and (theirs > mine or other_until > until or other.pk > row.pk)
    )


def _prove(learner_id: int, competency_ids: Iterable[int]) -> None:
    """Remake the learner's ProvenLevel rows of these competencies from their active credentials.
    The learner's row is locked until commit, so that a consent given or withdrawn meanwhile
    (set_search_consent) is never missed."""
    from django.contrib.auth import get_user_model

    competency_ids = set(competency_ids)
    consents = (
        get_user_model()
        .objects.select_for_update()
        .filter(pk=learner_id)
        .values_list("consents_to_search", flat=True)
        .first()
    )
    rows = list(
        AttestedLevel.objects.filter(learner_id=learner_id, competency_id__in=competency_ids, active=True)
    )
    kept = [
        row
        for row in rows
        if not all(
            any(_beats(other, row, field) for other in rows if other.competency_id == row.competency_id)
            for field in ("rank", "issued_at")
        )
    ]
    ProvenLevel.objects.filter(learner_id=learner_id, competency_id__in=competency_ids).delete()
    ProvenLevel.objects.bulk_create(
        ProvenLevel(
            attested=row,
            learner_id=learner_id,
            competency_id=row.competency_id,
            rank=row.rank,
            issued_at=row.issued_at,
            valid_until=row.valid_until,
            searchable=bool(consents),
        )
        for row in kept
    )
    refresh_search_profile(learner_id, searchable=bool(consents))


def _micros(moment: datetime) -> int:
    """A moment as whole microseconds since 1970 (exact, and a JSON number)."""
    delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def refresh_search_profile(learner_id: int, *, searchable: bool, now: datetime | None = None) -> None:
    """Remake the learner's SearchProfile from their ProvenLevel rows still valid ``now``."""
    now = now or timezone.now()
    ranks: dict[str, int] = {}
    latest: dict[str, int] = {}
    refresh_at = None
    rows = ProvenLevel.objects.filter(learner_id=learner_id).values_list(
        "competency_id", "rank", "issued_at", "valid_until"
    )
    for competency_id, rank, issued_at, valid_until in rows:
        if valid_until is not None and valid_until < now:
            continue
        key = str(competency_id)
        ranks[key] = max(ranks.get(key, rank), rank)
        latest[key] = max(latest.get(key, 0), _micros(issued_at))
        if valid_until is not None and (refresh_at is None or valid_until < refresh_at):
            refresh_at = valid_until
    if not ranks:
        SearchProfile.objects.filter(learner_id=learner_id).delete()
        return
    SearchProfile.objects.update_or_create(
        learner_id=learner_id,
        defaults={"ranks": ranks, "latest": latest, "refresh_at": refresh_at, "searchable": searchable},
    )


def credential_document(
    credential: IssuedCredential,
    recipient: Any,
    evidence: Iterable[Mapping[str, Any]],
    endorsements: Iterable[Mapping[str, Any]],
    level: Level | None,
    *,
    memo: dict[Any, Any] | None = None,
) -> dict[str, Any]:
    """The unsigned OpenBadgeCredential, in the learner's language (French otherwise). ``memo``
    keeps, for the next credentials of the same version and organisation (bulk issuance), what
    does not change from one to the next: the Achievement by language, the issuer Profile, the
    status lists' URLs."""
    version = credential.micro_credential_version
    language = getattr(recipient, "preferred_language", "") or "fr"
    memo = {} if memo is None else memo
    if ("achievement", version.pk, language) not in memo:
        memo["achievement", version.pk, language] = achievement_document(version, language)
    achievement = memo["achievement", version.pk, language]
    if ("issuer", credential.organisation_id) not in memo:
        memo["issuer", credential.organisation_id] = issuer_profile(credential.organisation)
    status_key = ("status", credential.status_list_id, credential.status_list.number)
    if status_key not in memo:
        memo[status_key] = status_list_url(credential.status_list)
    subject = ob.achievement_subject(
        achievement,
        # A salted hash of the email: the holder can prove it is theirs, nobody can read it.
        identifiers=[ob.identity_object(credential.recipient_email)],
        results=[level_result(version, level)] if level is not None else [],
    )
    return ob.open_badge_credential(
        credential_id=credential.credential_id,
        issuer=memo["issuer", credential.organisation_id],
        subject=subject,
        valid_from=credential.issued_at,
        valid_until=credential.valid_until,
        awarded_date=credential.issued_at,
        name=version.name(language),
        description=version.description(language),
        image_url=achievement.get("image", {}).get("id"),
        evidence_=[ob.evidence(**{k: v for k, v in item.items() if v}) for item in evidence],
        endorsements=list(endorsements),
        credential_status=status_entry(
            memo[status_key], credential.status_index, credential.status_list.purpose
        ),
    )


# -- revocation, suspension ------------------------------------------------------------------------


def _change_status(
    credential: IssuedCredential, *, to: str, allowed_from: set[str], refusal: str, reason: str, actor: Any,
    verb: str,
) -> IssuedCredential:  # fmt: skip
    locked = IssuedCredential.objects.select_for_update().select_related("organisation").get(pk=credential.pk)
    if locked.status not in allowed_from:
        raise IssuingError(refusal)
    locked.status, locked.status_reason, locked.status_changed_at = to, reason, timezone.now()
    locked.save(update_fields=["status", "status_reason", "status_changed_at"])
    if AttestedLevel.objects.filter(credential=locked).update(active=to == IssuedCredential.Status.ACTIVE):
        _prove(locked.recipient_id, locked.attested_levels.values_list("competency_id", flat=True))
    set_status_bit(locked, to != IssuedCredential.Status.ACTIVE)
    record_event(verb=verb, actor=actor, organisation=locked.organisation, target=locked,
                 data={"reason": reason} if reason else {})  # fmt: skip
    emit(organisation=locked.organisation, event=verb, data=credential_data(locked))
    _tell_on_commit(locked, to)
    credential.status, credential.status_reason = locked.status, locked.status_reason
    credential.status_changed_at = locked.status_changed_at
    return locked


def _required(reason: str, message: str) -> str:
    reason = reason.strip()
    if not reason:
        raise IssuingError(message)
    return reason


ACTIVE = IssuedCredential.Status.ACTIVE
SUSPENDED = IssuedCredential.Status.SUSPENDED
REVOKED = IssuedCredential.Status.REVOKED


@transaction.atomic
def revoke_credential(*, credential: IssuedCredential, reason: str, actor: Any) -> IssuedCredential:
    """Revoke for good (an active or a suspended credential): its status bit is set and stays set."""
    return _change_status(
        credential, to=REVOKED, allowed_from={ACTIVE, SUSPENDED},
        refusal=_("Cette microattestation est déjà révoquée."),
        reason=_required(reason, _("Indiquez le motif de la révocation : la personne le recevra.")),
        actor=actor, verb="credential.revoked",
    )  # fmt: skip


@transaction.atomic
def suspend_credential(*, credential: IssuedCredential, reason: str, actor: Any) -> IssuedCredential:
    """Suspend an active credential until it is reinstated: it does not verify meanwhile."""
    return _change_status(
        credential, to=SUSPENDED, allowed_from={ACTIVE},
        refusal=_("Seule une microattestation valide peut être suspendue."),
        reason=_required(reason, _("Indiquez le motif de la suspension : la personne le recevra.")),
        actor=actor, verb="credential.suspended",
    )  # fmt: skip


@transaction.atomic
def reinstate_credential(*, credential: IssuedCredential, actor: Any, reason: str = "") -> IssuedCredential:
    """Lift a suspension (a revocation cannot be undone): the credential verifies again."""
    return _change_status(
        credential, to=ACTIVE, allowed_from={SUSPENDED},
        refusal=_("Seule une microattestation suspendue peut être rétablie."),
        reason=reason.strip(), actor=actor, verb="credential.reinstated",
    )  # fmt: skip


def _tell_on_commit(credential: IssuedCredential, what: str) -> None:
    credential_id = credential.pk

    def committed() -> None:
        tell_recipient.enqueue(credential_id, what)
        if what == "issued":
            credential_issued.send_robust(IssuedCredential, credential=credential)

    transaction.on_commit(committed)
