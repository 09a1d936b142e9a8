"""The learner's request: opened once, saved as typed, refused when incomplete, frozen once submitted."""

from __future__ import annotations

from datetime import date

import pytest
from django.core import mail

from carnet.audit.models import AuditEvent
from carnet.catalogue import services as catalogue
from carnet.recognition import services
from carnet.recognition.models import RecognitionRequest

pytestmark = pytest.mark.django_db


def test_it_opens_one_request_per_micro_credential(learner, micro_credential):
    first = services.open_request(learner=learner, micro_credential=micro_credential)
    assert services.open_request(learner=learner, micro_credential=micro_credential) == first
    assert first.status == "draft" and first.version == micro_credential.current_version()
    assert AuditEvent.objects.filter(verb="request.opened").count() == 1


def test_a_draft_or_archived_micro_credential_cannot_be_requested(learner, micro_credential):
    catalogue.archive_micro_credential(micro_credential=micro_credential)
    with pytest.raises(services.RecognitionError):
        services.open_request(learner=learner, micro_credential=micro_credential)


def test_the_request_keeps_the_version_it_was_opened_against(draft_request, micro_credential):
    version = draft_request.version
    catalogue.update_micro_credential(
        micro_credential=micro_credential, fields={**version.__dict__, "name_fr": "Travail d'équipe (révisé)"}
    )
    catalogue.publish_micro_credential(micro_credential=micro_credential)
    draft_request.refresh_from_db()
    assert draft_request.version == version


def test_submitting_says_what_is_missing_and_changes_nothing(draft_request):
    with pytest.raises(services.RecognitionError) as refused:
        services.submit_request(request=draft_request)
    message = str(refused.value)
    assert "au moins 80 caractères" in message and "lieu" in message and "endossement" in message
    draft_request.refresh_from_db()
    assert draft_request.status == "draft" and draft_request.submitted_at is None


def test_a_complete_request_is_submitted_and_assessors_are_told(
    ready_request, assessor, org_admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.submit_request(request=ready_request)
    ready_request.refresh_from_db()
    assert ready_request.status == "submitted" and ready_request.submitted_at is not None
    assert sorted(m.to[0] for m in mail.outbox) == ["admin@org.test", "assessor@org.test"]
    assert "Travail d'équipe" in mail.outbox[0].subject
    assert f"/evaluation/{ready_request.uuid}/" in mail.outbox[0].body


def test_a_submitted_request_can_no_longer_be_edited(submitted_request):
    with pytest.raises(services.RecognitionError):
        services.save_draft(request=submitted_request, narrative="Autre chose")
    with pytest.raises(services.RecognitionError):
        services.set_places(request=submitted_request, places=[])
    with pytest.raises(services.RecognitionError):
        services.add_evidence_note(
            request=submitted_request, title="Un lien", description="", url="https://a.test"
        )
    submitted_request.refresh_from_db()
    assert submitted_request.narrative.startswith("Pendant deux saisons")


def test_places_with_an_end_before_their_start_are_refused(draft_request):
    services.set_places(request=draft_request, places=[{"learning_context": "work", "name": "Atelier"}])
    with pytest.raises(services.RecognitionError):
        services.set_places(
            request=draft_request,
            places=[
                {
                    "learning_context": "work",
                    "name": "Usine",
                    "start_date": date(2024, 5, 1),
                    "end_date": date(2024, 1, 1),
                }
            ],
        )
    assert [p.name for p in draft_request.places.all()] == ["Atelier"]  # what was saved stays


def test_a_level_of_another_competency_is_not_kept(draft_request):
    from carnet.frameworks.models import Level

    other = Level.objects.exclude(
        competency__in=draft_request.version.alignments.values("competency")
    ).first()
    services.save_draft(request=draft_request, narrative="x", claimed_level=other)
    draft_request.refresh_from_db()
    assert draft_request.claimed_level is None


def test_withdrawing_cancels_pending_invitations(draft_request):
    invitation, _token = services.invite_endorser(request=draft_request, name="Luc")
    services.withdraw_request(request=draft_request)
    invitation.refresh_from_db()
    assert invitation.status == "cancelled"
    assert RecognitionRequest.objects.get(pk=draft_request.pk).status == "withdrawn"
    with pytest.raises(services.RecognitionError):
        services.withdraw_request(request=draft_request)
