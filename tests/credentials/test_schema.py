"""JSON Schema validation against the bundled 1EdTech schemas (carnet.credentials.schema)."""

from __future__ import annotations

import copy
import hashlib
import json
import socket
from importlib import resources
from typing import Any

import jsonschema_rs
import pytest
from samples import sample_credential

from carnet.credentials import schema, schemas
from carnet.credentials.errors import SchemaError
from carnet.credentials.schema import SchemaProblem, check, schema_for, validate

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3P0 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CLR_V2P0 = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"
ISSUER_DID = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
SUBJECT_DID = "did:key:z6MkjchhfUsD6mmvni8mCdXHw216Xrm9bQe2mBH1P5RDjVJG"


def minimal_badge() -> dict[str, Any]:
    return {
        "@context": [VC_V2, OB_V3P0],
        "id": "urn:uuid:2d3c7a1e-5b4f-4e8a-9c6d-1f2e3d4c5b6a",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {
            "id": "https://badges.example.org/issuers/1",
            "type": ["Profile"],
            "name": "Example Issuer",
        },
        "validFrom": "2024-09-16T08:30:00Z",
        "name": "Teamwork",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "id": SUBJECT_DID,
            "achievement": {
                "id": "https://badges.example.org/achievements/teamwork",
                "type": ["Achievement"],
                "name": "Teamwork",
                "description": "Works well in a team.",
                "criteria": {"narrative": "Led a team project to completion."},
            },
        },
    }


def endorsement() -> dict[str, Any]:
    return {
        "@context": [VC_V2, OB_V3P0],
        "id": "urn:uuid:7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
        "type": ["VerifiableCredential", "EndorsementCredential"],
        "name": "Endorsement of the Example Issuer",
        "issuer": {
            "id": "https://accreditor.example.org/issuers/565049",
            "type": ["Profile"],
            "name": "Example Accrediting Agency",
        },
        "validFrom": "2024-01-01T00:00:00Z",
        "credentialSubject": {
            "id": "https://badges.example.org/issuers/1",
            "type": ["EndorsementSubject"],
            "endorsementComment": "The Example Issuer is in good standing.",
        },
    }


def clr() -> dict[str, Any]:
    return {
        "@context": [VC_V2, CLR_V2P0, OB_V3P0],
        "id": "urn:uuid:0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0",
        "type": ["VerifiableCredential", "ClrCredential"],
        "issuer": {
            "id": "https://badges.example.org/issuers/1",
            "type": ["Profile"],
            "name": "Example Issuer",
        },
        "name": "Learner record of Léa",
        "validFrom": "2024-09-16T08:30:00Z",
        "credentialSubject": {
            "id": SUBJECT_DID,
            "type": ["ClrSubject"],
            "verifiableCredential": [minimal_badge(), sample_credential(ISSUER_DID, SUBJECT_DID)],
        },
    }


def paths(problems: list[SchemaProblem]) -> list[str]:
    return [p.path for p in problems]


# --- valid documents ------------------------------------------------------------------------


def test_minimal_open_badge_credential_is_valid() -> None:
    assert validate(minimal_badge()) == []
    check(minimal_badge())


def test_realistic_credential_is_valid() -> None:
    assert validate(sample_credential(ISSUER_DID, SUBJECT_DID)) == []


def test_achievement_credential_alias_and_single_context_forms() -> None:
    document = minimal_badge()
    document["type"] = ["VerifiableCredential", "AchievementCredential"]
    document["@context"] = [VC_V2, "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json"]
    assert validate(document) == []


def test_endorsement_credential_is_valid() -> None:
    assert validate(endorsement()) == []
    assert schema_for(endorsement()) == schemas.OB_ACHIEVEMENT_CREDENTIAL + "#/$defs/EndorsementCredential"


def test_clr_credential_is_valid() -> None:
    assert validate(clr()) == []
    assert schema_for(clr()) is None  # the envelope has no bundled schema


def test_profile_is_valid() -> None:
    profile = {"id": "https://badges.example.org/issuers/1", "type": ["Profile"], "name": "Example Issuer"}
    assert validate(profile) == []
    assert schema_for(profile) == schemas.OB_PROFILE


def test_embedded_endorsement_is_validated_too() -> None:
    document = minimal_badge()
    bad = endorsement()
    del bad["credentialSubject"]
    document["credentialSubject"]["achievement"]["endorsement"] = [bad]
    assert paths(validate(document)) == ["$.credentialSubject.achievement.endorsement[0].credentialSubject"]


# --- problems and their paths ---------------------------------------------------------------


