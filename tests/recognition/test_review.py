"""The assessors' side: the queue, the request page, assignment, the conversation and the decisions."""

from __future__ import annotations

import html
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.utils import timezone

from carnet.catalogue import services as catalogue
from carnet.organisations.models import Membership
from carnet.organisations.services import add_member, create_organisation
from carnet.recognition import services
from carnet.recognition.models import (
    Decision,
    Endorsement,
    EndorsementInvitation,
    Evidence,
    Message,
    RecognitionRequest,
)
from carnet.recognition.selectors import pending_count, review_queues_for

pytestmark = pytest.mark.django_db
STORY = (
    "J'ai coordonné les bénévoles de la banque alimentaire pendant un an : horaires, accueil des "
    "nouveaux, règlement des désaccords entre équipes."
)


def endorse(request, name="Marie Tremblay", consent=True, **fields):
    invitation = EndorsementInvitation.objects.create(
        request=request, name=name, token_hash=f"review-{name}-{request.pk}",
        expires_at=timezone.now() + timedelta(days=30), status=EndorsementInvitation.Status.COMPLETED,
    )  # fmt: skip
    values = {
        "endorser_name": name, "relationship": "supervisor", "context": "Banque alimentaire du quartier",
        "observations": [{"criterion": "Coordonne le travail d'un groupe.", "observed": "Chaque mardi."}],
        "consent_to_be_named": consent, "document": {},
    }  # fmt: skip
    values.update(fields)
    return Endorsement.objects.create(invitation=invitation, **values)


def submitted(learner, micro_credential, *, days_ago=0):
    request = services.open_request(learner=learner, micro_credential=micro_credential)
    services.save_draft(request=request, narrative=STORY)
    services.set_places(
        request=request,
        places=[{"learning_context": "volunteering", "name": "Banque alimentaire", "role": "Coordonnatrice",
                 "start_date": date(2024, 1, 1), "end_date": date(2024, 12, 31)}],
    )  # fmt: skip
    endorse(request)
    services.submit_request(request=request)
    if days_ago:
        RecognitionRequest.objects.filter(pk=request.pk).update(
            submitted_at=timezone.now() - timedelta(days=days_ago)
        )
    request.refresh_from_db()
    return request


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return html.unescape(response.content.decode())


QUEUE = "/organisations/cje-test/demandes/"


def review_url(request, action=""):
    return f"/evaluation/{request.uuid}/{action}"


@pytest.fixture
def other_assessor(make_user, organisation):
    user = make_user("second@org.test", display_name="Deuxième Évaluatrice")
    add_member(organisation=organisation, user=user, role=Membership.Role.ASSESSOR)
    return user


@pytest.fixture
def second_micro_credential(organisation, competency):
    item = catalogue.create_micro_credential(
        organisation=organisation,
        fields={"name_fr": "Communication orale", "description_fr": "S'exprime clairement.",
                "criteria_fr": "Présente une idée devant un groupe.", "learning_contexts": ["work"],
                "assessment_method": "endorsements", "endorsements_required": 0},
        alignments=[(competency, competency.levels.get(rank=1))],
    )  # fmt: skip
    catalogue.publish_micro_credential(micro_credential=item)
    item.refresh_from_db()
    return item


@pytest.fixture
def elsewhere(make_user, competency):
    """A submitted request of another organisation, and that organisation's assessor."""
    admin = make_user("admin@college.test")
    college = create_organisation(name="Cégep Test", kind="college", admin=admin, slug="cegep-test")
    item = catalogue.create_micro_credential(
        organisation=college,
        fields={"name_fr": "Leadership", "description_fr": "Mobilise un groupe.", "criteria_fr": "Mobilise.",
                "learning_contexts": ["work"], "assessment_method": "endorsements", "endorsements_required": 0},
        alignments=[(competency, None)],
    )  # fmt: skip
    catalogue.publish_micro_credential(micro_credential=item)
    item.refresh_from_db()
    return submitted(make_user("student@college.test"), item), admin


# --- the queue -------------------------------------------------------------------------------------


