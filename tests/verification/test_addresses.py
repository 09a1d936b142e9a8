"""Verification by address: what the address serves is told by content — a JSON credential, a VC-JWT
served as text, a baked PNG or SVG image, or a web page that links to its credential (followed once,
on the page's own host). The platform's own badge pages and share links are answered from the
database, with their visibility, and never fetched."""

from __future__ import annotations

import json

import pytest
from verification_samples import ASSERTION_URL, Served, ob2_assertion, other_credential, small_png

from carnet.credentials import baking, sign_jwt
from carnet.issuing import services as issuing
from carnet.portfolio import services as portfolio
from carnet.portfolio.models import ShareLinkOpening
from carnet.verification import verifier
from carnet.verification.fetching import MAX_CREDENTIAL_BYTES

pytestmark = pytest.mark.django_db

SITE = "http://127.0.0.1:8000"  # SITE_URL in the tests
PAGE = "https://formation.exemple.org/badges/42"
JSON_URL = "https://formation.exemple.org/badges/42.json"
API = "/api/verification"


def page_linking_to(href: str, kind: str = "application/vc+ld+json") -> Served:
    html = f"""<!doctype html><html lang="fr"><head><title>Mon badge</title>
      <link rel="stylesheet" href="/style.css">
      <link rel="alternate" type="{kind}" href="{href}"></head><body><h1>Secourisme</h1></body></html>"""
    return Served(html.encode(), "text/html; charset=utf-8")


def api(client, url):
    return client.post(API, data=json.dumps({"url": url}), content_type="application/json")


# -- what another site serves ----------------------------------------------------------------------


def test_a_json_credential_is_verified(fetcher, other_signed):
    fetcher.documents[JSON_URL] = Served(json.dumps(other_signed).encode(), "application/vc+ld+json")
    outcome = verifier.verify_address(JSON_URL)
    assert outcome.verdict == "valid"
    assert fetcher.asked == [JSON_URL]


def test_the_address_is_asked_for_a_credential_first(fetcher, other_signed):
    fetcher.documents[JSON_URL] = other_signed
    verifier.verify_address(JSON_URL)
    assert fetcher.accepts[0].startswith("application/vc+ld+json, application/ld+json")


@pytest.mark.parametrize("content_type", ["text/plain", "application/jwt", "application/octet-stream"])
def test_a_vc_jwt_served_as_text_is_verified(fetcher, other_key, content_type):
    token = sign_jwt(other_credential(other_key), other_key)
    fetcher.documents[JSON_URL] = Served(token.encode() + b"\n", content_type)
    outcome = verifier.verify_address(JSON_URL)
    assert outcome.verdict == "valid"
    assert outcome.report.source_format == "jwt"


def test_a_vc_jwt_with_a_bad_signature_is_altered(fetcher, other_key):
    token = sign_jwt(other_credential(other_key), other_key)
    header, payload, signature = token.split(".")
    forged = f"{header}.{payload}.{signature[:-4]}AAAA"
    fetcher.documents[JSON_URL] = Served(forged.encode(), "text/plain")
    assert verifier.verify_address(JSON_URL).verdict == "altered"


def test_a_baked_png_is_verified_and_only_a_re_encoded_preview_is_kept(fetcher, other_signed):
    baked = baking.bake(small_png(), other_signed)
    fetcher.documents["https://formation.exemple.org/badge.png"] = Served(baked, "image/png")
    outcome = verifier.verify_address("https://formation.exemple.org/badge.png")
    assert outcome.verdict == "valid"
    assert outcome.report.source_format == "baked-png"
    assert outcome.preview is not None and outcome.preview.startswith("data:image/png;base64,")


def test_a_baked_svg_is_verified(fetcher, other_signed):
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>'
    fetcher.documents["https://formation.exemple.org/badge.svg"] = Served(
        baking.bake(svg, other_signed), "image/svg+xml"
    )
    outcome = verifier.verify_address("https://formation.exemple.org/badge.svg")
    assert outcome.verdict == "valid"
    assert outcome.preview is None  # an SVG is never shown


