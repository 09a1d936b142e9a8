"""Stacking: when a person holds every micro-credential a certificate asks for, the certificate is
issued to them — at once, or after an assessor of its organisation confirms, as the organisation
chose (``Certificate.issuance``).

An issued certificate is two signed documents, both by the organisation's current key and pointing
to the same bit of its revocation list: an Open Badges 3.0 ``OpenBadgeCredential`` whose achievement
is the certificate, and a CLR 2.0 ``ClrCredential`` (CLR 2.0 §B.1.1) that bundles the signed
micro-credentials that satisfied it, with an ``isPartOf`` association from each of their
achievements to the certificate's.

Each write is atomic, recorded in the audit trail, and tells the people concerned once committed
(a background task). A certificate is issued once per person: a constraint and an idempotency key
settle retried tasks and two completions racing.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from carnet.audit.services import record_event
from carnet.catalogue.models import Certificate, Status
from carnet.credentials import model as ob
from carnet.credentials import sign
from carnet.credentials.status import status_entry
from carnet.issuing.identity import issuer_profile, status_list_url
from carnet.issuing.keys import signer
from carnet.issuing.models import IssuedCredential
from carnet.issuing.services import allocate_status_entry, set_status_bit
from carnet.stacking import selectors, tasks
from carnet.stacking.achievements import achievement_document
from carnet.stacking.models import Confirmation, IssuedCertificate


class StackingError(ValueError):
    """A refused change; the message is for the person who asked."""


def idempotency_key(certificate: Certificate, recipient: Any) -> str:
    """The same for every attempt to issue ``certificate`` to ``recipient``: one certificate each."""
    return f"certificate:{certificate.pk}:user:{recipient.pk}"


# -- detection -------------------------------------------------------------------------------------


def check_completions(*, credential: IssuedCredential) -> list[IssuedCertificate | Confirmation]:
    """After ``credential`` was issued: each published certificate it is part of that its holder
    now completes is issued (automatic) or put in its organisation's queue (confirmed). Running it
    again changes nothing."""
    recipient = credential.recipient
    if recipient is None:
        return []
    done: list[IssuedCertificate | Confirmation] = []
    for certificate in selectors.certificates_including(
        [credential.micro_credential_version.micro_credential_id]
    ):
        if IssuedCertificate.objects.filter(certificate=certificate, recipient=recipient).exists():
            continue
        completing = selectors.completion(certificate, recipient)
        if completing is None:
            continue
        if certificate.issuance == Certificate.Issuance.AUTOMATIC:
            done.append(
                issue_certificate(certificate=certificate, recipient=recipient, credentials=completing)
            )
        else:
            confirmation = request_confirmation(
                certificate=certificate, recipient=recipient, since=credential.issued_at
            )
            if confirmation is not None:
                done.append(confirmation)
    return done


def request_confirmation(*, certificate: Certificate, recipient: Any, since: Any) -> Confirmation | None:
    """Put the completion in the organisation's queue, once: None when one is already waiting, or
    when an assessor declined it after ``since`` (the issuance that completed it), having then
    seen what the person held."""
    waiting = Confirmation.objects.filter(certificate=certificate, recipient=recipient)
    if waiting.filter(status=Confirmation.Status.PENDING).exists():
        return None
    if waiting.filter(status=Confirmation.Status.DECLINED, decided_at__gte=since).exists():
        return None
    try:
        with transaction.atomic():
            confirmation = Confirmation.objects.create(certificate=certificate, recipient=recipient)
            record_event(verb="certificate.confirmation_requested", organisation=certificate.organisation,
                         target=confirmation, data={"certificate": certificate.pk, "recipient": recipient.pk})  # fmt: skip
    except IntegrityError:
        return None  # another worker put it in the queue between our check and our insert
    pk = confirmation.pk
    transaction.on_commit(lambda: tasks.tell_assessors.enqueue(pk))
    return confirmation


# -- issuing ---------------------------------------------------------------------------------------


def issue_certificate(
    *,
    certificate: Certificate,
    recipient: Any,
    credentials: list[IssuedCredential],
    actor: Any = None,
    confirmation: Confirmation | None = None,
) -> IssuedCertificate:
    """Issue ``certificate`` to ``recipient`` (a user), bundling ``credentials`` (theirs, that
    satisfy it): sign both documents, store them, record ``certificate.issued`` and, once committed,
    tell the person. Issued already (a retried task, two completions racing): the first one."""
    key = idempotency_key(certificate, recipient)
    existing = _already_issued(key)
    if existing is None:
        try:
            with transaction.atomic():
                return _issue(certificate=certificate, recipient=recipient, credentials=credentials,
                              actor=actor, confirmation=confirmation, key=key)  # fmt: skip
        except IntegrityError:
            # Another transaction committed the same certificate between our check and our insert.
            existing = _already_issued(key)
            if existing is None:
                raise
    return existing


def _already_issued(key: str) -> IssuedCertificate | None:
    return IssuedCertificate.objects.filter(idempotency_key=key).first()


def _issue(
    *, certificate: Certificate, recipient: Any, credentials: list[IssuedCredential], actor: Any,
    confirmation: Confirmation | None, key: str,
) -> IssuedCertificate:  # fmt: skip
    organisation = certificate.organisation
    if not organisation.recognises or certificate.status != Status.PUBLISHED:
        raise StackingError(_("Seul un certificat publié d'un organisme peut être délivré."))
    if not credentials or any(c.recipient_id != recipient.pk for c in credentials):
        raise StackingError(_("Un certificat regroupe des microattestations de la personne qui le reçoit."))
    status_list, index = allocate_status_entry(organisation)
    issued = IssuedCertificate(
        certificate=certificate, organisation=organisation, recipient=recipient,
        recipient_email=recipient.email, issued_at=timezone.now(), status_list=status_list,
        status_index=index, idempotency_key=key,
        confirmed_by=actor if confirmation is not None and getattr(actor, "pk", None) else None,
    )  # fmt: skip
    language = getattr(recipient, "preferred_language", "") or "fr"
    achievement = achievement_document(certificate, language)
    entry = status_entry(status_list_url(status_list), index, status_list.purpose)
    # One salted hash of the email for both documents: the holder proves it once for the pair.
    identity = ob.identity_object(issued.recipient_email)
    key_handle = signer().key_for(organisation)
    issued.document = sign(
        ob.open_badge_credential(
            credential_id=issued.credential_id,
            issuer=issuer_profile(organisation),
            subject=ob.achievement_subject(achievement, identifiers=[identity]),
            valid_from=issued.issued_at,
            awarded_date=issued.issued_at,
            name=certificate.name(language),
            description=certificate.description(language),
            credential_status=entry,
        ),
        key_handle,
    )
    issued.clr = sign(
        ob.clr_credential(
            credential_id=issued.clr_id,
            issuer=issuer_profile(organisation),
            subject_id=None,
            identifiers=[identity],
            credentials=[c.document for c in credentials],
            achievements=[achievement],
            associations=[
                ob.association(
                    "isPartOf", c.document["credentialSubject"]["achievement"]["id"], achievement["id"]
                )
                for c in credentials
            ],
            valid_from=issued.issued_at,
            name=certificate.name(language),
            description=certificate.description(language),
            credential_status=entry,
        ),
        key_handle,
    )
    issued.save()
    issued.credentials.set(credentials)
    if confirmation is None:  # the organisation switched to automatic issuance meanwhile
        Confirmation.objects.filter(
            certificate=certificate, recipient=recipient, status=Confirmation.Status.PENDING
        ).update(status=Confirmation.Status.CONFIRMED, decided_at=issued.issued_at, issued=issued)
    record_event(
        verb="certificate.issued",
        actor=actor,
        organisation=organisation,
        target=issued,
        data={
            "certificate": certificate.pk,
            "issuance": "confirmed" if confirmation is not None else "automatic",
            "credentials": [c.pk for c in credentials],
            "idempotency_key": key,
        },
    )
    pk = issued.pk
    transaction.on_commit(lambda: tasks.tell_holder.enqueue(pk))
    return issued


# -- confirmation ----------------------------------------------------------------------------------


def _pending(confirmation: Confirmation) -> Confirmation:
    locked = (
        Confirmation.objects.select_for_update()
        .select_related("certificate__organisation", "certificate__root", "recipient")
        .get(pk=confirmation.pk)
    )
    if locked.status != Confirmation.Status.PENDING:
        raise StackingError(_("Cette demande a déjà été traitée."))
    return locked


@transaction.atomic
def confirm(*, confirmation: Confirmation, actor: Any) -> IssuedCertificate:
    """An assessor confirms: the certificate is issued with the credentials that complete it now."""
    locked = _pending(confirmation)
    if actor is not None and actor.pk == locked.recipient_id:
        raise StackingError(_("Vous ne pouvez pas confirmer votre propre certificat."))
    completing = selectors.completion(locked.certificate, locked.recipient)
    if completing is None:
        raise StackingError(
            _(
                "Les conditions ne sont plus remplies : une microattestation exigée a été révoquée, "
                "suspendue ou est expirée. Refusez la demande en l'expliquant à la personne."
            )
        )
    issued = issue_certificate(certificate=locked.certificate, recipient=locked.recipient,
                               credentials=completing, actor=actor, confirmation=locked)  # fmt: skip
    locked.status, locked.decided_at, locked.decided_by = Confirmation.Status.CONFIRMED, timezone.now(), actor
    locked.issued = issued
    locked.save(update_fields=["status", "decided_at", "decided_by", "issued"])
    return issued


@transaction.atomic
def decline(*, confirmation: Confirmation, reason: str, actor: Any) -> Confirmation:
    """An assessor declines, with a reason the person receives. A later micro-credential that
    completes the certificate again puts it back in the queue."""
    reason = reason.strip()
    if not reason:
        raise StackingError(_("Indiquez le motif du refus : la personne le recevra."))
    locked = _pending(confirmation)
    if actor is not None and actor.pk == locked.recipient_id:
        raise StackingError(_("Vous ne pouvez pas refuser votre propre certificat."))
    locked.status, locked.decided_at, locked.decided_by = Confirmation.Status.DECLINED, timezone.now(), actor
    locked.reason = reason
    locked.save(update_fields=["status", "decided_at", "decided_by", "reason"])
    record_event(verb="certificate.declined", actor=actor, organisation=locked.certificate.organisation,
                 target=locked, data={"certificate": locked.certificate_id, "reason": reason})  # fmt: skip
    pk = locked.pk
    transaction.on_commit(lambda: tasks.tell_declined.enqueue(pk))
    return locked


# -- revocation, sharing ---------------------------------------------------------------------------


@transaction.atomic
def revoke_certificate(*, issued: IssuedCertificate, reason: str, actor: Any) -> IssuedCertificate:
    """Revoke for good: the certificate's bit is set, so both its documents (the badge and the CLR)
    stop verifying; the micro-credentials it bundles are untouched. The holder is told why."""
    reason = reason.strip()
    if not reason:
        raise StackingError(_("Indiquez le motif de la révocation : la personne le recevra."))
    locked = IssuedCertificate.objects.select_for_update().select_related("organisation").get(pk=issued.pk)
    if locked.status == IssuedCertificate.Status.REVOKED:
        raise StackingError(_("Ce certificat est déjà révoqué."))
    locked.status, locked.status_reason = IssuedCertificate.Status.REVOKED, reason
    locked.status_changed_at = timezone.now()
    locked.save(update_fields=["status", "status_reason", "status_changed_at"])
    set_status_bit(locked, True)
    record_event(verb="certificate.revoked", actor=actor, organisation=locked.organisation, target=locked,
                 data={"certificate": locked.certificate_id, "reason": reason})  # fmt: skip
    pk = locked.pk
    transaction.on_commit(lambda: tasks.tell_revoked.enqueue(pk))
    issued.status, issued.status_reason, issued.status_changed_at = (
        locked.status, locked.status_reason, locked.status_changed_at,
    )  # fmt: skip
    return locked


def set_visibility(*, issued: IssuedCertificate, visibility: str, actor: Any) -> IssuedCertificate:
    """Who may open the certificate's public page: its holder alone, anyone with the link, or
    anyone (and their public profile)."""
    if visibility not in IssuedCertificate.Visibility.values:
        raise StackingError(_("Choisissez qui peut voir ce certificat."))
    with transaction.atomic():
        if issued.visibility != visibility:
            issued.visibility = visibility
            issued.save(update_fields=["visibility"])
            record_event(verb="certificate.visibility_changed", actor=actor, target=issued,
                         data={"visibility": visibility})  # fmt: skip
    return issued
