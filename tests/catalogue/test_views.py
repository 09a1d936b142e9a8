"""Catalogue pages: who may manage what, and what anyone can browse, in both languages."""

from __future__ import annotations

import html

import pytest

from carnet.catalogue import services
from carnet.catalogue.models import MicroCredential

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(organisation, levels):
    item = services.create_micro_credential(
        organisation=organisation,
        fields={
            "name_fr": "Communication orale",
            "name_en": "Oral communication",
            "description_fr": "S'exprime clairement devant un groupe.",
            "description_en": "Speaks clearly to a group.",
            "criteria_fr": "Animer trois réunions.",
            "criteria_en": "Lead three meetings.",
            "learning_contexts": ["work", "community"],
            "assessment_method": "observation",
            "endorsements_required": 1,
        },
        alignments=[(levels[0].competency, levels[0])],
    )
    services.publish_micro_credential(micro_credential=item)
    return item


def test_an_admin_creates_a_draft(client, org_admin, organisation, form_data):
    client.force_login(org_admin)
    response = client.post("/organisations/cje-test/catalogue/nouvelle/", form_data)
    assert response.status_code == 302
    item = MicroCredential.objects.get(organisation=organisation)
    assert item.versions.get().alignments.count() == 2


def test_the_form_explains_its_errors(client, org_admin, organisation, form_data):
    client.force_login(org_admin)
    form_data["endorsements_required"] = "0"
    page = client.post("/organisations/cje-test/catalogue/nouvelle/", form_data).content.decode()
    assert "demande au moins un endossement" in page
    assert not MicroCredential.objects.exists()


def test_an_admin_publishes_and_the_public_finds_it(client, org_admin, organisation, form_data):
    client.force_login(org_admin)
    client.post("/organisations/cje-test/catalogue/nouvelle/", form_data)
    item = MicroCredential.objects.get()
    client.post(f"/organisations/cje-test/catalogue/{item.slug}/publier/")
    client.logout()
    assert "Travail d'équipe" in html.unescape(client.get("/catalogue/").content.decode())
    assert "Teamwork" in client.get("/en/catalogue/").content.decode()
    assert "Teamwork" in client.get(f"/en/catalogue/cje-test/{item.slug}/").content.decode()


@pytest.mark.parametrize("who", ["assessor", "learner", "outsider", "employer"])
def test_others_cannot_manage_the_catalogue(client, request, who, organisation, published, form_data):
    client.force_login(request.getfixturevalue(who))
    assert client.get("/organisations/cje-test/catalogue/").status_code == 404
    assert client.post("/organisations/cje-test/catalogue/nouvelle/", form_data).status_code == 404
    assert client.get(f"/organisations/cje-test/catalogue/{published.slug}/").status_code == 404
    assert client.post(f"/organisations/cje-test/catalogue/{published.slug}/archiver/").status_code == 404
    published.refresh_from_db()
    assert published.status == "published"


def test_visitors_are_sent_to_sign_in(client, organisation):
    response = client.get("/organisations/cje-test/catalogue/")
    assert response.status_code == 302 and "/comptes/login/" in response["Location"]


def test_drafts_are_not_public(client, organisation, levels, form_data, org_admin):
    client.force_login(org_admin)
    client.post("/organisations/cje-test/catalogue/nouvelle/", form_data)
    item = MicroCredential.objects.get()
    client.logout()
    assert client.get(f"/catalogue/cje-test/{item.slug}/").status_code == 404
    assert f"/catalogue/cje-test/{item.slug}/" not in client.get("/catalogue/").content.decode()


def test_search_and_filters(client, published, levels):
    assert "Communication orale" in client.get("/catalogue/?q=Communication").content.decode()
    assert "Communication orale" not in client.get("/catalogue/?q=soudure").content.decode()
    code = levels[0].competency.code
    assert "Communication orale" in client.get(f"/catalogue/?competence={code}").content.decode()
    assert "Communication orale" in client.get("/catalogue/?contexte=work").content.decode()
    assert "Communication orale" not in client.get("/catalogue/?contexte=sport").content.decode()
    assert "Communication orale" in client.get("/catalogue/?organisation=cje-test").content.decode()


def test_the_public_page_says_what_it_proves_and_how_it_is_assessed(client, published):
    page = client.get(f"/catalogue/cje-test/{published.slug}/").content.decode()
    assert "Une microattestation est un badge numérique signé" in page
    assert "S'exprime clairement" in html.unescape(page)
    assert "Observation en situation" in page
    assert "CJE Test" in page
