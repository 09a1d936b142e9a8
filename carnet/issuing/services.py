"""Issuing: the one place that turns a decision into a signed Open Badges 3.0 credential, and that
revokes, suspends and reinstates it. Each write is atomic, recorded in the audit trail, and tells the
learner by email once committed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from carnet.audit.services import record_event
from carnet.credentials import model as ob
from carnet.credentials import sign
from carnet.credentials.status import MIN_SIZE, IndexAllocator, status_entry, status_list_credential
from carnet.credentials.status import StatusList as Bitstring
from carnet.issuing.achievements import achievement_document
from carnet.issuing.identity import issuer_profile, organisation_did, signer, status_list_url
from carnet.issuing.models import IssuedCredential, StatusList
from carnet.organisations.models import Organisation

REVOCATION = "revocation"


class IssuingError(ValueError):
    """A refused change; the message is for the person who asked."""


def _current_list(organisation: Organisation) -> StatusList:
    """The organisation's revocation list with room left, locked; a new one when it is full."""
    status_list = (
        StatusList.objects.select_for_update()
        .filter(organisation=organisation, purpose=REVOCATION)
        .order_by("-number")
        .first()
    )
    if status_list is None or status_list.used >= status_list.size * 3 // 4:
        number = status_list.number + 1 if status_list else 1
        status_list = StatusList.objects.create(
            organisation=organisation, purpose=REVOCATION, number=number,
            encoded=Bitstring(MIN_SIZE).encode(), size=MIN_SIZE,
        )  # fmt: skip
        _publish(status_list)
    return status_list


def _publish(status_list: StatusList) -> None:
    """Sign the list as a BitstringStatusListCredential with the organisation's current key."""
    organisation = status_list.organisation
    now = timezone.now()
    document = status_list_credential(
        status_list_url(status_list),
        organisation_did(organisation),
        Bitstring.decode(status_list.encoded),
        status_list.purpose,
        valid_from=now,
        valid_until=now + timedelta(days=365),
    )
    status_list.published = sign(document, signer().key_for(organisation))
    status_list.save(update_fields=["published", "updated_at"])


def issue_credential(
    *,
    organisation: Organisation,
    version: Any,
    recipient: Any,
    recipient_email: str,
    idempotency_key: str,
    evidence: Iterable[Mapping[str, Any]] = (),
    endorsements: Iterable[Mapping[str, Any]] = (),
    level: Any = None,
    actor: Any = None,
    source: str = "recognition",
    credential_uuid: Any = None,
) -> IssuedCredential:
    """Issue ``version`` to ``recipient`` (signed, with a status entry, stored, announced). The same
    ``idempotency_key`` twice — a double click, a retried task, two workers racing — gives back the
    credential issued the first time. ``credential_uuid`` fixes the credential's id in advance (the
    endorsements gathered before issuance are about that id)."""
    existing = IssuedCredential.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return _issue(
                organisation=organisation, version=version, recipient=recipient, recipient_email=recipient_email,
                idempotency_key=idempotency_key, evidence=evidence, endorsements=endorsements, level=level,
                actor=actor, source=source, credential_uuid=credential_uuid,
            )  # fmt: skip
    except IntegrityError:
        existing = IssuedCredential.objects.filter(idempotency_key=idempotency_key).first()
        if existing is None:
            raise
        return existing


