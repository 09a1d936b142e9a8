"""The privacy pages: the public notice, the person's consents and archive, deleting their account."""

from __future__ import annotations

import pytest
from django.urls import reverse

from carnet.portfolio.services import set_search_consent

pytestmark = pytest.mark.django_db


def test_the_notice_is_public_names_the_laws_and_shows_the_settings(client, settings):
    settings.PRIVACY_OFFICER_EMAIL = "vie-privee@example.org"
    settings.PRIVACY_RETENTION = {**settings.PRIVACY_RETENTION, "drafts": 200}
    page = client.get(reverse("privacy:policy")).content.decode()
    assert "Loi 25" in page and "LPRPDE" in page and "PIPEDA" in page
    assert "vie-privee@example.org" in page and "200 jours" in page


def test_every_page_links_to_the_notice_in_its_footer(client):
    assert f'href="{reverse("privacy:policy")}"' in client.get("/").content.decode()


def test_the_person_sees_and_withdraws_their_consent(client, learner):
    set_search_consent(user=learner, given=True)
    client.force_login(learner)
    assert "Recherche par les employeurs" in client.get(reverse("privacy:mine")).content.decode()
    response = client.post(reverse("privacy:withdraw", args=["search"]))
    assert response.status_code == 302
    learner.refresh_from_db()
    assert learner.consents_to_search is False


def test_asking_for_the_archive_makes_it_and_offers_it(client, learner, django_capture_on_commit_callbacks):
    client.force_login(learner)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("privacy:export"))
    page = client.get(reverse("privacy:mine")).content.decode()
    assert "Télécharger mon archive" in page


def test_a_wrong_password_deletes_nothing(client, learner):
    client.force_login(learner)
    response = client.post(reverse("privacy:delete"), {"password": "not it", "understood": "on"})
    assert response.status_code == 400 and "Ce n&#x27;est pas votre mot de passe" in response.content.decode()
    assert type(learner).objects.filter(pk=learner.pk).exists()


def test_the_person_deletes_their_account_and_is_signed_out(
    client, learner, django_capture_on_commit_callbacks
):
    client.force_login(learner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("privacy:delete"), {"password": "a long test password", "understood": "on"}
        )
    assert response.status_code == 302
    assert not type(learner).objects.filter(pk=learner.pk).exists()
    assert "_auth_user_id" not in client.session


def test_the_last_admin_is_told_what_to_do_first(client, org_admin, organisation):
    client.force_login(org_admin)
    page = client.get(reverse("privacy:delete")).content.decode()
    assert "seule personne administratrice" in page and organisation.name in page
    client.post(reverse("privacy:delete"), {"password": "a long test password", "understood": "on"})
    assert type(org_admin).objects.filter(pk=org_admin.pk).exists()
