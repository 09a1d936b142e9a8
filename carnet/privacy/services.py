"""Writes of privacy: recording consents, the "download all my data" archive, deleting an account.
Each is a function named by its verb, atomic, recorded in the audit trail; files are written or
deleted once the change is committed."""

from __future__ import annotations

import json
import logging
import re
import secrets
import tempfile
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from carnet.audit.models import AuditEvent
from carnet.audit.services import record_event
from carnet.privacy import consents
from carnet.privacy.models import ConsentRecord, DataExport

logger = logging.getLogger(__name__)


class PrivacyError(ValueError):
    """A refused change; the message is for the person who asked."""


# -- consents --------------------------------------------------------------------------------------


def record_consent(
    *,
    purpose: str,
    given: bool,
    source: str,
    user: Any = None,
    subject: str = "",
    detail: dict[str, Any] | None = None,
) -> ConsentRecord:
    """Record that ``user`` (or, without an account, ``subject``) gave or withdrew their consent to
    ``purpose``, on the page or form ``source``, with the version of the text shown to them. The one
    place every consent is recorded: the features that ask for one call it."""
    text = consents.purpose(purpose)
    with transaction.atomic():
        record = ConsentRecord.objects.create(
            user=user if user is not None and getattr(user, "pk", None) else None,
            subject=subject[:100],
            purpose=purpose,
            given=given,
            text_version=text.version,
            source=source[:100],
            detail=detail or {},
        )
        record_event(
            verb="consent.given" if given else "consent.withdrawn",
            actor=user,
            target=record,
            data={"purpose": purpose, "version": text.version},
        )
    return record


def consents_in_force(user: Any) -> list[tuple[str, consents.Purpose, ConsentRecord]]:
    """The latest record of each purpose the person ever answered, in the order of ``PURPOSES``."""
    latest: dict[str, ConsentRecord] = {}
    for record in ConsentRecord.objects.filter(user=user).order_by("-created_at", "-pk"):
        latest.setdefault(record.purpose, record)
    return [(code, consents.PURPOSES[code], latest[code]) for code in consents.PURPOSES if code in latest]


def withdraw_consent(*, user: Any, purpose: str, source: str) -> None:
    """The person withdraws a consent from their privacy page. Search consent changes through
    :func:`carnet.portfolio.services.set_search_consent`, which records it here as well."""
    from carnet.portfolio.services import set_search_consent

    if purpose not in consents.PURPOSES or not consents.PURPOSES[purpose].withdrawable:
        raise PrivacyError(_("Ce consentement ne peut pas être retiré ici."))
    if purpose == consents.SEARCH:
        set_search_consent(user=user, given=False, source=source)
        return
    latest = ConsentRecord.objects.filter(user=user, purpose=purpose).first()
    if latest is not None and latest.given:
        record_consent(user=user, purpose=purpose, given=False, source=source)


# -- download all my data --------------------------------------------------------------------------

EXPORT_COOLDOWN = timedelta(minutes=5)  # between two archives asked by the same person


def request_export(*, user: Any) -> DataExport:
    """Ask for an archive of everything about ``user``: made in the background, then emailed. An
    archive being made is given back instead of another; asking again replaces the previous one."""
    from carnet.privacy.tasks import build_export

    with transaction.atomic():
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()  # one request at a time
        previous = list(DataExport.objects.filter(user=user))
        pending = next((e for e in previous if e.state == DataExport.State.PENDING), None)
        if pending is not None:
            return pending
        if previous and previous[0].created_at > timezone.now() - EXPORT_COOLDOWN:
            raise PrivacyError(
                _(
                    "Une archive vient d'être préparée. Attendez quelques minutes avant d'en demander une autre."
                )
            )
        files = [e.file.name for e in previous if e.file]
        DataExport.objects.filter(pk__in=[e.pk for e in previous]).delete()
        export = DataExport.objects.create(user=user)
        record_event(verb="privacy.export_requested", actor=user, target=export)
        transaction.on_commit(lambda: _delete_files(files))
        transaction.on_commit(lambda: build_export.enqueue(export.pk))
    return export


def build_export(export_id: int) -> DataExport | None:
    """Make the archive of a pending export, store it, and tell its owner (the background task)."""
    from carnet.privacy import archive
    from carnet.privacy.notify import export_ready

    export = DataExport.objects.select_related("user").filter(pk=export_id).first()
    if export is None or export.state != DataExport.State.PENDING:
        return export
    from django.core.files import File

    with tempfile.TemporaryFile(prefix="carnet-export-") as out:  # deleted once closed
        try:
            built = archive.build(export.user, out, max_bytes=settings.PRIVACY_EXPORT_MAX_BYTES)
        except Exception as exc:  # the person sees it failed and may ask again; the error is for the operator
            logger.exception("the archive of export %s could not be made", export.pk)
            DataExport.objects.filter(pk=export.pk).update(
                state=DataExport.State.FAILED, error=repr(exc)[:2000]
            )
            return None
        out.seek(0)
        export.file.save("archive.zip", File(out, name="archive.zip"), save=False)
    now = timezone.now()
    export.state, export.size, export.omitted = DataExport.State.READY, built.size, built.omitted
    export.ready_at = now
    export.expires_at = now + timedelta(hours=settings.PRIVACY_RETENTION["exports_hours"])
    export.save(update_fields=["file", "state", "size", "omitted", "ready_at", "expires_at"])
    export_ready(export)
    return export


