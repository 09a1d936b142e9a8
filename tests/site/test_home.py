"""Each role sees its own home page; visitors see what Carnet is."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_a_visitor_is_told_what_a_micro_credential_is(client):
    page = client.get("/").content.decode()
    assert "Une microattestation est un badge numérique signé" in page
    assert 'lang="fr' in page


def test_the_visitor_page_exists_in_english(client):
    page = client.get("/en/").content.decode()
    assert "A micro-credential is a signed digital badge" in page
    assert 'lang="en"' in page


def test_an_organisation_admin_sees_their_organisation(client, org_admin, organisation):
    client.force_login(org_admin)
    page = client.get("/").content.decode()
    assert "Administration de CJE Test" in page


def test_an_assessor_sees_the_assessment_section(client, assessor):
    client.force_login(assessor)
    page = client.get("/").content.decode()
    assert "Évaluation pour CJE Test" in page
    assert "Administration de CJE Test" not in page


def test_an_employer_sees_the_employer_workspace(client, employer):
    client.force_login(employer)
    assert "Espace employeur de Employer Test" in client.get("/").content.decode()


def test_a_learner_sees_only_their_carnet(client, learner, organisation):
    client.force_login(learner)
    page = client.get("/").content.decode()
    assert "Mon carnet" in page
    assert "CJE Test" not in page and "Équipe de la plateforme" not in page


def test_staff_see_the_admin_link(client, staff):
    client.force_login(staff)
    assert "/admin/" in client.get("/").content.decode()


def test_the_admin_refuses_non_staff(client, org_admin):
    client.force_login(org_admin)
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_health(client):
    assert client.get("/healthz").json() == {"status": "ok"}


def test_liveness_answers_without_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/livez")
    assert response.status_code == 200 and response.content == b"ok\n"
    assert response["Content-Type"] == "text/plain"


def test_the_home_page_leads_to_each_step_of_recognition(client, learner, assessor, organisation):
    client.force_login(learner)
    page = client.get("/").content.decode()
    assert "/competences/" in page and "/demandes/" in page and "Vous reconnaissez 0 compétence" in page
    client.force_login(assessor)
    assert "Demandes à examiner (0)" in client.get("/").content.decode()


@pytest.mark.parametrize(
    ("path", "link"),
    [
        ("/", '<a class="lang" href="/en/" hreflang="en" lang="en">English</a>'),
        ("/catalogue/?q=%C3%A9quipe", '<a class="lang" href="/en/catalogue/?q=%C3%A9quipe" hreflang="en"'),
        ("/en/catalogue/", '<a class="lang" href="/catalogue/" hreflang="fr" lang="fr">Français</a>'),
    ],
)
def test_the_other_language_is_a_link_to_the_same_page(client, path, link):
    """A plain link, not a form: a page for visitors carries no token, and the link lands on the same
    page (the form sent French visitors to an address with its first three letters cut off)."""
    page = client.get(path).content.decode()
    assert link in page
    assert "csrfmiddlewaretoken" not in page


def test_the_link_leads_to_the_page_in_the_other_language(client):
    page = client.get("/en/catalogue/")
    assert page.status_code == 200 and 'lang="en"' in page.content.decode()
