"""« Applications connectées »: the learner sees each application they allowed, what it may do in
plain words and since when, and withdraws it: its tokens stop working at once. Nobody else sees or
withdraws it."""

from __future__ import annotations

import pytest
from django.test import Client
from oauth2_provider.models import Application
from ob_fixtures import *  # noqa: F403 — the fixtures of these tests
from ob_oauth import READ, UPSERT, api, registered, token_request, tokens_for

from carnet.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_the_page_lists_the_allowed_applications_in_plain_words(browser):
    tokens_for(browser, registered(client_name="Portefeuille A"), scopes=(READ,))
    tokens_for(browser, registered(client_name="Plateforme B"), scopes=(UPSERT,))
    page = browser.get("/mon-compte/applications/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Portefeuille A" in text and "Plateforme B" in text
    assert "Lire vos microattestations" in text and "Ajouter des badges" in text
    assert "Autorisée le" in text and "Retirer l'accès" in text


def test_the_carnet_links_to_the_page(browser):
    assert "/mon-compte/applications/" in browser.get("/mon-carnet/").content.decode()


def test_an_application_never_allowed_or_registered_only_is_not_listed(browser):
    registered(client_name="Jamais autorisée")
    assert "Jamais autorisée" not in browser.get("/mon-compte/applications/").content.decode()
    assert "Aucune application" in browser.get("/mon-compte/applications/").content.decode()


def test_withdrawing_revokes_every_token_of_the_application(browser, learner):
    client = registered()
    first, second = tokens_for(browser, client), tokens_for(browser, client)
    other = tokens_for(browser, registered(client_name="Autre"), scopes=(READ,))
    application = Application.objects.get(client_id=client["client_id"])
    response = browser.post(f"/mon-compte/applications/{application.pk}/retirer/")
    assert response.status_code == 302
    for tokens in (first, second):
        assert api("GET", "/credentials", tokens["access_token"]).status_code == 401
        assert (
            token_request(
                client, grant_type="refresh_token", refresh_token=tokens["refresh_token"]
            ).status_code
            == 400
        )
    assert api("GET", "/credentials", other["access_token"]).status_code == 200
    page = browser.get("/mon-compte/applications/").content.decode()
    assert "<h2>Portefeuille Exemple</h2>" not in page and "<h2>Autre</h2>" in page
    event = AuditEvent.objects.get(verb="oauth_app.withdrawn")
    assert event.actor == learner and event.target_id == str(application.pk)


def test_nobody_else_withdraws_a_learners_application(browser, outsider):
    client = registered()
    tokens = tokens_for(browser, client)
    application = Application.objects.get(client_id=client["client_id"])
    intruder = Client()
    intruder.force_login(outsider)
    assert intruder.post(f"/mon-compte/applications/{application.pk}/retirer/").status_code == 404
    assert "Portefeuille Exemple" not in intruder.get("/mon-compte/applications/").content.decode()
    anonymous = Client().post(f"/mon-compte/applications/{application.pk}/retirer/")
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    assert api("GET", "/credentials", tokens["access_token"]).status_code == 200


def test_withdrawing_asks_for_post(browser):
    client = registered()
    tokens_for(browser, client)
    application = Application.objects.get(client_id=client["client_id"])
    assert browser.get(f"/mon-compte/applications/{application.pk}/retirer/").status_code == 405
