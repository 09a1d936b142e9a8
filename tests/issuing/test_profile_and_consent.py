"""The learner's public profile and their consent to employers' searches (with its history)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from carnet.audit.models import AuditEvent
from carnet.portfolio.models import SearchConsent
from carnet.portfolio.services import consents_to_search, profile_of, set_visibility, update_profile

pytestmark = pytest.mark.django_db
SETTINGS = "/mon-carnet/partage/"


def test_a_public_profile_shows_only_public_credentials(client, issue, learner, version, organisation):
    shown, hidden = issue(key="a"), issue(key="b")
    set_visibility(credential=shown, visibility="public", actor=learner)
    set_visibility(credential=hidden, visibility="link", actor=learner)
    client.force_login(learner)
    response = client.post(
        SETTINGS, {"form": "profile", "enabled": "on", "slug": "alex-m", "headline": "Commis"}
    )
    assert response.status_code == 302
    client.logout()
    page = client.get("/profils/alex-m/").content.decode()
    assert "Commis" in page and str(shown.uuid) in page and str(hidden.uuid) not in page


def test_a_public_profile_never_shows_the_email(client, learner):
    """Without a display name, the profile is called "Profil public", and its address proposed
    first does not come from the email either."""
    assert profile_of(learner).slug == "profil"
    update_profile(user=learner, enabled=True, headline="", slug="profil")
    page = client.get("/profils/profil/").content.decode()
    assert learner.email not in page and "learner" not in page and "<h1>Profil public</h1>" in page
    assert "<h1>Public profile</h1>" in client.get("/en/profils/profil/").content.decode()


def test_an_offline_profile_is_not_found(client, learner):
    client.force_login(learner)
    client.post(SETTINGS, {"form": "profile", "slug": "alex-m", "headline": ""})
    client.logout()
    assert client.get("/profils/alex-m/").status_code == 404


def test_a_taken_address_is_refused_with_what_was_typed_kept(client, learner, outsider):
    client.force_login(outsider)
    client.post(SETTINGS, {"form": "profile", "enabled": "on", "slug": "alex-m"})
    client.force_login(learner)
    response = client.post(
        SETTINGS, {"form": "profile", "enabled": "on", "slug": "alex-m", "headline": "Commis"}
    )
    assert response.status_code == 400
    content = response.content.decode()
    assert "Cette adresse est déjà prise" in content and 'value="Commis"' in content


def test_consent_is_given_and_withdrawn_with_a_record_each_time(client, learner):
    client.force_login(learner)
    assert not consents_to_search(learner)
    client.post(SETTINGS, {"form": "consent", "search": "on"})
    assert consents_to_search(learner)
    client.post(SETTINGS, {"form": "consent", "search": "on"})  # no change, no new record
    client.post(SETTINGS, {"form": "consent"})
    assert not consents_to_search(learner)
    assert list(SearchConsent.objects.filter(user=learner).values_list("given", flat=True)) == [False, True]
    assert AuditEvent.objects.filter(verb__startswith="consent.").count() == 2
    page = client.get(SETTINGS).content.decode()
    assert "accord donné" in page and "accord retiré" in page


def test_the_settings_are_only_ones_own(client, learner, outsider):
    client.force_login(learner)
    client.post(SETTINGS, {"form": "consent", "search": "on"})
    client.force_login(outsider)
    assert "accord donné" not in client.get(SETTINGS).content.decode()
    client.logout()
    assert client.get(SETTINGS).status_code == 302
    assert client.post(SETTINGS, {"form": "consent"}).status_code == 302
    assert consents_to_search(learner)


def test_the_carnet_links_to_the_settings(client, learner):
    client.force_login(learner)
    assert reverse("portfolio:settings") in client.get(reverse("portfolio:carnet")).content.decode()
