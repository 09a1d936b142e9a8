"""Bulk issuance a chunk at a time (carnet.issuing.batch): the same credentials and the same rows as
issuing one at a time, no row issued twice (a job run again, a key used elsewhere, a chunk the
database refuses), and the learners' emails queued in groups and sent at the rate allowed."""

from __future__ import annotations

import itertools
import random
from types import SimpleNamespace

import pytest
from django.core import mail
from django.core.cache import cache
from django.tasks import default_task_backend
from django.utils import translation

from carnet.audit.models import AuditEvent
from carnet.credentials import status as status_module
from carnet.credentials import verify
from carnet.issuing import bulk, identity, services, tasks
from carnet.issuing.models import AttestedLevel, IssuanceJob, IssuanceJobRow, IssuedCredential, ProvenLevel
from carnet.webhooks.models import Delivery
from carnet.webhooks.models import Event as WebhookEvent
from carnet.webhooks.services import create_endpoint

pytestmark = pytest.mark.django_db

QUEUE_ONLY = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}


def rows_of(*emails):
    return [{"email": email, "evidence": [{"narrative": f"Travail de {email}"}]} for email in emails]


def shape(value):
    """The document with what differs from one credential to another blanked: ids, dates, hashes,
    status indexes, proofs."""
    if isinstance(value, dict):
        blank = {"id", "validFrom", "validUntil", "awardedDate", "identityHash", "salt", "statusListIndex",
                 "proof", "narrative"}  # fmt: skip
        return {key: "…" if key in blank else shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(item) for item in value]
    return value


def _issue_one(organisation, version, recipient, email, n):
    return services.issue_credential(
        organisation=organisation, version=version, recipient=recipient, recipient_email=email,
        idempotency_key=f"one-{n}", evidence=[{"narrative": f"Travail de {email}"}], source="api",
    )  # fmt: skip


@pytest.fixture
def endpoint(organisation, org_admin, settings):
    settings.WEBHOOKS_ALLOW_HTTP = settings.WEBHOOKS_ALLOW_PRIVATE = True
    return create_endpoint(
        organisation=organisation, url="http://127.0.0.1:9/hook", events=WebhookEvent.values, actor=org_admin
    )


def test_a_job_issues_what_issuing_one_at_a_time_issues(organisation, version, learner, endpoint, settings):
    settings.ISSUANCE_CHUNK = 2
    with translation.override("fr"):  # as the job runs: in its language (links are made in it)
        one = [_issue_one(organisation, version, recipient, email, n) for n, (recipient, email) in enumerate(
            [(None, "a@example.org"), (learner, learner.email)])]  # fmt: skip
    job = bulk.create_issuance_job(
        organisation=organisation,
        version=version,
        rows=rows_of("b@example.org", learner.email.upper(), "c@x.org"),
    )
    job = bulk.run_issuance_job(job.pk)
    assert (job.state, job.issued, job.failed, job.total) == ("done", 3, 0, 3) and job.heartbeat_at
    rows = list(job.rows.order_by("number").select_related("credential"))
    chunked = [row.credential for row in rows]
    assert [c.idempotency_key for c in chunked] == [f"job:{job.uuid}:{n}" for n in range(3)]
    assert chunked[1].recipient == learner and chunked[0].recipient is None
    resolver = identity.resolver()
    for credential in [*one, *chunked]:
        assert verify(credential.document, resolver=resolver).valid
    assert shape(chunked[0].document) == shape(one[0].document)
    assert shape(chunked[1].document) == shape(one[1].document)
    entries = list(IssuedCredential.objects.values_list("status_list", "status_index"))
    assert len(set(entries)) == 5
    # The learner's attested levels, proven levels and profile, as for a credential issued alone.
    assert sorted(
        AttestedLevel.objects.filter(credential=chunked[1]).values_list("competency", "rank")
    ) == sorted(AttestedLevel.objects.filter(credential=one[1]).values_list("competency", "rank"))
    assert not AttestedLevel.objects.filter(credential__in=[chunked[0], chunked[2]]).exists()
    assert ProvenLevel.objects.filter(learner=learner).exists()
    # The same audit events and webhook deliveries, one per credential.
    for credential in [*one, *chunked]:
        event = AuditEvent.objects.get(verb="credential.issued", target_id=str(credential.pk))
        assert event.data == {"source": "api", "idempotency_key": credential.idempotency_key}
        assert event.organisation == organisation and event.target_type == "issuing.issuedcredential"
        [delivery] = Delivery.objects.filter(payload__data__credential__id=credential.credential_id)
        assert delivery.event_type == "credential.issued" and delivery.endpoint == endpoint
        assert delivery.payload["data"]["recipient"] == {"email": credential.recipient_email}