@pytest.mark.parametrize("kind", ["application/vc+ld+json", "application/ld+json"])
def test_a_web_page_leads_to_its_credential_once(fetcher, other_signed, kind):
    fetcher.documents[PAGE] = page_linking_to("42.json", kind)  # relative to the page
    fetcher.documents[JSON_URL] = other_signed
    retrieved = verifier.retrieve(PAGE)
    assert (retrieved.url, retrieved.via) == (JSON_URL, PAGE)
    assert verifier.verify_retrieved(retrieved).verdict == "valid"
    assert fetcher.asked == [PAGE, JSON_URL]


def test_a_web_page_that_leads_to_another_page_is_not_followed_further(fetcher):
    fetcher.documents[PAGE] = page_linking_to("/autre")
    fetcher.documents["https://formation.exemple.org/autre"] = page_linking_to("/encore")
    with pytest.raises(verifier.AddressError) as raised:
        verifier.verify_address(PAGE)
    assert raised.value.code == "unavailable"
    assert fetcher.asked == [PAGE, "https://formation.exemple.org/autre"]


def test_a_web_page_that_leads_to_another_host_is_refused(fetcher, other_signed):
    fetcher.documents[PAGE] = page_linking_to("https://ailleurs.exemple.net/badge.json")
    fetcher.documents["https://ailleurs.exemple.net/badge.json"] = other_signed
    with pytest.raises(verifier.AddressError) as raised:
        verifier.verify_address(PAGE)
    assert raised.value.code == "other_host" and raised.value.refused
    assert "autre site" in raised.value.message()
    assert fetcher.asked == [PAGE]


@pytest.mark.parametrize(
    "href", ["http://formation.exemple.org/badge.json", "https://127.0.0.1/badge.json", "file:///etc/passwd"]
)
def test_a_web_page_cannot_lead_to_an_address_that_is_not_public_https(fetcher, href):
    fetcher.documents[PAGE] = page_linking_to(href)
    with pytest.raises(verifier.AddressError) as raised:
        verifier.verify_address(PAGE)
    assert raised.value.refused
    assert fetcher.asked == [PAGE]


def test_a_web_page_without_a_link_to_its_credential_is_explained(fetcher):
    fetcher.documents[PAGE] = Served(b"<!doctype html><html><body>Bravo !</body></html>", "text/html")
    with pytest.raises(verifier.AddressError) as raised:
        verifier.verify_address(PAGE)
    assert raised.value.code == "no_link"
    assert "ne mène à aucune microattestation" in raised.value.message()


def test_an_address_is_read_within_the_size_cap(fetcher):
    fetcher.documents[JSON_URL] = Served(b"{" + b" " * MAX_CREDENTIAL_BYTES + b"}", "application/json")
    with pytest.raises(verifier.AddressError) as raised:
        verifier.verify_address(JSON_URL)
    assert raised.value.code == "unavailable" and "more than" in raised.value.details


def test_an_image_of_another_kind_is_refused(fetcher):
    fetcher.documents[JSON_URL] = Served(b"GIF89a", "image/gif")
    with pytest.raises(verifier.AddressError):
        verifier.verify_address(JSON_URL)


@pytest.mark.parametrize(
    "url", ["http://formation.exemple.org/badge.json", "https://127.0.0.1/badge.json", "https://10.0.0.1/b",
            "https://localhost/badge.json"],
)  # fmt: skip
def test_addresses_that_are_not_public_https_are_refused_without_network(client, fetcher, no_network, url):
    response = api(client, url)
    assert response.status_code == 400
    assert response.json()["code"] == "url.refused"
    assert fetcher.asked == [] and no_network == []