def test_it_lists_only_this_organisations_requests_awaiting_a_decision(
    client, assessor, submitted_request, draft_request, elsewhere, make_user, micro_credential
):
    approved = submitted(make_user("done@example.test"), micro_credential)
    services.approve_request(request=approved, assessor=assessor, level=None, seen_status="submitted")
    client.force_login(assessor)
    content = page(client, QUEUE)
    assert str(submitted_request.uuid) in content
    assert str(elsewhere[0].uuid) not in content
    assert str(approved.uuid) not in content
    assert "1 demande" in content


def test_it_lists_the_oldest_first_with_their_age(client, assessor, micro_credential, make_user):
    recent = submitted(make_user("recent@example.test", display_name="Récente"), micro_credential, days_ago=2)
    old = submitted(make_user("old@example.test", display_name="Ancienne"), micro_credential, days_ago=12)
    client.force_login(assessor)
    content = page(client, QUEUE)
    assert content.index(str(old.uuid)) < content.index(str(recent.uuid))
    assert "depuis 12 jours" in content and "depuis 2 jours" in content
    assert "1 reçu(s) / 1 requis" in content


def test_it_filters_by_status_micro_credential_and_assignee(
    client, assessor, other_assessor, micro_credential, second_micro_credential, make_user
):
    mine = submitted(make_user("a@example.test"), micro_credential)
    theirs = submitted(make_user("b@example.test"), second_micro_credential)
    nobody = submitted(make_user("c@example.test"), micro_credential)
    declined = submitted(make_user("d@example.test"), micro_credential)
    services.assign_request(request=mine, assessor=assessor, actor=assessor)
    services.assign_request(request=theirs, assessor=other_assessor, actor=other_assessor)
    services.decline_request(
        request=declined, assessor=assessor, reasons="Hors sujet.", seen_status="submitted"
    )
    client.force_login(assessor)

    def listed(query):
        content = page(client, f"{QUEUE}?{query}")
        return {r for r in (mine, theirs, nobody, declined) if str(r.uuid) in content}

    assert listed("") == {mine, theirs, nobody}
    assert listed("attribution=me") == {mine}
    assert listed("attribution=none") == {nobody}
    assert listed(f"microattestation={second_micro_credential.pk}") == {theirs}
    assert listed("etat=declined") == {declined}
    assert listed("etat=all") == {mine, theirs, nobody, declined}
    assert listed("etat=nonsense") == {mine, theirs, nobody}  # unknown filter: the default
    content = page(client, QUEUE)
    assert "À décider (3)" in content and "Refusée (1)" in content


def test_it_paginates(client, assessor, micro_credential, make_user, monkeypatch):
    from carnet.recognition.views import review

    monkeypatch.setattr(review, "PER_PAGE", 2)
    requests = [
        submitted(make_user(f"p{n}@example.test"), micro_credential, days_ago=10 - n) for n in range(3)
    ]
    client.force_login(assessor)
    first, second = page(client, QUEUE), page(client, f"{QUEUE}?page=2")
    assert str(requests[0].uuid) in first and str(requests[2].uuid) not in first
    assert str(requests[2].uuid) in second and "Page 2 de 2" in second


def test_drafts_are_never_visible_to_assessors(client, assessor, draft_request, micro_credential, make_user):
    withdrawn = services.open_request(learner=make_user("w@example.test"), micro_credential=micro_credential)
    services.withdraw_request(request=withdrawn)  # withdrawn before it was ever submitted
    client.force_login(assessor)
    for query in ("", "?etat=draft", "?etat=all", "?etat=withdrawn"):
        content = page(client, QUEUE + query)
        assert str(draft_request.uuid) not in content and str(withdrawn.uuid) not in content
    for item in (draft_request, withdrawn):
        assert client.get(review_url(item)).status_code == 404
        assert client.post(review_url(item, "messages/"), {"body": "Bonjour"}).status_code == 404
    assert not Message.objects.exists()


