"""An imported badge's page, for its holder alone: its state as last checked and when, whether it
was awarded to them, where it comes from, the verification report in plain words; verify again,
delete, its re-encoded picture and its original. Nobody else sees or changes any of it."""

from __future__ import annotations

import html
import json

import pytest
from django.urls import reverse
from portfolio_samples import signed_badge
from verification_samples import small_png

from carnet.audit.models import AuditEvent
from carnet.credentials import baking
from carnet.issuing import services as issuing
from carnet.portfolio.models import ImportedBadge
from carnet.portfolio.services import import_badge

pytestmark = pytest.mark.django_db

READS = ["imported", "imported_image", "imported_original"]
WRITES = ["reverify_imported", "delete_imported"]


def url(name, badge):
    return reverse(f"portfolio:{name}", args=[badge.uuid])


def text_of(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def badge(learner, other_key):
    return import_badge(holder=learner, data=baking.bake(small_png(), signed_badge(other_key)))


@pytest.fixture
def holder(client, learner):
    client.force_login(learner)
    return client


def test_the_holder_reads_the_state_the_recipient_and_the_report(holder, badge):
    response = holder.get(url("imported", badge))
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
    page = text_of(response)
    assert "<h1>Secourisme en milieu de travail</h1>" in page
    assert "État : Authentique et valide" in page
    assert "Cette microattestation est authentique et valide." in page
    assert "Dernière vérification : le " in page
    assert "Décerné à vous" in page
    assert "Centre de formation Exemple" in page and "Image PNG" in page
    assert "La signature est valide" in page  # the report, check by check
    assert "Vérifier de nouveau" in page and "Retirer de mon carnet" in page
    assert f'src="{url("imported_image", badge)}"' in page


def test_a_badge_for_someone_else_is_shown_with_a_warning(holder, learner, other_key):
    other = import_badge(holder=learner, data=json.dumps(signed_badge(other_key, "alex@example.org")))
    page = text_of(holder.get(url("imported", other)))
    assert "Attention : décerné à une autre adresse courriel que les vôtres." in page
    assert "Décerné à vous" not in page


def test_an_expired_badge_never_shows_valid(holder, learner, other_key):
    from datetime import UTC, datetime, timedelta

    document = signed_badge(other_key, valid_until=datetime.now(UTC) + timedelta(days=3))
    badge = import_badge(holder=learner, data=json.dumps(document))
    ImportedBadge.objects.filter(pk=badge.pk).update(valid_until=datetime.now(UTC) - timedelta(days=1))
    page = text_of(holder.get(url("imported", badge)))
    assert "État : Expiré" in page
    assert "est passée depuis la dernière vérification" in page
    assert "État : Authentique et valide" not in page


def test_verifying_again_shows_the_new_state(holder, learner, outsider, issue, org_admin):
    credential = issue(outsider)
    badge = import_badge(holder=learner, data=json.dumps(credential.document))
    issuing.revoke_credential(credential=credential, reason="Erreur", actor=org_admin)
    assert "État : Authentique et valide" in text_of(holder.get(url("imported", badge)))
    response = holder.post(url("reverify_imported", badge))
    assert response.status_code == 302 and response["Location"] == url("imported", badge)
    page = text_of(holder.get(url("imported", badge)))
    assert "Vérifié à l'instant : Révoqué par son émetteur." in page
    assert "État : Révoqué par son émetteur" in page


def test_deleting_removes_it_from_the_carnet(holder, badge, learner):
    response = holder.post(url("delete_imported", badge))
    assert response.status_code == 302 and response["Location"] == "/mon-carnet/"
    assert not ImportedBadge.objects.exists()
    assert AuditEvent.objects.filter(verb="imported_badge.deleted", actor=learner).count() == 1
    assert "Badge retiré de votre carnet." in text_of(holder.get("/mon-carnet/"))


def test_the_picture_is_the_re_encoded_png(holder, badge):
    response = holder.get(url("imported_image", badge))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response.content == bytes(badge.image_png) and b"openbadgecredential" not in response.content
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_badge_without_a_picture_has_none_to_serve(holder, learner, other_key):
    plain = import_badge(holder=learner, data=json.dumps(signed_badge(other_key)))
    assert holder.get(url("imported_image", plain)).status_code == 404
    assert "/static/portfolio/badge-importe.svg" in holder.get(url("imported", plain)).content.decode()


def test_the_original_downloads_as_it_was_given(holder, badge):
    response = holder.get(url("imported_original", badge))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'attachment; filename="badge-importe.png"'
    assert response.content == bytes(badge.original)


def test_credential_text_is_escaped(holder, learner, other_key):
    name = '<img src=x onerror="alert(1)">Soins'
    hostile = import_badge(holder=learner, data=json.dumps(signed_badge(other_key, name=name)))
    for page in (holder.get(url("imported", hostile)), holder.get("/mon-carnet/")):
        raw = page.content.decode()
        assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;Soins" in raw
        assert "<img src=x" not in raw


def test_reading_is_read_only(holder, badge):
    assert holder.post(url("imported", badge)).status_code == 405
    assert holder.get(url("reverify_imported", badge)).status_code == 405
    assert holder.get(url("delete_imported", badge)).status_code == 405


# -- nobody else -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", READS + WRITES)
def test_an_outsider_another_learner_an_employer_or_an_admin_is_refused(
    client, badge, outsider, make_user, employer, org_admin, name
):
    other_learner = make_user("autre@example.test")
    for person in (outsider, other_learner, employer, org_admin):
        client.force_login(person)
        response = client.post(url(name, badge)) if name in WRITES else client.get(url(name, badge))
        assert response.status_code == 404, (person, name)
    badge.refresh_from_db()  # still there, unchanged
    assert badge.verdict == "valid"
    assert not AuditEvent.objects.filter(
        verb__in=["imported_badge.verified", "imported_badge.deleted"]
    ).exists()


@pytest.mark.parametrize("name", READS + WRITES)
def test_anonymous_visitors_are_sent_to_log_in(client, badge, name):
    response = client.post(url(name, badge)) if name in WRITES else client.get(url(name, badge))
    assert response.status_code == 302 and "/comptes/login/" in response["Location"]
    assert ImportedBadge.objects.filter(pk=badge.pk, verdict="valid").exists()


def test_an_unknown_badge_is_not_found(holder):
    assert holder.get("/mon-carnet/importes/00000000-0000-4000-8000-000000000000/").status_code == 404