def test_missing_issuer_is_reported_at_its_path() -> None:
    document = minimal_badge()
    del document["issuer"]
    assert validate(document) == [SchemaProblem("$.issuer", "is required but missing")]
    with pytest.raises(SchemaError) as raised:
        check(document)
    assert raised.value.problems == [("$.issuer", "is required but missing")]
    assert "$.issuer: is required but missing" in str(raised.value)


def test_missing_criteria_is_reported_at_its_path() -> None:
    document = minimal_badge()
    del document["credentialSubject"]["achievement"]["criteria"]
    assert paths(validate(document)) == ["$.credentialSubject.achievement.criteria"]


def test_wrong_credential_types() -> None:
    document = minimal_badge()
    document["type"] = ["OpenBadgeCredential"]  # VerifiableCredential is missing
    assert validate(document) == [SchemaProblem("$.type", 'must include "VerifiableCredential"')]


def test_wrong_value_type_says_what_was_expected() -> None:
    document = minimal_badge()
    document["credentialSubject"]["achievement"]["name"] = 5
    [problem] = validate(document)
    assert problem.path == "$.credentialSubject.achievement.name"
    assert problem.message == "must be a string or a language map (got an integer)"


def test_wrong_nested_object_type() -> None:
    document = minimal_badge()
    document["credentialSubject"]["achievement"] = "https://badges.example.org/achievements/teamwork"
    assert validate(document) == [
        SchemaProblem("$.credentialSubject.achievement", "must be an object (got a string)")
    ]


@pytest.mark.parametrize("value", ["yesterday", "2024-13-01T00:00:00Z", "2024-09-16", "2024-09-16T08:30:00"])
def test_bad_date_is_reported(value: str) -> None:
    document = minimal_badge()
    document["validFrom"] = value
    [problem] = validate(document)
    assert problem.path == "$.validFrom"
    assert "is not a valid date-time" in problem.message
    assert json.dumps(value) in problem.message


def test_bad_context_item_is_reported_with_its_index() -> None:
    document = minimal_badge()
    document["@context"][1] = "https://example.org/context.json"
    [problem] = validate(document)
    assert problem.path == "$['@context'][1]"
    assert problem.message.startswith("must match the pattern")


def test_extensible_enumeration_lists_both_alternatives() -> None:
    document = minimal_badge()
    document["credentialSubject"]["achievement"]["achievementType"] = "Trophy"
    [problem] = validate(document)
    assert problem.path == "$.credentialSubject.achievement.achievementType"
    assert '"Badge"' in problem.message
    assert "or must match the pattern (ext:)" in problem.message
    assert problem.message.endswith('(got "Trophy")')


def test_every_problem_is_listed_and_sorted_by_path() -> None:
    document = minimal_badge()
    del document["issuer"]
    document["validFrom"] = "not a date"
    assert paths(validate(document)) == ["$.issuer", "$.validFrom"]

    document = minimal_badge()
    del document["id"]
    del document["credentialSubject"]["achievement"]["description"]
    document["credentialSubject"]["achievement"]["criteria"] = []
    document["type"] = ["OpenBadgeCredential"]
    document["credentialSubject"]["result"] = [{"type": ["Result"]}] * 3
    document["credentialSubject"]["result"][2] = {"type": ["Result"], "status": "Won"}
    document["credentialSubject"]["result"][1] = {"type": ["Result"], "status": "Lost"}
    assert paths(validate(document)) == [
        "$.credentialSubject.achievement.criteria",
        "$.credentialSubject.achievement.description",
        "$.credentialSubject.result[1].status",
        "$.credentialSubject.result[2].status",
        "$.id",
        "$.type",
    ]


def test_array_indices_sort_numerically() -> None:
    document = minimal_badge()
    document["credentialSubject"]["result"] = [{"type": ["Result"]} for _ in range(12)]
    document["credentialSubject"]["result"][2]["status"] = "Won"
    document["credentialSubject"]["result"][10]["status"] = "Won"
    assert paths(validate(document)) == [
        "$.credentialSubject.result[2].status",
        "$.credentialSubject.result[10].status",
    ]


def test_endorsement_problems() -> None:
    document = endorsement()
    del document["name"]
    document["type"] = ["EndorsementCredential"]
    assert validate(document) == [
        SchemaProblem("$.name", "is required but missing"),
        SchemaProblem("$.type", 'must include "VerifiableCredential"'),
    ]


def test_clr_embedded_credential_problems_have_full_paths() -> None:
    document = clr()
    del document["credentialSubject"]["verifiableCredential"][1]["credentialSubject"]["achievement"]["name"]
    assert paths(validate(document)) == [
        "$.credentialSubject.verifiableCredential[1].credentialSubject.achievement.name"
    ]


