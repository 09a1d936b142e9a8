"""The public verification page: anyone pastes, uploads or points to a credential and reads the
report in plain language; hostile input is refused politely, escaped, and never fetched unsafely."""

from __future__ import annotations

import base64
import html
import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from verification_samples import (
    ASSERTION_URL,
    altered,
    ob2_assertion,
    other_credential,
    png_with_text_chunk,
    small_png,
)

from carnet.credentials import Ed25519Key, baking, sign, sign_jwt
from carnet.credentials import model as ob
from carnet.credentials.fetch import GuardedFetcher
from carnet.issuing import services

pytestmark = pytest.mark.django_db

PAGE = "/verifier/"
VALID = "Cette microattestation est authentique et valide."


def text_of(response) -> str:
    """The page as a person reads it (entities decoded); escaping is tested on the raw bytes."""
    return html.unescape(response.content.decode())


def paste(client, text, path=PAGE):
    return client.post(path, {"mode": "coller", "credential": text})


def upload(client, data, name="badge.png"):
    return client.post(PAGE, {"mode": "fichier", "file": SimpleUploadedFile(name, data)})


def address(client, url):
    return client.post(PAGE, {"mode": "adresse", "url": url})


def test_the_page_needs_no_login(client):
    response = client.get(PAGE)
    assert response.status_code == 200
    page = text_of(response)
    assert "<h1>Vérifier une microattestation</h1>" in page
    for field in ('name="credential"', 'name="file"', 'name="url"'):
        assert field in page
    assert 'for="id_credential"' in page and 'for="id_file"' in page and 'for="id_url"' in page


def test_the_page_is_in_english_under_en(client):
    response = client.get("/en" + PAGE)
    assert response.status_code == 200
    assert '<html lang="en">' in text_of(response)


def test_an_issued_credential_is_authentic_and_valid(client, issued):
    response = paste(client, json.dumps(issued.document, ensure_ascii=False))
    assert response.status_code == 200
    page = text_of(response)
    assert VALID in page
    assert 'class="outcome outcome-ok"' in page
    for claim in ("Fiabilité", "Tient ses engagements.", "Présent et ponctuel pendant six mois.", "CJE Test",
                  "Registre des présences", "Six mois sans une absence."):  # fmt: skip
        assert claim in page, claim
    assert "La signature est valide" in page  # the report's own message, check by check
    assert "Le justificatif n'est ni révoqué ni suspendu." in page
    assert "sous forme chiffrée" in page  # the recipient is a hashed email


def test_the_report_is_in_english_on_the_english_page(client, issued):
    response = paste(client, json.dumps(issued.document), path="/en" + PAGE)
    assert response.status_code == 200
    page = text_of(response)
    assert "Digital signature" in page  # the report's English check names need no catalogue
    assert "The signature is valid: the content has not changed since it was issued." in page


def test_one_altered_character_is_explained(client, issued):
    response = paste(client, json.dumps(altered(issued.document), ensure_ascii=False))
    assert response.status_code == 200
    page = text_of(response)
    assert "a été modifiée après sa signature, ou sa signature est fausse" in page
    assert "La signature n'est pas valide : le contenu a été modifié après la signature" in page
    assert 'class="outcome outcome-bad"' in page
    assert VALID not in page


def test_a_revoked_credential_says_revoked(client, issued, org_admin):
    services.revoke_credential(credential=issued, reason="Erreur", actor=org_admin)
    page = text_of(paste(client, json.dumps(issued.document)))
    assert "Cette microattestation a été révoquée par son émetteur : elle n'est plus valide." in page
    assert "L'émetteur a révoqué ce justificatif" in page


def test_a_suspended_credential_says_suspended(client, issued, org_admin):
    services.suspend_credential(credential=issued, reason="Vérification", actor=org_admin)
    page = text_of(paste(client, json.dumps(issued.document)))
    assert "Cette microattestation est suspendue par son émetteur" in page


def test_an_expired_credential_says_expired(client, other_key):
    document = sign(
        other_credential(
            other_key,
            valid_from=datetime(2020, 1, 1, tzinfo=UTC),
            valid_until=datetime(2021, 1, 1, tzinfo=UTC),
        ),
        other_key,
    )
    page = text_of(paste(client, json.dumps(document)))
    assert "Cette microattestation est authentique, mais elle est expirée depuis le 1 janvier 2021." in page


def test_a_credential_from_another_issuer_verifies(client, other_signed):
    page = text_of(paste(client, json.dumps(other_signed)))
    assert VALID in page
    assert "Centre de formation Exemple" in page


def test_embedded_endorsements_are_shown_with_their_state(client, other_key):
    endorser = Ed25519Key.generate()
    endorsement = sign(
        ob.endorsement_credential(
            issuer=ob.profile(endorser.controller, "Association des secouristes"),
            endorsed_id="https://formation.exemple.org/badges/secourisme",
            valid_from=datetime.now(UTC) - timedelta(days=2),
            name="Endossement : Secourisme",
            comment="Marie Tremblay (formatrice) endosse cette formation.",
        ),
        endorser,
    )
    document = sign(other_credential(other_key, endorsements=[endorsement]), other_key)
    page = text_of(paste(client, json.dumps(document)))
    assert VALID in page
    assert "Association des secouristes" in page
    assert "Marie Tremblay (formatrice) endosse cette formation." in page
    assert "endossement vérifié" in page
    assert "1 endossement(s) vérifié(s)." in page


def test_a_vc_jwt_verifies(client, other_key):
    page = text_of(paste(client, sign_jwt(other_credential(other_key), other_key)))
    assert VALID in page
    assert "Le document est un justificatif au format VC-JWT." in page


