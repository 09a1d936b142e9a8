"""The import page: a signed-in learner adds a badge earned elsewhere by uploading a file, pasting a
text or giving an address; what is refused says why, in the form it came from, and saves nothing."""

from __future__ import annotations

import html
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from portfolio_samples import ISSUER_SITE, signed_badge
from verification_samples import small_png

from carnet.credentials import baking, sign_jwt
from carnet.portfolio.models import ImportedBadge

pytestmark = pytest.mark.django_db

PAGE = "/mon-carnet/importer/"


def text_of(response) -> str:
    return html.unescape(response.content.decode())


def upload(client, data, name="badge.png", path=PAGE):
    return client.post(path, {"mode": "fichier", "file": SimpleUploadedFile(name, data)})


def paste(client, text, path=PAGE):
    return client.post(path, {"mode": "coller", "credential": text})


def address(client, url):
    return client.post(PAGE, {"mode": "adresse", "url": url})


@pytest.fixture
def holder(client, learner):
    client.force_login(learner)
    return client


def test_the_page_offers_the_three_ways(holder):
    response = holder.get(PAGE)
    assert response.status_code == 200
    page = text_of(response)
    assert "<h1>Importer un badge obtenu ailleurs</h1>" in page
    for field in ('name="file"', 'name="credential"', 'name="url"'):
        assert field in page
    assert response["Cache-Control"] == "private, no-store"


def test_the_carnet_links_to_it(holder):
    assert f'href="{PAGE}"' in holder.get("/mon-carnet/").content.decode()


def test_an_uploaded_baked_badge_goes_into_the_carnet(holder, learner, other_key):
    response = upload(holder, baking.bake(small_png(), signed_badge(other_key)), "badge.txt")
    badge = ImportedBadge.objects.get(holder=learner)
    assert response.status_code == 302 and response["Location"] == f"/mon-carnet/importes/{badge.uuid}/"
    page = text_of(holder.get(response["Location"]))
    assert "Badge ajouté à votre carnet." in page
    assert "Secourisme en milieu de travail" in page


def test_a_pasted_vc_jwt_goes_into_the_carnet(holder, learner, other_key):
    from portfolio_samples import badge_for

    response = paste(holder, sign_jwt(badge_for(other_key), other_key))
    assert response.status_code == 302
    assert ImportedBadge.objects.get(holder=learner).source == "jwt"


def test_a_badge_at_an_address_goes_into_the_carnet(holder, learner, other_key, fetcher):
    fetcher.documents[f"{ISSUER_SITE}/b.json"] = signed_badge(other_key)
    response = address(holder, f"{ISSUER_SITE}/b.json")
    assert response.status_code == 302
    assert ImportedBadge.objects.get(holder=learner).source_url == f"{ISSUER_SITE}/b.json"


def test_a_refusal_is_explained_in_its_form_and_what_was_typed_stays(holder):
    typed = "pas un badge <script>alert(1)</script>"
    response = paste(holder, typed)
    assert response.status_code == 400
    raw = response.content.decode()
    assert 'id="coller-erreur"' in raw and 'aria-invalid="true"' in raw
    assert "n'est pas une microattestation lisible" in text_of(response)
    assert "Rien n'a été ajouté à votre carnet." in text_of(response)
    assert "pas un badge &lt;script&gt;alert(1)&lt;/script&gt;</textarea>" in raw
    assert "<script>alert(1)" not in raw
    assert not ImportedBadge.objects.exists()


def test_an_altered_badge_is_refused(holder, other_key):
    document = signed_badge(other_key)
    document["credentialSubject"]["achievement"]["name"] = "Chirurgie cardiaque"
    response = upload(holder, json.dumps(document).encode(), "badge.json")
    assert response.status_code == 400
    assert "modifiée après sa signature" in text_of(response)
    assert not ImportedBadge.objects.exists()


def test_a_duplicate_is_refused(holder, other_key):
    document = json.dumps(signed_badge(other_key))
    assert paste(holder, document).status_code == 302
    response = paste(holder, document)
    assert response.status_code == 400
    assert "Ce badge est déjà dans votre carnet." in text_of(response)
    assert ImportedBadge.objects.count() == 1


def test_a_private_address_is_refused_without_network(holder, fetcher, no_network):
    response = address(holder, "https://127.0.0.1/badge.json")
    assert response.status_code == 400
    page = text_of(response)
    assert "Cette adresse n'a pas été consultée" in page and 'id="adresse-erreur"' in page
    assert fetcher.asked == [] and no_network == []


def test_an_oversized_upload_is_refused(holder):
    response = upload(holder, b"{" + b" " * (2 * 1024 * 1024) + b"}", "gros.json")
    assert response.status_code == 413
    assert "trop volumineux" in text_of(response)


def test_an_oversized_body_is_refused_before_it_is_read(holder):
    response = holder.post(PAGE, data=b"x", content_type="application/octet-stream", CONTENT_LENGTH="9000000")
    assert response.status_code == 413
    assert "trop volumineux" in text_of(response)


def test_an_svg_with_a_script_is_never_shown(holder, learner, other_key):
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"><script>alert(1)</script></svg>'
    response = upload(holder, baking.bake(svg, signed_badge(other_key)), "badge.svg")
    page = holder.get(response["Location"]).content.decode()
    assert "alert(1)" not in page and "<svg" not in page
    assert "/static/portfolio/badge-importe.svg" in page  # a neutral picture instead
    assert "alert(1)" not in holder.get("/mon-carnet/").content.decode()


def test_the_page_is_limited_per_address(holder, settings):
    settings.VERIFICATION_RATE_LIMITS = {"page": (2, 60)}
    assert paste(holder, "x").status_code == 400
    assert paste(holder, "x").status_code == 400
    response = paste(holder, "x")
    assert response.status_code == 429 and int(response["Retry-After"]) > 0


def test_the_forms_are_protected_against_forgery(learner, other_key):
    client = Client(enforce_csrf_checks=True)
    client.force_login(learner)
    assert paste(client, json.dumps(signed_badge(other_key))).status_code == 403
    assert not ImportedBadge.objects.exists()


def test_a_visitor_who_is_not_signed_in_is_sent_to_log_in(client, other_key):
    assert client.get(PAGE).status_code == 302
    response = paste(client, json.dumps(signed_badge(other_key)))
    assert response.status_code == 302 and "/comptes/login/" in response["Location"]
    assert not ImportedBadge.objects.exists()


def test_the_page_is_in_english_under_en(holder, other_key):
    document = signed_badge(other_key)
    document["name"] = "Chirurgie"
    response = paste(holder, json.dumps(document), path="/en" + PAGE)
    assert response.status_code == 400
    page = text_of(response)
    assert "<h1>Import a badge earned elsewhere</h1>" in page
    assert "Nothing was added to your carnet." in page
