"""The carnet page: the learner's badges grouped by competency, the picture of their skills (proven
and self-assessed), and their progress towards certificates. Only they see it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from carnet.catalogue import services as catalogue
from carnet.catalogue.services import RequirementSpec
from carnet.issuing import services as issuing

pytestmark = pytest.mark.django_db
CARNET = "/mon-carnet/"


@pytest.fixture
def other_version(organisation, competency):
    item = catalogue.create_micro_credential(
        organisation=organisation,
        fields={"name_fr": "Communication orale", "description_fr": "Se fait comprendre.",
                "criteria_fr": "Explique une tâche.", "learning_contexts": ["work"],
                "assessment_method": "observation", "endorsements_required": 0},
        alignments=[(competency, competency.levels.get(rank=2))],
    )  # fmt: skip
    return catalogue.publish_micro_credential(micro_credential=item)


@pytest.fixture
def certificate(organisation, version, other_version):
    certificate = catalogue.create_certificate(
        organisation=organisation,
        fields={"name_fr": "Prêt·e pour l'emploi", "description_fr": "Les bases.", "hours": 20},
        groups=[RequirementSpec(key=0, parent=None,
                                micro_credentials=(version.micro_credential, other_version.micro_credential))],
    )  # fmt: skip
    catalogue.publish_certificate(certificate=certificate)
    return certificate


def test_the_carnet_shows_badges_skills_and_certificates(client, issue, learner, competency, certificate):
    issue()
    client.force_login(learner)
    content = client.get(CARNET).content.decode()
    assert "Fiabilité" in content and competency.name() in content
    top = competency.levels.count()
    assert f"niveau 3 sur {top}" in content  # the level the credential attests
    assert "Prêt·e pour l&#x27;emploi" in content and "1 sur 2 conditions remplies." in content
    assert "Communication orale" in content  # what is missing


def test_a_revoked_credential_proves_nothing_any_more(client, issue, learner, org_admin, certificate):
    credential = issue()
    issuing.revoke_credential(credential=credential, reason="Erreur", actor=org_admin)
    client.force_login(learner)
    content = client.get(CARNET).content.decode()
    assert "Révoquée" in content
    assert "niveau 3 sur" not in content and "conditions remplies" not in content


def test_a_complete_certificate_says_so(client, issue, learner, other_version, certificate, organisation):
    issue()
    issuing.issue_credential(
        organisation=organisation, version=other_version, recipient=learner, recipient_email=learner.email,
        idempotency_key="other", source="bulk",
    )  # fmt: skip
    client.force_login(learner)
    assert "Toutes les conditions sont remplies." in client.get(CARNET).content.decode()


def test_the_carnet_is_only_its_owners(client, issue, outsider):
    issue()
    assert client.get(CARNET).status_code == 302  # to the login page
    client.force_login(outsider)
    content = client.get(CARNET).content.decode()
    assert "Fiabilité" not in content and "Aucune microattestation" in content


def test_the_home_page_links_to_it(client, learner):
    client.force_login(learner)
    assert reverse("portfolio:carnet") in client.get(reverse("home")).content.decode()