def test_the_pending_count_is_what_awaits_a_decision(assessor, submitted_request, draft_request, elsewhere):
    organisation = submitted_request.organisation
    assert pending_count(organisation) == 1
    services.request_changes(
        request=submitted_request, assessor=assessor, reasons="Photo.", seen_status="submitted"
    )
    assert pending_count(organisation) == 0
    assert review_queues_for(assessor) == [(organisation, 0)]


def test_an_assessors_own_request_is_not_counted_for_them(
    assessor, other_assessor, micro_credential, competency
):
    own = services.open_request(learner=assessor, micro_credential=micro_credential)
    services.save_draft(request=own, narrative=STORY, claimed_level=competency.levels.get(rank=2))
    services.set_places(request=own, places=[{"learning_context": "work", "name": "Banque alimentaire"}])
    endorse(own)
    services.submit_request(request=own)
    organisation = micro_credential.organisation
    assert review_queues_for(assessor) == [(organisation, 0)]  # nobody reviews their own request
    assert review_queues_for(other_assessor) == [(organisation, 1)]


# --- who may see and act ---------------------------------------------------------------------------

VIEWS = [
    ("get", "queue"),
    ("get", ""),
    ("post", "assigner/"),
    ("post", "decision/"),
    ("post", "messages/"),
]


@pytest.mark.parametrize(("method", "action"), VIEWS)
def test_only_the_organisations_assessors_reach_the_review(
    client, submitted_request, learner, outsider, employer, elsewhere, make_user, assessor, method, action
):
    url = QUEUE if action == "queue" else review_url(submitted_request, action)
    data = {"decision": "decline", "reasons": "Non.", "seen_status": "submitted", "body": "Bonjour",
            "assessor": str(outsider.pk)}  # fmt: skip
    another_learner = make_user("another@example.test")
    for person in (learner, another_learner, outsider, employer, elsewhere[1]):
        client.force_login(person)
        assert getattr(client, method)(url, data).status_code == 404, person
    client.logout()
    response = getattr(client, method)(url, data)
    assert response.status_code == 302
    assert response["Location"].startswith(resolve_url(settings.LOGIN_URL))
    submitted_request.refresh_from_db()
    assert submitted_request.status == "submitted" and submitted_request.assigned_to is None
    assert not Message.objects.exists()


def test_an_assessor_never_reviews_their_own_request(client, organisation, learner, submitted_request):
    add_member(organisation=organisation, user=learner, role=Membership.Role.ASSESSOR)
    client.force_login(learner)
    assert str(submitted_request.uuid) not in page(client, QUEUE)
    assert client.get(review_url(submitted_request)).status_code == 404
    response = client.post(
        review_url(submitted_request, "decision/"),
        {"decision": "approve", "seen_status": "submitted", "level": ""},
    )
    assert response.status_code == 404


def test_the_review_pages_do_not_answer_get_for_writes(client, assessor, submitted_request):
    client.force_login(assessor)
    for action in ("assigner/", "decision/", "messages/"):
        assert client.get(review_url(submitted_request, action)).status_code == 405


# --- the request page ------------------------------------------------------------------------------


def test_it_shows_the_file_and_the_endorsements_side_by_side(client, assessor, submitted_request, competency):
    Evidence.objects.create(
        request=submitted_request, kind="link", title="Vidéo du tournoi", url="https://example.org/tournoi"
    )
    Evidence.objects.create(request=submitted_request, kind="link", title="Piège", url="javascript:alert(1)")
    piece = Evidence.objects.create(request=submitted_request, kind="file", title="Horaire", size=1200)
    endorse(
        submitted_request, name="Jean Secret", consent=False, comment="Très fiable.",
        level_observed=competency.levels.get(rank=3), endorser_organisation="Club secret",
    )  # fmt: skip
    client.force_login(assessor)
    content = page(client, review_url(submitted_request))
    assert "hockey novice de mon quartier" in content and "Hockey mineur Rosemont" in content
    assert f'href="/demandes/{submitted_request.uuid}/preuves/{piece.pk}/"' in content
    assert '<a href="https://example.org/tournoi" rel="noopener noreferrer nofollow"' in content
    assert 'href="javascript:' not in content and "javascript:alert(1)" in content  # shown as text only
    assert "<img" not in content and "<iframe" not in content
    assert "Marie Tremblay" in content and "Chaque mardi." in content
    assert "Jean Secret" not in content and "Club secret" not in content
    assert "Préfère ne pas être nommé·e" in content and "Très fiable." in content
    assert "Coordonne le travail d'un groupe." in content and "observé par 2 endosseur·es" in content
    assert "2 reçu(s) / 1 requis" in content
    assert 'name="seen_status" value="submitted"' in content
    level = competency.levels.get(rank=2)  # the aligned level is chosen by default
    assert f'<option value="{level.pk}" selected>' in content


