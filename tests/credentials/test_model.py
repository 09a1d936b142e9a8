"""Open Badges 3.0 and CLR 2.0 builders: what they make follows the official schemas, signs,
verifies here and in the JavaScript reference."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from samples import ISSUER_SEED, OTHER_SEED, SUBJECT_SEED

from carnet.credentials import Ed25519Key, Status, dataintegrity, model, schema, sign, verify
from carnet.credentials.contexts import OB_V3P0_3_0_0, OB_V3P0_3_0_1, OB_V3P0_3_0_2, VC_V1, VC_V2

NOW = datetime(2026, 11, 22, tzinfo=UTC)
issuer_key = Ed25519Key.from_seed(ISSUER_SEED)
learner = Ed25519Key.from_seed(SUBJECT_SEED)
endorser = Ed25519Key.from_seed(OTHER_SEED)
ISSUER = model.profile(issuer_key.controller, "Cégep de l'Exemple", url="https://cegep.example")


def micro_credential(name: str, code: str, **extra) -> dict:
    achievement = model.achievement(
        f"https://carnet.example/achievements/{code}",
        name,
        f"Description de {name}.",
        model.criteria(f"Critères de {name}."),
        achievement_type="MicroCredential",
        alignments=[model.alignment(name, f"https://carnet.example/competences/{code}", target_code=code)],
        result_descriptions=[
            model.result_description(
                f"urn:uuid:rd-{code}",
                "Niveau",
                levels=[
                    model.rubric_level(f"urn:uuid:{code}-1", "Débutant"),
                    model.rubric_level(f"urn:uuid:{code}-2", "Autonome"),
                ],
            )
        ],
        **extra,
    )
    subject = model.achievement_subject(
        achievement,
        subject_id=learner.controller,
        results=[model.result(f"urn:uuid:rd-{code}", achieved_level=f"urn:uuid:{code}-2")],
    )
    return model.open_badge_credential(
        issuer=ISSUER,
        subject=subject,
        name=name,
        valid_from=NOW - timedelta(days=1),
        evidence_=[model.evidence(narrative="Trois saisons d'entraînement bénévole.")],
    )


def test_built_credentials_follow_the_official_schema_and_verify():
    document = micro_credential("Travail d'équipe", "COL")
    assert schema.validate(document) == []
    assert verify(sign(document, issuer_key), now=NOW).valid


def test_an_endorsed_credential(js_peer):
    endorsement = sign(
        model.endorsement_credential(
            issuer=model.profile(endorser.controller, "Marie Gagnon"),
            endorsed_id="https://carnet.example/achievements/COL",
            valid_from=NOW - timedelta(days=2),
            name="Endossement",
            comment="J'ai vu Alex coopérer pendant trois saisons.",
        ),
        endorser,
    )
    assert verify(endorsement, now=NOW).valid
    document = sign(micro_credential("Travail d'équipe", "COL", endorsements=[endorsement]), issuer_key)
    report = verify(document, now=NOW)
    assert report.valid and report.check("endorsements").code == "endorsements.ok"
    assert js_peer.verify(document)["verified"]


def test_a_clr_bundles_signed_micro_credentials(js_peer):
    parts = [
        sign(micro_credential(name, code), issuer_key)
        for name, code in (("Communication", "COM"), ("Fiabilité", "FIA"))
    ]
    certificate = model.achievement(
        "https://carnet.example/certificats/employabilite",
        "Certificat d'employabilité",
        "Regroupe les microattestations de compétences génériques.",
        model.criteria("Obtenir les deux microattestations."),
        achievement_type="Certificate",
    )
    clr = model.clr_credential(
        issuer=ISSUER,
        subject_id=learner.controller,
        credentials=parts,
        achievements=[certificate],
        associations=[
            model.association("isPartOf", part["credentialSubject"]["achievement"]["id"], certificate["id"])
            for part in parts
        ],
        valid_from=NOW - timedelta(days=1),
        name="Relevé : certificat d'employabilité",
    )
    assert schema.validate(clr) == []
    signed = sign(clr, issuer_key)
    report = verify(signed, now=NOW)
    assert report.valid, report.to_text("en")
    assert js_peer.verify(signed)["verified"]
    signed["credentialSubject"]["verifiableCredential"][0]["name"] = "Changé"
    assert verify(signed, now=NOW).failed() == ["proof"]


def test_context_revision_3_0_2_signs_and_verifies(js_peer):
    document = micro_credential("Communication", "COM")
    document["@context"] = [VC_V2, OB_V3P0_3_0_2]
    signed = sign(document, issuer_key)
    assert verify(signed, now=NOW).valid
    assert js_peer.verify(signed)["verified"]


@pytest.mark.parametrize("context", [OB_V3P0_3_0_0, OB_V3P0_3_0_1])
def test_vc_1_1_credentials_of_the_first_revisions_verify(context, js_peer):
    """Open Badges 3.0.0 and 3.0.1 credentials were VC Data Model 1.1 documents."""
    document = micro_credential("Communication", "COM")
    document["@context"] = [VC_V1, context]
    document["issuanceDate"] = document.pop("validFrom")
    document.pop("name")  # `name` on the credential came with 3.0.2
    for evidence in document.pop("evidence"):
        assert evidence
    signed = dataintegrity.add_proof(document, issuer_key)
    report = verify(signed, now=NOW)
    assert report.check("proof").status == Status.PASSED, report.to_text("en")
    assert report.check("validity").status == Status.PASSED
    assert js_peer.verify(signed)["verified"], js_peer.verify(signed)
    signed["issuanceDate"] = "2020-01-01T00:00:00Z"
    assert verify(signed, now=NOW).check("proof").status == Status.FAILED


def test_hashed_identities():
    identity = model.identity_object("  Alex.Tremblay@Example.org ", salt="s")
    assert identity["identityHash"].startswith("sha256$")
    assert model.identity_matches(identity, "alex.tremblay@example.org")
    assert not model.identity_matches(identity, "someone@example.org")
    assert model.identity_object("a@b.c")["salt"] != model.identity_object("a@b.c")["salt"]


def test_a_subject_needs_an_id_or_an_identity():
    with pytest.raises(ValueError, match="IdentityObject"):
        model.achievement_subject({"id": "x"})


def test_unknown_achievement_types_are_refused():
    with pytest.raises(ValueError, match="ext:"):
        model.achievement("https://x.example/a", "A", "B", model.criteria("C"), achievement_type="Trophy")
