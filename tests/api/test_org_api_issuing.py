"""Issuing one credential through the organisation API, searching what was issued, and changing its
status."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from carnet.issuing.models import IssuedCredential
from tests.api.conftest import problem_of

pytestmark = pytest.mark.django_db

URL = "/api/v1/credentials"


def issue(api, micro_credential, email="alex@example.org", key="enrol-1", **body):
    return api.post(
        URL,
        {"micro_credential": micro_credential.slug, "recipient_email": email, **body},
        **{"Idempotency-Key": key},
    )


def test_it_issues_a_credential_of_the_current_published_version(api, micro_credential):
    response = issue(
        api,
        micro_credential,
        evidence=[{"narrative": "Six mois sans absence.", "url": "https://example.org/p/1"}],
    )
    assert response.status_code == 201, response.content
    body = json.loads(response.content)
    credential = IssuedCredential.objects.get(uuid=body["id"])
    assert credential.source == "api" and credential.recipient_email == "alex@example.org"
    assert credential.micro_credential_version.number == 1
    assert response["Location"].endswith(f"/api/v1/credentials/{credential.uuid}")
    assert body["document"] == credential.document
    assert body["document"]["evidence"] == [
        {"id": "https://example.org/p/1", "type": ["Evidence"], "narrative": "Six mois sans absence."}
    ]
    assert body["recipient_has_account"] is False


def test_a_retry_with_the_same_idempotency_key_gives_back_the_same_credential(api, micro_credential):
    first = issue(api, micro_credential)
    again = issue(api, micro_credential)
    assert (first.status_code, again.status_code) == (201, 200)
    assert json.loads(first.content)["id"] == json.loads(again.content)["id"]
    assert IssuedCredential.objects.count() == 1


def test_the_same_key_for_another_recipient_is_a_conflict(api, micro_credential):
    issue(api, micro_credential)
    problem_of(issue(api, micro_credential, email="sam@example.org"), 409, "refused")
    assert IssuedCredential.objects.count() == 1


def test_idempotency_keys_of_two_organisations_do_not_meet(
    api, make_client, micro_credential, other_organisation
):
    from carnet.catalogue import services as catalogue

    other = catalogue.create_micro_credential(
        organisation=other_organisation, fields={**{f: getattr(micro_credential.current_version(), f) for f in (
            "name_fr", "description_fr", "criteria_fr", "learning_contexts", "assessment_method")}},
        alignments=[(a.competency, a.level) for a in micro_credential.current_version().alignments.all()],
    )  # fmt: skip
    catalogue.publish_micro_credential(micro_credential=other)
    assert issue(api, micro_credential).status_code == 201
    assert issue(make_client(of=other_organisation), other).status_code == 201
    assert IssuedCredential.objects.count() == 2


def test_an_idempotency_key_is_required(api, micro_credential):
    response = api.post(
        URL, {"micro_credential": micro_credential.slug, "recipient_email": "alex@example.org"}
    )
    problem_of(response, 400, "idempotency_key_required")
    assert not IssuedCredential.objects.exists()


def test_a_recipient_with_an_account_gets_it_in_their_carnet(api, micro_credential, learner):
    body = json.loads(issue(api, micro_credential, email=learner.email.upper()).content)
    assert body["recipient_has_account"] is True
    assert IssuedCredential.objects.get(uuid=body["id"]).recipient == learner


def test_a_draft_cannot_be_issued_nor_a_bad_email_nor_evidence_without_content(api, micro_credential):
    from carnet.catalogue import services as catalogue

    draft = catalogue.create_micro_credential(
        organisation=micro_credential.organisation,
        fields={"name_fr": "Brouillon", "description_fr": "x", "criteria_fr": "y", "learning_contexts": ["work"],
                "assessment_method": "observation"},
    )  # fmt: skip
    problem_of(issue(api, draft), 409, "not_published")
    body = problem_of(
        issue(api, micro_credential, email="not-an-email", evidence=[{"name": "vide"}]), 422, "invalid"
    )
    assert [e["location"] for e in body["errors"]] == [["body", "recipient_email"], ["body", "evidence", 0]]
    problem_of(issue(api, micro_credential, evidence=[{"url": "javascript:alert(1)"}]), 422, "invalid")
    problem_of(issue(api, micro_credential, evidence=[{"narrative": "a\x00b"}]), 422, "invalid")
    assert not IssuedCredential.objects.exists()


@pytest.fixture
def issued(api, micro_credential, learner):
    made = {}
    for n, email in enumerate(["a@example.org", "b@example.org", learner.email]):
        made[email] = json.loads(issue(api, micro_credential, email=email, key=f"k{n}").content)["id"]
    return made


def test_it_lists_what_was_issued_newest_first_in_pages(api, issued):
    response = api.get(URL, {"limit": 2})
    body = json.loads(response.content)
    assert body["count"] == 3 and len(body["results"]) == 2 and body["previous"] is None
    assert body["next"].endswith("limit=2&offset=2")
    assert response["Link"] == f'<{body["next"]}>; rel="next"'
    second = json.loads(api.get(URL, {"limit": 2, "offset": 2}).content)
    assert [c["id"] for c in body["results"] + second["results"]] == list(reversed(issued.values()))
    assert second["next"] is None and second["previous"].endswith("limit=2&offset=0")
    assert "document" not in body["results"][0]


def test_it_searches_by_email_status_micro_credential_and_date(api, issued, micro_credential):
    def ids(**query):
        return {c["id"] for c in json.loads(api.get(URL, query).content)["results"]}

    assert ids(recipient_email="A@example.org") == {issued["a@example.org"]}
    assert ids(recipient_email="a@example") == set()
    assert ids(micro_credential=micro_credential.slug) == set(issued.values())
    assert ids(micro_credential=str(micro_credential.pk)) == set(issued.values())
    IssuedCredential.objects.filter(uuid=issued["b@example.org"]).update(status="revoked")
    assert ids(status="revoked") == {issued["b@example.org"]}
    now = timezone.now()
    assert ids(issued_after=(now - timedelta(hours=1)).isoformat()) == set(issued.values())
    assert ids(issued_before=(now - timedelta(hours=1)).isoformat()) == set()
    # Offsets PostgreSQL refuses, and moments beyond the calendar once in UTC (found by schemathesis).
    assert ids(issued_after="5029-01-08T07:06:47-17:05") == set()
    assert ids(issued_before="2000-01-01T00:00:00") == set()
    problem_of(api.get(URL, {"issued_after": "9999-12-31T23:00:00-05:00"}), 422, "invalid")
    problem_of(api.get(URL, {"limit": 1000}), 422, "invalid")


def test_it_gives_one_with_its_signed_document(api, issued):
    uuid = issued["a@example.org"]
    body = json.loads(api.get(f"{URL}/{uuid}").content)
    assert body["document"]["id"] == f"urn:uuid:{uuid}" and body["document"]["proof"]
    problem_of(api.get(f"{URL}/00000000-0000-4000-8000-000000000000"), 404, "not_found")


def test_it_suspends_reinstates_and_revokes_with_a_reason(api, issued):
    uuid = issued["a@example.org"]
    body = json.loads(api.post(f"{URL}/{uuid}/suspend", {"reason": "Vérification en cours."}).content)
    assert body["status"] == "suspended" and body["status_reason"] == "Vérification en cours."
    assert (
        json.loads(api.post(f"{URL}/{uuid}/reinstate", {"reason": "Vérifiée."}).content)["status"] == "active"
    )
    assert json.loads(api.post(f"{URL}/{uuid}/revoke", {"reason": "Erreur."}).content)["status"] == "revoked"
    problem_of(api.post(f"{URL}/{uuid}/suspend", {"reason": "Encore."}), 409, "status_conflict")
    problem_of(api.post(f"{URL}/{uuid}/revoke", {"reason": ""}), 422, "invalid")
    problem_of(api.post(f"{URL}/{uuid}/revoke", {}), 422, "invalid")
    assert IssuedCredential.objects.get(uuid=uuid).status_reason == "Erreur."