def test_status_bits_stay_unique_across_chunks_and_lists(organisation, version, monkeypatch, settings):
    settings.ISSUANCE_CHUNK = 4
    monkeypatch.setattr(services, "FILL_LIMIT", 3)  # a list takes three credentials
    job = bulk.create_issuance_job(
        organisation=organisation, version=version, rows=rows_of(*(f"p{n}@example.org" for n in range(10)))
    )
    bulk.run_issuance_job(job.pk)
    entries = list(IssuedCredential.objects.values_list("status_list__number", "status_index"))
    assert len(entries) == len(set(entries)) == 10
    assert sorted(number for number, _ in entries) == [1, 1, 1, 2, 2, 2, 3, 3, 3, 4]


def test_bits_taken_by_others_between_chunks_are_not_given_again(
    organisation, version, monkeypatch, settings, caplog
):
    # Indexes drawn among 30 values only: the job's allocator, kept from chunk to chunk, must see
    # the bits that credentials issued one at a time took meanwhile, or it would draw some of them
    # again (the database would refuse the chunk, issued again a row at a time: logged).
    draws = random.Random(7)
    monkeypatch.setattr(status_module, "secrets", SimpleNamespace(randbelow=lambda n: draws.randrange(30)))
    settings.ISSUANCE_CHUNK = 2
    job = bulk.create_issuance_job(
        organisation=organisation, version=version, rows=rows_of(*(f"p{n}@example.org" for n in range(8)))
    )
    real, others = services.allocate_status_entries, itertools.count()

    def with_others_meanwhile(organisation, count, **kwargs):
        for _ in range(4):
            n = next(others)
            _issue_one(organisation, version, None, f"other{n}@example.org", n)
        return real(organisation, count, **kwargs)

    monkeypatch.setattr(services, "allocate_status_entries", with_others_meanwhile)
    job = bulk.run_issuance_job(job.pk)
    assert (job.state, job.issued) == ("done", 8)
    entries = list(IssuedCredential.objects.values_list("status_list__number", "status_index"))
    assert len(entries) == len(set(entries)) == 24
    assert "refused by the database" not in caplog.text


def test_the_kept_allocator_reads_a_list_again_only_when_others_added_to_it(organisation, version):
    from django.db import transaction

    memo: dict = {}
    with transaction.atomic():
        [(status_list, first)] = services.allocate_status_entries(organisation, 1, memo=memo)
        _store_bit(organisation, version, status_list, first, "mine1")
    kept = memo["allocator", status_list.pk]
    with transaction.atomic():
        [(_, second)] = services.allocate_status_entries(organisation, 1, memo=memo)
        _store_bit(organisation, version, status_list, second, "mine2")
    assert memo["allocator", status_list.pk] is kept  # only its own credential was added: kept
    _issue_one(organisation, version, None, "someone@example.org", 99)  # another issuance
    with transaction.atomic():
        [(_, third)] = services.allocate_status_entries(organisation, 1, memo=memo)
    assert memo["allocator", status_list.pk] is not kept  # read again
    taken = set(IssuedCredential.objects.values_list("status_index", flat=True))
    assert third not in taken and len(taken) == 3


def _store_bit(organisation, version, status_list, index, key):
    from django.utils import timezone

    IssuedCredential.objects.create(
        organisation=organisation, recipient_email=f"{key}@example.org", micro_credential_version=version,
        document={}, issued_at=timezone.now(), status_list=status_list, status_index=index,
        idempotency_key=key, source="api",
    )  # fmt: skip


