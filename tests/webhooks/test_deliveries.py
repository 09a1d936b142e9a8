"""Which events are sent to whom, and how a failed delivery is retried, given up, and turns off an
endpoint that keeps failing. Time is driven by passing ``now``: no test waits."""

from __future__ import annotations

import socket
from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from carnet.audit.models import AuditEvent
from carnet.issuing import services as issuing
from carnet.organisations.models import Organisation
from carnet.organisations.services import create_organisation
from carnet.recognition import services as recognition
from carnet.webhooks import services
from carnet.webhooks.models import Delivery, Endpoint, Event

pytestmark = pytest.mark.django_db


def types(receiver):
    return [got.json()["type"] for got in receiver.received]


def test_a_failed_delivery_is_retried_with_backoff_then_delivered(endpoint, receiver, issue):
    receiver.answers = [500]
    issue()
    delivery = Delivery.objects.get()
    assert (delivery.state, delivery.attempts, delivery.last_status) == ("pending", 1, 500)
    wait = delivery.next_attempt_at - timezone.now()
    assert timedelta(seconds=50) < wait <= timedelta(seconds=66)  # 1 minute, ±10 %
    assert services.send_due() == {"delivered": 0, "retry": 0, "failed": 0, "skipped": 0}  # not due yet
    assert services.send_due(now=timezone.now() + timedelta(minutes=2))["delivered"] == 1
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.last_status) == ("delivered", 2, 200)
    first, second = receiver.received
    assert first.headers["webhook-id"] == second.headers["webhook-id"] and first.body == second.body


def test_the_waits_follow_the_schedule_and_the_delivery_is_given_up_after_eight_attempts(
    endpoint, receiver, issue
):
    receiver.answers = [503] * 8
    issue()
    now = timezone.now()
    waits = []
    for _ in range(7):
        delivery = Delivery.objects.get()
        waits.append(delivery.next_attempt_at - now)
        now = delivery.next_attempt_at
        services.send_due(now=now)
    for wait, planned in zip(waits, services.BACKOFF, strict=True):
        assert planned * 0.89 < wait < planned * 1.11
    delivery = Delivery.objects.get()
    assert (delivery.state, delivery.attempts, delivery.next_attempt_at) == ("failed", 8, None)
    assert len(receiver.received) == 8
    assert Endpoint.objects.get().consecutive_failures == 1
    assert services.send_due(now=now + timedelta(days=3))["delivered"] == 0  # given up: never again


def test_an_endpoint_failing_again_and_again_is_turned_off_and_its_admins_told(
    endpoint, receiver, issue, settings, django_capture_on_commit_callbacks, org_admin
):
    settings.WEBHOOKS_DISABLE_AFTER = 2
    receiver.answers = [500] * 100
    issue("a")
    issue("b")
    mail.outbox.clear()
    moments = [timezone.now() + timedelta(hours=11 * step) for step in range(1, 9)]
    with django_capture_on_commit_callbacks(execute=True):
        for now in moments:
            services.send_due(now=now)
    endpoint.refresh_from_db()
    assert not endpoint.active and endpoint.disabled_at in moments and endpoint.consecutive_failures == 2
    assert set(Delivery.objects.values_list("state", flat=True)) == {"failed"}
    [message] = mail.outbox
    assert message.to == [org_admin.email] and "Webhook" in message.subject and endpoint.url in message.body
    assert AuditEvent.objects.filter(verb="webhook_endpoint.disabled").count() == 1
    sent = len(receiver.received)
    issue("c")  # a turned-off endpoint is sent nothing more
    assert len(receiver.received) == sent and Delivery.objects.count() == 2


def test_a_success_resets_the_count_of_failures(endpoint, receiver, issue):
    Endpoint.objects.filter(pk=endpoint.pk).update(consecutive_failures=3)
    issue()
    assert Endpoint.objects.get().consecutive_failures == 0


