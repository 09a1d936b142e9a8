"""The in-app inbox: what the journey tells each person, worded in their language, seen by them only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from carnet.inbox import services
from carnet.inbox.messages import SENTENCES
from carnet.inbox.models import Notification
from carnet.recognition import services as recognition

pytestmark = pytest.mark.django_db


def kinds(user):
    return list(Notification.objects.filter(user=user).order_by("pk").values_list("kind", flat=True))


def test_the_journey_fills_the_inboxes(
    ready_request, learner, org_admin, assessor, competency, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        submitted_request = recognition.submit_request(request=ready_request)
    assert kinds(org_admin) == kinds(assessor) == ["request.submitted"]
    assert kinds(learner) == []
    with django_capture_on_commit_callbacks(execute=True):
        recognition.request_changes(
            request=submitted_request,
            assessor=assessor,
            reasons="Précisez les dates.",
            seen_status="submitted",
        )
    assert kinds(learner) == ["request.changes"]
    with django_capture_on_commit_callbacks(execute=True):
        recognition.submit_request(request=submitted_request)
    with django_capture_on_commit_callbacks(execute=True):
        recognition.approve_request(
            request=submitted_request, assessor=assessor, level=competency.levels.get(rank=2),
            seen_status="submitted",
        )  # fmt: skip
    assert kinds(learner) == ["request.changes", "credential.issued"]
    submitted_request.refresh_from_db()
    issued = Notification.objects.get(user=learner, kind="credential.issued")
    assert issued.link == reverse("issued:mine", args=[submitted_request.credential.uuid])


def test_a_second_review_is_announced_to_the_other_assessors(
    submitted_request, org_admin, assessor, competency, django_capture_on_commit_callbacks
):
    organisation = submitted_request.organisation
    organisation.requires_second_review = True
    organisation.save(update_fields=["requires_second_review"])
    with django_capture_on_commit_callbacks(execute=True):
        recognition.approve_request(
            request=submitted_request, assessor=assessor, level=None, seen_status="submitted"
        )
    assert "request.awaiting_second" in kinds(org_admin)
    assert "request.awaiting_second" not in kinds(assessor)


def test_endorsements_reach_the_learners_inbox(client, ready_request, learner, endorse):
    from carnet.recognition import notify

    notify.endorsement_received(endorse(ready_request, name="Sylvie Gagnon"))
    notification = Notification.objects.get(user=learner)
    assert notification.kind == "endorsement.received"
    assert notification.link == reverse("recognition:request", args=[ready_request.uuid])
    client.force_login(learner)
    page = client.get(reverse("inbox:inbox")).content.decode()
    assert "Sylvie Gagnon a endossé votre demande « Travail d&#x27;équipe »." in page


def test_the_inbox_lists_only_ones_own_and_reads_in_both_languages(client, learner, outsider):
    services.notify(learner, "credential.issued", link="/", title_fr="Fiabilité", title_en="Reliability")
    services.notify(outsider, "credential.revoked", link="/", title_fr="Secret", title_en="Secret")
    client.force_login(learner)
    french = client.get(reverse("inbox:inbox")).content.decode()
    assert "Votre microattestation « Fiabilité » est délivrée." in french and "Secret" not in french
    english = client.get("/en/notifications/").content.decode()
    assert "Reliability" in english and "Fiabilité" not in english


def test_the_header_counts_unread_and_opening_marks_read(client, learner, micro_credential):
    link = micro_credential.get_absolute_url()
    notification = services.notify(learner, "credential.issued", link=link, title_fr="Fiabilité")
    client.force_login(learner)
    assert '1<span class="visually-hidden"> non lues' in client.get(reverse("home")).content.decode()
    response = client.get("/en" + reverse("inbox:open", args=[notification.pk]))
    assert response.status_code == 302 and response["Location"] == "/en" + link
    notification.refresh_from_db()
    assert notification.read_at is not None
    assert "non lues" not in client.get(reverse("home")).content.decode()


def test_nobody_opens_anothers_notification(client, learner, outsider):
    notification = services.notify(learner, "credential.issued", link="/", title_fr="Fiabilité")
    client.force_login(outsider)
    assert client.get(reverse("inbox:open", args=[notification.pk])).status_code == 404
    client.post(reverse("inbox:mark_all_read"))
    notification.refresh_from_db()
    assert notification.read_at is None


def test_anonymous_visitors_are_sent_to_log_in(client):
    assert client.get(reverse("inbox:inbox")).status_code == 302
    assert client.post(reverse("inbox:mark_all_read")).status_code == 302


def test_mark_all_read_rejects_get(client, learner):
    client.force_login(learner)
    assert client.get(reverse("inbox:mark_all_read")).status_code == 405


def test_mark_all_read(client, learner):
    for _ in range(3):
        services.notify(learner, "credential.issued", link="/", title_fr="Fiabilité")
    client.force_login(learner)
    client.post(reverse("inbox:mark_all_read"))
    assert not services.unread(learner).exists()


def test_an_outside_link_is_never_followed(client, learner):
    notification = Notification.objects.create(
        user=learner, kind="credential.issued", link="https://evil.test/"
    )
    client.force_login(learner)
    response = client.get(reverse("inbox:open", args=[notification.pk]))
    assert response["Location"] == reverse("inbox:inbox")


def test_unknown_kinds_are_refused_when_written(learner):
    with pytest.raises(ValueError):
        services.notify(learner, "nothing.known")
    assert set(SENTENCES) >= {"credential.issued", "request.submitted"}
