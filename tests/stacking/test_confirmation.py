"""A certificate issued after confirmation waits in its organisation's queue: its admins and
assessors confirm (the certificate is issued) or decline with a reason (the learner is told). Nobody
else reaches the queue."""

from __future__ import annotations

import html

import pytest
from django.core import mail

from carnet.audit.models import AuditEvent
from carnet.inbox.models import Notification
from carnet.issuing import services as issuing
from carnet.organisations.models import Membership
from carnet.organisations.services import add_member
from carnet.stacking.models import Confirmation, IssuedCertificate

pytestmark = pytest.mark.django_db
QUEUE = "/organisations/cje-test/certificats-a-confirmer/"


@pytest.fixture
def parts(versions):
    return versions[:2]


@pytest.fixture
def certificate(make_certificate, parts):
    return make_certificate([(None, "all", 1, parts)], issuance="confirmed")


@pytest.fixture
def pending(certificate, parts, issue, on_commit):
    with on_commit():
        for version in parts:
            issue(version)
    return Confirmation.objects.get()


def page(response) -> str:
    return html.unescape(response.content.decode())


def test_a_completion_waits_for_confirmation(pending, certificate, learner):
    assert pending.certificate == certificate and pending.recipient == learner
    assert pending.status == "pending" and not IssuedCertificate.objects.exists()
    assert AuditEvent.objects.filter(verb="certificate.confirmation_requested").exists()


def test_admins_and_assessors_are_told(assessor, pending, org_admin, learner):
    for person in (org_admin, assessor):
        notification = Notification.objects.get(user=person, kind="certificate.to_confirm")
        assert notification.link == QUEUE and notification.data["person"] == str(learner)
    assert not Notification.objects.filter(user=learner, kind="certificate.to_confirm").exists()
    subjects = [m.subject for m in mail.outbox if m.to in ([org_admin.email], [assessor.email])]
    assert len(subjects) == 2
    assert all(s.startswith("Certificat à confirmer : « Prêt·e pour l'emploi »") for s in subjects)


@pytest.mark.parametrize("role", ["org_admin", "assessor"])
def test_the_queue_lists_it_with_what_completes_it(pending, client, role, request):
    client.force_login(request.getfixturevalue(role))
    text = page(client.get(QUEUE))
    assert "Prêt·e pour l'emploi" in text and "learner@example.test" in text
    assert "Fiabilité" in text and "Communication" in text
    assert f"{QUEUE}{pending.pk}/confirmer/" in text


@pytest.mark.parametrize("role", ["org_admin", "assessor"])
def test_the_home_page_counts_what_waits(pending, client, role, request):
    client.force_login(request.getfixturevalue(role))
    assert f'<a href="{QUEUE}">Certificats à confirmer (1)</a>' in page(client.get("/"))


def test_the_home_page_of_the_person_waiting_does_not_count_it(pending, client, learner):
    client.force_login(learner)
    assert "Certificats à confirmer" not in page(client.get("/"))


def test_confirming_issues_the_certificate(pending, client, assessor, learner, on_commit):
    client.force_login(assessor)
    with on_commit():
        response = client.post(f"{QUEUE}{pending.pk}/confirmer/")
    assert response.status_code == 302 and response["Location"] == QUEUE
    issued = IssuedCertificate.objects.get()
    assert issued.recipient == learner and issued.confirmed_by == assessor
    pending.refresh_from_db()
    assert pending.status == "confirmed" and pending.issued == issued and pending.decided_by == assessor
    event = AuditEvent.objects.get(verb="certificate.issued")
    assert event.actor == assessor and event.data["issuance"] == "confirmed"
    assert Notification.objects.filter(user=learner, kind="certificate.issued").exists()
    assert "Aucun certificat n'attend votre confirmation." in page(client.get(QUEUE))


def test_confirming_twice_issues_once(pending, client, assessor, org_admin):
    client.force_login(assessor)
    client.post(f"{QUEUE}{pending.pk}/confirmer/")
    client.force_login(org_admin)
    response = client.post(f"{QUEUE}{pending.pk}/confirmer/", follow=True)
    assert "Cette demande a déjà été traitée." in page(response)
    assert IssuedCertificate.objects.count() == 1


def test_declining_tells_the_learner_why(pending, client, org_admin, learner, on_commit):
    client.force_login(org_admin)
    with on_commit():
        response = client.post(
            f"{QUEUE}{pending.pk}/refuser/", {f"c{pending.pk}-reason": "Entrevue requise."}
        )
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == "declined" and pending.reason == "Entrevue requise."
    assert not IssuedCertificate.objects.exists()
    assert Notification.objects.get(user=learner, kind="certificate.declined").link == "/mon-carnet/"
    (email,) = [m for m in mail.outbox if m.to == [learner.email] and "Décision" in m.subject]
    assert "Motif : Entrevue requise." in email.body
    assert AuditEvent.objects.get(verb="certificate.declined").actor == org_admin
    client.force_login(learner)
    assert "Entrevue requise." in page(client.get("/mon-carnet/"))


