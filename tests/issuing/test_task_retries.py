"""Background work that fails: a transient error is tried again later with a growing, jittered wait,
up to the last attempt; then the failure is shown to the platform's staff, who can queue it again.
Tasks run here as the database worker runs them, on the test's connection."""

from __future__ import annotations

import smtplib
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from carnet.audit.models import AuditEvent
from carnet.inbox.models import Notification
from carnet.issuing import batch, bulk, notify, tasks
from carnet.issuing.models import IssuanceJob
from carnet.issuing.tasks import tell_recipient
from carnet.site import mail as site_mail
from carnet.site.background import MAX_ATTEMPTS, backoff
from carnet.site.worker import worker

pytestmark = pytest.mark.django_db

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": []}}


@pytest.fixture
def queue(settings):
    settings.TASKS = DATABASE_QUEUE
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects


def run_due(queue) -> int:
    """What `carnet worker` does with the tasks due now; how many ran."""
    work = worker(queues=None, batch=True, interval=0)
    ran = 0
    for result in list(queue.ready()):
        result.claim("test-worker")
        work.run_task(result)
        ran += 1
    return ran


def test_the_wait_doubles_at_each_attempt_with_jitter():
    for attempt in range(1, 6):
        ceiling = timedelta(seconds=30 * 2 ** (attempt - 1))
        waits = [backoff(attempt) for _ in range(20)]
        assert all(ceiling / 2 <= wait <= ceiling for wait in waits)
        assert len(set(waits)) > 1
    assert backoff(30) <= timedelta(hours=1)


def test_a_transient_failure_is_retried_later_then_shown_to_staff_who_queue_it_again(
    queue, issue, monkeypatch, client, staff, learner
):
    credential = issue()

    def down(*args, **kwargs):
        raise ConnectionRefusedError(f"the mail server refused {learner.email}")

    monkeypatch.setattr(notify, "credential_changed", down)
    tell_recipient.enqueue(credential.pk, "issued")
    waits = []
    for attempt in range(1, MAX_ATTEMPTS + 1):
        before = timezone.now()
        assert run_due(queue) == 1
        if attempt < MAX_ATTEMPTS:
            retry = queue.get(status="READY")
            assert retry.args_kwargs == {
                "args": [credential.pk, "issued"],
                "kwargs": {"retry_attempt": attempt + 1},
            }
            waits.append((retry.run_after - before).total_seconds())
            assert run_due(queue) == 0  # not before its time
            queue.filter(pk=retry.pk).update(run_after=timezone.now())
    assert [
        30 * 2 ** (n - 1) / 2 - 1 <= wait <= 30 * 2 ** (n - 1) + 1 for n, wait in enumerate(waits, 1)
    ] == [True] * 4
    assert queue.filter(status="SUCCESSFUL").count() == MAX_ATTEMPTS - 1  # each handed over to the next
    failed = queue.get(status="FAILED")

    page = client.get("/equipe/travaux-en-echec/")
    assert page.status_code == 404  # not signed in as staff: nothing to see
    client.force_login(staff)
    page = client.get("/equipe/travaux-en-echec/").content.decode()
    assert "tasks.tell_recipient" in page and f"{credential.pk}, &#x27;issued&#x27;" in page
    assert "ConnectionRefusedError: the mail server refused …" in page
    assert learner.email not in page

    monkeypatch.undo()
    response = client.post(f"/equipe/travaux-en-echec/taches/{failed.pk}/relancer")
    assert response.status_code == 302
    assert not queue.filter(status="FAILED").exists()
    again = queue.get(status="READY")
    assert again.args_kwargs == {"args": [credential.pk, "issued"], "kwargs": {}}
    event = AuditEvent.objects.get(verb="background_task.retried")
    assert event.actor == staff and event.data["failed"] == str(failed.pk)
    assert run_due(queue) == 1 and queue.get(pk=again.pk).status == "SUCCESSFUL"
    response = client.post(f"/equipe/travaux-en-echec/taches/{failed.pk}/relancer", follow=True)
    assert "plus en échec" in response.content.decode()


def test_a_failed_bulk_issuance_is_shown_to_staff_and_taken_up_again(
    queue, organisation, version, monkeypatch, client, staff, outsider, django_capture_on_commit_callbacks
):
    rows = [{"email": f"person{n}@example.org"} for n in range(3)]
    job = bulk.create_issuance_job(organisation=organisation, version=version, rows=rows)

    def refused(*args, **kwargs):
        raise ValueError("no signing key")

    monkeypatch.setattr(batch, "sign_many", refused)
    with pytest.raises(ValueError):
        bulk.run_issuance_job(job.pk)
    monkeypatch.undo()
    client.force_login(outsider)
    assert client.get("/equipe/travaux-en-echec/").status_code == 404
    assert client.post(f"/equipe/travaux-en-echec/lots/{job.uuid}/relancer").status_code == 404
    client.force_login(staff)
    page = client.get("/equipe/travaux-en-echec/").content.decode()
    assert "CJE Test" in page and "no signing key" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/equipe/travaux-en-echec/lots/{job.uuid}/relancer")
    assert AuditEvent.objects.filter(verb="issuance_job.retried", organisation=organisation).exists()
    run_due(queue)
    job.refresh_from_db()
    assert (job.state, job.issued) == (IssuanceJob.State.DONE, 3)