# --- decisions -------------------------------------------------------------------------------------


@pytest.mark.parametrize("decision", ["changes", "decline"])
def test_asking_for_changes_or_declining_needs_reasons(client, assessor, submitted_request, decision):
    client.force_login(assessor)
    response = client.post(
        review_url(submitted_request, "decision/"),
        {"decision": decision, "reasons": "  ", "seen_status": "submitted"},
    )
    assert response.status_code == 400
    assert 'class="error"' in response.content.decode()
    submitted_request.refresh_from_db()
    assert submitted_request.status == "submitted" and not Decision.objects.exists()


def test_asking_for_changes_reopens_the_request(client, assessor, submitted_request):
    client.force_login(assessor)
    response = client.post(
        review_url(submitted_request, "decision/"),
        {"decision": "changes", "reasons": "Ajoutez une photo de l'horaire.", "seen_status": "submitted"},
        follow=True,
    )
    assert "Modifications demandées" in html.unescape(response.content.decode())
    submitted_request.refresh_from_db()
    assert submitted_request.status == "changes_requested"
    assert submitted_request.decisions.get().reasons == "Ajoutez une photo de l'horaire."


def test_declining_gives_the_reasons(client, assessor, submitted_request):
    client.force_login(assessor)
    client.post(
        review_url(submitted_request, "decision/"),
        {"decision": "decline", "reasons": "Ce n'est pas le bon domaine.", "seen_status": "submitted"},
    )
    submitted_request.refresh_from_db()
    assert submitted_request.status == "declined"
    assert submitted_request.decisions.get().kind == "declined"


def test_approving_records_the_recognised_level(client, assessor, submitted_request, competency):
    level = competency.levels.get(rank=3)
    client.force_login(assessor)
    response = client.post(
        review_url(submitted_request, "decision/"),
        {"decision": "approve", "level": level.pk, "reasons": "", "seen_status": "submitted"},
    )
    assert response.status_code == 302
    submitted_request.refresh_from_db()
    assert submitted_request.status == "approved" and submitted_request.recognised_level == level
    assert submitted_request.decisions.get().level == level


def test_approving_needs_a_level_among_the_aligned_competencies(
    client, assessor, submitted_request, competency
):
    from carnet.frameworks.models import Level

    foreign = Level.objects.exclude(competency=competency).first()
    client.force_login(assessor)
    for level in ("", foreign.pk):
        response = client.post(
            review_url(submitted_request, "decision/"),
            {"decision": "approve", "level": level, "seen_status": "submitted"},
        )
        assert response.status_code == 400
    submitted_request.refresh_from_db()
    assert submitted_request.status == "submitted"


