"""Writes of the recognition journey, each named by its domain verb, atomic, with an audit event and
emails sent only once the change is committed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from carnet.accounts.models import User
from carnet.audit.services import record_event
from carnet.catalogue.models import AssessmentMethod, MicroCredential, Status
from carnet.privacy import consents
from carnet.privacy.services import record_consent
from carnet.recognition import files, notify
from carnet.recognition.collusion import addresses_of
from carnet.recognition.fingerprints import Signals, normalise_email
from carnet.recognition.models import (
    Decision,
    Endorsement,
    EndorsementInvitation,
    Evidence,
    LearningPlace,
    Message,
    RecognitionRequest,
    Situation,
    SkillClaim,
    Verification,
)
from carnet.site.tokens import new_token, token_hash
from carnet.webhooks.events import endorsement_data
from carnet.webhooks.services import emit

INVITATION_LIFETIME = timedelta(days=30)
MAX_OPEN_INVITATIONS_PER_REQUEST = 10
MAX_INVITATIONS_PER_DAY = 20
MAX_SENDS_PER_INVITATION = 3
RESEND_INTERVAL = timedelta(hours=1)
MIN_NARRATIVE_CHARS = 80

MAX_SIGNALS_KEPT = 10  # of each kind, per request: the learner's newest browsers and networks

RequestStatus = RecognitionRequest.Status


class RecognitionError(ValueError):
    """A refused change; the message is written for the person who asked for it."""


class DecisionConflict(RecognitionError):
    """Someone else decided on the request first."""


# --- self-recognition -----------------------------------------------------------------------------


@transaction.atomic
def save_skill_claim(
    *,
    learner: User,
    competency: Any,
    level: Any,
    learning_contexts: Iterable[str],
    situations: Iterable[Mapping[str, str]],
) -> SkillClaim:
    """Record that ``learner`` recognises ``competency`` at ``level``, with the situations that show it
    (each: learning_context, context, action, result). Saving again replaces what was said."""
    if level is not None and level.competency_id != competency.pk:
        raise RecognitionError(_("Ce niveau n'appartient pas à cette compétence."))
    claim, _created = SkillClaim.objects.update_or_create(
        learner=learner,
        competency=competency,
        defaults={"level": level, "learning_contexts": sorted(set(learning_contexts))},
    )
    claim.situations.all().delete()
    Situation.objects.bulk_create(
        Situation(
            claim=claim,
            order=number,
            **{k: situation.get(k, "") for k in ("learning_context", "context", "action", "result")},
        )
        for number, situation in enumerate(situations)
    )
    record_event(verb="skills.claimed", actor=learner, target=claim, data={"competency": competency.code})
    return claim


@transaction.atomic
def remove_skill_claim(*, learner: User, competency: Any) -> None:
    SkillClaim.objects.filter(learner=learner, competency=competency).delete()
    record_event(verb="skills.unclaimed", actor=learner, data={"competency": competency.code})


# --- requests and evidence ------------------------------------------------------------------------


@transaction.atomic
def open_request(*, learner: User, micro_credential: MicroCredential) -> RecognitionRequest:
    """The learner's open request for ``micro_credential``, created as a draft if there is none:
    one request at a time for the same micro-credential."""
    if micro_credential.status != Status.PUBLISHED:
        raise RecognitionError(_("Cette microattestation n'est pas offerte en ce moment."))
    existing = (
        RecognitionRequest.objects.filter(learner=learner, micro_credential=micro_credential)
        .exclude(status__in=[RequestStatus.DECLINED, RequestStatus.WITHDRAWN])
        .order_by("-created_at")
        .first()
    )
    if existing is not None:
        return existing
    version = micro_credential.versions.exclude(published_at=None).order_by("-number").first()
    if version is None:
        raise RecognitionError(_("Cette microattestation n'est pas offerte en ce moment."))
    request = RecognitionRequest.objects.create(
        learner=learner,
        micro_credential=micro_credential,
        version=version,
        organisation=micro_credential.organisation,
    )
    record_event(verb="request.opened", actor=learner, organisation=request.organisation, target=request)
    return request


def _editable(request: RecognitionRequest) -> RecognitionRequest:
    """The request locked for a change by its learner; refused once submitted."""
    locked = RecognitionRequest.objects.select_for_update().get(pk=request.pk)
    if not locked.is_editable:
        raise RecognitionError(
            _(
                "Cette demande a été soumise : elle ne peut plus être modifiée, sauf si l'évaluateur·rice le demande."
            )
        )
    return locked


@transaction.atomic
def save_draft(
    *, request: RecognitionRequest, narrative: str, claimed_level: Any = None
) -> RecognitionRequest:
    """Keep what the learner typed (called as they type: nothing is validated here but the length)."""
    request = _editable(request)
    if (
        claimed_level is not None
        and not request.version.alignments.filter(level__competency=claimed_level.competency).exists()
    ):
        claimed_level = None
    request.narrative = narrative[:10000]
    request.claimed_level = claimed_level
    request.save(update_fields=["narrative", "claimed_level", "updated_at"])
    return request


@transaction.atomic
def set_places(*, request: RecognitionRequest, places: Iterable[Mapping[str, Any]]) -> None:
    """Replace the places and dates of learning of a request."""
    request = _editable(request)
    rows = [LearningPlace(request=request, **dict(place)) for place in places]
    for row in rows:
        if row.start_date and row.end_date and row.end_date < row.start_date:
            raise RecognitionError(
                _("La date de fin précède la date de début pour « %(name)s ».") % {"name": row.name}
            )
    request.places.all().delete()
    LearningPlace.objects.bulk_create(rows)
    request.save(update_fields=["updated_at"])


@transaction.atomic
def add_evidence_file(
    *, request: RecognitionRequest, name: str, data: bytes, title: str, description: str = ""
) -> Evidence:
    """Check an uploaded file (see ``files``) and keep it with the request."""
    request = _editable(request)
    checked = files.check_evidence_file(data)
    stored = request.evidence.filter(kind=Evidence.Kind.FILE)
    if stored.count() >= files.MAX_FILES_PER_REQUEST:
        raise files.EvidenceFileError(
            _("Une demande peut compter au plus %(count)s fichiers.") % {"count": files.MAX_FILES_PER_REQUEST}
        )
    if sum(stored.values_list("size", flat=True)) + len(checked.content) > files.MAX_BYTES_PER_REQUEST:
        raise files.EvidenceFileError(
            _("Les fichiers d'une demande ne peuvent dépasser %(size)s Mo en tout.")
            % {"size": files.MAX_BYTES_PER_REQUEST // (1024 * 1024)}
        )
    evidence = Evidence(
        request=request,
        kind=Evidence.Kind.FILE,
        title=(title or name)[:200],
        description=description,
        original_name=name[-200:],
        content_type=checked.content_type,
        size=len(checked.content),
    )
    evidence.file.save(f"evidence.{checked.extension}", ContentFile(checked.content), save=False)
    evidence.save()
    record_event(verb="evidence.added", actor=request.learner, organisation=request.organisation, target=request,
                 data={"evidence": evidence.pk})  # fmt: skip
    return evidence


@transaction.atomic
def add_evidence_note(
    *, request: RecognitionRequest, title: str, description: str, url: str = ""
) -> Evidence:
    """Add a link (when ``url`` is given) or a description of something the learner produced."""
    request = _editable(request)
    if request.evidence.count() >= 50:
        raise RecognitionError(_("Une demande peut compter au plus 50 preuves."))
    evidence = Evidence.objects.create(
        request=request,
        kind=Evidence.Kind.LINK if url else Evidence.Kind.TEXT,
        title=title[:200],
        description=description,
        url=url,
    )
    record_event(verb="evidence.added", actor=request.learner, organisation=request.organisation, target=request,
                 data={"evidence": evidence.pk})  # fmt: skip
    return evidence


@transaction.atomic
def remove_evidence(*, evidence: Evidence) -> None:
    _editable(evidence.request)
    stored = evidence.file.name
    storage = evidence.file.storage
    # About the request, as evidence.added: the evidence's row goes, the trail still tells whose it was.
    record_event(verb="evidence.removed", actor=evidence.request.learner, organisation=evidence.request.organisation,
                 target=evidence.request, data={"evidence": evidence.pk, "title": evidence.title[:80]})  # fmt: skip
    evidence.delete()
    if stored:
        transaction.on_commit(lambda: storage.delete(stored))


def missing_for_submission(request: RecognitionRequest) -> list[str]:
    """What stops the request from being submitted, in words for the learner (nothing: ready)."""
    missing = []
    if len(request.narrative.strip()) < MIN_NARRATIVE_CHARS:
        missing.append(
            _("Racontez en au moins %(count)s caractères ce que vous avez fait et ce que vous avez appris.")
            % {"count": MIN_NARRATIVE_CHARS}
        )
    if not request.places.exists():
        missing.append(
            _("Indiquez au moins un lieu où vous avez appris ou mis en pratique cette compétence.")
        )
    if request.version.assessment_method == AssessmentMethod.PORTFOLIO and not request.evidence.exists():
        missing.append(_("Ajoutez au moins une preuve : ce mode d'évaluation examine votre portfolio."))
    received = request.completed_endorsements().count()
    needed = request.version.endorsements_required
    if received < needed:
        missing.append(
            _("Il faut %(needed)s endossement(s) reçu(s) avant de soumettre; vous en avez %(received)s.")
            % {"needed": needed, "received": received}
        )
    return missing


def _remember_learner_signals(request: RecognitionRequest, signals: Signals | None) -> list[str]:
    """Add the hashes of the learner's visit to those the request keeps (the newest few); the names
    of the fields to save."""
    if signals is None:
        return []
    kept = dict(request.learner_signals or {})
    for kind, value in (("ip", signals.ip_hash), ("device", signals.device_hash)):
        if value:
            values = [v for v in kept.get(kind, []) if v != value]
            kept[kind] = [*values, value][-MAX_SIGNALS_KEPT:]
    request.learner_signals = kept
    request.signals_updated_at = timezone.now()
    return ["learner_signals", "signals_updated_at"]


@transaction.atomic
def submit_request(*, request: RecognitionRequest, signals: Signals | None = None) -> RecognitionRequest:
    request = _editable(request)
    missing = missing_for_submission(request)
    if missing:
        raise RecognitionError(" ".join(missing))
    resubmitted = request.status == RequestStatus.CHANGES_REQUESTED
    request.status = RequestStatus.SUBMITTED
    request.submitted_at = request.submitted_at if resubmitted else timezone.now()
    remembered = _remember_learner_signals(request, signals)
    request.save(update_fields=["status", "submitted_at", "updated_at", *remembered])
    record_event(
        verb="request.resubmitted" if resubmitted else "request.submitted",
        actor=request.learner, organisation=request.organisation, target=request,
    )  # fmt: skip
    transaction.on_commit(lambda: notify.request_submitted(request))
    return request


@transaction.atomic
def withdraw_request(*, request: RecognitionRequest) -> None:
    request = RecognitionRequest.objects.select_for_update().get(pk=request.pk)
    if not request.is_open:
        raise RecognitionError(_("Cette demande a déjà reçu une décision."))
    request.status = RequestStatus.WITHDRAWN
    request.save(update_fields=["status", "updated_at"])
    request.invitations.filter(status=EndorsementInvitation.Status.PENDING).update(
        status=EndorsementInvitation.Status.CANCELLED
    )
    record_event(
        verb="request.withdrawn", actor=request.learner, organisation=request.organisation, target=request
    )


# --- endorsement invitations -----------------------------------------------------------------------


def endorsement_link(token: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("recognition:endorse", args=[token])


def _open_for_endorsement(request: RecognitionRequest) -> None:
    if not request.is_open:
        raise RecognitionError(_("Cette demande est close : on ne peut plus l'endosser."))


@transaction.atomic
def invite_endorser(
    *,
    request: RecognitionRequest,
    name: str,
    email: str = "",
    relationship: str = "",
    signals: Signals | None = None,
) -> tuple[EndorsementInvitation, str]:
    """An invitation for ``name`` to endorse the request, and its link (shown once: only its hash is
    kept). With ``email``, the link is emailed; without, the learner copies it."""
    request = RecognitionRequest.objects.select_for_update().get(pk=request.pk)
    _open_for_endorsement(request)
    now = timezone.now()
    open_count = request.invitations.filter(
        status=EndorsementInvitation.Status.PENDING, expires_at__gt=now
    ).count()
    if open_count >= MAX_OPEN_INVITATIONS_PER_REQUEST:
        raise RecognitionError(
            _(
                "Vous avez déjà %(count)s invitations en attente pour cette demande. Annulez-en une ou attendez les réponses."
            )
            % {"count": open_count}
        )
    sent_today = EndorsementInvitation.objects.filter(
        request__learner=request.learner, created_at__gt=now - timedelta(days=1)
    ).count()
    if sent_today >= MAX_INVITATIONS_PER_DAY:
        raise RecognitionError(_("Vous avez envoyé beaucoup d'invitations aujourd'hui. Réessayez demain."))
    # Any of the learner's own addresses (variants and confirmed ones included) is refused.
    if email and normalise_email(email) in addresses_of([request.learner]):
        raise RecognitionError(
            _("Vous ne pouvez pas vous endosser vous-même : invitez une personne qui vous a vu·e à l'œuvre.")
        )
    token, digest = new_token()
    invitation = EndorsementInvitation.objects.create(
        request=request,
        name=name[:150],
        email=email,
        relationship=relationship,
        token_hash=digest,
        expires_at=now + INVITATION_LIFETIME,
        sent_at=now if email else None,
        send_count=1 if email else 0,
    )
    if remembered := _remember_learner_signals(request, signals):
        request.save(update_fields=remembered)
    record_event(
        verb="endorsement.invited",
        actor=request.learner,
        organisation=request.organisation,
        target=invitation,
    )
    if email:
        link = endorsement_link(token)
        transaction.on_commit(lambda: notify.endorsement_invitation(invitation, link))
    return invitation, token


@transaction.atomic
def resend_invitation(*, invitation: EndorsementInvitation) -> str:
    """Send the invitation again with a new link (the previous link stops working) and a new delay."""
    invitation = (
        EndorsementInvitation.objects.select_for_update()
        .select_related("request__learner")
        .get(pk=invitation.pk)
    )
    _open_for_endorsement(invitation.request)
    if invitation.status != EndorsementInvitation.Status.PENDING:
        raise RecognitionError(_("Cette invitation a déjà reçu une réponse ou a été annulée."))
    now = timezone.now()
    if invitation.send_count >= MAX_SENDS_PER_INVITATION:
        raise RecognitionError(
            _("Cette invitation a déjà été envoyée %(count)s fois.") % {"count": invitation.send_count}
        )
    if invitation.sent_at and now - invitation.sent_at < RESEND_INTERVAL:
        raise RecognitionError(_("Attendez au moins une heure avant d'envoyer de nouveau cette invitation."))
    token, invitation.token_hash = new_token()
    invitation.expires_at = now + INVITATION_LIFETIME
    update = ["token_hash", "expires_at"]
    if invitation.email:
        invitation.sent_at, invitation.send_count = now, invitation.send_count + 1
        update += ["sent_at", "send_count"]
        link = endorsement_link(token)
        transaction.on_commit(lambda: notify.endorsement_invitation(invitation, link))
    invitation.save(update_fields=update)
    record_event(
        verb="endorsement.reinvited",
        actor=invitation.request.learner,
        organisation=invitation.request.organisation,
        target=invitation,
    )
    return token


@transaction.atomic
def cancel_endorsement_invitation(*, invitation: EndorsementInvitation) -> None:
    updated = EndorsementInvitation.objects.filter(
        pk=invitation.pk, status=EndorsementInvitation.Status.PENDING
    ).update(status=EndorsementInvitation.Status.CANCELLED)
    if updated:
        record_event(
            verb="endorsement.invitation_cancelled", actor=invitation.request.learner,
            organisation=invitation.request.organisation, target=invitation,
        )  # fmt: skip


def find_endorsement_invitation(token: str) -> EndorsementInvitation | None:
    """The open invitation of ``token`` (None when unknown, used, cancelled or expired)."""
    if not token or len(token) > 100:
        return None
    invitation = (
        EndorsementInvitation.objects.select_related(
            "request__version", "request__learner", "request__organisation"
        )
        .filter(token_hash=token_hash(token))
        .first()
    )
    if invitation is None or not invitation.is_open:
        return None
    if not invitation.request.is_open:
        return None
    return invitation


def _claim_invitation(token: str) -> EndorsementInvitation:
    invitation = find_endorsement_invitation(token)
    if invitation is None:
        raise RecognitionError(
            _("Ce lien d'endossement n'est plus valide : il a déjà servi, a été annulé ou a expiré.")
        )
    claimed = EndorsementInvitation.objects.select_for_update().get(pk=invitation.pk)
    if claimed.status != EndorsementInvitation.Status.PENDING:
        raise RecognitionError(_("Ce lien d'endossement a déjà servi."))
    return claimed


def verification_of(*, invitation: EndorsementInvitation, email: str, account: User | None) -> str:
    """How Carnet knows who the endorser is, from how they arrived: signed in as staff of a
    recognising organisation or of an employer, or through the link emailed to the address they
    kept (only its owner received it), or else by a link that anybody may have been given.
    ``account`` counts only when the address typed is one it confirmed (see ``endorser_account_of``)."""
    from carnet.organisations.models import Membership, Organisation

    address = normalise_email(email)
    account = endorser_account_of(email=email, account=account)
    if account is not None:
        kinds = set(Membership.objects.filter(user=account).values_list("organisation__kind", flat=True))
        if kinds - {Organisation.Kind.EMPLOYER}:
            return Verification.STAFF
        if kinds:
            return Verification.EMPLOYER
        return Verification.EMAIL
    if invitation.sent_at and address and address == normalise_email(invitation.email):
        return Verification.EMAIL
    return Verification.LINK


def endorser_account_of(*, email: str, account: User | None) -> User | None:
    """The signed-in ``account`` when the endorser's address typed is one it confirmed, else None:
    a shared computer or a second account must not lend its level to whoever signs the form."""
    from carnet.privacy.services import verified_emails

    address = normalise_email(email)
    if account is None or not address:
        return None
    if address in {normalise_email(e) for e in verified_emails(account)}:
        return account
    return None


def _check_period(start: Any, end: Any) -> None:
    today = timezone.localdate()
    if (start and start > today) or (end and end > today):
        raise RecognitionError(_("La période observée ne peut pas être dans le futur."))
    if start and end and end < start:
        raise RecognitionError(_("La fin de la période observée doit suivre son début."))


@transaction.atomic
def record_endorsement(
    *,
    token: str,
    fields: Mapping[str, Any],
    observations: list[dict[str, str]],
    account: User | None = None,
    signals: Signals | None = None,
) -> Endorsement:
    """Keep an endorser's testimony, signed by the platform as an Open Badges EndorsementCredential.
    The link works once: a second submission is refused. ``account``: the signed-in visitor's, linked
    only when the address typed is one it confirmed (a learner's own account is refused); ``signals``: the hashes of their visit, for the assessors' warnings."""
    from carnet.issuing.endorsements import sign_learner_endorsement
    from carnet.privacy.services import verified_emails

    invitation = _claim_invitation(token)
    learner = invitation.request.learner
    own = {normalise_email(e) for e in [learner.email, *verified_emails(learner)]} - {""}
    if account is not None and (
        account.pk == learner.pk or own & {normalise_email(e) for e in verified_emails(account)}
    ):
        raise RecognitionError(
            _(
                "Vous ne pouvez pas endosser votre propre demande : transmettez ce lien à une personne qui vous a vu·e à l'œuvre."
            )
        )
    _check_period(fields.get("period_start"), fields.get("period_end"))
    signals = signals or Signals()
    account = endorser_account_of(email=str(fields.get("endorser_email") or ""), account=account)
    endorsement = Endorsement(
        invitation=invitation,
        observations=observations,
        endorser_account=account,
        ip_hash=signals.ip_hash,
        device_hash=signals.device_hash,
        **dict(fields),
    )
    endorsement.endorser_address = normalise_email(endorsement.endorser_email)
    endorsement.verification = verification_of(
        invitation=invitation, email=endorsement.endorser_email, account=account
    )
    if (
        endorsement.level_observed is not None
        and not invitation.request.version.alignments.filter(
            competency=endorsement.level_observed.competency
        ).exists()
    ):
        endorsement.level_observed = None
    endorsement.save()
    endorsement.document = sign_learner_endorsement(endorsement)
    endorsement.save(update_fields=["document"])
    invitation.status = EndorsementInvitation.Status.COMPLETED
    invitation.answered_at = timezone.now()
    invitation.save(update_fields=["status", "answered_at"])
    request = invitation.request
    record_event(verb="endorsement.received", organisation=request.organisation, target=endorsement,
                 data={"verification": endorsement.verification})  # fmt: skip
    # The endorser (no account) chose whether their name is shown: kept as their consent.
    record_consent(purpose=consents.ENDORSEMENT_NAMED, given=endorsement.consent_to_be_named,
                   subject=f"endorsement:{invitation.uuid}", source="recognition:endorse")  # fmt: skip
    if request.submitted_at is not None:  # a draft is its learner's alone: its organisation hears nothing
        emit(
            organisation=request.organisation,
            event="endorsement.received",
            data=endorsement_data(endorsement),
        )
    transaction.on_commit(lambda: notify.endorsement_received(endorsement))
    return endorsement


@transaction.atomic
def decline_endorsement(*, token: str, reason: str = "") -> None:
    invitation = _claim_invitation(token)
    invitation.status = EndorsementInvitation.Status.DECLINED
    invitation.answered_at = timezone.now()
    invitation.decline_reason = reason[:1000]
    invitation.save(update_fields=["status", "answered_at", "decline_reason"])
    record_event(verb="endorsement.declined", organisation=invitation.request.organisation, target=invitation)
    transaction.on_commit(lambda: notify.endorsement_declined(invitation))


# --- review -----------------------------------------------------------------------------------------


@transaction.atomic
def assign_request(*, request: RecognitionRequest, assessor: User | None, actor: User) -> None:
    """Give the request to ``assessor`` (None: to nobody), who must assess for its organisation."""
    from carnet.recognition.access import can_review

    if assessor is not None and (
        assessor.pk == request.learner_id or not can_review(assessor, request.organisation)
    ):
        raise RecognitionError(_("Cette personne n'évalue pas les demandes de cet organisme."))
    RecognitionRequest.objects.filter(pk=request.pk).update(assigned_to=assessor, updated_at=timezone.now())
    record_event(
        verb="request.assigned", actor=actor, organisation=request.organisation, target=request,
        data={"assessor": assessor.pk if assessor else None},
    )  # fmt: skip


@transaction.atomic
def post_message(*, request: RecognitionRequest, author: User, body: str) -> Message:
    body = body.strip()
    if not body:
        raise RecognitionError(_("Le message est vide."))
    message = Message.objects.create(request=request, author=author, body=body[:5000])
    record_event(verb="request.message", actor=author, organisation=request.organisation, target=message)
    transaction.on_commit(lambda: notify.message_posted(message))
    return message


def _decide(
    *, request: RecognitionRequest, seen_status: str, new_status: str, **changes: Any
) -> RecognitionRequest:
    """Move the request from ``seen_status`` (what the assessor saw) to ``new_status`` in one
    conditional update: of two assessors deciding at once, the second finds it changed and is told."""
    if seen_status not in RecognitionRequest.IN_REVIEW:
        raise DecisionConflict(_("Cette demande n'attend pas de décision."))
    now = timezone.now()
    updated = RecognitionRequest.objects.filter(pk=request.pk, status=seen_status).update(
        status=new_status, decided_at=now, updated_at=now, **changes
    )
    if not updated:
        raise DecisionConflict(
            _(
                "Quelqu'un a décidé de cette demande pendant que vous la lisiez. Rechargez la page pour voir sa décision."
            )
        )
    return RecognitionRequest.objects.get(pk=request.pk)


@transaction.atomic
def request_changes(
    *, request: RecognitionRequest, assessor: User, reasons: str, seen_status: str
) -> Decision:
    if not reasons.strip():
        raise RecognitionError(_("Dites à la personne ce qu'elle doit changer."))
    request = _decide(
        request=request,
        seen_status=seen_status,
        new_status=RequestStatus.CHANGES_REQUESTED,
        recognised_level=None,  # a first approval's level no longer stands
    )
    decision = Decision.objects.create(
        request=request, assessor=assessor, kind=Decision.Kind.CHANGES_REQUESTED, reasons=reasons
    )
    record_event(
        verb="request.changes_requested", actor=assessor, organisation=request.organisation, target=request
    )
    transaction.on_commit(lambda: notify.decision_made(decision))
    return decision


@transaction.atomic
def decline_request(
    *, request: RecognitionRequest, assessor: User, reasons: str, seen_status: str
) -> Decision:
    if not reasons.strip():
        raise RecognitionError(_("Expliquez les motifs du refus : la personne les recevra."))
    request = _decide(
        request=request, seen_status=seen_status, new_status=RequestStatus.DECLINED, recognised_level=None
    )
    request.invitations.filter(status=EndorsementInvitation.Status.PENDING).update(
        status=EndorsementInvitation.Status.CANCELLED
    )
    decision = Decision.objects.create(
        request=request, assessor=assessor, kind=Decision.Kind.DECLINED, reasons=reasons
    )
    record_event(verb="request.declined", actor=assessor, organisation=request.organisation, target=request)
    transaction.on_commit(lambda: notify.decision_made(decision))
    return decision


@transaction.atomic
def approve_request(
    *, request: RecognitionRequest, assessor: User, level: Any, seen_status: str, comment: str = ""
) -> Decision:
    """Approve the request at ``level``. When the organisation requires a second assessor, the first
    approval waits for another assessor's; the final approval issues the credential (in the background,
    idempotently: a retried task never issues twice)."""
    request = RecognitionRequest.objects.select_related("organisation", "version").get(pk=request.pk)
    if level is not None and not request.version.alignments.filter(competency=level.competency).exists():
        raise RecognitionError(_("Ce niveau ne correspond à aucune compétence de cette microattestation."))
    if request.completed_endorsements().count() < request.version.endorsements_required:
        raise RecognitionError(_("Les endossements requis ne sont pas tous reçus."))
    second_needed = request.organisation.requires_second_review and seen_status == RequestStatus.SUBMITTED
    if seen_status == RequestStatus.AWAITING_SECOND_REVIEW:
        first = request.decisions.filter(kind=Decision.Kind.APPROVED).order_by("-created_at").first()
        if first is not None and first.assessor_id == assessor.pk:
            raise RecognitionError(_("La deuxième évaluation doit être faite par une autre personne."))
    new_status = RequestStatus.AWAITING_SECOND_REVIEW if second_needed else RequestStatus.APPROVED
    request = _decide(
        request=request,
        seen_status=seen_status,
        new_status=new_status,
        recognised_level=level,
    )
    decision = Decision.objects.create(
        request=request, assessor=assessor, kind=Decision.Kind.APPROVED, level=level, reasons=comment
    )
    record_event(
        verb="request.first_approval" if second_needed else "request.approved",
        actor=assessor, organisation=request.organisation, target=request,
    )  # fmt: skip
    if second_needed:
        transaction.on_commit(lambda: notify.awaiting_second_review(decision))
    else:
        from carnet.recognition.tasks import issue_for_request

        request_id = request.pk
        transaction.on_commit(lambda: issue_for_request.enqueue(request_id))
    return decision


def issue_approved_request(request_id: int) -> Any:
    """Issue the credential of an approved request (what the background task runs). Idempotent: the
    idempotency key is the request's, so running it twice returns the same credential."""
    from carnet.issuing import services as issuing

    request = RecognitionRequest.objects.select_related(
        "organisation", "version", "learner", "recognised_level"
    ).get(pk=request_id)
    if request.status != RequestStatus.APPROVED:
        return None
    endorsements = [e.document for e in request.completed_endorsements().order_by("created_at") if e.document]
    approver = request.decisions.filter(kind=Decision.Kind.APPROVED).order_by("-created_at").first()
    with transaction.atomic():
        credential = issuing.issue_credential(
            organisation=request.organisation,
            version=request.version,
            recipient=request.learner,
            recipient_email=request.learner.email,
            idempotency_key=f"recognition:{request.uuid}",
            evidence=evidence_for_credential(request),
            endorsements=endorsements,
            level=request.recognised_level,
            actor=approver.assessor if approver else None,
            source="recognition",
            credential_uuid=request.uuid,
        )
        RecognitionRequest.objects.filter(pk=request.pk, credential=None).update(credential=credential)
    return credential


def evidence_for_credential(request: RecognitionRequest) -> list[dict[str, Any]]:
    """What the credential says about how it was earned: the places of learning and the evidence the
    learner described (names and descriptions; files stay private in Carnet)."""
    items = []
    for place in request.places.all():
        period = " – ".join(str(d) for d in (place.start_date, place.end_date) if d)
        parts = (str(place.get_learning_context_display()), place.role, period)
        items.append(
            {
                "name": place.name,
                "genre": str(_("Lieu d'apprentissage")),
                "narrative": ", ".join(p for p in parts if p),
            }
        )
    for evidence in request.evidence.all():
        items.append(
            {"name": evidence.title, "genre": str(evidence.get_kind_display()),
             "narrative": evidence.description or evidence.title}
        )  # fmt: skip
    return items