def test_only_the_events_an_endpoint_subscribed_to_are_sent(
    organisation, org_admin, receiver, loopback, issue, django_capture_on_commit_callbacks
):
    services.create_endpoint(
        organisation=organisation, url=receiver.url(), events=[Event.CREDENTIAL_REVOKED], actor=org_admin
    )
    credential = issue()
    assert receiver.received == []
    with django_capture_on_commit_callbacks(execute=True):
        issuing.revoke_credential(credential=credential, reason="Obtenue par erreur", actor=org_admin)
    assert types(receiver) == ["credential.revoked"]


def test_another_organisation_never_receives_your_events(organisation, receiver, loopback, issue, make_user):
    other_admin = make_user("admin@other.test")
    other = create_organisation(name="Autre", kind=Organisation.Kind.COLLEGE, admin=other_admin, slug="autre")
    services.create_endpoint(organisation=other, url=receiver.url(), events=Event.values, actor=other_admin)
    issue()
    assert receiver.received == [] and Delivery.objects.count() == 0


def test_revocation_suspension_and_reinstatement_are_sent(
    endpoint, receiver, issue, org_admin, django_capture_on_commit_callbacks
):
    credential = issue()
    with django_capture_on_commit_callbacks(execute=True):
        issuing.suspend_credential(credential=credential, reason="Vérification", actor=org_admin)
    with django_capture_on_commit_callbacks(execute=True):
        issuing.reinstate_credential(credential=credential, actor=org_admin)
    with django_capture_on_commit_callbacks(execute=True):
        issuing.revoke_credential(credential=credential, reason="Fraude", actor=org_admin)
    assert types(receiver) == [
        "credential.issued", "credential.suspended", "credential.reinstated", "credential.revoked",
    ]  # fmt: skip
    revoked = receiver.received[-1].json()["data"]
    assert revoked["credential"] == {
        "id": f"urn:uuid:{credential.uuid}", "status": "revoked", "reason": "Fraude",
        "issuedAt": credential.issued_at.isoformat(timespec="seconds").replace("+00:00", "Z"), "validUntil": None,
    }  # fmt: skip
    assert "recipient" not in revoked  # the credential's id is enough to find it