def test_garbage_is_refused_and_what_was_typed_stays(client):
    typed = "ceci n'est pas un badge <script>alert(1)</script>"
    response = paste(client, typed)
    assert response.status_code == 400
    raw = response.content.decode()
    assert re.search(
        r'<div role="alert" class="error" id="coller-erreur">.*n\'est pas une microattestation lisible',
        text_of(response),
        re.S,
    )
    assert "ceci n&#x27;est pas un badge &lt;script&gt;alert(1)&lt;/script&gt;</textarea>" in raw
    assert "<script>alert(1)" not in raw
    assert 'aria-invalid="true"' in raw


def test_credential_text_is_escaped(client, other_key):
    document = sign(other_credential(other_key, name='<img src=x onerror="alert(1)">Soins'), other_key)
    raw = paste(client, json.dumps(document)).content.decode()
    assert VALID in html.unescape(raw)
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;Soins" in raw
    assert "<img src=x" not in raw


def test_an_empty_paste_is_refused(client):
    response = paste(client, "   ")
    assert response.status_code == 400
    assert 'role="alert"' in text_of(response)


def test_an_oversized_upload_is_refused(client):
    data = b"{" + b" " * (2 * 1024 * 1024) + b"}"
    response = upload(client, data, "gros.json")
    assert response.status_code == 413
    assert "trop volumineux" in text_of(response)


def test_an_oversized_paste_is_refused(client):
    response = paste(client, "x" * (2 * 1024 * 1024 + 1))
    assert response.status_code == 413
    assert "trop volumineux" in text_of(response)


def test_an_oversized_body_is_refused_before_it_is_read(client):
    response = client.post(PAGE, data=b"x", content_type="application/octet-stream", CONTENT_LENGTH="9000000")
    assert response.status_code == 413
    assert "trop volumineux" in text_of(response)


def test_a_baked_png_verifies_and_only_a_re_encoded_preview_is_shown(client, issued):
    baked = baking.bake(small_png(), issued.document)
    response = upload(client, baked, "badge.txt")  # the name says nothing: the content decides
    page = text_of(response)
    assert VALID in page
    assert "Le justificatif a été extrait de l'image PNG." in page
    preview = re.search(r'<img class="badge-preview" src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert preview is not None
    shown = base64.b64decode(preview.group(1))
    assert shown.startswith(b"\x89PNG") and b"openbadgecredential" not in shown and shown != baked


def test_a_baked_svg_verifies_and_is_never_shown(client, other_signed):
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>'
    baked = baking.bake(svg, other_signed)
    response = upload(client, baked, "badge.png")
    page = text_of(response)
    assert VALID in page
    assert "alert(1)" not in page and "badge-preview" not in page


def test_a_private_address_is_refused_without_any_network_access(client, no_network):
    response = address(client, "http://127.0.0.1/badge.json")
    assert response.status_code == 400
    page = text_of(response)
    assert "Cette adresse n'a pas été consultée" in page
    assert 'value="http://127.0.0.1/badge.json"' in page
    assert no_network == []


def test_a_host_that_leads_to_a_private_network_is_refused_before_connecting(client, monkeypatch):
    monkeypatch.setattr(GuardedFetcher, "_resolve", lambda self, host, port: ["10.0.0.7"])
    response = address(client, "https://intranet.exemple.org/badge.json")
    assert response.status_code == 400
    assert "Cette adresse n'a pas été consultée" in text_of(response)


def test_a_credential_at_an_address_is_fetched_through_the_fetcher(client, fetcher, other_signed):
    fetcher.documents["https://formation.exemple.org/badges/42.json"] = other_signed
    page = text_of(address(client, "https://formation.exemple.org/badges/42.json"))
    assert VALID in page
    assert fetcher.asked == ["https://formation.exemple.org/badges/42.json"]


def test_an_address_that_serves_nothing_is_explained(client, fetcher):
    response = address(client, "https://formation.exemple.org/rien.json")
    assert response.status_code == 400
    assert "Cette adresse n'a pas donné de microattestation" in text_of(response)


def test_an_open_badges_2_assertion_is_explained(client, fetcher):
    fetcher.documents[ASSERTION_URL] = ob2_assertion()
    page = text_of(paste(client, json.dumps(ob2_assertion())))
    assert "Ce badge suit l'ancienne norme Open Badges 2.0" in page
    for claim in ("Secourisme de base", "Croix de l'Exemple", "15 mars 2021", "Avoir suivi la formation"):
        assert claim in page, claim
    assert "répond toujours avec ce même badge" in page
    assert "ne s'en porte pas garant" in page
    assert fetcher.asked == [ASSERTION_URL]


def test_an_open_badges_2_baked_png_is_recognised(client, fetcher):
    baked = png_with_text_chunk(b"openbadges", json.dumps(ob2_assertion()))
    page = text_of(upload(client, baked))
    assert "Ce badge suit l'ancienne norme Open Badges 2.0" in page
    assert "Secourisme de base" in page


def test_the_page_is_limited_per_address(client, settings):
    settings.VERIFICATION_RATE_LIMITS = {"page": (2, 60)}
    assert paste(client, "x").status_code == 400
    assert paste(client, "x").status_code == 400
    response = paste(client, "x")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Trop de vérifications" in text_of(response)
    assert client.get(PAGE).status_code == 200  # reading the page is not counted


def test_the_forms_are_protected_against_forgery():
    client = Client(enforce_csrf_checks=True)
    assert client.post(PAGE, {"mode": "coller", "credential": "{}"}).status_code == 403
    client.get(PAGE)
    token = client.cookies["csrftoken"].value
    response = client.post(PAGE, {"mode": "coller", "credential": "{}", "csrfmiddlewaretoken": token})
    assert response.status_code == 400  # checked, and refused for what it is: not a credential
