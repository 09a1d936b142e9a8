"""Shared pieces of the organisation API's tests: a published micro-credential, keys with chosen
scopes, and a client that sends a key."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from carnet.api.keys import create_api_key
from carnet.api.models import ApiKey
from carnet.catalogue import services as catalogue
from carnet.frameworks.models import Competency

ALL_SCOPES = list(ApiKey.Scope.values)


@pytest.fixture
def competency(db):
    return Competency.objects.filter(framework__status="published").order_by("code").first()


@pytest.fixture
def level(competency):
    return competency.levels.get(rank=3)


@pytest.fixture
def micro_credential(organisation, level):
    item = catalogue.create_micro_credential(
        organisation=organisation,
        fields={
            "name_fr": "Fiabilité", "name_en": "Reliability", "description_fr": "Tient ses engagements.",
            "criteria_fr": "Présent et ponctuel pendant six mois.", "learning_contexts": ["volunteering"],
            "assessment_method": "observation", "endorsements_required": 0,
        },
        alignments=[(level.competency, level)],
    )  # fmt: skip
    catalogue.publish_micro_credential(micro_credential=item)
    item.refresh_from_db()
    return item


class ApiClient:
    """A test client that sends ``Authorization: Bearer <token>`` and JSON bodies."""

    def __init__(self, token: str | None) -> None:
        self.client = Client()
        self.token = token

    def headers(self, extra: dict[str, str]) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return {**headers, **extra}

    def get(self, path: str, data: dict[str, Any] | None = None, **headers: str) -> Any:
        return self.client.get(path, data or {}, headers=self.headers(headers))

    def send(self, method: str, path: str, body: Any = None, **headers: str) -> Any:
        call = getattr(self.client, method.lower())
        return call(path, json.dumps(body if body is not None else {}), content_type="application/json",
                    headers=self.headers(headers))  # fmt: skip

    def post(self, path: str, body: Any = None, **headers: str) -> Any:
        return self.send("POST", path, body, **headers)

    def patch(self, path: str, body: Any = None, **headers: str) -> Any:
        return self.send("PATCH", path, body, **headers)


@pytest.fixture
def make_client(organisation, org_admin):
    """A client holding a new key of ``organisation`` (or another) with ``scopes`` (all by default)."""

    def make(scopes: list[str] | None = None, of: Any = None, **extra: Any) -> ApiClient:
        _key, token = create_api_key(
            organisation=of or organisation,
            name="Tests",
            scopes=scopes or ALL_SCOPES,
            actor=org_admin,
            **extra,
        )
        return ApiClient(token)

    return make


@pytest.fixture
def api(make_client) -> ApiClient:
    return make_client()


@pytest.fixture
def other_organisation(make_user):
    from carnet.organisations.models import Organisation
    from carnet.organisations.services import create_organisation

    return create_organisation(
        name="Cégep Autre",
        kind=Organisation.Kind.COLLEGE,
        admin=make_user("admin@other.test"),
        slug="cegep-autre",
    )


def problem_of(response: Any, status: int, code: str) -> dict[str, Any]:
    """The problem document of ``response``, checked to be one with ``status`` and ``code``."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = json.loads(response.content)
    assert body["status"] == status and body["code"] == code and body["type"] == "about:blank"
    assert body["title"] and body["detail"]
    return body
