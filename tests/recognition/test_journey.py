"""The whole journey through the pages: a learner asks, documents and invites; an endorser with no
account testifies; an assessor approves; a signed credential with the endorsement embedded is issued."""

from __future__ import annotations

import html
import io
import re

import pytest
from django.core import mail
from PIL import Image

from carnet.credentials import verify
from carnet.issuing import identity
from carnet.recognition import services
from carnet.recognition.models import Endorsement, EndorsementInvitation, RecognitionRequest

pytestmark = pytest.mark.django_db
NARRATIVE = "Pendant deux saisons, j'ai entraîné l'équipe de hockey novice de mon quartier : planifier, parler aux parents."


def png():
    out = io.BytesIO()
    Image.new("RGB", (20, 20), "#0b5394").save(out, format="PNG")
    out.seek(0)
    out.name = "photo-equipe.png"
    return out


def test_the_whole_journey(
    client, learner, assessor, micro_credential, competency, django_capture_on_commit_callbacks
):
    client.force_login(learner)
    response = client.post(f"/demandes/ouvrir/cje-test/{micro_credential.slug}/")
    item = RecognitionRequest.objects.get(learner=learner)
    assert response["Location"] == f"/demandes/{item.uuid}/"
    saved = client.post(f"/demandes/{item.uuid}/brouillon/", {"narrative": NARRATIVE, "claimed_level": ""})
    assert saved.json()["saved"] is True
    client.post(
        f"/demandes/{item.uuid}/lieux/",
        {"places-TOTAL_FORMS": "1", "places-INITIAL_FORMS": "0", "places-0-learning_context": "sport",
         "places-0-name": "Hockey mineur Rosemont", "places-0-role": "Entraîneur"},
    )  # fmt: skip
    client.post(f"/demandes/{item.uuid}/preuves/", {"kind": "file", "file": png(), "title": "L'équipe"})
    assert item.evidence.get().content_type == "image/png"
    client.post(f"/demandes/{item.uuid}/endosseurs/", {"name": "Marie Tremblay", "relationship": "coach"})
    page = client.get(f"/demandes/{item.uuid}/").content.decode()
    token = re.search(r"/endosser/([\w-]+)/", page).group(1)
    assert token not in client.get(f"/demandes/{item.uuid}/").content.decode()  # shown once

    client.logout()  # the endorser has no account
    form = client.get(f"/endosser/{token}/")
    text = html.unescape(form.content.decode())
    assert "Témoigner pour" in text and "Coordonne le travail d'un groupe." in text
    with django_capture_on_commit_callbacks(execute=True):
        thanks = client.post(
            f"/endosser/{token}/",
            {"endorser_name": "Marie Tremblay", "relationship": "coach", "context": "Ligue novice, deux saisons",
             "criterion_0": "Il planifiait chaque pratique.", "level_observed": "", "consent_to_be_named": "on",
             "confirm": "on"},
        )  # fmt: skip
    assert thanks.status_code == 200 and "Merci" in thanks.content.decode()
    endorsement = Endorsement.objects.get()
    assert endorsement.document["type"] == ["VerifiableCredential", "EndorsementCredential"]
    assert verify(endorsement.document, resolver=identity.resolver()).valid
    assert "a endossé votre demande" in mail.outbox[-1].subject
    assert client.get(f"/endosser/{token}/").status_code == 410  # single use

    client.force_login(learner)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/demandes/{item.uuid}/soumettre/")
    item.refresh_from_db()
    assert item.status == "submitted"

    client.force_login(assessor)
    assert learner.email in client.get("/organisations/cje-test/demandes/").content.decode() or str(
        learner
    ) in (client.get("/organisations/cje-test/demandes/").content.decode())
    review = html.unescape(client.get(f"/evaluation/{item.uuid}/").content.decode())
    assert "Il planifiait chaque pratique." in review and "Marie Tremblay" in review
    assert client.get(f"/demandes/{item.uuid}/preuves/{item.evidence.get().pk}/").status_code == 200
    level = competency.levels.get(rank=2)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/evaluation/{item.uuid}/decision/",
            {"decision": "approve", "level": level.pk, "seen_status": "submitted"},
        )
    item.refresh_from_db()
    assert item.status == "approved" and item.credential is not None
    document = item.credential.document
    assert document["id"] == f"urn:uuid:{item.uuid}"
    assert document["endorsement"][0]["credentialSubject"]["id"] == document["id"]
    assert {e["name"] for e in document["evidence"]} == {"Hockey mineur Rosemont", "L'équipe"}
    report = verify(document, resolver=identity.resolver())
    assert report.valid, report.to_dict("en")
    assert "est délivrée" in mail.outbox[-1].subject and mail.outbox[-1].to == [learner.email]


