"""apply_retention deletes what the retention settings no longer keep: idempotent, audited, dry-run."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import timezone

from carnet.audit.models import AuditEvent
from carnet.portfolio.models import ShareLink
from carnet.privacy.retention import apply_retention
from carnet.recognition.models import RecognitionRequest

pytestmark = pytest.mark.django_db


def age(days):
    return timezone.now() - timedelta(days=days)


def test_old_drafts_and_closed_links_go_and_a_second_run_finds_nothing(
    full_learner, make_user, django_capture_on_commit_callbacks
):
    RecognitionRequest.objects.filter(learner=full_learner).update(updated_at=age(400))
    ShareLink.objects.update(expires_at=age(100))
    stale = make_user("never-confirmed@example.test")
    type(stale).objects.filter(pk=stale.pk).update(date_joined=age(40))
    assert apply_retention(dry_run=True)["drafts"] == 1
    assert RecognitionRequest.objects.filter(learner=full_learner).exists()
    with django_capture_on_commit_callbacks(execute=True):
        counts = apply_retention()
    assert counts["drafts"] == 1 and counts["share_links"] == 1 and counts["unverified_accounts"] == 1
    assert not RecognitionRequest.objects.filter(learner=full_learner).exists()
    assert not default_storage.exists(full_learner.evidence_file)
    assert not type(stale).objects.filter(pk=stale.pk).exists()
    assert type(full_learner).objects.filter(pk=full_learner.pk).exists()  # has a credential: kept
    assert AuditEvent.objects.get(verb="privacy.retention_applied").data["drafts"] == 1
    assert not any(apply_retention().values())


def test_a_period_of_zero_keeps_that_kind_forever(full_learner, settings):
    settings.PRIVACY_RETENTION = {**settings.PRIVACY_RETENTION, "drafts": 0}
    RecognitionRequest.objects.filter(learner=full_learner).update(updated_at=age(4000))
    assert "drafts" not in apply_retention()
    assert RecognitionRequest.objects.filter(learner=full_learner).exists()


def test_the_command_says_what_it_would_delete(capsys, db):
    call_command("apply_retention", "--dry-run")
    assert "drafts: 0 would delete" in capsys.readouterr().out


def test_an_unconfirmed_sign_up_going_leaves_a_credential_issued_to_its_address(
    organisation, version, make_user, django_capture_on_commit_callbacks
):
    from carnet.issuing import services as issuing

    issued = issuing.issue_credential(
        organisation=organisation, version=version, recipient=None, recipient_email="victim@example.org",
        idempotency_key="victim-retention", source="bulk",
    )  # fmt: skip
    squatter = make_user("Victim@example.org")  # signed up with someone else's address, never confirmed
    type(squatter).objects.filter(pk=squatter.pk).update(date_joined=age(40))
    with django_capture_on_commit_callbacks(execute=True):
        assert apply_retention()["unverified_accounts"] == 1
    assert not type(squatter).objects.filter(pk=squatter.pk).exists()
    issued.refresh_from_db()
    assert issued.recipient_email == "victim@example.org"


def test_collusion_signals_are_cleared_after_their_period_and_the_endorsement_stays(
    full_learner, settings, django_capture_on_commit_callbacks
):
    from carnet.recognition.models import Endorsement

    settings.PRIVACY_RETENTION = {**settings.PRIVACY_RETENTION, "collusion_signals": 180, "drafts": 0}
    old = Endorsement.objects.get(invitation__request__learner=full_learner)
    recent = Endorsement.objects.create(
        invitation=old.invitation.__class__.objects.create(
            request=old.invitation.request, name="Récente", token_hash="recent", expires_at=age(-30)
        ),
        endorser_name="Récente",
        relationship="peer",
        context="Au club",
        ip_hash="ip",
    )
    Endorsement.objects.filter(pk=old.pk).update(ip_hash="ip", device_hash="navigateur", created_at=age(200))
    requests = RecognitionRequest.objects.filter(learner=full_learner)
    requests.update(learner_signals={"ip": ["ip"]}, updated_at=age(200))
    with django_capture_on_commit_callbacks(execute=True):
        counts = apply_retention()
    assert counts["endorsement_signals"] == 1 and counts["request_signals"] == 1
    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.ip_hash, old.device_hash, old.endorser_name) == ("", "", "Marie Tremblay")
    assert recent.ip_hash == "ip"
    assert requests.get().learner_signals == {}
    assert not apply_retention()["endorsement_signals"]


def test_request_signals_are_kept_from_when_they_were_added_not_from_the_request_s_last_change(
    full_learner, settings
):
    settings.PRIVACY_RETENTION = {**settings.PRIVACY_RETENTION, "collusion_signals": 180, "drafts": 0}
    requests = RecognitionRequest.objects.filter(learner=full_learner)
    # An invitation added them 10 days ago; the request itself was last changed 200 days ago.
    requests.update(learner_signals={"ip": ["ip"]}, signals_updated_at=age(10), updated_at=age(200))
    assert apply_retention()["request_signals"] == 0
    # Added 200 days ago, while the request was edited yesterday: their time is up.
    requests.update(signals_updated_at=age(200), updated_at=age(1))
    assert apply_retention()["request_signals"] == 1
    assert requests.get().learner_signals == {}


def test_inviting_an_endorser_dates_the_learner_s_signals(full_learner):
    from carnet.recognition import services
    from carnet.recognition.fingerprints import Signals

    request = RecognitionRequest.objects.get(learner=full_learner)  # a draft
    services.invite_endorser(request=request, name="Amie", signals=Signals(ip_hash="h", device_hash="d"))
    request.refresh_from_db()
    assert request.signals_updated_at is not None and request.learner_signals["device"] == ["d"]