def test_nothing_is_sent_when_the_change_is_rolled_back(
    endpoint, receiver, organisation, version, learner, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        issuing.issue_credential(
            organisation=organisation, version=version, recipient=learner,
            recipient_email=learner.email, idempotency_key="k", source="bulk",
        )  # fmt: skip
        raise RuntimeError("the caller fails after issuing")
    assert receiver.received == [] and Delivery.objects.count() == 0


def endorsement_fields():
    return {"endorser_name": "Luc Gagnon", "endorser_email": "luc@example.test", "relationship": "coach",
            "context": "Ligue de hockey novice, deux saisons", "period_start": date(2024, 9, 1)}  # fmt: skip


def test_an_endorsement_received_for_a_submitted_request_is_sent_without_the_endorser(
    organisation, org_admin, learner, version, receiver, loopback, django_capture_on_commit_callbacks
):
    services.create_endpoint(
        organisation=organisation, url=receiver.url(), events=[Event.ENDORSEMENT_RECEIVED], actor=org_admin
    )
    request = recognition.open_request(learner=learner, micro_credential=version.micro_credential)
    recognition.RecognitionRequest.objects.filter(pk=request.pk).update(
        status="submitted", submitted_at=timezone.now()
    )
    request.refresh_from_db()
    _invitation, token = recognition.invite_endorser(request=request, name="Luc")
    with django_capture_on_commit_callbacks(execute=True):
        recognition.record_endorsement(token=token, fields=endorsement_fields(), observations=[])
    [got] = receiver.received
    payload = got.json()
    assert payload["type"] == "endorsement.received"
    assert payload["data"]["request"] == {"id": str(request.uuid), "status": "submitted"}
    strength = {
        key: payload["data"]["endorsement"][key]
        for key in ("relationship", "verification", "periodStart", "periodEnd")
    }
    assert strength == {
        "relationship": "coach",
        "verification": "link",
        "periodStart": "2024-09-01",
        "periodEnd": None,
    }
    assert (
        b"luc@example.test" not in got.body
        and b"Luc" not in got.body
        and learner.email.encode() not in got.body
    )


def test_an_endorsement_of_a_draft_is_not_announced(
    organisation, org_admin, learner, version, receiver, loopback, django_capture_on_commit_callbacks
):
    services.create_endpoint(
        organisation=organisation, url=receiver.url(), events=[Event.ENDORSEMENT_RECEIVED], actor=org_admin
    )
    request = recognition.open_request(learner=learner, micro_credential=version.micro_credential)
    _invitation, token = recognition.invite_endorser(request=request, name="Luc")
    with django_capture_on_commit_callbacks(execute=True):
        recognition.record_endorsement(token=token, fields=endorsement_fields(), observations=[])
    assert receiver.received == [] and Delivery.objects.count() == 0


def test_one_attempt_is_made_by_one_sender_only(endpoint, receiver, organisation):
    [delivery] = services.emit(organisation=organisation, event="credential.issued", data={})
    now = timezone.now()
    assert services._claim(delivery.pk, now) is True
    assert services._claim(delivery.pk, now) is False  # a second sender finds it taken
    assert services.attempt(delivery_id=delivery.pk, now=now) is None
    assert receiver.received == []
    # a sender that died holding it: the lease runs out and the delivery is due again
    assert services.send_due(now=now + services.LEASE + timedelta(seconds=1))["delivered"] == 1


def test_the_command_sends_what_is_due_and_running_it_again_sends_nothing_twice(
    endpoint, receiver, organisation, capsys
):
    services.emit(organisation=organisation, event="credential.issued", data={})  # never committed here
    assert receiver.received == []
    call_command("send_webhooks")
    call_command("send_webhooks")
    assert len(receiver.received) == 1
    assert "delivered 1" in capsys.readouterr().out
    assert Delivery.objects.get().state == "delivered"


def test_while_an_endpoint_fails_a_new_event_waits_for_the_command_instead_of_the_request(
    endpoint, receiver, issue
):
    receiver.answers = [500]
    issue("a")
    issue("b")  # made in a request: the endpoint that just failed is not called again meanwhile
    assert len(receiver.received) == 1
    waiting = Delivery.objects.get(attempts=0)
    assert waiting.state == "pending" and waiting.next_attempt_at <= timezone.now()
    assert services.send_due()["delivered"] == 1  # the command sends it
    waiting.refresh_from_db()
    assert waiting.state == "delivered" and len(receiver.received) == 2


def test_the_command_stops_calling_an_endpoint_that_does_not_answer_for_the_rest_of_its_run(
    organisation, org_admin, loopback
):
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there: each call fails at once, without an answer
    services.create_endpoint(
        organisation=organisation, url=f"http://127.0.0.1:{port}/", events=Event.values, actor=org_admin
    )
    for _ in range(3):
        services.emit(organisation=organisation, event="credential.issued", data={})
    assert services.send_due() == {"delivered": 0, "retry": 1, "failed": 0, "skipped": 2}
    assert sorted(Delivery.objects.values_list("attempts", flat=True)) == [0, 0, 1]
    assert Delivery.objects.get(attempts=1).last_error_code == "connection_refused"


def test_an_unknown_event_is_a_programming_error(organisation):
    with pytest.raises(ValueError, match="unknown webhook event"):
        services.emit(organisation=organisation, event="credential.deleted", data={})


def test_a_long_run_claims_each_delivery_from_the_moment_it_is_tried(endpoint, organisation, monkeypatch):
    for _ in range(2):
        services.emit(organisation=organisation, event="credential.issued", data={})
    Delivery.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    asked = []
    monkeypatch.setattr(services, "attempt", lambda *, delivery_id, now=None: asked.append(now))
    services.send_due()
    # each attempt reads the clock itself: a run longer than the lease never claims nor schedules a
    # retry from a moment already past
    assert asked == [None, None]