def test_issuing_again_for_the_same_request_gives_the_same_credential(submitted_request, assessor):
    services.approve_request(
        request=submitted_request, assessor=assessor, level=None, seen_status="submitted"
    )
    first = services.issue_approved_request(submitted_request.pk)
    again = services.issue_approved_request(submitted_request.pk)
    assert first.pk == again.pk


def test_two_assessors_cannot_both_decide(submitted_request, assessor, org_admin):
    services.approve_request(
        request=submitted_request, assessor=assessor, level=None, seen_status="submitted"
    )
    with pytest.raises(services.DecisionConflict):
        services.decline_request(
            request=submitted_request, assessor=org_admin, reasons="Non", seen_status="submitted"
        )
    submitted_request.refresh_from_db()
    assert submitted_request.status == "approved" and submitted_request.decisions.count() == 1


def test_a_second_assessor_confirms_when_the_organisation_requires_it(submitted_request, assessor, org_admin):
    organisation = submitted_request.organisation
    organisation.requires_second_review = True
    organisation.save(update_fields=["requires_second_review"])
    services.approve_request(
        request=submitted_request, assessor=assessor, level=None, seen_status="submitted"
    )
    submitted_request.refresh_from_db()
    assert submitted_request.status == "awaiting_second"
    with pytest.raises(services.RecognitionError):
        services.approve_request(
            request=submitted_request, assessor=assessor, level=None, seen_status="awaiting_second"
        )
    services.approve_request(
        request=submitted_request, assessor=org_admin, level=None, seen_status="awaiting_second"
    )
    submitted_request.refresh_from_db()
    assert submitted_request.status == "approved"


def test_changes_requested_reopen_the_request_for_its_learner(submitted_request, assessor):
    with pytest.raises(services.RecognitionError):
        services.request_changes(
            request=submitted_request, assessor=assessor, reasons=" ", seen_status="submitted"
        )
    services.request_changes(
        request=submitted_request, assessor=assessor, reasons="Ajoutez une photo.", seen_status="submitted"
    )
    submitted_request.refresh_from_db()
    assert submitted_request.is_editable
    services.save_draft(request=submitted_request, narrative=submitted_request.narrative + " Photo ajoutée.")
    services.submit_request(request=submitted_request)


def test_endorsement_invitations_are_limited_and_cannot_target_the_learner(
    draft_request, learner, monkeypatch
):
    with pytest.raises(services.RecognitionError):
        services.invite_endorser(request=draft_request, name="Moi", email=learner.email)
    monkeypatch.setattr(services, "MAX_OPEN_INVITATIONS_PER_REQUEST", 2)
    for number in range(2):
        services.invite_endorser(request=draft_request, name=f"P{number}")
    with pytest.raises(services.RecognitionError):
        services.invite_endorser(request=draft_request, name="P3")


def test_a_resent_invitation_gets_a_new_link_and_the_old_one_stops(draft_request, client):
    invitation, old = services.invite_endorser(request=draft_request, name="Luc")
    new = services.resend_invitation(invitation=invitation)
    assert client.get(f"/endosser/{old}/").status_code == 410
    assert client.get(f"/endosser/{new}/").status_code == 200
    services.cancel_endorsement_invitation(invitation=invitation)
    assert client.get(f"/endosser/{new}/").status_code == 410


def test_an_endorser_can_decline(draft_request, client, django_capture_on_commit_callbacks):
    _invitation, token = services.invite_endorser(request=draft_request, name="Luc")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/endosser/{token}/decliner/", {"reason": "Je ne l'ai pas assez vu."})
    assert EndorsementInvitation.objects.get().status == "declined"
    assert "a décliné" in mail.outbox[-1].subject


def test_the_endorsement_form_keeps_what_was_typed_on_error(draft_request, client):
    _invitation, token = services.invite_endorser(request=draft_request, name="Luc")
    response = client.post(f"/endosser/{token}/", {"endorser_name": "Luc", "context": "Au travail, deux ans"})
    assert response.status_code == 400 and "Au travail, deux ans" in response.content.decode()
    assert not Endorsement.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "/demandes/{uuid}/", "/demandes/{uuid}/brouillon/", "/demandes/{uuid}/lieux/", "/demandes/{uuid}/preuves/",
        "/demandes/{uuid}/endosseurs/", "/demandes/{uuid}/soumettre/", "/demandes/{uuid}/retirer/",
        "/demandes/{uuid}/messages/",
    ],
)  # fmt: skip
def test_only_the_learner_reaches_their_request(client, submitted_request, outsider, assessor, url):
    url = url.format(uuid=submitted_request.uuid)
    for person in (outsider, assessor):
        client.force_login(person)
        assert client.post(url).status_code == 404
    client.logout()
    assert client.post(url).status_code == 302


