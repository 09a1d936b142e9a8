"""Imported badges in the carnet: beside the badges Carnet issued, under the competency of the
platform's frameworks that their alignments target (by the address Carnet writes, a CASE identifier
or the public framework a competency corresponds to), the others under "Autres badges importés";
each with its state and where it comes from. Private to the holder: not on the public profile, not
in employers' searches, and no level of the skills picture."""

from __future__ import annotations

import html
import json

import pytest
from portfolio_samples import signed_badge

from carnet.employers import services as employers
from carnet.employers.search import search
from carnet.issuing.identity import absolute
from carnet.organisations.models import Organisation
from carnet.portfolio.services import import_badge, set_search_consent, set_visibility, update_profile

pytestmark = pytest.mark.django_db

CARNET = "/mon-carnet/"


def text_of(response) -> str:
    return html.unescape(response.content.decode())


def aligned_to(target_url=None, target_code=None):
    alignment = {"type": ["Alignment"], "targetName": "Une compétence", "targetType": "ceasn:Competency"}
    alignment["targetUrl"] = target_url or "https://referentiels.exemple.org/x"
    if target_code:
        alignment["targetCode"] = target_code
    return [alignment]


def section_of(page: str, heading: str) -> str:
    """The part of the badges section from ``heading`` to the next heading of the same level."""
    start = page.index(f"<h3>{heading}</h3>")
    end = page.find("<h3>", start + 4)
    return page[start : end if end != -1 else None]


@pytest.fixture
def holder(client, learner):
    client.force_login(learner)
    return client


def test_a_badge_aligned_to_a_carnet_competency_stands_beside_the_carnets_own(
    holder, learner, issue, competency, other_key
):
    issue(learner)  # Fiabilité, aligned to ``competency``
    target = absolute(competency.framework.get_absolute_url()) + f"#{competency.code}"
    import_badge(holder=learner, data=json.dumps(signed_badge(other_key, alignments=aligned_to(target))))
    page = text_of(holder.get(CARNET))
    group = section_of(page, competency.name())
    assert "Fiabilité" in group and "Secourisme en milieu de travail" in group
    assert "Centre de formation Exemple · importé" in group
    assert "Authentique et valide" in group
    assert "Autres badges importés" not in page


@pytest.mark.parametrize(
    "way", ["english page address", "case identifier", "case uuid as code", "public framework"]
)
def test_the_competency_is_found_by_each_name_it_has(holder, learner, competency, other_key, way):
    if way == "english page address":
        alignments = aligned_to(
            absolute("/en" + competency.framework.get_absolute_url()) + f"#{competency.code}"
        )
    elif way == "case identifier":
        alignments = aligned_to(f"urn:uuid:{str(competency.uuid).upper()}")
    elif way == "case uuid as code":
        alignments = aligned_to(target_code=str(competency.uuid))
    else:
        competency.aligned_url = "https://competences.exemple.ca/travail-equipe"
        competency.save(update_fields=["aligned_url"])
        alignments = aligned_to("https://Competences.exemple.ca/travail-equipe/")
    import_badge(holder=learner, data=json.dumps(signed_badge(other_key, alignments=alignments)))
    assert "Secourisme en milieu de travail" in section_of(text_of(holder.get(CARNET)), competency.name())


def test_other_badges_go_under_their_own_heading(holder, learner, other_key):
    import_badge(holder=learner, data=json.dumps(signed_badge(other_key, alignments=aligned_to())))
    page = text_of(holder.get(CARNET))
    others = section_of(page, "Autres badges importés")
    assert "Secourisme en milieu de travail" in others
    assert "Aucune microattestation pour l'instant." not in page


def test_each_badge_says_its_state_and_whom_it_was_awarded_to(holder, learner, outsider, issue, org_admin):
    from carnet.issuing import services as issuing

    credential = issue(outsider)
    issuing.revoke_credential(credential=credential, reason="Erreur", actor=org_admin)
    import_badge(holder=learner, data=json.dumps(credential.document))
    page = text_of(holder.get(CARNET))
    assert "Révoqué par son émetteur" in page
    assert "Décerné à une autre adresse courriel" in page


def test_imported_badges_prove_no_level_of_the_skills_picture(holder, learner, competency, other_key):
    target = absolute(competency.framework.get_absolute_url()) + f"#{competency.code}"
    import_badge(holder=learner, data=json.dumps(signed_badge(other_key, alignments=aligned_to(target))))
    page = text_of(holder.get(CARNET))
    assert "niveau" not in page.split('id="badges"')[0].split('id="skills"')[1]


def test_nobody_else_sees_them_in_a_carnet(client, learner, outsider, other_key):
    import_badge(holder=learner, data=json.dumps(signed_badge(other_key)))
    client.force_login(outsider)
    assert "Secourisme en milieu de travail" not in text_of(client.get(CARNET))


def test_they_are_not_on_the_public_profile(client, learner, issue, other_key):
    credential = issue(learner)
    set_visibility(credential=credential, visibility="public", actor=learner)
    import_badge(holder=learner, data=json.dumps(signed_badge(other_key)))
    profile = update_profile(user=learner, enabled=True, headline="", slug="alex")
    page = text_of(client.get(f"/profils/{profile.slug}/"))
    assert "Fiabilité" in page and "Secourisme en milieu de travail" not in page


def test_they_are_not_found_by_employers(learner, employer, competency, other_key):
    set_search_consent(user=learner, given=True)
    target = absolute(competency.framework.get_absolute_url()) + f"#{competency.code}"
    import_badge(holder=learner, data=json.dumps(signed_badge(other_key, alignments=aligned_to(target))))
    job = employers.create_job(
        organisation=Organisation.objects.get(slug="employer-test"), title="Commis", description="",
        requirements=[(competency, 1)], actor=employer,
    )  # fmt: skip
    assert search(job) == []