# --- documents without a schema -------------------------------------------------------------


def test_unknown_type_gives_one_clear_problem() -> None:
    [problem] = validate({"type": ["VerifiableCredential", "DriverLicense"], "id": "urn:x"})
    assert problem.path == "$.type"
    assert '"DriverLicense"' in problem.message
    for name in ("OpenBadgeCredential", "AchievementCredential", "EndorsementCredential", "ClrCredential"):
        assert name in problem.message


def test_missing_type_and_non_object() -> None:
    [problem] = validate({"id": "urn:x"})
    assert problem.path == "$.type"
    assert "missing" in problem.message
    assert validate([1, 2]) == [SchemaProblem("$", "must be a JSON object (got an array)")]  # type: ignore[arg-type]


def test_validation_does_not_mutate_the_document() -> None:
    document = sample_credential(ISSUER_DID, SUBJECT_DID)
    before = copy.deepcopy(document)
    validate(document)
    assert document == before


# --- bundled files --------------------------------------------------------------------------


def test_pinned_hashes_match_bundled_files() -> None:
    assert set(schemas.SCHEMAS) == {schemas.OB_ACHIEVEMENT_CREDENTIAL, schemas.OB_PROFILE}
    for url, bundled in schemas.SCHEMAS.items():
        data = resources.files(schemas).joinpath(bundled.filename).read_bytes()
        assert hashlib.sha256(data).hexdigest() == bundled.sha256
        document = schemas.schema_document(url)
        assert document["$id"] == url
        assert document["$schema"].startswith("https://json-schema.org/draft/2019-09/schema")
        jsonschema_rs.meta.validate(document)  # each is a valid 2019-09 schema


def test_a_damaged_file_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    url = schemas.OB_PROFILE
    damaged = schemas.BundledSchema(url, schemas.SCHEMAS[url].filename, "0" * 64)
    schemas.schema_bytes.cache_clear()
    monkeypatch.setitem(schemas.SCHEMAS, url, damaged)
    try:
        with pytest.raises(RuntimeError, match="sha256"):
            schemas.schema_bytes(url)
    finally:
        schemas.schema_bytes.cache_clear()


def test_unknown_schema_url_is_refused() -> None:
    with pytest.raises(schemas.UnknownSchemaError):
        schemas.schema_bytes("https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_nothing.json")


# --- never the network ----------------------------------------------------------------------


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


@pytest.mark.usefixtures("no_network")
def test_compiling_and_validating_never_touch_the_network() -> None:
    schema._validator.cache_clear()
    schema._registry.cache_clear()
    assert validate(minimal_badge()) == []
    assert validate(endorsement()) == []
    assert validate(clr()) == []
    broken = minimal_badge()
    del broken["issuer"]
    assert paths(validate(broken)) == ["$.issuer"]


@pytest.mark.usefixtures("no_network")
def test_a_reference_outside_the_bundle_is_refused_not_fetched() -> None:
    # jsonschema_rs fetches with its own (Rust) HTTP client, which Python's socket does not see:
    # what keeps it offline is `offline=True` and the registry's retriever, which refuses.
    clr_schema = "https://purl.imsglobal.org/spec/clr/v2p0/schema/json/clr_v2p0_clrcredential_schema.json"
    with pytest.raises(jsonschema_rs.ValidationError, match="Retrieval is disabled"):
        jsonschema_rs.Draft201909Validator({"$ref": clr_schema}, registry=schema._registry(), offline=True)
    with pytest.raises(ValueError, match="never fetched"):
        jsonschema_rs.Registry([("https://a.example/s.json", {"$ref": clr_schema})], retriever=schema._refuse)


def test_schema_name_for_reports() -> None:
    assert schema.schema_name(minimal_badge()) == "Open Badges 3.0 AchievementCredential"
    assert schema.schema_name(endorsement()) == "Open Badges 3.0 EndorsementCredential"
    assert schema.schema_name(clr()) == "Open Badges 3.0 AchievementCredential (CLR 2.0 contents)"
    assert schema.schema_name({"type": "Foo"}) == "none"


def test_a_clr_envelope_is_checked_for_its_required_properties() -> None:
    document = clr()
    del document["validFrom"]
    document["credentialSubject"]["type"] = ["Other"]
    paths = [problem.path for problem in validate(document)]
    assert "$.validFrom" in paths and "$.credentialSubject.type" in paths
    document = clr()
    document["credentialSubject"]["verifiableCredential"] = []
    assert [p.path for p in validate(document)] == ["$.credentialSubject.verifiableCredential"]