@pytest.mark.parametrize(
    "url", ["/evaluation/{uuid}/", "/evaluation/{uuid}/decision/", "/evaluation/{uuid}/assigner/"]
)
def test_only_the_organisations_assessors_review(
    client, submitted_request, learner, outsider, employer, make_user, url
):
    from carnet.organisations.services import create_organisation

    other_admin = make_user("admin@other.test")
    create_organisation(name="Autre", kind="college", admin=other_admin)
    url = url.format(uuid=submitted_request.uuid)
    for person in (learner, outsider, employer, other_admin):
        client.force_login(person)
        assert client.post(url).status_code == 404
    submitted_request.refresh_from_db()
    assert submitted_request.status == "submitted"


def test_drafts_are_not_shown_to_assessors(client, draft_request, assessor):
    client.force_login(assessor)
    assert client.get(f"/evaluation/{draft_request.uuid}/").status_code == 404
    assert (
        str(draft_request.uuid)
        not in client.get("/organisations/cje-test/demandes/?etat=draft").content.decode()
    )


def test_an_evidence_file_is_served_only_to_the_learner_and_assessors(
    client, ready_request, learner, assessor, outsider, employer
):
    evidence = services.add_evidence_file(
        request=ready_request, name="equipe.png", data=png().read(), title="Équipe"
    )
    url = f"/demandes/{ready_request.uuid}/preuves/{evidence.pk}/"
    client.force_login(learner)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Security-Policy"].startswith("sandbox")
    client.force_login(assessor)
    assert client.get(url).status_code == 404  # a draft stays private, even to the organisation
    services.submit_request(request=ready_request)
    assert client.get(url).status_code == 200
    for person in (outsider, employer):
        client.force_login(person)
        assert client.get(url).status_code == 404


def test_only_the_organisations_assessors_can_be_assigned(
    submitted_request, assessor, learner, outsider, org_admin
):
    for person in (outsider, learner):
        with pytest.raises(services.RecognitionError):
            services.assign_request(request=submitted_request, assessor=person, actor=org_admin)
    services.assign_request(request=submitted_request, assessor=assessor, actor=org_admin)
    submitted_request.refresh_from_db()
    assert submitted_request.assigned_to == assessor


def test_asking_for_changes_after_a_first_approval_drops_its_level(
    submitted_request, assessor, org_admin, competency
):
    organisation = submitted_request.organisation
    organisation.requires_second_review = True
    organisation.save(update_fields=["requires_second_review"])
    level = competency.levels.get(rank=2)
    services.approve_request(
        request=submitted_request, assessor=assessor, level=level, seen_status="submitted"
    )
    services.request_changes(
        request=submitted_request,
        assessor=org_admin,
        reasons="Une preuve de plus.",
        seen_status="awaiting_second",
    )
    submitted_request.refresh_from_db()
    assert submitted_request.status == "changes_requested" and submitted_request.recognised_level is None


def test_an_assessor_asking_for_their_own_recognition_is_not_emailed_about_it(
    make_user, organisation, micro_credential, assessor, endorse, django_capture_on_commit_callbacks
):
    from carnet.organisations.services import add_member

    colleague = make_user("colleague@org.test")
    add_member(organisation=organisation, user=colleague, role="assessor")
    own = services.open_request(learner=assessor, micro_credential=micro_credential)
    services.save_draft(request=own, narrative="x" * 100)
    services.set_places(request=own, places=[{"learning_context": "work", "name": "Atelier"}])
    endorse(own)
    with django_capture_on_commit_callbacks(execute=True):
        services.submit_request(request=own)
    assert sorted(m.to[0] for m in mail.outbox) == ["admin@org.test", "colleague@org.test"]


def test_the_catalogue_page_offers_to_ask_for_it(client, learner, micro_credential):
    url = f"/catalogue/cje-test/{micro_credential.slug}/"
    assert "Connectez-vous pour la demander" in html.unescape(client.get(url).content.decode())
    client.force_login(learner)
    assert f"/demandes/ouvrir/cje-test/{micro_credential.slug}/" in client.get(url).content.decode()


def test_a_draft_withdrawn_before_submission_stays_private(client, draft_request, assessor):
    services.withdraw_request(request=draft_request)
    client.force_login(assessor)
    assert client.get(f"/evaluation/{draft_request.uuid}/").status_code == 404