def test_staff_cannot_retry_a_preview_nobody_confirmed_nor_a_job_still_running(
    queue, organisation, version, org_admin, client, staff, settings, django_capture_on_commit_callbacks
):
    preview = bulk.preview_csv_job(organisation=organisation, version=version, data=b"courriel\na@example.org\n",
                                   filename="cohorte.csv", actor=org_admin)  # fmt: skip
    running = bulk.create_issuance_job(
        organisation=organisation, version=version, rows=[{"email": "b@example.org"}]
    )
    IssuanceJob.objects.filter(pk=running.pk).update(
        state=IssuanceJob.State.RUNNING, heartbeat_at=timezone.now()
    )
    client.force_login(staff)
    for job in (preview, running):
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            response = client.post(f"/equipe/travaux-en-echec/lots/{job.uuid}/relancer", follow=True)
        assert callbacks == [] and "Rien n&#x27;a été relancé" in response.content.decode()
    assert run_due(queue) == 0 and not AuditEvent.objects.filter(verb="issuance_job.retried").exists()
    assert list(IssuanceJob.objects.order_by("pk").values_list("state", flat=True)) == ["preview", "running"]
    # a preview reaching the worker anyway (queued by hand, an old task) issues nothing
    assert (
        bulk.run_issuance_job(preview.pk).state == "preview"
        and not preview.rows.exclude(state="pending").exists()
    )
    settings.ISSUANCE_JOB_STALE_AFTER = 60
    IssuanceJob.objects.filter(pk=running.pk).update(heartbeat_at=timezone.now() - timedelta(minutes=5))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/equipe/travaux-en-echec/lots/{running.uuid}/relancer")  # silent for long: stalled
    assert run_due(queue) == 1 and IssuanceJob.objects.get(pk=running.pk).state == "done"


def test_a_group_of_emails_goes_on_after_a_refused_address_and_never_sends_one_twice(
    queue, issue, learner, monkeypatch, caplog
):
    others = {email: issue(f"k-{email}", recipient=None, recipient_email=email).pk
              for email in ("a@example.org", "bad@example.org", "d@example.org", "e@example.org")}  # fmt: skip
    mine = issue("k-mine").pk  # the learner's, who has an inbox
    ids = [others["a@example.org"], others["bad@example.org"], mine, others["d@example.org"]]
    real, down = site_mail.send_mail, {learner.email: 1, "e@example.org": 99}  # failures to come, by address

    def send_mail(**kwargs):
        [to] = kwargs["recipient_list"]
        if to == "bad@example.org":
            raise smtplib.SMTPRecipientsRefused({to: (550, b"5.1.1 no such user")})
        if down.get(to):
            down[to] -= 1
            raise smtplib.SMTPServerDisconnected("the mail server went away")
        return real(**kwargs)

    monkeypatch.setattr(site_mail, "send_mail", send_mail)
    mail.outbox.clear()
    tasks.tell_recipients.enqueue(ids, "issued")
    assert run_due(queue) == 1
    retry = queue.get(status="READY")  # only from the learner's on: "a" was sent, "bad" given up
    assert retry.args_kwargs == {
        "args": [[mine, others["d@example.org"]], "issued"],
        "kwargs": {"retry_attempt": 2},
    }
    assert "refused by the mail server" in caplog.text and "bad@example.org" not in caplog.text
    queue.filter(pk=retry.pk).update(run_after=timezone.now())
    assert run_due(queue) == 1 and not queue.filter(status__in=["READY", "FAILED"]).exists()
    assert sorted(m.to[0] for m in mail.outbox) == ["a@example.org", "d@example.org", learner.email]
    assert Notification.objects.filter(user=learner, kind="credential.issued").count() == 1

    # the last attempt: what was sent of it is not in the failed task that staff may queue again
    mail.outbox.clear()
    tasks.tell_recipients.enqueue([others["a@example.org"], others["e@example.org"], mine], "issued",
                                  retry_attempt=MAX_ATTEMPTS)  # fmt: skip
    assert run_due(queue) == 1 and run_due(queue) == 1
    failed = queue.get(status="FAILED")
    assert failed.args_kwargs["args"] == [[others["e@example.org"], mine], "issued"]
    assert failed.exception_class_path == "smtplib.SMTPServerDisconnected"
    assert [m.to[0] for m in mail.outbox] == ["a@example.org"]


@pytest.mark.parametrize(
    "error, given_up",
    [
        (smtplib.SMTPRecipientsRefused({"x@example.org": (550, b"no such user")}), True),
        (smtplib.SMTPRecipientsRefused({"x@example.org": (451, b"greylisted, try later")}), False),
        (smtplib.SMTPDataError(554, b"message refused"), True),
        (smtplib.SMTPDataError(421, b"busy"), False),
        (smtplib.SMTPSenderRefused(553, b"sender not allowed", "site@example.org"), False),
        (smtplib.SMTPAuthenticationError(535, b"bad password"), False),
    ],
)
def test_only_a_permanent_refusal_of_the_recipient_is_given_up(error, given_up):
    assert notify.refused(error) is given_up
