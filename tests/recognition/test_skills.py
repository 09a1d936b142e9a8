"""Self-recognition: the learner's skills profile, the guided form of one competency, its removal."""

from __future__ import annotations

import re
import uuid

import pytest
from django.urls import reverse

from carnet.audit.models import AuditEvent
from carnet.frameworks import services as frameworks
from carnet.frameworks.models import Competency, Framework
from carnet.recognition.models import Situation, SkillClaim

pytestmark = pytest.mark.django_db


def situation(number=0, **fields):
    values = {
        "context": "L'arbitre du tournoi de soccer de mon fils n'est pas venu.",
        "action": "J'ai réuni les deux entraîneurs et proposé qu'un parent de chaque équipe arbitre une demie.",
        "result": "Le tournoi a eu lieu à l'heure, sans dispute.",
        "learning_context": "sport",
        **fields,
    }
    return {f"situation-{number}-{name}": value for name, value in values.items()}


def post_claim(client, competency, level=None, contexts=(), **data):
    level = competency.levels.get(rank=3) if level is None else level
    payload = {"level": level.pk if level else "", "learning_contexts": list(contexts), **data}
    return client.post(reverse("recognition:claim", args=[competency.uuid]), payload)


def test_anonymous_people_are_sent_to_sign_in(client, competency):
    for url in (reverse("recognition:skills"), reverse("recognition:claim", args=[competency.uuid])):
        response = client.get(url)
        assert response.status_code == 302 and "/comptes/login/" in response["Location"]
    response = client.post(reverse("recognition:unclaim", args=[competency.uuid]))
    assert response.status_code == 302 and "/comptes/login/" in response["Location"]
    assert not SkillClaim.objects.exists()