def test_a_second_assessor_must_confirm_when_the_organisation_requires_it(
    client, assessor, other_assessor, submitted_request, competency
):
    organisation = submitted_request.organisation
    organisation.requires_second_review = True
    organisation.save(update_fields=["requires_second_review"])
    level = competency.levels.get(rank=2)
    client.force_login(assessor)
    client.post(
        review_url(submitted_request, "decision/"),
        {"decision": "approve", "level": level.pk, "seen_status": "submitted"},
    )
    submitted_request.refresh_from_db()
    assert submitted_request.status == "awaiting_second"

    content = page(client, review_url(submitted_request))
    assert "exige une deuxième évaluation" in content and "Vous avez donné la première approbation" in content
    response = client.post(
        review_url(submitted_request, "decision/"),
        {"decision": "approve", "level": level.pk, "seen_status": "awaiting_second"},
    )
    assert response.status_code == 400
    assert "doit être faite par une autre personne" in html.unescape(response.content.decode())
    submitted_request.refresh_from_db()
    assert submitted_request.status == "awaiting_second" and submitted_request.decisions.count() == 1

    client.force_login(other_assessor)
    content = page(client, review_url(submitted_request))
    assert f"Première approbation par {assessor}" in content
    client.post(
        review_url(submitted_request, "decision/"),
        {"decision": "approve", "level": level.pk, "seen_status": "awaiting_second"},
    )
    submitted_request.refresh_from_db()
    assert submitted_request.status == "approved" and submitted_request.decisions.count() == 2


def test_of_two_assessors_deciding_at_once_the_second_is_told_and_changes_nothing(
    client, assessor, other_assessor, submitted_request, competency
):
    level = competency.levels.get(rank=2)
    client.force_login(assessor)
    client.post(
        review_url(submitted_request, "decision/"),
        {"decision": "approve", "level": level.pk, "seen_status": "submitted"},
    )
    client.force_login(other_assessor)  # saw the page while it was still "submitted"
    response = client.post(
        review_url(submitted_request, "decision/"),
        {"decision": "decline", "reasons": "Insuffisant.", "seen_status": "submitted"},
        follow=True,
    )
    assert "Quelqu'un a décidé de cette demande pendant que vous la lisiez" in html.unescape(
        response.content.decode()
    )
    submitted_request.refresh_from_db()
    assert submitted_request.status == "approved" and submitted_request.recognised_level == level
    assert list(submitted_request.decisions.values_list("kind", flat=True)) == ["approved"]


# --- conversation and assignment -------------------------------------------------------------------


def test_messages_are_posted_and_shown_on_both_sides(client, assessor, learner, submitted_request):
    services.post_message(request=submitted_request, author=learner, body="Mon horaire est en pièce jointe.")
    client.force_login(assessor)
    response = client.post(review_url(submitted_request, "messages/"), {"body": "Merci, je regarde."})
    assert response.status_code == 302 and response["Location"].endswith("#conversation")
    content = page(client, review_url(submitted_request))
    assert "Mon horaire est en pièce jointe." in content and "Merci, je regarde." in content
    assert Message.objects.filter(author=assessor).count() == 1


def test_an_empty_message_is_refused(client, assessor, submitted_request):
    client.force_login(assessor)
    response = client.post(review_url(submitted_request, "messages/"), {"body": ""})
    assert response.status_code == 400 and not Message.objects.exists()


def test_a_request_is_assigned_to_me_to_another_assessor_or_to_nobody(
    client, assessor, other_assessor, outsider, submitted_request
):
    client.force_login(assessor)
    url = review_url(submitted_request, "assigner/")
    client.post(url, {"assessor": assessor.pk})
    submitted_request.refresh_from_db()
    assert submitted_request.assigned_to == assessor
    client.post(url, {"assessor": other_assessor.pk})
    submitted_request.refresh_from_db()
    assert submitted_request.assigned_to == other_assessor
    assert "Deuxième Évaluatrice" in page(client, QUEUE)
    assert client.post(url, {"assessor": outsider.pk}).status_code == 400  # not an assessor here
    submitted_request.refresh_from_db()
    assert submitted_request.assigned_to == other_assessor
    client.post(url, {"assessor": ""})
    submitted_request.refresh_from_db()
    assert submitted_request.assigned_to is None


def test_a_request_cannot_be_assigned_to_its_own_learner(
    client, organisation, assessor, learner, submitted_request
):
    add_member(organisation=organisation, user=learner, role=Membership.Role.ASSESSOR)
    client.force_login(assessor)
    assert (
        client.post(review_url(submitted_request, "assigner/"), {"assessor": learner.pk}).status_code == 400
    )
    submitted_request.refresh_from_db()
    assert submitted_request.assigned_to is None