def _delete_files(names: list[str], storage: Any = None) -> None:
    from django.core.files.storage import default_storage

    storage = storage or default_storage
    for name in names:
        if name:
            storage.delete(name)


# -- deleting an account ---------------------------------------------------------------------------


def organisations_left_without_admin(user: Any) -> list[Any]:
    """The organisations of which ``user`` is the only admin: they cannot leave them without one."""
    from carnet.organisations.models import Membership, Organisation

    mine = Membership.objects.filter(user=user, role=Membership.Role.ADMIN).values("organisation")
    others = (
        Membership.objects.filter(role=Membership.Role.ADMIN, organisation__in=mine)
        .exclude(user=user)
        .values("organisation")
    )
    return list(Organisation.objects.filter(pk__in=mine).exclude(pk__in=others).order_by("name"))


def delete_account(*, user: Any) -> str:
    """Delete ``user``'s account and the personal data about them, at once and completely: their
    requests with their evidence (files too), self-assessment, carnet (imports, share links, public
    profile, search profile), employer contacts, notifications, archives, sessions' account. The
    credentials issued to them stay valid and verifiable (the signed document and its status bit
    stay with the organisation, which can still revoke it), but no longer name them: the account
    link and the email in clear are erased; the signed document keeps only a salted hash of the
    email, which nobody can read back. Their consents become minimal records under a reference,
    and the audit trail keeps no personal data of theirs. Returns that reference.

    Data others wrote under an email (a credential issued to it, an invitation, a bulk upload's
    row...) is taken as the person's only for the addresses they confirmed: an account nobody
    confirmed takes away only what hangs off the account itself, never a stranger's credential.

    Refused while they are the only admin of an organisation (it would be left without one)."""
    from carnet.issuing.models import IssuanceJobRow, IssuedCredential
    from carnet.organisations.models import Invitation
    from carnet.portfolio.models import CredentialSharing, ShareLink
    from carnet.recognition.models import Endorsement, EndorsementInvitation, Evidence
    from carnet.stacking.models import IssuedCertificate
    from carnet.webhooks.models import Delivery

    orphans = organisations_left_without_admin(user)
    if orphans:
        raise PrivacyError(
            _(
                "Vous êtes la seule personne administratrice de %(names)s. Nommez une autre personne "
                "administratrice (page Membres de l'organisation) avant de supprimer votre compte."
            )
            % {"names": ", ".join(o.name for o in orphans)}
        )
    reference = secrets.token_hex(8)  # random: it tells nothing of the person
    with transaction.atomic():
        user = get_user_model().objects.select_for_update().get(pk=user.pk)
        if organisations_left_without_admin(user):  # checked again under the lock
            raise PrivacyError(
                _("Nommez une autre personne administratrice avant de supprimer votre compte.")
            )
        # Only the addresses the person proved are theirs: data others wrote under an address
        # nobody confirmed (a sign-up never confirmed) is not the account's, and stays.
        emails = verified_emails(user)
        files = list(
            Evidence.objects.filter(request__learner=user).exclude(file="").values_list("file", flat=True)
        )
        files += list(DataExport.objects.filter(user=user).exclude(file="").values_list("file", flat=True))
        # What the person received stays verifiable but names them no more.
        held = IssuedCredential.objects.filter(Q(recipient=user) | _email_is("recipient_email", emails))
        held_ids = list(held.values_list("pk", flat=True))
        ShareLink.objects.filter(credential__in=held_ids).delete()
        CredentialSharing.objects.filter(credential__in=held_ids).delete()
        kept = held.update(recipient=None, recipient_email="", jwt="")
        certificates = IssuedCertificate.objects.filter(
            Q(recipient=user) | _email_is("recipient_email", emails)
        )
        kept += certificates.update(
            recipient=None, recipient_email="", visibility=IssuedCertificate.Visibility.PRIVATE
        )
        # Their email where others wrote it: endorsements they gave, invitations, bulk rows and
        # reports, webhooks.
        Endorsement.objects.filter(endorsements_given_by(user, emails)).update(
            endorser_email="", endorser_address="", endorser_account=None, ip_hash="", device_hash=""
        )
        EndorsementInvitation.objects.filter(_email_is("email", emails)).update(email="")
        Invitation.objects.filter(_email_is("email", emails)).delete()
        IssuanceJobRow.objects.filter(_email_is("email", emails)).update(email="", name="")
        _forget_in_job_reports(emails)
        for email in emails:
            for delivery in Delivery.objects.filter(payload__data__recipient__email__iexact=email):
                delivery.payload["data"]["recipient"]["email"] = ""
                delivery.save(update_fields=["payload"])
        # Consents: the minimal proof, under the reference only.
        ConsentRecord.objects.filter(user=user).update(user=None, subject=f"deleted:{reference}", detail={})
        _forget_in_audit_trail(user, emails)
        user.delete()  # cascades: requests, evidence rows, claims, carnet, contacts, notifications, ...
        record_event(verb="account.deleted", data={"reference": reference, "credentials_kept": kept})
        transaction.on_commit(lambda: _delete_files(files))
    return reference


