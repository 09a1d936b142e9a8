"""The verification entry point: each check named right, tampering caught, hostile input survived."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from samples import ISSUER_SEED, OTHER_SEED, SUBJECT_SEED, sample_credential

from carnet.credentials import (
    Ed25519Key,
    Resolver,
    SchemaError,
    Status,
    baking,
    dataintegrity,
    model,
    sign,
    sign_jwt,
    status,
    verify,
)
from carnet.credentials.did import did_document
from carnet.credentials.report import CHECK_NAMES, MESSAGES

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
CREATED = datetime(2024, 9, 16, 8, 30, tzinfo=UTC)
LIST_URL = "https://issuer.example/status/1"
SUSPENSION_URL = "https://issuer.example/status/2"

issuer_key = Ed25519Key.from_seed(ISSUER_SEED)
subject_key = Ed25519Key.from_seed(SUBJECT_SEED)
other_key = Ed25519Key.from_seed(OTHER_SEED)


def credential(**changes: Any) -> dict[str, Any]:
    document = sample_credential(issuer_key.controller, subject_key.controller)
    document.update(changes)
    return document


def signed(document: dict[str, Any] | None = None, key: Ed25519Key = issuer_key) -> dict[str, Any]:
    return sign(document or credential(), key, created=CREATED)


def statuses(report) -> dict[str, str]:
    return {check.name: check.status.value for check in report.checks}


def list_credential(purpose: str, url: str, *, flagged: set[int] = frozenset(), key: Ed25519Key = issuer_key):
    bits = status.StatusList()
    for index in flagged:
        bits.set(index, True)
    document = status.status_list_credential(url, key.controller, bits, purpose, valid_from=CREATED)
    return sign(document, key, created=CREATED)


def test_a_signed_credential_is_valid_and_every_check_passes():
    report = verify(signed(), now=NOW)
    assert report.valid, report.to_text("en")
    assert statuses(report) == {name: "passed" for name in CHECK_NAMES}


def test_every_check_speaks_french_and_english():
    report = verify(signed(), now=NOW)
    for check in report.checks:
        assert check.message("fr") and check.message("en")
        assert check.message("fr") != check.message("en")
    assert set(MESSAGES) >= {check.code for check in report.checks}


@pytest.mark.parametrize(
    "path",
    [
        ("name",),
        ("credentialSubject", "achievement", "name"),
        ("credentialSubject", "achievement", "criteria", "narrative"),
        ("issuer", "name"),
        ("credentialSubject", "id"),
    ],
)
def test_changing_a_signed_value_fails_the_proof(path):
    document = signed()
    target = document
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = target[path[-1]] + "x"
    report = verify(document, now=NOW)
    assert report.failed() == ["proof"]


def test_changing_the_dates_fails_the_proof():
    document = signed()
    document["validUntil"] = "2099-01-01T00:00:00Z"
    assert verify(document, now=NOW).failed() == ["proof"]


def test_changing_the_proof_purpose_fails_the_proof():
    document = signed()
    document["proof"]["proofPurpose"] = "authentication"
    report = verify(document, now=NOW)
    assert report.failed() == ["proof"]
    assert "purpose" in report.check("proof").details


def test_changing_the_proof_date_fails_the_signature():
    document = signed()
    document["proof"]["created"] = "2025-01-01T00:00:00Z"
    assert verify(document, now=NOW).failed() == ["proof"]


def test_a_signature_from_another_key_fails():
    document = signed()
    forged = signed(credential(), other_key)
    document["proof"]["proofValue"] = forged["proof"]["proofValue"]
    assert verify(document, now=NOW).failed() == ["proof"]


def test_a_key_that_is_not_the_issuers_fails_the_binding():
    document = signed(credential(), other_key)  # signed by someone else, issuer unchanged
    report = verify(document, now=NOW)
    assert report.failed() == ["binding"]


def test_a_key_not_authorised_for_assertion_fails_the_binding():
    did = "did:web:issuer.example"
    key = Ed25519Key.generate(controller=did)
    document = did_document(did, [key])
    document["assertionMethod"] = []
    issued = signed(credential(issuer={"id": did, "type": ["Profile"], "name": "X"}), key)
    report = verify(issued, resolver=Resolver({did: document}), now=NOW)
    assert report.failed() == ["binding"]


def test_rotated_keys_keep_old_credentials_verifying():
    did = "did:web:issuer.example:orgs:cje"
    old, new = Ed25519Key.generate(controller=did), Ed25519Key.generate(controller=did)
    document = credential(issuer={"id": did, "type": ["Profile"], "name": "CJE"})
    by_old, by_new = signed(document, old), signed(document, new)
    resolver = Resolver({did: did_document(did, [old, new])})
    assert verify(by_old, resolver=resolver, now=NOW).valid
    assert verify(by_new, resolver=resolver, now=NOW).valid
    forgotten = Resolver({did: did_document(did, [new])})
    assert verify(by_old, resolver=forgotten, now=NOW).failed() == ["binding"]


def test_an_unsigned_credential_fails_the_proof():
    report = verify(credential(), now=NOW)
    assert report.failed() == ["proof"]
    assert report.check("proof").code == "proof.missing"


def test_a_proof_set_verifies_when_every_proof_does():
    document = dataintegrity.add_proof(signed(), other_key, created=CREATED)
    assert len(document["proof"]) == 2
    # The second proof is by someone else than the issuer: a proof set where each proof must verify.
    assert verify(document, now=NOW).failed() == ["binding"]
    document = dataintegrity.add_proof(signed(), issuer_key, created=CREATED + timedelta(seconds=1))
    assert verify(document, now=NOW).valid
    document["proof"][1]["proofValue"] = document["proof"][0]["proofValue"]
    assert verify(document, now=NOW).failed() == ["proof"]


def test_expired_and_not_yet_valid():
    document = signed()
    expired = verify(document, now=datetime(2040, 1, 1, tzinfo=UTC))
    assert expired.failed() == ["validity"] and expired.check("validity").code == "validity.expired"
    early = verify(document, now=datetime(2020, 1, 1, tzinfo=UTC))
    assert early.failed() == ["validity"] and early.check("validity").code == "validity.not_yet"


def test_an_undefined_property_added_after_signing_fails_the_contexts():
    document = signed()
    document["credentialSubject"]["achievement"]["unsigned"] = "rides along"
    report = verify(document, now=NOW)
    assert "contexts" in report.failed()
    assert report.check("proof").status == Status.SKIPPED


def test_an_undefined_property_cannot_be_signed():
    document = credential()
    document["credentialSubject"]["achievement"]["extra"] = "x"
    with pytest.raises(Exception, match="extra"):
        signed(document)


def test_an_unknown_context_fails_and_is_not_fetched():
    document = signed()
    document["@context"] = [*document["@context"], "https://attacker.example/ctx.json"]
    report = verify(document, now=NOW)
    assert "contexts" in report.failed()


def test_schema_problems_are_listed_with_their_paths():
    document = signed()
    del document["credentialSubject"]["achievement"]["criteria"]
    report = verify(document, now=NOW)
    assert "schema" in report.failed()
    assert "$.credentialSubject.achievement" in report.check("schema").details


def test_signing_refuses_a_document_that_does_not_follow_the_schema():
    document = credential()
    del document["issuer"]
    with pytest.raises(SchemaError) as info:
        sign(document, issuer_key)
    assert any("issuer" in path or "issuer" in message for path, message in info.value.problems)


@pytest.mark.parametrize(
    ("purpose", "url", "code"),
    [("revocation", LIST_URL, "status.revoked"), ("suspension", SUSPENSION_URL, "status.suspended")],
)
def test_revoked_and_suspended_credentials_are_reported_as_such(purpose, url, code):
    document = signed(credential(credentialStatus=status.status_entry(url, 7, purpose)))
    clean = Resolver({url: list_credential(purpose, url, flagged={6, 8})})
    assert verify(document, resolver=clean, now=NOW).valid

    flagged = Resolver({url: list_credential(purpose, url, flagged={7})})
    report = verify(document, resolver=flagged, now=NOW)
    assert report.failed() == ["status"] and report.check("status").code == code


def test_a_status_entry_of_the_wrong_purpose_is_not_trusted():
    document = signed(credential(credentialStatus=status.status_entry(LIST_URL, 7, "revocation")))
    report = verify(document, resolver=Resolver({LIST_URL: list_credential("suspension", LIST_URL)}), now=NOW)
    assert report.check("status").code == "status.invalid"


def test_a_status_list_from_another_issuer_is_not_trusted():
    document = signed(credential(credentialStatus=status.status_entry(LIST_URL, 7, "revocation")))
    forged = Resolver({LIST_URL: list_credential("revocation", LIST_URL, key=other_key)})
    report = verify(document, resolver=forged, now=NOW)
    assert report.failed() == ["status"] and report.check("status").code == "status.invalid"


def test_an_unreachable_status_list_is_a_warning():
    document = signed(credential(credentialStatus=status.status_entry(LIST_URL, 7, "revocation")))
    report = verify(document, now=NOW)
    assert report.valid
    assert report.check("status").status == Status.WARNING


def endorsement(endorser: Ed25519Key) -> dict[str, Any]:
    document = model.endorsement_credential(
        issuer=model.profile(endorser.controller, "Marie Gagnon, entraîneuse-chef"),
        endorsed_id=sample_credential(issuer_key.controller, subject_key.controller)["id"],
        valid_from=CREATED,
        name="Endossement : travail d'équipe",
        comment="J'ai vu Alex organiser les pratiques pendant trois saisons.",
    )
    return sign(document, endorser, created=CREATED)


def test_embedded_endorsements_are_verified():
    report = verify(signed(credential(endorsement=[endorsement(other_key)])), now=NOW)
    assert report.valid
    assert report.check("endorsements").code == "endorsements.ok"
    assert report.endorsement_reports[0].valid


def test_a_forged_endorsement_is_a_warning_not_a_failure():
    bad = endorsement(other_key)
    bad["credentialSubject"]["endorsementComment"] = "Changed"
    report = verify(signed(credential(endorsement=[bad])), now=NOW)
    assert report.valid
    assert report.check("endorsements").status == Status.WARNING


def test_a_vc_jwt_verifies_and_tampering_fails():
    token = sign_jwt(credential(), issuer_key)
    report = verify(token, now=NOW)
    assert report.valid, report.to_text("en")
    assert report.source_format == "jwt"
    header, payload, signature = token.split(".")
    tampered = f"{header}.{payload[:-4]}AAAA.{signature}"
    assert not verify(tampered, now=NOW).valid


def test_json_text_and_bytes_are_accepted():
    text = json.dumps(signed())
    assert verify(text, now=NOW).valid
    assert verify(text.encode(), now=NOW).valid


def test_baked_images_are_verified():
    import io

    import png

    buffer = io.BytesIO()
    png.Writer(2, 2, greyscale=True).write(buffer, [[0, 255], [255, 0]])
    baked = baking.bake(buffer.getvalue(), signed())
    report = verify(baked, now=NOW)
    assert report.valid and report.source_format == "baked-png"
    svg = baking.bake(b'<svg xmlns="http://www.w3.org/2000/svg"></svg>', sign_jwt(credential(), issuer_key))
    report = verify(svg, now=NOW)
    assert report.valid and report.source_format == "baked-svg"


def test_an_expired_status_list_is_not_trusted():
    document = signed(credential(credentialStatus=status.status_entry(LIST_URL, 7, "revocation")))
    old_list = status.status_list_credential(
        LIST_URL, issuer_key.controller, status.StatusList(), "revocation",
        valid_from=CREATED, valid_until=CREATED + timedelta(days=1),
    )  # fmt: skip
    report = verify(
        document, resolver=Resolver({LIST_URL: sign(old_list, issuer_key, created=CREATED)}), now=NOW
    )
    assert report.check("status").code == "status.invalid"


# --- hostile input ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b"",
        "",
        "{",
        "[]",
        "null",
        '{"@context": 5}',
        "{" * 100_000,
        "[" * 100_000 + "]" * 100_000,
        '{"a":' * 5000 + "1" + "}" * 5000,
        "x" * (3 * 1024 * 1024),
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 100,
        b"<svg><!DOCTYPE x [<!ENTITY a 'b'>]></svg>",
        "eyJhbGciOiJub25lIn0.eyJ9.",
        "a.b.c",
        b"\xff\xfe\x00",
        12345,
        None,
    ],
)
def test_hostile_input_gives_a_report_never_an_exception(data):
    report = verify(data, now=NOW)
    assert not report.valid
    assert report.checks[0].name == "format"


def test_a_huge_string_inside_a_credential_is_handled():
    document = credential(description="é" * 500_000)
    report = verify(document, now=NOW)
    assert not report.valid


def test_deeply_nested_credential_objects_are_refused():
    nested: dict[str, Any] = {}
    inner = nested
    for _ in range(2000):
        inner["evidence"] = {}
        inner = inner["evidence"]
    report = verify(credential(evidence=[nested]), now=NOW)
    assert not report.valid


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000) | st.text(max_size=2000))
def test_random_input_never_raises(data):
    verify(data, now=NOW)


SIGNED_TEXT = json.dumps(
    sign(sample_credential(issuer_key.controller, subject_key.controller), issuer_key, created=CREATED)
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=0, max_value=len(SIGNED_TEXT) - 1))
def test_truncated_credentials_never_raise(cut):
    assert not verify(SIGNED_TEXT[:cut], now=NOW).valid


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=30,
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(
        [
            "issuer",
            "credentialSubject",
            "proof",
            "@context",
            "type",
            "validFrom",
            "credentialStatus",
            "endorsement",
        ]
    ),
    json_values,
)
def test_random_values_in_a_signed_credential_never_raise(key, value):
    document = copy.deepcopy(json.loads(SIGNED_TEXT))
    document[key] = value
    report = verify(document, now=NOW)
    assert not report.valid or key in ("endorsement",)


def test_an_endorsement_of_something_else_copied_in_is_not_taken_for_this_one():
    """A genuine, signed endorsement about another achievement pasted into this one: its signature
    holds, but it says nothing of what carries it."""
    elsewhere = endorsement(other_key)  # about the sample credential, not about its achievement
    document = credential()
    document["credentialSubject"]["achievement"]["endorsement"] = [elsewhere]
    report = verify(signed(document), now=NOW)
    assert report.valid
    assert report.check("endorsements").status == Status.WARNING
    assert report.endorsement_reports[0].check("endorsement-subject").code == "endorsement.elsewhere"
    # About the achievement, it holds.
    about = sign(
        model.endorsement_credential(
            issuer=model.profile(other_key.controller, "Marie Gagnon"),
            endorsed_id=document["credentialSubject"]["achievement"]["id"],
            valid_from=CREATED, name="Endossement", comment="Une définition utile.",
        ),
        other_key, created=CREATED,
    )  # fmt: skip
    document["credentialSubject"]["achievement"]["endorsement"] = [about]
    report = verify(signed(document), now=NOW)
    assert report.check("endorsements").code == "endorsements.ok" and report.endorsement_reports[0].valid
