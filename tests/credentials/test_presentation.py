"""carnet.credentials.presentation: verifiable presentations (VC Data Model 2.0 §4.13) signed for
authentication with a challenge and a domain (Data Integrity §2.1, §2.2), without a database."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest
from samples import ISSUER_SEED, OTHER_SEED, SUBJECT_SEED, sample_credential

from carnet.credentials import Ed25519Key, ProofError, sign, sign_jwt, sign_presentation, verify_presentation
from carnet.credentials.presentation import enveloped_token, presentation
from carnet.credentials.report import Status, VerificationReport

CHALLENGE, DOMAIN = "c-0f8e7d", "verifier.example"
ISSUER, HOLDER, OTHER = (Ed25519Key.from_seed(seed) for seed in (ISSUER_SEED, SUBJECT_SEED, OTHER_SEED))


@pytest.fixture
def credential():
    return sign(sample_credential(ISSUER.controller, HOLDER.controller), ISSUER)


def signed(credentials, key=HOLDER, *, holder=HOLDER.controller, **options):
    return sign_presentation(presentation(credentials, holder=holder), key, **options)


def statuses(report):
    return {check.name: check.status for check in report.checks}


def test_a_signed_presentation_verifies_with_its_challenge_and_domain(credential):
    vp = signed([credential], challenge=CHALLENGE, domain=DOMAIN)
    assert vp["proof"]["proofPurpose"] == "authentication"
    assert (vp["proof"]["challenge"], vp["proof"]["domain"]) == (CHALLENGE, DOMAIN)
    report = verify_presentation(vp, challenge=CHALLENGE, domain=DOMAIN)
    assert report.valid and report.presentation_valid, report.to_dict("en")
    assert set(statuses(report).values()) == {Status.PASSED}
    assert [r.valid for r in report.credential_reports] == [True]
    assert report.holder_id == HOLDER.controller


@pytest.mark.parametrize(
    ("asked", "failed"),
    [
        ({"challenge": "other", "domain": DOMAIN}, ["challenge"]),
        ({"challenge": CHALLENGE, "domain": "other.example"}, ["domain"]),
        ({"challenge": "other", "domain": "other.example"}, ["challenge", "domain"]),
    ],
)
def test_a_challenge_or_domain_other_than_asked_fails(credential, asked, failed):
    report = verify_presentation(signed([credential], challenge=CHALLENGE, domain=DOMAIN), **asked)
    assert report.failed() == failed and not report.valid and report.credential_reports[0].valid


def test_a_proof_without_the_challenge_or_domain_asked_fails(credential):
    vp = signed([credential])
    assert verify_presentation(vp, challenge=CHALLENGE).failed() == ["challenge"]
    assert verify_presentation(vp, domain=DOMAIN).failed() == ["domain"]


def test_no_challenge_asked_is_a_warning_not_a_failure(credential):
    report = verify_presentation(signed([credential], challenge=CHALLENGE))
    assert report.valid
    assert statuses(report)["challenge"] == Status.WARNING and statuses(report)["domain"] == Status.SKIPPED


def test_a_domain_may_be_a_set_of_domains(credential):
    unsigned = presentation([credential], holder=HOLDER.controller)
    from carnet.credentials.dataintegrity import add_proof

    vp = add_proof(unsigned, HOLDER, proof_purpose="authentication", challenge=CHALLENGE)
    assert verify_presentation(vp, challenge=CHALLENGE).valid
    vp2 = copy.deepcopy(vp)
    vp2["proof"]["domain"] = [
        "a.example",
        DOMAIN,
    ]  # changed after signing: the signature fails, not the match
    report = verify_presentation(vp2, challenge=CHALLENGE, domain=DOMAIN)
    assert statuses(report)["domain"] == Status.PASSED and "proof" in report.failed()


def test_changing_the_challenge_after_signing_breaks_the_signature(credential):
    vp = signed([credential], challenge=CHALLENGE)
    vp["proof"]["challenge"] = "replayed"
    assert "proof" in verify_presentation(vp, challenge="replayed").failed()


def test_a_key_that_is_not_the_holders_fails(credential):
    report = verify_presentation(signed([credential], OTHER))
    assert report.failed() == ["holder"] and statuses(report)["proof"] == Status.SKIPPED


def test_without_a_holder_any_signer_is_named_with_a_warning(credential):
    report = verify_presentation(signed([credential], OTHER, holder=None))
    assert report.valid and statuses(report)["holder"] == Status.WARNING


def test_an_assertion_proof_is_not_an_authentication(credential):
    vp = sign(presentation([credential], holder=HOLDER.controller), HOLDER, validate=False)
    report = verify_presentation(vp)
    assert report.failed() == ["proof"]
    assert "authentication" in report.check("proof").details


def test_an_invalid_credential_inside_fails_the_presentation_only_through_it(credential):
    revoked_key_credential = sign(sample_credential(ISSUER.controller, HOLDER.controller), OTHER)  # wrong key
    report = verify_presentation(signed([credential, revoked_key_credential]))
    assert report.presentation_valid and not report.valid
    assert report.failed() == ["credentials"]
    assert report.check("credentials").params == {"count": 2, "failed": 1}


def test_a_changed_credential_breaks_the_holders_signature_too(credential):
    vp = signed([credential], challenge=CHALLENGE)
    vp["verifiableCredential"][0]["name"] = "Autre"
    report = verify_presentation(vp, challenge=CHALLENGE)
    assert report.failed() == ["proof", "credentials"]


def test_an_enveloped_vc_jwt_is_verified():
    credential = sample_credential(ISSUER.controller, HOLDER.controller)
    token = sign_jwt(credential, ISSUER)
    enveloped = {"@context": "https://www.w3.org/ns/credentials/v2", "type": "EnvelopedVerifiableCredential",
                 "id": "data:application/vc+jwt," + token}  # fmt: skip
    assert enveloped_token(enveloped) == token
    report = verify_presentation(signed([enveloped]))
    assert report.valid, report.to_dict("en")
    assert report.credential_reports[0].source_format == "jwt"


def test_other_data_urls_are_not_tokens():
    for item in ({"type": "EnvelopedVerifiableCredential", "id": "data:text/html,<b>x</b>"},
                 {"type": "EnvelopedVerifiableCredential", "id": "https://example.org/x"},
                 {"type": "VerifiableCredential", "id": "data:application/vc+jwt,a.b.c"}, "a.b.c"):  # fmt: skip
        assert enveloped_token(item) is None


def test_the_callers_credential_verifier_is_used(credential):
    seen = []

    def verify_credential(item):
        seen.append(item)
        return VerificationReport()  # no check: not valid

    report = verify_presentation(signed([credential]), verify_credential=verify_credential)
    assert seen == [credential] and report.failed() == ["credentials"]


def test_an_expired_proof_fails(credential):
    vp = signed([credential])
    report = verify_presentation(vp, now=datetime(2020, 1, 1, tzinfo=UTC))
    assert report.presentation_valid  # created is not checked against now; expires is
    from carnet.credentials.dataintegrity import add_proof

    unsigned = presentation([credential], holder=HOLDER.controller)
    vp = add_proof({**unsigned}, HOLDER, proof_purpose="authentication")
    vp["proof"]["expires"] = "2020-01-01T00:00:00Z"
    assert "proof" in verify_presentation(vp).failed()


@pytest.mark.parametrize(
    "data",
    [None, 42, "garbage", b"\xff\xfe", [], {}, {"@context": "https://www.w3.org/ns/credentials/v2"},
     {"@context": ["https://example.org/ctx"], "type": "VerifiablePresentation"},
     {"@context": "https://www.w3.org/ns/credentials/v2", "type": "VerifiablePresentation", "proof": [1, "x"]},
     {"@context": "https://www.w3.org/ns/credentials/v2", "type": "VerifiablePresentation", "holder": {"id": 3},
      "verifiableCredential": [None, 1, "x", []]}],
)  # fmt: skip
def test_hostile_input_is_reported_never_raised(data):
    report = verify_presentation(data, challenge=CHALLENGE)
    assert not report.valid and report.failed()


def test_text_input_is_parsed_safely(credential):
    import json

    vp = signed([credential], challenge=CHALLENGE)
    assert verify_presentation(json.dumps(vp), challenge=CHALLENGE).valid
    assert not verify_presentation("[" * 10000 + "]" * 10000).valid


def test_an_enveloped_presentation_is_refused_clearly():
    report = verify_presentation({"@context": "https://www.w3.org/ns/credentials/v2",
                                  "type": "EnvelopedVerifiablePresentation", "id": "data:application/vp+jwt,x"})  # fmt: skip
    assert report.check("format").code == "presentation.enveloped"
    assert "VP-JWT" in report.check("format").message("en")


def test_only_a_presentation_is_signed_as_one(credential):
    with pytest.raises(ProofError):
        sign_presentation(credential, HOLDER)
    with pytest.raises(ProofError):
        sign_presentation(presentation([], holder=HOLDER.controller), Ed25519Key(HOLDER.public_key))


def test_the_report_reads_in_both_languages(credential):
    report = verify_presentation(signed([credential], challenge="x"), challenge="y")
    french, english = report.to_dict("fr"), report.to_dict("en")
    assert french["valid"] is False and len(french["credentials"]) == 1
    challenge_fr = next(c for c in french["checks"] if c["check"] == "challenge")
    challenge_en = next(c for c in english["checks"] if c["check"] == "challenge")
    assert "défi" in challenge_fr["message"] and "challenge" in challenge_en["message"]
