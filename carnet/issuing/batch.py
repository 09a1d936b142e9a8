"""Issuing the rows of a bulk issuance job a chunk at a time: what :func:`issue_credential
<carnet.issuing.services.issue_credential>` does for one credential, done for a few hundred in one
transaction, with the same rows written (credential, status bit, attested levels, audit event,
webhook deliveries, row result) and the same document signed.

What costs when issuing one at a time is done once per chunk: the open status list is locked once
and all its indexes drawn at once, the achievement and the issuer profile are built once per
version and language, the signing key is unsealed once, and the credentials, audit events and
deliveries are each saved in one insert. The learners' emails are queued once committed, a group
of credentials per task, and sent at the rate the site allows (:func:`carnet.issuing.tasks.tell_recipients`).

Each row issues with its idempotency key ``job:<job uuid>:<row number>``. A chunk takes its rows
locked and commits them with their credentials, so a crash loses a whole chunk or none of it, and a
job run again issues only the rows still pending. PostgreSQL skips the rows another worker holds, so
two workers share a job without issuing a row twice; SQLite writes one transaction at a time. A row
whose key issued a credential already (a row's result lost, a key used elsewhere) gets that
credential back, or is refused, as ``issue_credential`` does. A chunk the database refuses (another
transaction took one of its keys meanwhile) is issued again one row at a time through
``issue_credential``, which settles such races.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.db.models.functions import Lower
from django.utils import timezone

from carnet.audit.services import record_events
from carnet.issuing import services
from carnet.issuing.keys import sign_many, signer, start_signing_pool
from carnet.issuing.models import IssuanceJob, IssuanceJobRow, IssuedCredential
from carnet.issuing.services import IssuingError
from carnet.issuing.tasks import tell_all
from carnet.site.db import reserve_ids, streamed_rows
from carnet.webhooks.events import credential_data
from carnet.webhooks.services import emit_many

logger = logging.getLogger("carnet.issuing")

# Rows per transaction (settings.ISSUANCE_CHUNK): big enough to share the costs, small enough to
# hold the locks briefly.
CHUNK = 250

PENDING = IssuanceJobRow.State.PENDING
ISSUED = IssuanceJobRow.State.ISSUED
FAILED = IssuanceJobRow.State.FAILED


def issue_pending_rows(job: IssuanceJob, *, chunk_size: int | None = None) -> None:
    """Issue the pending rows of ``job`` (with its organisation and version), a chunk per
    transaction, until none is left. The job's counters and ``heartbeat_at`` move at each chunk."""
    memo: dict[Any, Any] = {}  # what the documents share (services.credential_document)
    start_signing_pool()  # ready by the time the first documents are made
    size = chunk_size or int(getattr(settings, "ISSUANCE_CHUNK", CHUNK))
    while issue_chunk(job, chunk_size=size, memo=memo):
        pass


def issue_chunk(job: IssuanceJob, *, chunk_size: int = CHUNK, memo: dict[Any, Any] | None = None) -> bool:
    """Issue up to ``chunk_size`` pending rows of ``job`` in one transaction; False when none was
    left to take."""
    try:
        with transaction.atomic():
            rows = list(
                IssuanceJobRow.objects.select_for_update(skip_locked=True)
                .filter(job=job, state=PENDING)
                .order_by("number")[:chunk_size]
            )
            if not rows:
                return False
            _issue_rows(job, rows, {} if memo is None else memo)
        return True
    except IntegrityError as exc:
        # a key taken meanwhile by another transaction: issuing one row at a time settles it
        logger.warning(
            "issuance job %s: a chunk refused by the database (%s); its rows one at a time", job.pk, exc
        )
    row_ids = job.rows.filter(state=PENDING).order_by("number").values_list("pk", flat=True)[:chunk_size]
    for row_id in row_ids:
        issue_row(job, row_id)
    return True


def credential_source(job: IssuanceJob) -> str:
    """How a job's credentials came to be, as their records say: a CSV file is a bulk issuance, a
    program's job an API one."""
    if job.source == IssuanceJob.Source.CSV:
        return IssuedCredential.Source.BULK
    return IssuedCredential.Source.API


def _issue_rows(job: IssuanceJob, rows: list[IssuanceJobRow], memo: dict[Any, Any]) -> None:
    organisation, version = job.organisation, job.micro_credential_version
    # The achievement is built again for each chunk: a partner's endorsement given or withdrawn
    # during a long job is in, or out of, the credentials of the chunks after it (a few queries a
    # chunk; its RDF is still reused while it does not change).
    for key in [key for key in memo if key[0] == "achievement"]:
        del memo[key]
    source = credential_source(job)
    for row in rows:
        row.job = job  # its idempotency key names the job
    recipients = _recipients_of([row.email for row in rows])
    already = {
        credential.idempotency_key
        for credential in IssuedCredential.objects.filter(
            idempotency_key__in=[r.idempotency_key for r in rows]
        )
    }
    fresh: list[IssuanceJobRow] = []
    for row in rows:
        try:
            if row.idempotency_key in already:  # issued before: that credential, or the refusal
                row.credential = _issue_one(job, row, recipients.get(row.email.lower()))
                row.state = ISSUED
                continue
            services.check_issuable(
                organisation=organisation, version=version, recipient_email=row.email, source=source
            )
        except IssuingError as exc:
            row.state, row.error = FAILED, str(exc)
            continue
        fresh.append(row)

    now = timezone.now()
    key = signer().key_for(organisation) if fresh else None
    valid_until = services.valid_until_of(version, now)
    credentials: list[IssuedCredential] = []

    def documents() -> Iterator[dict[str, Any]]:
        for row, (status_list, index) in zip(
            fresh, services.allocate_status_entries(organisation, len(fresh), memo=memo), strict=True
        ):
            recipient = recipients.get(row.email.lower())
            credential = IssuedCredential(
                organisation=organisation, recipient=recipient, recipient_email=row.email,
                micro_credential_version=version, issued_at=now, status_list=status_list, status_index=index,
                idempotency_key=row.idempotency_key, source=source, valid_until=valid_until,
            )  # fmt: skip
            credentials.append(credential)
            row.state, row.credential = ISSUED, credential
            yield services.credential_document(credential, recipient, row.evidence, (), None, memo=memo)

    # Signing, the costly part, in another process (carnet.issuing.keys.sign_many): each batch of
    # documents goes there as soon as it is made.
    signed = sign_many(documents(), key) if fresh else iter(())  # type: ignore[arg-type]
    ids = reserve_ids(IssuedCredential, len(credentials))
    if ids is not None:
        # PostgreSQL: what refers to the credentials is written while they are being signed (the
        # foreign keys are checked at commit), then the credentials as they come.
        for credential, pk in zip(credentials, ids, strict=True):
            credential.pk = pk
        _record_issued(job, rows, credentials, source)
    with streamed_rows(IssuedCredential, "uuid", with_ids=ids is not None) as store:
        for credential, (document, text) in zip(credentials, signed, strict=True):
            credential.document = document
            store(credential, document=text)  # the text that was hashed, proof appended
    if ids is None:
        _record_issued(job, rows, credentials, source)
    transaction.on_commit(lambda: _committed(credentials))