def verified_emails(user: Any) -> list[str]:
    """The addresses ``user`` confirmed (allauth), in lower case: the only ones by which data written
    by others (credentials issued to an email, invitations...) is taken to be theirs."""
    from allauth.account.models import EmailAddress

    found = EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True)
    return sorted({email.strip().lower() for email in found if email.strip()})


def endorsements_given_by(user: Any, emails: list[str]) -> Q:
    """The endorsements ``user`` gave: signed in, or under one of their confirmed ``emails``, as typed
    or normalised (a +tag, Gmail's dots)."""
    from carnet.recognition.fingerprints import normalise_email

    addresses = sorted({normalise_email(email) for email in emails} - {""})
    return Q(endorser_account=user) | _email_is("endorser_email", emails) | Q(endorser_address__in=addresses)


def _email_is(field: str, emails: list[str]) -> Q:
    """``field`` is one of ``emails`` (any case); matches nothing when there are none."""
    query = Q(pk__in=[])
    for email in emails:
        query |= Q(**{f"{field}__iexact": email})
    return query


def _email_pattern(emails: list[str]) -> re.Pattern[str] | None:
    """One of ``emails``, whole (case-insensitive): ``a@b.co`` is not found in ``ja@b.com``."""
    if not emails:
        return None
    alternatives = "|".join(re.escape(email) for email in emails)
    return re.compile(rf"(?<![\w.+\-])(?:{alternatives})(?![\w\-]|\.[\w\-])", re.IGNORECASE)


def _mentions(value: Any, pattern: re.Pattern[str]) -> bool:
    return bool(pattern.search(json.dumps(value, ensure_ascii=False)))


def _candidates(queryset: QuerySet[Any], field: str, emails: list[str]) -> QuerySet[Any]:
    """The rows whose JSON ``field`` may hold one of ``emails`` (a cheap first filter; the exact
    match is :func:`_mentions`). A non-ASCII address may be stored escaped: those look at every row."""
    if any(not email.isascii() for email in emails):
        return queryset
    query = Q(pk__in=[])
    for email in emails:
        query |= Q(**{f"{field}__icontains": email})
    return queryset.filter(query)


def _forget_in_job_reports(emails: list[str]) -> None:
    """A bulk upload's report keeps the rows left out or warned about (email, name): the person's
    rows lose both; the line, errors and warnings stay for the organisation."""
    from carnet.issuing.models import IssuanceJob

    pattern = _email_pattern(emails)
    if pattern is None:
        return
    jobs = _candidates(IssuanceJob.objects.exclude(report=[]), "report", emails)
    for job in jobs.only("pk", "report"):
        changed = False
        for entry in job.report:
            if isinstance(entry, dict) and _mentions(entry.get("email", ""), pattern):
                entry["email"], entry["name"], changed = "", "", True
        if changed:
            job.save(update_fields=["report"])


def _forget_in_audit_trail(user: Any, emails: list[str]) -> None:
    """The trail keeps what happened, not who it was. The events about the account or its requests
    lose their target and data (evidence titles...), the person's own events outside any
    organisation (consents, public profile...) their data, and events that wrote their email lose
    it (the whole address, not a longer one that contains it). What they did as staff of an organisation stays, without their name: the actor link goes with
    the account (SET_NULL)."""
    from carnet.recognition.models import RecognitionRequest

    requests = [
        str(pk) for pk in RecognitionRequest.objects.filter(learner=user).values_list("pk", flat=True)
    ]
    AuditEvent.objects.filter(
        Q(target_type="accounts.user", target_id=str(user.pk))
        | Q(target_type="recognition.recognitionrequest", target_id__in=requests)
    ).update(data={}, target_id="")
    AuditEvent.objects.filter(actor=user, organisation=None).update(data={})
    pattern = _email_pattern(emails)
    if pattern is None:
        return
    for event in _candidates(AuditEvent.objects.exclude(data={}), "data", emails).only("pk", "data"):
        if _mentions(event.data, pattern):
            event.data = {}
            event.save(update_fields=["data"])
