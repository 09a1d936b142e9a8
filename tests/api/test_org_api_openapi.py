"""The organisation API's OpenAPI document: it validates, and property-based tests (schemathesis)
generated from it find no server error and no answer that the document does not describe.

The property-based run tries at most MAX_EXAMPLES cases per operation (22 operations): about two
minutes on a two-core machine. It never reaches the network: the webhooks' address checks resolve
host names through a stand-in (one name leads to a public address, any other to nothing), and what
would be posted is not (deliveries wait for a commit that the test's transaction never makes)."""

from __future__ import annotations

import json
import zlib

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from openapi_spec_validator import validate
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from carnet.issuing import bulk
from carnet.issuing import services as issuing
from carnet.webhooks import sending
from carnet.webhooks import services as webhooks

pytestmark = pytest.mark.django_db

MAX_EXAMPLES = 25
OPENAPI = "/api/v1/openapi.json"


def test_the_openapi_document_is_served_and_valid(client):
    response = client.get(OPENAPI)
    assert response.status_code == 200
    document = json.loads(response.content)
    validate(document)
    assert document["info"]["version"] == "1"
    assert document["components"]["securitySchemes"]["ApiKeyAuth"]["scheme"] == "bearer"
    operations = [(path, method) for path, item in document["paths"].items() for method in item]
    assert len(operations) == 22
    for path, method in operations:
        operation = document["paths"][path][method]
        assert operation["security"] == [{"ApiKeyAuth": []}] and operation["summary"]
        assert operation["responses"]["401"]["content"]["application/problem+json"]
        assert operation["responses"]["403"]["content"]["application/problem+json"]
    issue = document["paths"]["/api/v1/credentials"]["post"]
    assert [p["name"] for p in issue["parameters"] if p["in"] == "header"] == ["Idempotency-Key"]
    job = document["paths"]["/api/v1/issuance-jobs"]["post"]
    assert [p["name"] for p in job["parameters"] if p["in"] == "header"] == ["Idempotency-Key"]


schema = schemathesis.openapi.from_wsgi(OPENAPI, get_wsgi_application())


PUBLIC_HOST = "hooks.example.org"


@pytest.fixture
def no_network(monkeypatch):
    """Host names resolve at once: PUBLIC_HOST to a public address, any other to nothing; and
    nothing is posted."""

    def resolve(host, port):
        if host != PUBLIC_HOST:
            raise OSError("no such host (tests)")
        return ["93.184.215.14"]

    def post(url, body, headers, **kwargs):
        raise AssertionError(f"the test would have posted to {url}")

    monkeypatch.setattr(sending, "_resolve", resolve)
    monkeypatch.setattr(sending, "post", post)


@pytest.fixture
def known(organisation, micro_credential, no_network):
    """Things of the organisation that generated requests are pointed at, half of the time: random
    identifiers alone would find nothing and never reach past the 404."""
    version = micro_credential.current_version()
    credential = issuing.issue_credential(
        organisation=organisation, version=version, recipient=None, recipient_email="alex@example.org",
        idempotency_key="schemathesis", source="api",
    )  # fmt: skip
    job = bulk.create_issuance_job(
        organisation=organisation, version=version, rows=[{"email": "a@example.org"}]
    )
    endpoint = webhooks.create_endpoint(
        organisation=organisation,
        url=f"https://{PUBLIC_HOST}/carnet",
        events=["credential.issued"],
        actor=None,
    )
    delivery = webhooks.send_ping(endpoint=endpoint)
    return {"ref": micro_credential.slug, "micro_credential": micro_credential.slug,
            "credential_id": str(credential.uuid), "job_id": str(job.uuid),
            "endpoint_id": endpoint.pk, "delivery_id": delivery.pk,
            "url": f"https://{PUBLIC_HOST}/hooks", "events": ["credential.revoked"]}  # fmt: skip


def point_at_known(case, known):
    for where in (case.path_parameters, case.body):
        if isinstance(where, dict):
            for name in set(where) & set(known):
                if zlib.crc32(repr(where[name]).encode()) % 2 == 0:
                    where[name] = known[name]


@pytest.fixture
def token(make_client, micro_credential):
    """A key with every scope, in an organisation with a published micro-credential. The WSGI
    application closes the database connection after each request, which would end the test's
    transaction: as Django's test client does, it is kept open meanwhile."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield make_client().token
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_no_generated_request_makes_a_server_error(case, token, known):
    point_at_known(case, known)
    response = case.call(headers={"Authorization": f"Bearer {token}"})
    case.validate_response(
        response,
        checks=[
            not_a_server_error, status_code_conformance, content_type_conformance,
            response_schema_conformance,
        ],
    )  # fmt: skip
