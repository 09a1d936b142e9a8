"""Each scope allows only what it says, a token is one learner's, and the API answers 401 (no token,
a dead one, with WWW-Authenticate) and 403 insufficient_scope as RFC 6750 says, in the
specification's Imsx_StatusInfo."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from ob_fixtures import *  # noqa: F403 — the fixtures of these tests
from ob_oauth import PROFILE_READ, PROFILE_UPDATE, READ, UPSERT, api, tokens_for
from portfolio_samples import signed_badge

from carnet.portfolio.models import ImportedBadge
from carnet.portfolio.services import import_badge

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def minor(response) -> str:
    return response.json()["imsx_codeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"]


# What each operation needs, and a call of it.
OPERATIONS = {
    "getCredentials": (READ, lambda token, key: api("GET", "/credentials", token)),
    "upsertCredential": (UPSERT, lambda token, key: api("POST", "/credentials", token, signed_badge(key))),
    "getProfile": (PROFILE_READ, lambda token, key: api("GET", "/profile", token)),
    "putProfile": (
        PROFILE_UPDATE,
        lambda token, key: api("PUT", "/profile", token, {"type": ["Profile"], "name": "Nouveau nom"}),
    ),
}


@pytest.mark.parametrize("scope", [READ, UPSERT, PROFILE_READ, PROFILE_UPDATE])
def test_a_token_does_what_its_scope_says_and_nothing_else(learner, other_key, scope):
    token = tokens_for(signed_in(learner), scopes=(scope,))["access_token"]
    for operation, (needed, call) in OPERATIONS.items():
        response = call(token, other_key)
        if needed == scope:
            assert response.status_code in (200, 201), (operation, response.content)
        else:
            assert response.status_code == 403, (operation, response.status_code)
            assert minor(response) == "forbidden"
            assert 'error="insufficient_scope"' in response["WWW-Authenticate"]
            assert f'scope="{needed}"' in response["WWW-Authenticate"]
    if scope != UPSERT:
        assert not ImportedBadge.objects.exists()
    if scope != PROFILE_UPDATE:
        learner.refresh_from_db()
        assert learner.display_name != "Nouveau nom"


@pytest.mark.parametrize("operation", list(OPERATIONS))
def test_without_a_token_each_operation_answers_401_with_a_challenge(other_key, operation):
    response = OPERATIONS[operation][1](None, other_key)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert minor(response) == "unauthorizedrequest"
    assert response.json()["imsx_codeMajor"] == "failure"


@pytest.mark.parametrize("operation", list(OPERATIONS))
def test_an_unknown_token_answers_401_invalid_token(other_key, operation):
    response = OPERATIONS[operation][1]("not-a-token", other_key)
    assert response.status_code == 401 and 'error="invalid_token"' in response["WWW-Authenticate"]


def test_a_token_in_the_address_is_not_accepted(learner):
    token = tokens_for(signed_in(learner), scopes=(READ,))["access_token"]
    assert Client().get(f"/ims/ob/v3p0/credentials?access_token={token}").status_code == 401


def test_the_error_speaks_the_callers_language(learner):
    token = tokens_for(signed_in(learner), scopes=(READ,))["access_token"]
    french = api("GET", "/profile", token)
    english = api("GET", "/profile", token, HTTP_ACCEPT_LANGUAGE="en")
    assert "portée" in french.json()["imsx_description"]
    assert (french["Content-Language"], english["Content-Language"]) == ("fr", "en")


def test_a_token_reads_only_its_learners_credentials(learner, outsider, issue, other_key):
    mine = issue(learner, key="mine")
    theirs = issue(outsider, key="theirs")
    import_badge(holder=outsider, data=json.dumps(signed_badge(other_key, email=outsider.email)))
    token = tokens_for(signed_in(learner), scopes=(READ, PROFILE_READ))["access_token"]
    body = api("GET", "/credentials", token).json()
    assert [document["id"] for document in body["credential"]] == [mine.document["id"]]
    assert theirs.document["id"] not in json.dumps(body)
    assert api("GET", "/profile", token).json()["email"] == learner.email


def test_a_pushed_credential_goes_to_the_tokens_learner_only(learner, outsider, other_key):
    token = tokens_for(signed_in(outsider), scopes=(UPSERT,))["access_token"]
    response = api("POST", "/credentials", token, signed_badge(other_key, email=outsider.email))
    assert response.status_code == 201
    assert ImportedBadge.objects.get().holder == outsider
    assert not ImportedBadge.objects.filter(holder=learner).exists()


def test_a_credential_awarded_to_someone_else_is_refused(learner, other_key):
    token = tokens_for(signed_in(learner), scopes=(UPSERT,))["access_token"]
    response = api("POST", "/credentials", token, signed_badge(other_key, email="quelquun@ailleurs.test"))
    assert response.status_code == 400 and minor(response) == "invalid_data"
    assert "autre adresse courriel" in response.json()["imsx_description"]
    assert not ImportedBadge.objects.exists()


def test_an_altered_or_unsigned_credential_is_refused_like_on_the_import_page(learner, other_key):
    token = tokens_for(signed_in(learner), scopes=(UPSERT,))["access_token"]
    altered = signed_badge(other_key)
    altered["name"] = "Autre chose"
    assert api("POST", "/credentials", token, altered).status_code == 400
    unsigned = signed_badge(other_key)
    del unsigned["proof"]
    response = api("POST", "/credentials", token, unsigned)
    assert response.status_code == 400 and "Rien n'a été ajouté" in response.json()["imsx_description"]
    assert not ImportedBadge.objects.exists()


def test_a_push_in_another_form_or_too_large_is_refused_before_verification(learner, other_key):
    token = tokens_for(signed_in(learner), scopes=(UPSERT,))["access_token"]
    body = json.dumps(signed_badge(other_key))
    assert api("POST", "/credentials", token, body, content_type="image/png").status_code == 415
    assert api("POST", "/credentials", token, body, content_type="text/plain").status_code == 400
    assert api("POST", "/credentials", token, "[1, 2]").status_code == 400
    huge = "{" + " " * (2 * 1024 * 1024 + 10) + "}"
    assert api("POST", "/credentials", token, huge).status_code == 413
    url = {"url": "https://formation.exemple.org/badge.json"}
    assert api("POST", "/credentials", token, url).status_code == 400  # never fetched
    assert not ImportedBadge.objects.exists()


def test_put_profile_changes_the_name_only_and_says_why_it_refuses_the_rest(learner):
    token = tokens_for(signed_in(learner), scopes=(PROFILE_READ, PROFILE_UPDATE))["access_token"]
    profile = api("GET", "/profile", token).json()
    refusals = {
        "phone": ({**profile, "phone": "111-222-3333"}, "phone"),
        "email": ({**profile, "email": "autre@exemple.test"}, "courriel"),
        "id": ({**profile, "id": "https://ailleurs.test/moi"}, "id"),
        "type": ({**profile, "type": ["Achievement"]}, "Profile"),
        "blank name": ({**profile, "name": "  "}, "name"),
        "long name": ({**profile, "name": "x" * 151}, "name"),
        "not json": ("nom", "JSON"),
    }
    for case, (body, words) in refusals.items():
        response = api("PUT", "/profile", token, body)
        assert response.status_code == 400, case
        assert words in response.json()["imsx_description"], (case, response.json())
    learner.refresh_from_db()
    assert learner.display_name == ""
    response = api("PUT", "/profile", token, {**profile, "name": "Léa"})
    assert response.status_code == 200 and response.json()["name"] == "Léa"


def test_the_profile_id_is_a_stable_urn_or_the_public_profile(learner):
    from carnet.portfolio.services import update_profile

    token = tokens_for(signed_in(learner), scopes=(PROFILE_READ,))["access_token"]
    first = api("GET", "/profile", token).json()["id"]
    assert first.startswith("urn:uuid:") and api("GET", "/profile", token).json()["id"] == first
    update_profile(user=learner, enabled=True, headline="", slug="lea")
    assert api("GET", "/profile", token).json()["id"].endswith("/profils/lea/")


def test_other_methods_are_refused_with_405(learner):
    token = tokens_for(signed_in(learner))["access_token"]
    response = Client().delete("/ims/ob/v3p0/credentials", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 405 and response["Allow"] == "GET, POST"
    assert Client().post("/ims/ob/v3p0/discovery").status_code == 405