def _record_issued(
    job: IssuanceJob, rows: list[IssuanceJobRow], credentials: list[IssuedCredential], source: str
) -> None:
    """What goes with the chunk's credentials (their ids set): attested levels, audit events,
    webhook deliveries, the rows' results and the job's counters."""
    organisation = job.organisation
    services.attest(credentials)
    record_events(
        verb="credential.issued", organisation=organisation,
        targets=[(c, {"source": source, "idempotency_key": c.idempotency_key}) for c in credentials],
    )  # fmt: skip
    emit_many(
        organisation=organisation, event="credential.issued",
        data=(credential_data(c, with_recipient=True) for c in credentials),
    )  # fmt: skip
    _record_results(rows)
    issued = sum(row.state == ISSUED for row in rows)
    IssuanceJob.objects.filter(pk=job.pk).update(
        issued=F("issued") + issued, failed=F("failed") + len(rows) - issued, heartbeat_at=timezone.now()
    )


def _record_results(rows: list[IssuanceJobRow]) -> None:
    """Each row's result: the issued ones in one update from the pairs (row, credential), the
    failed ones with their message."""
    issued = [(row.pk, row.credential.pk) for row in rows if row.state == ISSUED]  # type: ignore[union-attr]
    quote, meta = connection.ops.quote_name, IssuanceJobRow._meta
    table = quote(meta.db_table)
    state, credential = quote(meta.get_field("state").column), quote(meta.get_field("credential").column)
    for start in range(0, len(issued), 1000):  # within SQLite's limit of parameters
        pairs = issued[start : start + 1000]
        with connection.cursor() as cursor:
            cursor.execute(
                f"WITH pairs (row_id, credential_id) AS (VALUES {', '.join(['(%s, %s)'] * len(pairs))}) "  # noqa: S608 (the model's names)
                f"UPDATE {table} SET {state} = %s, {credential} = pairs.credential_id FROM pairs "
                f"WHERE {table}.{quote(meta.pk.column)} = pairs.row_id",
                [*(value for pair in pairs for value in pair), ISSUED],
            )
    for row in rows:
        if row.state == FAILED:
            row.save(update_fields=["state", "error"])


def _committed(credentials: list[IssuedCredential]) -> None:
    tell_all([credential.pk for credential in credentials], "issued")
    for credential in credentials:
        if credential.recipient_id is not None:  # what stacking looks at (certificates need an account)
            services.credential_issued.send_robust(IssuedCredential, credential=credential)


def _issue_one(job: IssuanceJob, row: IssuanceJobRow, recipient: Any) -> IssuedCredential:
    return services.issue_credential(
        organisation=job.organisation, version=job.micro_credential_version, recipient=recipient,
        recipient_email=row.email, idempotency_key=row.idempotency_key, evidence=row.evidence,
        source=credential_source(job),
    )  # fmt: skip


def issue_row(job: IssuanceJob, row_id: int) -> None:
    """Issue one row in its own transaction through ``issue_credential`` (a chunk the database
    refused): its result on the row, and the job's counters moved."""
    with transaction.atomic():
        row = IssuanceJobRow.objects.select_for_update().get(pk=row_id)
        if row.state != PENDING:
            return  # another worker did it meanwhile
        row.job = job
        try:
            with transaction.atomic():
                row.credential = _issue_one(job, row, _recipients_of([row.email]).get(row.email.lower()))
                row.state = ISSUED
        except IssuingError as exc:
            row.state, row.error = FAILED, str(exc)
        row.save(update_fields=["state", "credential", "error"])
        counter = "issued" if row.state == ISSUED else "failed"
        IssuanceJob.objects.filter(pk=job.pk).update(
            **{counter: F(counter) + 1, "heartbeat_at": timezone.now()}
        )


def _recipients_of(emails: list[str]) -> dict[str, Any]:
    """The Carnet accounts of these emails, by lower-cased email (as :func:`carnet.issuing.bulk.recipient_of`
    finds them one at a time: the first account of an email, whatever its case)."""
    lowered = {email.strip().lower() for email in emails}
    found: dict[str, Any] = {}
    users = (
        get_user_model().objects.annotate(lowered=Lower("email")).filter(lowered__in=lowered).order_by("pk")
    )
    for user in users:
        found.setdefault(user.lowered, user)
    return found
