"""Who reaches the organisation API: a live key of the organisation, with the scope each operation
needs; anything of another organisation is 404; every error is a problem document."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from carnet.api.keys import revoke_api_key
from carnet.api.models import ApiKey
from carnet.issuing import bulk
from carnet.issuing import services as issuing
from tests.api.conftest import ALL_SCOPES, ApiClient, problem_of

pytestmark = pytest.mark.django_db

S = ApiKey.Scope
UUID0 = "00000000-0000-4000-8000-000000000000"


@pytest.fixture
def credential(organisation, micro_credential):
    return issuing.issue_credential(
        organisation=organisation, version=micro_credential.current_version(), recipient=None,
        recipient_email="alex@example.org", idempotency_key="access-1", source="api",
    )  # fmt: skip


@pytest.fixture
def job(organisation, micro_credential):
    return bulk.create_issuance_job(
        organisation=organisation,
        version=micro_credential.current_version(),
        rows=[{"email": "a@example.org"}],
    )


def operations(micro_credential, credential, job):
    """Every operation: (method, path, body, the scope it needs)."""
    mc, c = micro_credential.slug, credential.uuid
    new = {"name_fr": "Nouvelle", "description_fr": "d", "criteria_fr": "c", "learning_contexts": ["work"],
           "assessment_method": "observation", "levels": [micro_credential.current_version().alignments.get().level_id]}  # fmt: skip
    return [
        ("GET", "/api/v1/micro-credentials", None, S.ACHIEVEMENTS_READ),
        ("GET", f"/api/v1/micro-credentials/{mc}", None, S.ACHIEVEMENTS_READ),
        ("POST", "/api/v1/micro-credentials", new, S.ACHIEVEMENTS_WRITE),
        ("PATCH", f"/api/v1/micro-credentials/{mc}", {"name_en": "Reliable"}, S.ACHIEVEMENTS_WRITE),
        ("POST", f"/api/v1/micro-credentials/{mc}/publish", None, S.ACHIEVEMENTS_WRITE),
        ("POST", "/api/v1/credentials", {"micro_credential": mc, "recipient_email": "x@example.org"}, S.CREDENTIALS_ISSUE),
        ("GET", "/api/v1/credentials", None, S.CREDENTIALS_READ),
        ("GET", f"/api/v1/credentials/{c}", None, S.CREDENTIALS_READ),
        ("POST", f"/api/v1/credentials/{c}/suspend", {"reason": "r"}, S.CREDENTIALS_STATUS),
        ("POST", f"/api/v1/credentials/{c}/reinstate", {"reason": "r"}, S.CREDENTIALS_STATUS),
        ("POST", f"/api/v1/credentials/{c}/revoke", {"reason": "r"}, S.CREDENTIALS_STATUS),
        ("POST", "/api/v1/issuance-jobs", {"micro_credential": mc, "recipients": [{"email": "y@example.org"}]}, S.CREDENTIALS_ISSUE),
        ("GET", f"/api/v1/issuance-jobs/{job.uuid}", None, S.CREDENTIALS_ISSUE),
        ("GET", "/api/v1/audit-events", None, S.AUDIT_READ),
    ]  # fmt: skip


def call(client, method, path, body):
    headers = {"Idempotency-Key": "scope-test"}
    return client.get(path, **headers) if method == "GET" else client.send(method, path, body, **headers)


def test_each_scope_allows_only_what_it_says(make_client, micro_credential, credential, job):
    clients = {scope: make_client([scope]) for scope in ALL_SCOPES}
    for method, path, body, needed in operations(micro_credential, credential, job):
        for scope, client in clients.items():
            response = call(client, method, path, body)
            if scope == needed:
                assert response.status_code in (200, 201, 202, 409), (method, path, response.content)
            else:
                body_ = problem_of(response, 403, "insufficient_scope")
                assert body_["scope"] == needed
                assert 'error="insufficient_scope"' in response["WWW-Authenticate"]


def test_no_key_a_wrong_key_a_revoked_or_an_expired_key_is_401(
    organisation, org_admin, make_client, micro_credential, credential, job
):
    revoked = make_client()
    revoke_api_key(key=ApiKey.objects.latest("pk"), actor=org_admin)
    expired = make_client(expires_at=timezone.now() - timedelta(seconds=1))
    for method, path, body, _scope in operations(micro_credential, credential, job):
        problem_of(call(ApiClient(None), method, path, body), 401, "no_key")
        for client in (revoked, expired, ApiClient("carnet_000000000000_nothing")):
            response = call(client, method, path, body)
            problem_of(response, 401, "invalid_key")
            assert response["WWW-Authenticate"] == 'Bearer realm="carnet", error="invalid_token"'
    response = ApiClient(None).get("/api/v1/credentials")
    assert response["WWW-Authenticate"] == 'Bearer realm="carnet"'


def test_a_session_does_not_open_the_api(client, org_admin):
    client.force_login(org_admin)
    assert client.get("/api/v1/credentials").status_code == 401


def test_another_organisations_key_finds_nothing(
    make_client, other_organisation, micro_credential, credential, job
):
    other = make_client(of=other_organisation)
    for method, path, body, _scope in operations(micro_credential, credential, job):
        if path.count("/") > 3:  # an address of a thing of the first organisation
            problem_of(call(other, method, path, body), 404, "not_found")
    listed = json.loads(other.get("/api/v1/credentials").content)
    assert listed["count"] == 0
    assert json.loads(other.get("/api/v1/micro-credentials").content)["count"] == 0
    issued = other.post("/api/v1/credentials", {"micro_credential": micro_credential.slug,
                        "recipient_email": "x@example.org"}, **{"Idempotency-Key": "k"})  # fmt: skip
    problem_of(issued, 404, "not_found")
    assert all(e["verb"].startswith("api_key") or e["verb"].startswith("organisation") for e in
               json.loads(other.get("/api/v1/audit-events").content)["results"])  # fmt: skip


def test_errors_are_problems_in_the_callers_language(api, credential):
    body = problem_of(api.get("/api/v1/credentials/not-a-uuid", lang="x"), 422, "invalid")
    assert body["errors"][0]["location"][-1] == "credential_id" and body["lang"] == "fr"
    path = f"/api/v1/credentials/{credential.uuid}/revoke"
    api.post(path, {"reason": "Erreur."})
    french = problem_of(api.post(path, {"reason": "Erreur."}), 409, "status_conflict")
    assert french["detail"] == "Cette microattestation est déjà révoquée."
    for response in (
        api.post(path + "?lang=en", {"reason": "Erreur."}),
        api.post(path, {"reason": "Erreur."}, **{"Accept-Language": "de, en;q=0.8"}),
    ):
        body = problem_of(response, 409, "status_conflict")
        assert body["lang"] == "en" and response["Content-Language"] == "en"
        assert body["detail"] == "This micro-credential is already revoked."
    problem_of(api.get("/api/v1/nowhere"), 404, "not_found")
    problem_of(api.client.delete("/api/v1/credentials", headers=api.headers({})), 405, "method_not_allowed")
    problem_of(api.client.post("/api/v1/credentials", "{not json", content_type="application/json",
               headers=api.headers({"Idempotency-Key": "k"})), 400, "bad_request")  # fmt: skip


def test_a_body_over_the_cap_is_refused_unread(api, micro_credential):
    big = {
        "micro_credential": micro_credential.slug,
        "recipients": [{"email": "a@example.org", "name": "x" * 200}] * 6000,
    }
    problem_of(api.post("/api/v1/issuance-jobs", big), 413, "too_large")


def test_a_nul_character_in_the_address_is_refused(api):
    problem_of(api.get("/api/v1/credentials", {"recipient_email": "a\x00b"}), 400, "bad_request")
