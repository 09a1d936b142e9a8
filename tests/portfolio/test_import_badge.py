"""import_badge: a badge earned elsewhere goes into the carnet once verified — kept with its state
when it is valid, valid with reservations, expired, revoked, suspended or an Open Badges 2.0 badge;
refused, nothing saved, when it is not a badge, was altered, is not signed, or is already there.
Everything handed over is hostile: size caps, content sniffing, addresses through the guarded
fetcher only, images re-encoded, never an SVG kept to show."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone, translation
from portfolio_samples import ISSUER_SITE, LEARNER, badge_for, ob2_assertion_for, signed_badge
from verification_samples import ASSERTION_URL, BADGE_URL, Served, small_png

from carnet.audit.models import AuditEvent
from carnet.credentials import baking, sign, sign_jwt
from carnet.issuing import services as issuing
from carnet.portfolio.importing import ImportRefused
from carnet.portfolio.models import ImportedBadge
from carnet.portfolio.services import import_badge, reverify_imported_badge
from carnet.verification import verifier

pytestmark = pytest.mark.django_db

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>'


def refused(learner, code, **handed):
    with pytest.raises(ImportRefused) as raised:
        import_badge(holder=learner, **handed)
    assert raised.value.code == code, raised.value.message
    assert not ImportedBadge.objects.exists()
    assert "Rien n'a été ajouté à votre carnet." in raised.value.message
    return raised.value


# -- what is kept ----------------------------------------------------------------------------------


def test_a_valid_badge_is_kept_with_what_it_says(learner, other_key):
    alignment = {"type": ["Alignment"], "targetName": "Premiers soins", "targetUrl": f"{ISSUER_SITE}/ref#PS"}
    document = signed_badge(other_key, alignments=[alignment], valid_until=datetime(2040, 1, 1, tzinfo=UTC))
    original = json.dumps(document, ensure_ascii=False).encode()
    badge = import_badge(holder=learner, data=original)
    assert badge.holder == learner and badge.kind == "ob3" and badge.source == "json"
    assert bytes(badge.original) == original and badge.document == document
    assert badge.credential_id == document["id"]
    assert (badge.verdict, badge.state(), badge.recipient) == ("valid", "valid", "you")
    assert badge.issuer_name == "Centre de formation Exemple" and badge.issuer_id == other_key.controller
    assert badge.name == "Secourisme en milieu de travail"
    assert badge.description == "Donne les premiers soins en attendant les secours."
    assert badge.criteria == "Réussir la mise en situation évaluée par un formateur agréé."
    assert badge.valid_until == datetime(2040, 1, 1, tzinfo=UTC) and badge.valid_from < timezone.now()
    assert badge.alignments == [{"targetName": "Premiers soins", "targetUrl": f"{ISSUER_SITE}/ref#PS"}]
    assert timezone.now() - badge.checked_at < timedelta(minutes=1)
    assert [check["name"] for check in badge.report["report"]["checks"]][:4] == [
        "format", "schema", "contexts", "proof",
    ]  # fmt: skip
    assert badge.image_png is None  # nothing to show: a neutral picture stands in
    event = AuditEvent.objects.get(verb="imported_badge.added")
    assert event.actor == learner and event.target_id == str(badge.pk)


def test_a_badge_issued_by_the_javascript_reference_is_valid(learner, other_key, js_peer):
    document = js_peer.sign(badge_for(other_key), other_key)
    badge = import_badge(holder=learner, data=json.dumps(document))
    assert (badge.verdict, badge.recipient) == ("valid", "you")
    assert badge.document["proof"] == document["proof"]


def test_a_pasted_vc_jwt_is_kept_as_given_with_its_payload(learner, other_key):
    token = sign_jwt(badge_for(other_key), other_key)
    badge = import_badge(holder=learner, data=f"  {token}\n")
    assert (badge.source, badge.verdict, badge.recipient) == ("jwt", "valid", "you")
    assert bytes(badge.original).strip() == token.encode()
    assert badge.document["credentialSubject"]["achievement"]["name"] == "Secourisme en milieu de travail"


def test_a_baked_png_is_kept_and_its_picture_re_encoded_without_the_credential(learner, other_key):
    baked = baking.bake(small_png("#aa3300"), signed_badge(other_key))
    badge = import_badge(holder=learner, data=baked)
    assert (badge.source, badge.verdict) == ("png", "valid")
    picture = bytes(badge.image_png)
    assert picture.startswith(b"\x89PNG") and picture != baked
    assert b"openbadgecredential" not in picture and b"iTXt" not in picture and b"tEXt" not in picture


def test_a_baked_svg_is_kept_but_never_shown(learner, other_key):
    badge = import_badge(holder=learner, data=baking.bake(SVG, signed_badge(other_key)))
    assert (badge.source, badge.verdict) == ("svg", "valid")
    assert badge.image_png is None


def test_a_png_written_into_the_credential_is_re_encoded(learner, other_key):
    uri = "data:image/png;base64," + base64.b64encode(small_png()).decode()
    document = badge_for(other_key)
    document["credentialSubject"]["achievement"]["image"] = {"id": uri, "type": "Image"}
    badge = import_badge(holder=learner, data=json.dumps(sign(document, other_key)))
    assert bytes(badge.image_png).startswith(b"\x89PNG")


def test_an_image_address_in_the_credential_is_never_fetched(learner, other_key, fetcher):
    document = badge_for(other_key)
    document["credentialSubject"]["achievement"]["image"] = {"id": f"{ISSUER_SITE}/i.png", "type": "Image"}
    badge = import_badge(holder=learner, data=json.dumps(sign(document, other_key)))
    assert badge.image_png is None and fetcher.asked == []


def test_an_expired_badge_is_kept_as_expired(learner, other_key):
    document = signed_badge(
        other_key, valid_from=datetime(2020, 1, 1, tzinfo=UTC), valid_until=datetime(2021, 1, 1, tzinfo=UTC)
    )
    badge = import_badge(holder=learner, data=json.dumps(document))
    assert (badge.verdict, badge.state()) == ("expired", "expired")


@pytest.mark.parametrize(("change", "verdict"), [("revoke", "revoked"), ("suspend", "suspended")])
def test_a_revoked_or_suspended_badge_is_kept_with_its_state(
    learner, outsider, issue, org_admin, change, verdict
):
    credential = issue(outsider)
    getattr(issuing, f"{change}_credential")(credential=credential, reason="Erreur", actor=org_admin)
    badge = import_badge(holder=learner, data=json.dumps(credential.document))
    assert (badge.verdict, badge.recipient) == (verdict, "other")  # and it was awarded to someone else
    assert badge.issuer_name == "CJE Test"


def test_a_badge_for_someone_else_is_kept_with_a_warning(learner, other_key):
    badge = import_badge(holder=learner, data=json.dumps(signed_badge(other_key, "alex@example.org")))
    assert (badge.verdict, badge.recipient) == ("valid", "other")


@pytest.mark.parametrize(
    ("options", "recipient"),
    [
        ({"email": "Learner@Example.test", "hashed": False}, "you"),
        ({"email": "someone@example.org", "hashed": False}, "other"),
        ({"email": None, "subject_id": "did:example:123"}, "unknown"),
        ({"email": None, "subject_id": "mailto:learner@example.test"}, "you"),
    ],
)
def test_the_recipient_is_checked_against_the_learners_addresses(learner, other_key, options, recipient):
    email = options.pop("email")
    badge = import_badge(holder=learner, data=json.dumps(signed_badge(other_key, email, **options)))
    assert badge.recipient == recipient


def test_every_confirmed_address_of_the_learner_counts(learner, other_key):
    EmailAddress.objects.create(user=learner, email="ancienne@exemple.org", verified=False)
    badge = import_badge(holder=learner, data=json.dumps(signed_badge(other_key, "ancienne@exemple.org")))
    assert badge.recipient == "other"  # not confirmed: not the learner's
    EmailAddress.objects.filter(email="ancienne@exemple.org").update(verified=True)
    assert reverify_imported_badge(badge=badge, actor=learner).recipient == "you"


def test_an_open_badges_2_badge_is_read_explained_and_marked_not_verifiable(learner, fetcher):
    assertion = ob2_assertion_for(LEARNER)
    fetcher.documents[ASSERTION_URL] = assertion
    badge = import_badge(holder=learner, data=json.dumps(assertion))
    assert (badge.kind, badge.verdict, badge.state_label()) == (
        "ob2",
        "ob2",
        "Open Badges 2.0 : non vérifiable",
    )
    assert badge.credential_id == ASSERTION_URL and badge.document == assertion
    assert (badge.name, badge.issuer_name) == ("Secourisme de base", "Croix de l'Exemple")
    assert badge.valid_from == datetime(2021, 3, 15, 10, tzinfo=UTC)
    assert badge.recipient == "you"
    assert badge.report["ob2"]["hosted"]["code"] == "served"


def test_an_open_badges_2_badge_class_is_not_a_badge_awarded(learner):
    badge_class = {"@context": "https://w3id.org/openbadges/v2", "type": "BadgeClass", "id": BADGE_URL,
                   "name": "Secourisme"}  # fmt: skip
    refused(learner, "not_awarded", data=json.dumps(badge_class))


# -- what is refused -------------------------------------------------------------------------------


def test_an_altered_badge_is_refused(learner, other_key):
    document = signed_badge(other_key)
    document["credentialSubject"]["achievement"]["description"] = "Chirurgien."
    problem = refused(learner, "altered", data=json.dumps(document))
    assert "modifiée après sa signature" in problem.message


def test_a_vc_jwt_with_a_bad_signature_is_refused(learner, other_key):
    header, payload, signature = sign_jwt(badge_for(other_key), other_key).split(".")
    raw = bytearray(base64.urlsafe_b64decode(signature + "=="))
    raw[0] ^= 0x01
    forged = base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")
    refused(learner, "altered", data=f"{header}.{payload}.{forged}")


def test_an_unsigned_badge_is_refused(learner, other_key):
    problem = refused(learner, "unsigned", data=json.dumps(badge_for(other_key)))
    assert "n'est pas signé" in problem.message


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ("bonjour <script>alert(1)</script>", "unreadable"),
        ('{"a": 1}', "not_credential"),
        ("", "unreadable"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "unreadable"),
        (b"GIF89a" + b"\x00" * 40, "unreadable"),
        (SVG, "unreadable"),  # an image without a credential
    ],
)
def test_what_is_not_a_badge_is_refused(learner, data, code):
    refused(learner, code, data=data)


def test_a_verifiable_credential_that_is_not_a_badge_is_refused(learner, other_key):
    document = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "urn:uuid:6b1e4f2a-1d3c-4a5e-8f70-1234567890ab",
        "type": ["VerifiableCredential"],
        "issuer": other_key.controller,
        "validFrom": "2024-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:learner"},
    }
    outcome = verifier.verify_data(json.dumps(sign(document, other_key)))
    if outcome.verdict != "valid_other":
        pytest.skip(f"this plain credential verifies as {outcome.verdict}")
    refused(learner, "valid_other", data=json.dumps(sign(document, other_key)))


def test_an_oversized_badge_is_refused(learner):
    refused(learner, "too_large", data=b"{" + b" " * (2 * 1024 * 1024) + b"}")


def test_the_same_badge_twice_is_refused(learner, other_key):
    document = signed_badge(other_key)
    import_badge(holder=learner, data=json.dumps(document))
    with pytest.raises(ImportRefused) as raised:
        import_badge(holder=learner, data=baking.bake(small_png(), document))  # another form, same id
    assert raised.value.code == "duplicate"
    assert "déjà dans votre carnet" in raised.value.message
    assert ImportedBadge.objects.count() == 1


def test_a_full_carnet_is_said_so_before_anything_is_read(learner, other_key, monkeypatch):
    from carnet.portfolio import services

    monkeypatch.setattr(services, "MAX_IMPORTED", 1)
    import_badge(holder=learner, data=json.dumps(signed_badge(other_key)))
    with pytest.raises(ImportRefused) as raised:
        import_badge(holder=learner, url="https://issuer.example/never-fetched")
    assert raised.value.code == "carnet_full"
    assert "déjà 1 badges importés" in raised.value.message and "supprimez-en un" in raised.value.message
    assert ImportedBadge.objects.count() == 1


def test_another_learner_may_import_the_same_badge(learner, outsider, other_key):
    document = json.dumps(signed_badge(other_key))
    import_badge(holder=learner, data=document)
    assert import_badge(holder=outsider, data=document).recipient == "other"


def test_a_badge_carnet_issued_to_the_learner_is_already_in_the_carnet(learner, issue):
    credential = issue(learner)
    refused(learner, "duplicate", data=json.dumps(credential.document))


def test_refusals_are_worded_in_english_too(learner, other_key):
    document = signed_badge(other_key)
    document["name"] = "Chirurgie"
    with translation.override("en"), pytest.raises(ImportRefused) as raised:
        import_badge(holder=learner, data=json.dumps(document))
    assert raised.value.message.endswith("Nothing was added to your carnet.")


# -- by address ------------------------------------------------------------------------------------


def test_a_badge_at_an_address_is_kept_with_where_it_came_from(learner, other_key, fetcher):
    page, document_url = f"{ISSUER_SITE}/badges/42", f"{ISSUER_SITE}/badges/42.json"
    html = f'<html><head><link rel="alternate" type="application/vc+ld+json" href="{document_url}"></head></html>'
    fetcher.documents[page] = Served(html.encode(), "text/html")
    document = signed_badge(other_key)
    fetcher.documents[document_url] = document
    badge = import_badge(holder=learner, url=page)
    assert (badge.source_url, badge.fetched_from, badge.source) == (page, document_url, "json")
    assert badge.document == document and badge.verdict == "valid"


def test_a_baked_image_at_an_address_is_kept(learner, other_key, fetcher):
    fetcher.documents[f"{ISSUER_SITE}/b.png"] = Served(
        baking.bake(small_png(), signed_badge(other_key)), "image/png"
    )
    badge = import_badge(holder=learner, url=f"{ISSUER_SITE}/b.png")
    assert badge.source == "png" and bytes(badge.image_png).startswith(b"\x89PNG")


@pytest.mark.parametrize(
    "url",
    ["http://formation.exemple.org/b.json", "https://127.0.0.1/b.json", "https://192.168.1.10/b.json",
     "https://localhost/b.json", "https://formation.exemple.org:8443/b.json"],
)  # fmt: skip
def test_an_address_that_is_not_public_https_is_refused_without_network(learner, fetcher, no_network, url):
    refused(learner, "url.refused", url=url)
    assert fetcher.asked == [] and no_network == []


def test_a_page_that_leads_to_another_hosts_document_is_refused(learner, other_key, fetcher):
    html = '<html><head><link rel="alternate" type="application/ld+json" href="https://ailleurs.exemple.net/b.json"></head></html>'
    fetcher.documents[f"{ISSUER_SITE}/badges/42"] = Served(html.encode(), "text/html")
    fetcher.documents["https://ailleurs.exemple.net/b.json"] = signed_badge(other_key)
    refused(learner, "url.other_host", url=f"{ISSUER_SITE}/badges/42")
    assert fetcher.asked == [f"{ISSUER_SITE}/badges/42"]


def test_a_private_carnet_badge_page_is_refused_without_saying_why(learner, outsider, issue):
    credential = issue(outsider)  # private: its page reveals nothing, even to another learner
    refused(learner, "url.unavailable", url=f"http://127.0.0.1:8000/badges/{credential.uuid}/")


# -- the state shown -------------------------------------------------------------------------------


def test_the_state_shown_never_claims_more_than_the_last_check(learner, other_key):
    soon = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
    badge = import_badge(holder=learner, data=json.dumps(signed_badge(other_key, valid_until=soon)))
    assert badge.state() == "valid"
    assert badge.state(now=soon + timedelta(seconds=1)) == "expired"  # its end passed since
    badge.verdict = "not_yet"
    assert badge.state(now=soon + timedelta(days=1)) == "not_yet"  # never better without a check
    badge.verdict = "revoked"
    assert badge.state(now=soon + timedelta(days=1)) == "revoked"


def test_verifying_again_updates_the_state_and_its_moment(learner, outsider, issue, org_admin):
    credential = issue(outsider)
    badge = import_badge(holder=learner, data=json.dumps(credential.document))
    first_check = badge.checked_at
    issuing.revoke_credential(credential=credential, reason="Erreur", actor=org_admin)
    assert ImportedBadge.objects.get().verdict == "valid"  # nothing changes without a check
    reverify_imported_badge(badge=badge, actor=learner)
    badge.refresh_from_db()
    assert (badge.verdict, badge.state()) == ("revoked", "revoked") and badge.checked_at > first_check
    event = AuditEvent.objects.get(verb="imported_badge.verified")
    assert event.data == {"verdict": "revoked", "previous": "valid"}