def test_a_decline_needs_a_reason(pending, client, org_admin):
    client.force_login(org_admin)
    response = client.post(f"{QUEUE}{pending.pk}/refuser/", {f"c{pending.pk}-reason": "  "})
    assert response.status_code == 400
    assert "Indiquez le motif du refus" in page(response)
    pending.refresh_from_db()
    assert pending.status == "pending"


def test_a_declined_completion_is_not_queued_again_by_a_retry(pending, client, org_admin, parts, on_commit):
    from carnet.stacking import tasks

    client.force_login(org_admin)
    client.post(f"{QUEUE}{pending.pk}/refuser/", {f"c{pending.pk}-reason": "Non."})
    last = pending.recipient.issued_credentials.order_by("-issued_at").first()
    with on_commit():
        tasks.check_certificates.enqueue(last.pk)
    assert list(Confirmation.objects.values_list("status", flat=True)) == ["declined"]


def test_a_new_micro_credential_after_a_decline_asks_again(
    make_certificate, versions, issue, client, org_admin, on_commit
):
    a, b, *_ = versions
    make_certificate([(None, "n_of", 1, (a, b))], issuance="confirmed", name_fr="Au choix")
    with on_commit():
        issue(a)
    first = Confirmation.objects.get()
    client.force_login(org_admin)
    client.post(f"{QUEUE}{first.pk}/refuser/", {f"c{first.pk}-reason": "Pas encore."})
    with on_commit():
        issue(b)
    assert list(Confirmation.objects.order_by("pk").values_list("status", flat=True)) == [
        "declined",
        "pending",
    ]


def test_it_refuses_to_confirm_what_is_no_longer_complete(pending, client, org_admin, parts):
    credential = pending.recipient.issued_credentials.get(micro_credential_version=parts[0])
    issuing.revoke_credential(credential=credential, reason="Erreur", actor=org_admin)
    client.force_login(org_admin)
    assert "Les conditions ne sont plus remplies" in page(client.get(QUEUE))
    response = client.post(f"{QUEUE}{pending.pk}/confirmer/", follow=True)
    assert "Les conditions ne sont plus remplies" in page(response)
    assert not IssuedCertificate.objects.exists()


def test_switching_to_automatic_issues_at_the_next_completion(
    certificate, versions, issue, on_commit, learner
):
    a, b, *_ = versions
    with on_commit():
        issue(a)
    type(certificate).objects.filter(pk=certificate.pk).update(issuance="automatic")
    with on_commit():
        issue(b)
    assert IssuedCertificate.objects.get().recipient == learner
    assert not Confirmation.objects.exists()


def test_nobody_confirms_their_own_certificate(pending, client, learner, organisation):
    add_member(organisation=organisation, user=learner, role=Membership.Role.ASSESSOR)
    client.force_login(learner)
    assert "Aucun certificat n'attend votre confirmation." in page(client.get(QUEUE))
    assert client.post(f"{QUEUE}{pending.pk}/confirmer/").status_code == 404


@pytest.mark.parametrize("who", ["other_assessor", "learner", "outsider", "employer"])
def test_others_get_404(pending, client, who, request):
    client.force_login(request.getfixturevalue(who))
    assert client.get(QUEUE).status_code == 404
    assert client.post(f"{QUEUE}{pending.pk}/confirmer/").status_code == 404
    assert client.post(f"{QUEUE}{pending.pk}/refuser/", {f"c{pending.pk}-reason": "x"}).status_code == 404
    pending.refresh_from_db()
    assert pending.status == "pending" and not IssuedCertificate.objects.exists()


def test_an_assessor_of_another_organisation_cannot_reach_it_through_their_own_queue(
    pending, client, other_assessor
):
    client.force_login(other_assessor)
    other_queue = "/organisations/cegep-autre/certificats-a-confirmer/"
    assert client.get(other_queue).status_code == 200
    assert client.post(f"{other_queue}{pending.pk}/confirmer/").status_code == 404


def test_a_member_without_the_role_gets_404(pending, client, make_user, organisation):
    member = make_user("membre@org.test")
    add_member(organisation=organisation, user=member, role=Membership.Role.MEMBER)
    client.force_login(member)
    assert client.get(QUEUE).status_code == 404


def test_anonymous_people_are_sent_to_log_in(pending, client):
    assert client.get(QUEUE).status_code == 302
    assert client.post(f"{QUEUE}{pending.pk}/confirmer/").status_code == 302
    assert not IssuedCertificate.objects.exists()


def test_the_queue_accepts_only_posts_to_decide(pending, client, org_admin):
    client.force_login(org_admin)
    assert client.get(f"{QUEUE}{pending.pk}/confirmer/").status_code == 405
