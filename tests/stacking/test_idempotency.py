"""A certificate is issued once per person, whatever happens: the task run twice, two completions
racing, a retried issuance; a completion waiting for confirmation is queued once; and the status
bits of certificates and micro-credentials never collide."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import IntegrityError, transaction

from carnet.issuing import services as issuing
from carnet.stacking import services, tasks
from carnet.stacking.models import Confirmation, IssuedCertificate

pytestmark = pytest.mark.django_db


def test_the_task_run_twice_issues_once(make_certificate, versions, issue, on_commit):
    a, b, *_ = versions
    make_certificate([(None, "all", 1, (a, b))])
    with on_commit():
        issue(a)
        last = issue(b)
    emails = len(mail.outbox)
    with on_commit():
        tasks.check_certificates.enqueue(last.pk)
        tasks.check_certificates.enqueue(last.pk)
    assert IssuedCertificate.objects.count() == 1
    assert len(mail.outbox) == emails  # nobody is told twice


def test_two_completions_racing_give_one_certificate(make_certificate, versions, issue, on_commit):
    a, b, c, _d = versions
    # 2 of (A, B, C): the second and the third each complete it, and both tasks run
    make_certificate([(None, "n_of", 2, (a, b, c))])
    with on_commit():
        issue(a)
        issue(b)
        issue(c)
    issued = IssuedCertificate.objects.get()
    assert issued.credentials.count() == 3


def test_a_retried_issuance_gives_back_the_first(make_certificate, versions, issue, learner):
    a, b, *_ = versions
    certificate = make_certificate([(None, "all", 1, (a, b))])
    credentials = [issue(a), issue(b)]
    first = services.issue_certificate(certificate=certificate, recipient=learner, credentials=credentials)
    again = services.issue_certificate(certificate=certificate, recipient=learner, credentials=credentials)
    assert again.pk == first.pk and IssuedCertificate.objects.count() == 1


def test_two_workers_inserting_at_once_settle_on_one(make_certificate, versions, issue, learner, monkeypatch):
    """The second worker checked before the first committed: its insert collides and it answers
    with the first worker's certificate."""
    a, b, *_ = versions
    certificate = make_certificate([(None, "all", 1, (a, b))])
    credentials = [issue(a), issue(b)]
    first = services.issue_certificate(certificate=certificate, recipient=learner, credentials=credentials)
    real, calls = services._already_issued, []

    def late(key):
        calls.append(key)
        return None if len(calls) == 1 else real(key)

    monkeypatch.setattr(services, "_already_issued", late)
    again = services.issue_certificate(certificate=certificate, recipient=learner, credentials=credentials)
    assert again.pk == first.pk and len(calls) == 2


def test_the_database_refuses_a_second_certificate_for_the_same_person(
    make_certificate, versions, issue, learner
):
    a, b, *_ = versions
    certificate = make_certificate([(None, "all", 1, (a, b))])
    first = services.issue_certificate(
        certificate=certificate, recipient=learner, credentials=[issue(a), issue(b)]
    )
    duplicate = IssuedCertificate.objects.get(pk=first.pk)
    duplicate.pk, duplicate.uuid, duplicate.idempotency_key = None, None, "another key"
    duplicate.status_index += 1
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()


def test_a_completion_waiting_for_confirmation_is_queued_once(
    make_certificate, versions, issue, learner, on_commit
):
    a, b, c, _d = versions
    certificate = make_certificate([(None, "n_of", 2, (a, b, c))], issuance="confirmed")
    with on_commit():
        issue(a)
        last = issue(b)
        issue(c)
    with on_commit():
        tasks.check_certificates.enqueue(last.pk)
    assert Confirmation.objects.filter(certificate=certificate, recipient=learner).count() == 1
    assert not IssuedCertificate.objects.exists()
    with pytest.raises(IntegrityError), transaction.atomic():
        Confirmation.objects.create(certificate=certificate, recipient=learner)


def test_certificates_and_micro_credentials_never_share_a_status_bit(
    make_certificate, versions, issue, learner, monkeypatch
):
    a, b, c, _d = versions
    certificate = make_certificate([(None, "all", 1, (a, b))])
    issued = services.issue_certificate(
        certificate=certificate, recipient=learner, credentials=[issue(a), issue(b)]
    )
    seen = []

    class Recording(issuing.IndexAllocator):
        def __init__(self, size, used=()):
            super().__init__(size, used)
            seen.append(set(self.used))

    monkeypatch.setattr(issuing, "IndexAllocator", Recording)
    credential = issue(c)
    assert issued.status_index in seen[-1]  # the certificate's bit was kept from the new credential
    assert credential.status_list_id == issued.status_list_id
    assert credential.status_index != issued.status_index