def test_it_shows_the_guided_profile_of_the_default_framework(client, learner):
    client.force_login(learner)
    response = client.get(reverse("recognition:skills"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Comment ça marche" in page and "Compétences génériques" in page
    first = Competency.objects.get(framework__status="published", code="CG-COM")
    assert first.description_fr.replace("'", "&#x27;") in page
    assert first.indicators.first().text_fr.replace("'", "&#x27;") in page
    assert reverse("recognition:claim", args=[first.uuid]) in page
    assert "Votre profil en un coup d'œil" not in page  # nothing claimed yet


def test_a_learner_claims_a_competency_with_situations(client, learner, competency):
    client.force_login(learner)
    response = client.get(reverse("recognition:claim", args=[competency.uuid]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "<fieldset" in page and "<legend>" in page
    assert competency.levels.get(rank=2).descriptor_fr.replace("'", "&#x27;") in page
    assert 'type="radio"' in page and 'type="checkbox"' in page

    response = post_claim(
        client,
        competency,
        contexts=["volunteering"],
        **situation(0),
        **situation(1, learning_context="work", result=""),
    )
    assert response.status_code == 302
    assert response["Location"].startswith(
        reverse("recognition:skills") + "?referentiel=competences-generiques"
    )
    claim = SkillClaim.objects.get(learner=learner, competency=competency)
    assert claim.level.rank == 3
    assert claim.learning_contexts == ["sport", "volunteering", "work"]  # the situations' too
    assert [s.learning_context for s in claim.situations.all()] == ["sport", "work"]
    assert claim.situations.last().result == ""
    assert AuditEvent.objects.filter(verb="skills.claimed").count() == 1

    page = client.get(response["Location"]).content.decode()
    assert "Je la reconnais" in page and "Niveau 3 sur 4 : Autonome" in page
    assert "Votre profil en un coup d'œil" in page
    assert "Sport, Bénévolat, Travail" in page
    assert reverse("recognition:unclaim", args=[competency.uuid]) in page


def test_editing_prefills_and_replaces_what_was_said(client, learner, competency):
    client.force_login(learner)
    post_claim(client, competency, **situation(0), **situation(1, context="Au comptoir alimentaire."))
    page = client.get(reverse("recognition:claim", args=[competency.uuid])).content.decode()
    assert "Au comptoir alimentaire." in page
    level = competency.levels.get(rank=3)
    assert re.search(rf'value="{level.pk}" id="id_level_\d"[^>]* checked>', page)

    response = post_claim(
        client, competency, level=competency.levels.get(rank=1), **situation(0, context="Au travail.")
    )
    assert response.status_code == 302
    claim = SkillClaim.objects.get(learner=learner, competency=competency)
    assert claim.level.rank == 1
    assert list(claim.situations.values_list("context", flat=True)) == ["Au travail."]
    assert SkillClaim.objects.count() == 1 and Situation.objects.count() == 1


def test_a_blank_block_between_filled_ones_is_ignored(client, learner, competency):
    client.force_login(learner)
    post_claim(client, competency, **situation(0), **situation(2, context="Au camp de jour."))
    claim = SkillClaim.objects.get(learner=learner)
    assert list(claim.situations.values_list("context", flat=True))[1] == "Au camp de jour."
    assert claim.situations.count() == 2


def test_without_a_situation_nothing_is_saved_and_nothing_typed_is_lost(client, learner, competency):
    client.force_login(learner)
    response = post_claim(client, competency, contexts=["sport"])
    assert response.status_code == 400
    page = response.content.decode()
    assert "Décrivez au moins une situation" in page and 'role="alert"' in page
    assert re.search(r'value="sport" id="id_learning_contexts_\d" checked>', page)
    assert not SkillClaim.objects.exists()


def test_an_incomplete_situation_is_refused_next_to_its_fields(client, learner, competency):
    client.force_login(learner)
    response = post_claim(client, competency, **situation(0, action="", learning_context=""))
    assert response.status_code == 400
    page = response.content.decode()
    assert "Dites ce que vous avez fait." in page
    assert "Choisissez le cadre de cette situation." in page
    assert 'id="id_situation-0-action_error"' in page
    assert "L&#x27;arbitre du tournoi de soccer" in page  # what was typed is still there
    assert not SkillClaim.objects.exists()


def test_a_level_of_another_competency_is_refused(client, learner, competency):
    client.force_login(learner)
    other = Competency.objects.filter(framework=competency.framework).exclude(pk=competency.pk).first()
    response = post_claim(client, competency, level=other.levels.get(rank=2), **situation(0))
    assert response.status_code == 400
    assert "Choisissez un des niveaux proposés" in response.content.decode()
    assert not SkillClaim.objects.exists() and not Situation.objects.exists()


def test_a_level_is_required(client, learner, competency):
    client.force_login(learner)
    response = client.post(reverse("recognition:claim", args=[competency.uuid]), situation(0))
    assert response.status_code == 400
    assert "Choisissez le niveau qui vous ressemble le plus." in response.content.decode()
    assert not SkillClaim.objects.exists()


def test_at_most_three_situations_are_kept(client, learner, competency):
    client.force_login(learner)
    post_claim(client, competency, **situation(0), **situation(1), **situation(2), **situation(3))
    assert SkillClaim.objects.get(learner=learner).situations.count() == 3


def test_a_learner_removes_a_claim(client, learner, competency):
    client.force_login(learner)
    post_claim(client, competency, **situation(0))
    response = client.post(reverse("recognition:unclaim", args=[competency.uuid]))
    assert response.status_code == 302
    assert not SkillClaim.objects.exists() and not Situation.objects.exists()
    assert AuditEvent.objects.filter(verb="skills.unclaimed").count() == 1
    page = client.get(response["Location"]).content.decode()
    assert "est retirée de votre profil" in page


def test_unclaim_refuses_get(client, learner, competency):
    client.force_login(learner)
    post_claim(client, competency, **situation(0))
    assert client.get(reverse("recognition:unclaim", args=[competency.uuid])).status_code == 405
    assert SkillClaim.objects.count() == 1


def test_unclaim_of_a_competency_not_claimed_is_not_found(client, learner, competency):
    client.force_login(learner)
    assert client.post(reverse("recognition:unclaim", args=[competency.uuid])).status_code == 404
    assert client.post(reverse("recognition:unclaim", args=[uuid.uuid4()])).status_code == 404


def test_another_learner_never_sees_nor_removes_someone_elses_claims(client, learner, outsider, competency):
    client.force_login(learner)
    post_claim(client, competency, **situation(0, context="Une situation très personnelle."))
    client.force_login(outsider)
    profile = client.get(reverse("recognition:skills")).content.decode()
    assert "Une situation très personnelle." not in profile and "Je la reconnais</span>" not in profile
    form = client.get(reverse("recognition:claim", args=[competency.uuid])).content.decode()
    assert "Une situation très personnelle." not in form
    assert client.post(reverse("recognition:unclaim", args=[competency.uuid])).status_code == 404
    assert SkillClaim.objects.filter(learner=learner).count() == 1


def test_unknown_or_unpublished_competencies_are_not_found(client, learner, competency):
    client.force_login(learner)
    assert client.get(reverse("recognition:claim", args=[uuid.uuid4()])).status_code == 404
    draft = frameworks.create_framework(
        fields={"slug": "brouillon", "name_fr": "Brouillon"},
        competencies=[{"code": "B-1", "name_fr": "Secrète", "indicators": [], "levels": []}],
    )
    hidden = draft.competencies.get()
    assert client.get(reverse("recognition:claim", args=[hidden.uuid])).status_code == 404
    response = client.post(reverse("recognition:claim", args=[hidden.uuid]), situation(0))
    assert response.status_code == 404 and not SkillClaim.objects.exists()
    assert "Secrète" not in client.get(reverse("recognition:skills")).content.decode()


def test_the_learner_picks_among_published_frameworks(client, learner):
    other = frameworks.create_framework(
        fields={"slug": "numerique", "name_fr": "Compétences numériques"},
        competencies=[
            {
                "code": "N-1",
                "name_fr": "Courriel",
                "description_fr": "Écrire et classer ses courriels.",
                "indicators": [{"text_fr": "Joint un fichier."}],
                "levels": [{"rank": 1, "name_fr": "Débutant"}, {"rank": 2, "name_fr": "Habile"}],
            }
        ],
    )
    frameworks.publish_framework(framework=other)
    client.force_login(learner)
    default = client.get(reverse("recognition:skills")).content.decode()
    assert 'name="referentiel"' in default and "Communication" in default and "Courriel" not in default
    chosen = client.get(reverse("recognition:skills"), {"referentiel": "numerique"}).content.decode()
    assert "Courriel" in chosen and "Joint un fichier." in chosen and "Communication</h3>" not in chosen
    assert client.get(reverse("recognition:skills"), {"referentiel": "inconnu"}).status_code == 404


def test_claims_on_an_older_version_of_a_framework_stay_removable(client, learner, competency):
    client.force_login(learner)
    post_claim(client, competency, **situation(0))
    framework = competency.framework
    newer = frameworks.update_framework(framework=framework, fields={})
    frameworks.publish_framework(framework=newer)
    assert Framework.objects.get(pk=framework.pk).status == "archived"
    page = client.get(reverse("recognition:skills")).content.decode()
    assert "version précédente" in page
    assert client.get(reverse("recognition:claim", args=[competency.uuid])).status_code == 404
    response = client.post(reverse("recognition:unclaim", args=[competency.uuid]))
    assert response.status_code == 302 and not SkillClaim.objects.exists()
