"""Open Badges 2.0 assertions: recognised in JSON, JWS and baked images, read, and checked at their
hosted address only through the fetcher."""

from __future__ import annotations

import base64
import json

import pytest
from verification_samples import (
    ASSERTION_URL,
    BADGE_URL,
    ISSUER_URL,
    MapFetcher,
    ob2_assertion,
    png_with_text_chunk,
)

from carnet.credentials.errors import FetchError
from carnet.verification import ob2


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_an_assertion_is_recognised_in_json_jws_and_baked_images():
    assertion = ob2_assertion()
    assert ob2.detect(json.dumps(assertion)) == (assertion, "json")
    assert ob2.detect(json.dumps(assertion).encode()) == (assertion, "json")
    token = f"{b64({'alg': 'RS256'})}.{b64(assertion)}.c2lnbmF0dXJl"
    assert ob2.detect(token) == (assertion, "jws")
    assert ob2.detect(png_with_text_chunk(b"openbadges", json.dumps(assertion))) == (assertion, "baked-png")
    assert ob2.detect(png_with_text_chunk(b"openbadges", ASSERTION_URL)) == (ASSERTION_URL, "baked-png")
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org">'
        f'<openbadges:assertion verify="{ASSERTION_URL}"><![CDATA[{json.dumps(assertion)}]]></openbadges:assertion></svg>'
    )
    assert ob2.detect(svg.encode()) == (assertion, "baked-svg")


def test_open_badges_3_and_garbage_are_not_taken_for_2_0(other_signed):
    assert ob2.detect(json.dumps(other_signed)) is None
    assert ob2.detect("n'importe quoi") is None
    assert ob2.detect(b"\x89PNG garbage") is None
    assert ob2.detect("{") is None


def test_what_an_assertion_says():
    fetcher = MapFetcher({ASSERTION_URL: ob2_assertion()})
    badge = ob2.explain(ob2_assertion(), "json", fetcher)
    assert badge.is_assertion
    assert (badge.badge_name, badge.issuer_name) == ("Secourisme de base", "Croix de l'Exemple")
    assert badge.criteria == "Avoir suivi la formation de huit heures."
    assert badge.issued_on.isoformat() == "2021-03-15T10:00:00+00:00"
    assert badge.recipient_hashed and badge.recipient_type == "email"
    assert badge.evidence[0].narrative == "Mise en situation réussie le 12 mars."
    assert badge.hosted.code == "served"
    assert badge.on_issuer_site is True
    assert badge.to_dict()["recipient"]["identity"] is None


def test_a_badge_class_and_issuer_given_by_address_are_fetched():
    badge_class = dict(ob2_assertion()["badge"], issuer=ISSUER_URL)
    issuer = {
        "@context": ob2.OB2_CONTEXTS[0],
        "type": "Profile",
        "id": ISSUER_URL,
        "name": "Croix de l'Exemple",
    }
    fetcher = MapFetcher(
        {ASSERTION_URL: ob2_assertion(badge=BADGE_URL), BADGE_URL: badge_class, ISSUER_URL: issuer}
    )
    badge = ob2.explain(ob2_assertion(badge=BADGE_URL), "json", fetcher)
    assert (badge.badge_name, badge.issuer_name) == ("Secourisme de base", "Croix de l'Exemple")
    assert fetcher.asked == [BADGE_URL, ISSUER_URL, ASSERTION_URL]


def test_a_baked_address_is_fetched_once_and_that_is_the_hosted_check():
    fetcher = MapFetcher({ASSERTION_URL: ob2_assertion()})
    badge = ob2.explain(ASSERTION_URL, "baked-png", fetcher)
    assert badge.badge_name == "Secourisme de base"
    assert badge.hosted.code == "served"
    assert fetcher.asked == [ASSERTION_URL]


@pytest.mark.parametrize(
    ("served", "code"),
    [
        (FetchError(f"{ASSERTION_URL} answered HTTP 410 Gone"), "revoked"),
        ({"id": ASSERTION_URL, "revoked": True, "revocationReason": "Erreur"}, "revoked"),
        (FetchError(f"{ASSERTION_URL} did not answer within 5 seconds"), "unavailable"),
        (ob2_assertion(issuedOn="2020-01-01T00:00:00Z"), "different"),
    ],
)
def test_the_hosted_check(served, code):
    badge = ob2.explain(ob2_assertion(), "json", MapFetcher({ASSERTION_URL: served}))
    assert badge.hosted.code == code
    assert badge.hosted.message()


def test_the_hosted_check_is_not_done_when_it_is_not_safe_or_possible():
    http = ob2_assertion(id="http://badges.exemple.org/assertions/42")
    fetcher = MapFetcher()
    assert ob2.explain(http, "json", fetcher).hosted.code == "refused"
    assert ob2.explain(ob2_assertion(id="http://10.0.0.1/a"), "json", fetcher).hosted.code == "refused"
    signed = ob2_assertion(verification={"type": "signed", "creator": "https://badges.exemple.org/key"})
    assert ob2.explain(signed, "json", fetcher).hosted.code == "signed"
    assert ob2.explain(ob2_assertion(id="urn:uuid:1234"), "json", fetcher).hosted.code == "none"
    assert fetcher.asked == []


def test_an_assertion_away_from_the_issuer_site_is_flagged():
    assertion = ob2_assertion(id="https://ailleurs.exemple.net/a/1")
    badge = ob2.explain(assertion, "json", MapFetcher({"https://ailleurs.exemple.net/a/1": assertion}))
    assert badge.on_issuer_site is False