def test_the_api_says_which_problem_an_address_had(client, fetcher, other_signed):
    fetcher.documents[PAGE] = page_linking_to("https://ailleurs.exemple.net/badge.json")
    assert (api(client, PAGE).status_code, api(client, PAGE).json()["code"]) == (400, "url.other_host")
    fetcher.documents[PAGE] = Served(b"<html><body>rien</body></html>", "text/html")
    response = api(client, PAGE)
    assert (response.status_code, response.json()["code"]) == (502, "url.no_link")
    fetcher.documents[PAGE] = page_linking_to("/badges/42.json")
    fetcher.documents[JSON_URL] = other_signed
    assert api(client, PAGE).json()["verdict"]["code"] == "valid"


def test_an_open_badges_2_assertion_at_its_address_is_its_hosted_check(fetcher):
    fetcher.documents[ASSERTION_URL] = ob2_assertion()
    outcome = verifier.verify_address(ASSERTION_URL)
    assert outcome.verdict == "ob2"
    assert outcome.old_badge.hosted.code == "served"
    assert fetcher.asked == [ASSERTION_URL]


# -- the platform's own addresses ------------------------------------------------------------------


def test_a_private_badge_page_reveals_nothing(fetcher, issued, no_network):
    for url in (f"{SITE}/badges/{issued.uuid}/", f"{SITE}/badges/00000000-0000-4000-8000-000000000000/"):
        with pytest.raises(verifier.AddressError) as raised:
            verifier.verify_address(url)
        assert raised.value.code == "unavailable"
        assert raised.value.details == "no credential is shared at this address of the platform"
    assert fetcher.asked == [] and no_network == []


@pytest.mark.parametrize(
    "path", ["/badges/{uuid}/", "/en/badges/{uuid}/", "/fr/badges/{uuid}/", "/badges/{uuid}.json"]
)
def test_a_shared_badge_page_is_answered_from_the_database(fetcher, issued, learner, path, no_network):
    portfolio.set_visibility(credential=issued, visibility="link", actor=learner)
    outcome = verifier.verify_address(SITE + path.format(uuid=issued.uuid))
    assert outcome.verdict == "valid"
    assert outcome.claims.credential_id == issued.credential_id
    assert fetcher.asked == [] and no_network == []


def test_a_live_share_link_works_and_counts_as_an_opening(fetcher, issued, learner):
    link, token = portfolio.create_share_link(credential=issued, days=7, actor=learner)
    for path in (f"/partage/{token}/", f"/en/partage/{token}/", f"/partage/{token}.json"):
        assert verifier.verify_address(SITE + path).verdict == "valid"
    assert ShareLinkOpening.objects.filter(link=link).count() == 3
    assert fetcher.asked == []


def test_a_withdrawn_or_expired_share_link_does_not_work(fetcher, issued, learner):
    link, token = portfolio.create_share_link(credential=issued, days=7, actor=learner)
    portfolio.withdraw_share_link(link=link, actor=learner)
    other, other_token = portfolio.create_share_link(credential=issued, days=7, actor=learner)
    type(other).objects.filter(pk=other.pk).update(expires_at=other.created_at)
    for token_used in (token, other_token, "inconnu"):
        with pytest.raises(verifier.AddressError):
            verifier.verify_address(f"{SITE}/partage/{token_used}/")


def test_a_revoked_shared_credential_says_revoked(fetcher, issued, learner, org_admin):
    portfolio.set_visibility(credential=issued, visibility="public", actor=learner)
    issuing.revoke_credential(credential=issued, reason="Erreur", actor=org_admin)
    assert verifier.verify_address(f"{SITE}/badges/{issued.uuid}/").verdict == "revoked"


def test_the_verification_page_takes_a_badge_page_address(client, fetcher, issued, learner):
    portfolio.set_visibility(credential=issued, visibility="public", actor=learner)
    response = client.post("/verifier/", {"mode": "adresse", "url": f"{SITE}/badges/{issued.uuid}/"})
    assert "Cette microattestation est authentique et valide." in response.content.decode()