def _issue(
    *, organisation: Organisation, version: Any, recipient: Any, recipient_email: str, idempotency_key: str,
    evidence: Iterable[Mapping[str, Any]], endorsements: Iterable[Mapping[str, Any]], level: Any, actor: Any,
    source: str, credential_uuid: Any,
) -> IssuedCredential:  # fmt: skip
    if version.published_at is None:
        raise IssuingError(_("Seule une version publiée d'une microattestation peut être délivrée."))
    if version.micro_credential.organisation_id != organisation.pk:
        raise IssuingError(_("Un organisme ne délivre que ses propres microattestations."))
    status_list = _current_list(organisation)
    used = IssuedCredential.objects.filter(status_list=status_list).values_list("status_index", flat=True)
    index = IndexAllocator(status_list.size, used).allocate()
    status_list.used += 1
    status_list.save(update_fields=["used", "updated_at"])

    now = timezone.now()
    valid_until = now + timedelta(days=30 * version.validity_months) if version.validity_months else None
    language = getattr(recipient, "preferred_language", "fr") or "fr"
    achievement = achievement_document(version, language)
    results = []
    if level is not None:
        results.append({"type": ["Result"], "value": level.name(language)})
    subject = ob.achievement_subject(
        achievement, identifiers=[ob.identity_object(recipient_email)], results=results
    )
    credential = IssuedCredential(
        organisation=organisation, version=version, recipient=recipient, recipient_email=recipient_email,
        idempotency_key=idempotency_key, source=source, valid_until=valid_until, status_list=status_list,
        status_index=index,
    )  # fmt: skip
    if credential_uuid is not None:
        credential.uuid = credential_uuid
    document = ob.open_badge_credential(
        credential_id=f"urn:uuid:{credential.uuid}",
        issuer=issuer_profile(organisation),
        subject=subject,
        valid_from=now,
        valid_until=valid_until,
        name=version.name(language),
        description=version.description(language),
        evidence_=[ob.evidence(**{k: v for k, v in item.items() if v}) for item in evidence],
        credential_status=status_entry(status_list_url(status_list), index, REVOCATION),
        endorsements=list(endorsements),
        image_url=achievement.get("image", {}).get("id"),
        awarded_date=now,
    )
    credential.document = sign(document, signer().key_for(organisation))
    credential.save()
    record_event(verb="credential.issued", actor=actor, organisation=organisation, target=credential,
                 data={"source": source})  # fmt: skip
    transaction.on_commit(lambda: _tell(credential, "issued"))
    return credential


def _set_bit(credential: IssuedCredential, value: bool) -> None:
    status_list = StatusList.objects.select_for_update().get(pk=credential.status_list_id)
    bits = Bitstring.decode(status_list.encoded)
    bits.set(credential.status_index, value)
    status_list.encoded = bits.encode()
    status_list.save(update_fields=["encoded", "updated_at"])
    _publish(status_list)


def _change_state(
    *, credential: IssuedCredential, state: str, reason: str, actor: Any, verb: str
) -> IssuedCredential:
    credential = IssuedCredential.objects.select_for_update().get(pk=credential.pk)
    if credential.state == IssuedCredential.State.REVOKED:
        raise IssuingError(_("Cette microattestation est révoquée : ce n'est pas réversible."))
    credential.state, credential.state_reason, credential.state_changed_at = state, reason, timezone.now()
    credential.save(update_fields=["state", "state_reason", "state_changed_at"])
    # Open Badges 3.0 allows one credentialStatus per credential: the revocation list. A suspension sets
    # the same bit (an outside verifier sees "not valid now") and reinstating clears it; Carnet's own
    # pages tell suspended from revoked.
    _set_bit(credential, state != IssuedCredential.State.ACTIVE)
    record_event(
        verb=verb,
        actor=actor,
        organisation=credential.organisation,
        target=credential,
        data={"reason": reason},
    )
    transaction.on_commit(lambda: _tell(credential, state))
    return credential


@transaction.atomic
def revoke_credential(*, credential: IssuedCredential, reason: str, actor: Any) -> IssuedCredential:
    if not reason.strip():
        raise IssuingError(_("Indiquez le motif de la révocation : la personne le recevra."))
    return _change_state(credential=credential, state=IssuedCredential.State.REVOKED, reason=reason, actor=actor,
                         verb="credential.revoked")  # fmt: skip


@transaction.atomic
def suspend_credential(*, credential: IssuedCredential, reason: str, actor: Any) -> IssuedCredential:
    if not reason.strip():
        raise IssuingError(_("Indiquez le motif de la suspension : la personne le recevra."))
    return _change_state(credential=credential, state=IssuedCredential.State.SUSPENDED, reason=reason,
                         actor=actor, verb="credential.suspended")  # fmt: skip


@transaction.atomic
def reinstate_credential(*, credential: IssuedCredential, actor: Any) -> IssuedCredential:
    credential = IssuedCredential.objects.select_for_update().get(pk=credential.pk)
    if credential.state != IssuedCredential.State.SUSPENDED:
        raise IssuingError(_("Seule une microattestation suspendue peut être rétablie."))
    return _change_state(credential=credential, state=IssuedCredential.State.ACTIVE, reason="", actor=actor,
                         verb="credential.reinstated")  # fmt: skip


def _tell(credential: IssuedCredential, what: str) -> None:
    language = getattr(credential.recipient, "preferred_language", "fr") or "fr"
    context = {"credential": credential, "what": what, "name": credential.version.name(language)}
    with translation.override(language):
        subject = render_to_string("issuing/email/state_subject.txt", context).strip()
        body = render_to_string("issuing/email/state.txt", context)
    send_mail(subject=" ".join(subject.split()), message=body, from_email=None,
              recipient_list=[credential.recipient_email])  # fmt: skip
