"""An imported badge shown by its holder: private (theirs alone), visible to whoever has the address
of its page, or public (and on their public profile). The page says the badge was earned elsewhere,
what it claims and what Carnet found when it last verified it; it never offers the file given,
never names the holder by email, and never shows a badge awarded to someone else's address."""

from __future__ import annotations

import html
import json

import pytest
from django.test import Client
from django.urls import reverse
from portfolio_samples import signed_badge
from verification_samples import small_png

from carnet.audit.models import AuditEvent
from carnet.credentials import baking
from carnet.portfolio.models import ImportedBadge
from carnet.portfolio.services import SharingError, import_badge, set_imported_visibility, update_profile

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def badge(learner, other_key):
    return import_badge(holder=learner, data=baking.bake(small_png(), signed_badge(other_key)))


@pytest.fixture
def holder(client, learner):
    client.force_login(learner)
    return client


def shown(badge) -> str:
    return reverse("portfolio:imported_shown", args=[badge.uuid])


def image(badge) -> str:
    return reverse("portfolio:imported_shown_image", args=[badge.uuid])


def change(client, badge, visibility):
    return client.post(
        reverse("portfolio:imported_visibility", args=[badge.uuid]), {"visibility": visibility}
    )


def test_a_new_import_is_private_to_its_holder(holder, badge, employer):
    assert badge.visibility == "private"
    assert holder.get(shown(badge)).status_code == 200  # "as an employer would see it"
    assert Client().get(shown(badge)).status_code == 404
    assert Client().get(image(badge)).status_code == 404
    other = Client()
    other.force_login(employer)
    assert other.get(shown(badge)).status_code == 404


def test_the_holder_shows_it_by_its_address(holder, badge, learner):
    response = change(holder, badge, "link")
    assert response.status_code == 302
    badge.refresh_from_db()
    assert badge.visibility == "link"
    page = Client().get(shown(badge))
    assert page.status_code == 200 and page["X-Robots-Tag"] == "noindex"
    text = text_of(page)
    assert "<h1>Secourisme en milieu de travail</h1>" in text
    assert "obtenu ailleurs" in text and "Carnet ne l'a pas délivré" in text
    assert "Centre de formation Exemple" in text and "État : Authentique et valide" in text
    assert "Décerné à son titulaire" in text
    assert learner.email not in text
    assert reverse("portfolio:imported_original", args=[badge.uuid]) not in text
    assert Client().get(image(badge))["Content-Type"] == "image/png"
    event = AuditEvent.objects.get(verb="imported_badge.visibility_changed")
    assert event.actor == learner and event.data == {"visibility": "link"}
    holder_page = text_of(holder.get(reverse("portfolio:imported", args=[badge.uuid])))
    assert "Adresse à partager" in holder_page and shown(badge) in holder_page


def test_a_public_one_is_on_the_public_profile_and_a_link_one_is_not(holder, badge, learner, other_key):
    learner.display_name = "Alex Martin"
    learner.save(update_fields=["display_name"])
    profile = update_profile(user=learner, enabled=True, headline="", slug="alex")
    second = import_badge(
        holder=learner, data=json.dumps(signed_badge(other_key, name="Conduite de chariot élévateur"))
    )
    set_imported_visibility(badge=badge, visibility="public", actor=learner)
    set_imported_visibility(badge=second, visibility="link", actor=learner)
    text = text_of(Client().get(reverse("portfolio:profile", args=[profile.slug])))
    assert "Badges obtenus ailleurs" in text and shown(badge) in text
    assert "Secourisme en milieu de travail" in text and "Conduite de chariot" not in text
    page = Client().get(shown(badge))
    assert "X-Robots-Tag" not in page and "Alex Martin a obtenu ce badge ailleurs" in text_of(page)
    set_imported_visibility(badge=badge, visibility="private", actor=learner)
    assert Client().get(shown(badge)).status_code == 404
    assert "Badges obtenus ailleurs" not in text_of(
        Client().get(reverse("portfolio:profile", args=[profile.slug]))
    )


def test_a_badge_awarded_to_another_address_stays_private(holder, learner, other_key):
    badge = import_badge(holder=learner, data=json.dumps(signed_badge(other_key, "someone@else.test")))
    assert badge.recipient == "other"
    with pytest.raises(SharingError):
        set_imported_visibility(badge=badge, visibility="public", actor=learner)
    response = change(holder, badge, "link")
    assert response.status_code == 302
    badge.refresh_from_db()
    assert badge.visibility == "private"
    assert "il reste privé" in text_of(holder.get(response["Location"]))
    assert Client().get(shown(badge)).status_code == 404


def test_a_revoked_or_altered_state_is_shown_as_last_checked(holder, badge, learner):
    ImportedBadge.objects.filter(pk=badge.pk).update(verdict="revoked")
    set_imported_visibility(badge=badge, visibility="link", actor=learner)
    text = text_of(Client().get(shown(badge)))
    assert "État : Révoqué" in text


def test_what_the_badge_says_is_never_markup(learner, other_key):
    badge = import_badge(
        holder=learner,
        data=json.dumps(signed_badge(other_key, name='<script>alert("x")</script>Secourisme')),
    )
    set_imported_visibility(badge=badge, visibility="link", actor=learner)
    content = Client().get(shown(badge)).content.decode()
    assert "<script>alert" not in content and "&lt;script&gt;" in content


def test_only_the_holder_changes_who_sees_it(badge, outsider, employer, org_admin):
    for person in (outsider, employer, org_admin):
        client = Client()
        client.force_login(person)
        assert change(client, badge, "public").status_code == 404
    assert change(Client(), badge, "public").status_code == 302  # to log in
    badge.refresh_from_db()
    assert badge.visibility == "private"


def test_an_unknown_choice_changes_nothing(holder, badge):
    response = change(holder, badge, "everyone")
    assert response.status_code == 302
    badge.refresh_from_db()
    assert badge.visibility == "private"
    assert "Choisissez qui peut voir ce badge" in text_of(holder.get(response["Location"]))


def test_the_page_reads_in_english(badge, learner):
    set_imported_visibility(badge=badge, visibility="link", actor=learner)
    text = text_of(Client().get("/en" + shown(badge)))
    assert "earned elsewhere" in text and "Carnet did not issue it" in text
