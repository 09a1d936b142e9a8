"""The micro-credentials suggested from a learner's skills profile."""

from __future__ import annotations

import pytest
from django.urls import reverse

from carnet.catalogue import services as catalogue
from carnet.frameworks.models import Competency
from carnet.recognition import services
from carnet.recognition.models import RecognitionRequest
from carnet.recognition.selectors import suggest_micro_credentials

pytestmark = pytest.mark.django_db

SITUATION = {"learning_context": "work", "context": "Au dépanneur.", "action": "J'ai formé le nouveau."}


@pytest.fixture
def teamwork(db):
    return Competency.objects.get(framework__status="published", code="CG-EQU")


@pytest.fixture
def communication(db):
    return Competency.objects.get(framework__status="published", code="CG-COM")


def level(competency, rank):
    return competency.levels.get(rank=rank) if rank else None


def claim(learner, competency, rank):
    return services.save_skill_claim(
        learner=learner, competency=competency, level=level(competency, rank),
        learning_contexts=["work"], situations=[SITUATION],
    )  # fmt: skip


def offer(organisation, name, *aligned, publish=True):
    """A micro-credential aligned to (competency, rank or None) pairs, published unless told."""
    item = catalogue.create_micro_credential(
        organisation=organisation,
        fields={"name_fr": name, "description_fr": "Atteste.", "criteria_fr": "Un critère.",
                "learning_contexts": ["work"], "assessment_method": "endorsements"},
        alignments=[(competency, level(competency, rank)) for competency, rank in aligned],
    )  # fmt: skip
    if publish:
        catalogue.publish_micro_credential(micro_credential=item)
    item.refresh_from_db()
    return item


def names(learner):
    return [suggestion.version.name_fr for suggestion in suggest_micro_credentials(learner)]


def test_nothing_is_suggested_without_claims(learner, organisation, teamwork):
    offer(organisation, "Équipe", (teamwork, 2))
    assert suggest_micro_credentials(learner) == []


def test_it_suggests_what_the_claimed_level_reaches(learner, make_user, organisation, teamwork):
    offer(organisation, "Équipe 2", (teamwork, 2))
    offer(organisation, "Équipe 3", (teamwork, 3))
    offer(organisation, "Équipe 4", (teamwork, 4))
    offer(organisation, "Équipe sans niveau", (teamwork, None))
    claim(learner, teamwork, 3)
    assert names(learner) == ["Équipe 2", "Équipe 3", "Équipe sans niveau"]
    beginner = make_user("debutant@example.test")
    claim(beginner, teamwork, 1)
    assert names(beginner) == ["Équipe sans niveau"]


def test_it_ranks_by_the_number_of_claims_matched_and_says_why(
    learner, organisation, teamwork, communication
):
    offer(organisation, "A — Équipe seule", (teamwork, 2))
    offer(organisation, "B — Équipe et communication", (teamwork, 3), (communication, None))
    offer(organisation, "C — Équipe et communication trop avancée", (teamwork, 2), (communication, 4))
    claim(learner, teamwork, 3)
    claim(learner, communication, 2)
    suggestions = suggest_micro_credentials(learner)
    assert [s.version.name_fr for s in suggestions] == [
        "B — Équipe et communication",
        "A — Équipe seule",
        "C — Équipe et communication trop avancée",
    ]
    assert suggestions[0].reason() == "correspond à : Communication, Travail d'équipe (niveau Autonome)"
    assert suggestions[1].reason() == "correspond à : Travail d'équipe (niveau Fonctionnel)"
    assert len(suggestions[2].matches) == 1  # communication asks for more than claimed


def test_drafts_archived_and_old_versions_are_never_suggested(learner, organisation, teamwork, communication):
    offer(organisation, "Brouillon", (teamwork, 1), publish=False)
    archived = offer(organisation, "Archivée", (teamwork, 1))
    catalogue.archive_micro_credential(micro_credential=archived)
    moved = offer(organisation, "Déplacée", (teamwork, 1))
    catalogue.update_micro_credential(
        micro_credential=moved, fields={"name_fr": "Déplacée v2"}, alignments=[(communication, None)]
    )
    catalogue.publish_micro_credential(micro_credential=moved)
    pending = offer(organisation, "Stable", (teamwork, 1))
    catalogue.update_micro_credential(  # a new draft version: the published one is still current
        micro_credential=pending, fields={"name_fr": "Stable v2"}, alignments=[(communication, None)]
    )
    claim(learner, teamwork, 2)
    assert names(learner) == ["Stable"]
    claim(learner, communication, 1)
    assert names(learner) == ["Déplacée v2", "Stable"]


def test_what_the_learner_already_asked_for_is_left_out(learner, organisation, teamwork):
    first = offer(organisation, "Première", (teamwork, 1))
    second = offer(organisation, "Deuxième", (teamwork, 1))
    offer(organisation, "Troisième", (teamwork, 1))
    claim(learner, teamwork, 2)
    services.open_request(learner=learner, micro_credential=first)  # a draft, still open
    approved = services.open_request(learner=learner, micro_credential=second)
    RecognitionRequest.objects.filter(pk=approved.pk).update(status=RecognitionRequest.Status.APPROVED)
    assert names(learner) == ["Troisième"]
    RecognitionRequest.objects.filter(pk=approved.pk).update(status=RecognitionRequest.Status.DECLINED)
    assert names(learner) == ["Deuxième", "Troisième"]


def test_only_the_learners_own_claims_count(learner, make_user, organisation, teamwork):
    offer(organisation, "Équipe", (teamwork, 1))
    claim(make_user("autre@example.test"), teamwork, 4)
    assert suggest_micro_credentials(learner) == []


def test_the_profile_lists_suggestions_with_their_reason_and_catalogue_link(
    client, learner, organisation, teamwork
):
    item = offer(organisation, "Travail d'équipe au quotidien", (teamwork, 2))
    client.force_login(learner)
    assert (
        "Travail d&#x27;équipe au quotidien" not in client.get(reverse("recognition:skills")).content.decode()
    )
    claim(learner, teamwork, 3)
    page = client.get(reverse("recognition:skills")).content.decode()
    assert "Travail d&#x27;équipe au quotidien" in page
    assert "correspond à : Travail d&#x27;équipe (niveau Fonctionnel)" in page
    assert item.get_absolute_url() in page