def test_a_job_run_again_issues_nothing_twice(organisation, version):
    job = bulk.create_issuance_job(
        organisation=organisation, version=version, rows=rows_of("a@x.org", "b@x.org")
    )
    bulk.run_issuance_job(job.pk)
    first = set(IssuedCredential.objects.values_list("pk", flat=True))
    # As if the job had been cut short after issuing: its rows say pending, its credentials exist.
    IssuanceJobRow.objects.filter(job=job).update(state="pending", credential=None)
    IssuanceJob.objects.filter(pk=job.pk).update(state="running", issued=0)
    job = bulk.run_issuance_job(job.pk)
    assert (job.state, job.issued) == ("done", 2)
    assert set(IssuedCredential.objects.values_list("pk", flat=True)) == first
    assert set(job.rows.values_list("credential", flat=True)) == first
    assert AuditEvent.objects.filter(verb="credential.issued").count() == 2


def test_a_key_that_issued_something_else_fails_its_row_alone(organisation, version):
    job = bulk.create_issuance_job(
        organisation=organisation, version=version, rows=rows_of("a@x.org", "b@x.org")
    )
    services.issue_credential(
        organisation=organisation, version=version, recipient=None, recipient_email="someone@else.org",
        idempotency_key=f"job:{job.uuid}:1", source="api",
    )  # fmt: skip
    job = bulk.run_issuance_job(job.pk)
    assert (job.state, job.issued, job.failed) == ("done", 1, 1)
    assert "idempotence" in job.rows.get(number=1).error
    assert IssuedCredential.objects.count() == 2


def test_a_chunk_the_database_refuses_is_issued_one_row_at_a_time(organisation, version, monkeypatch):
    """Another transaction takes a key of the chunk between its check and its insert (here: inside
    it, so that the insert fails): the chunk is undone, then each row issues alone, once."""
    job = bulk.create_issuance_job(
        organisation=organisation, version=version, rows=rows_of("a@x.org", "b@x.org")
    )
    real, raced = services.allocate_status_entries, []

    def racing(organisation, count, **kwargs):
        if not raced:
            raced.append(1)
            services.issue_credential(
                organisation=organisation, version=version, recipient=None, recipient_email="a@x.org",
                idempotency_key=f"job:{job.uuid}:0", source="api",
            )  # fmt: skip
        return real(organisation, count, **kwargs)

    monkeypatch.setattr(services, "allocate_status_entries", racing)
    job = bulk.run_issuance_job(job.pk)
    assert (job.state, job.issued, job.failed) == ("done", 2, 0)
    assert IssuedCredential.objects.count() == 2
    assert sorted(job.rows.values_list("credential__recipient_email", flat=True)) == ["a@x.org", "b@x.org"]


def test_emails_are_queued_in_groups_and_sent_at_the_rate_allowed(
    organisation, version, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.TASKS = QUEUE_ONLY
    settings.EMAIL_RATE_PER_MINUTE = 3
    cache.clear()
    monkeypatch.setattr(tasks, "GROUP", 2)
    job = bulk.create_issuance_job(
        organisation=organisation, version=version, rows=rows_of(*(f"p{n}@example.org" for n in range(5)))
    )
    default_task_backend.clear()
    with django_capture_on_commit_callbacks(execute=True):
        bulk.run_issuance_job(job.pk)
    assert mail.outbox == []  # nothing sent while issuing
    queued = [r for r in default_task_backend.results if r.task.name == "tell_recipients"]
    assert [len(r.args[0]) for r in queued] == [2, 2, 1]
    default_task_backend.clear()
    for result in queued:
        tasks.tell_recipients.call(*result.args)
    assert len(mail.outbox) == 3  # the rate of this minute
    later = default_task_backend.results  # the rest, for the next minute
    assert all(r.task.name == "tell_recipients" and r.task.run_after for r in later)
    deferred = [pk for r in later for pk in r.args[0]]
    sent = {m.to[0] for m in mail.outbox}
    assert len(deferred) == 2 and sent | set(
        IssuedCredential.objects.filter(pk__in=deferred).values_list("recipient_email", flat=True)
    ) == {f"p{n}@example.org" for n in range(5)}
