"""Fixtures of the Open Badges API's tests (imported by each of their modules): offline
verification, fresh rate limits, a published micro-credential and a way to issue it, another
issuer's key, and a signed-in learner's browser."""

from __future__ import annotations

import socket
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

sys.path.insert(0, str(Path(__file__).parent.parent / "verification"))
sys.path.insert(0, str(Path(__file__).parent.parent / "portfolio"))
from verification_samples import MapFetcher

__all__ = ["browser", "fresh_rate_limits", "issue", "offline", "other_key"]

from carnet.catalogue import services as catalogue
from carnet.credentials import Ed25519Key
from carnet.frameworks.models import Competency
from carnet.issuing import services as issuing
from carnet.verification import fetching


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    """Nothing reaches the network: the verifier's fetcher answers from an empty map, and a name
    lookup or a connection fails the test."""
    attempts: list[Any] = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise OSError("network access in a test")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(fetching, "open_fetcher", lambda: MapFetcher())
    yield
    assert attempts == [], f"a test tried to reach the network: {attempts}"


@pytest.fixture(scope="session")
def other_key() -> Ed25519Key:
    return Ed25519Key.generate()


@pytest.fixture
def browser(learner) -> Client:
    client = Client()
    client.force_login(learner)
    return client


@pytest.fixture
def issue(organisation):
    """Issue a published micro-credential of ``organisation`` to ``recipient``."""
    competency = Competency.objects.filter(framework__status="published").order_by("code").first()
    item = catalogue.create_micro_credential(
        organisation=organisation,
        fields={
            "name_fr": "Fiabilité", "name_en": "Reliability", "description_fr": "Tient ses engagements.",
            "criteria_fr": "Présent et ponctuel pendant six mois.", "learning_contexts": ["volunteering"],
            "assessment_method": "observation", "endorsements_required": 0, "validity_months": 24,
        },
        alignments=[(competency, competency.levels.get(rank=3))],
    )  # fmt: skip
    version = catalogue.publish_micro_credential(micro_credential=item)

    def issue(recipient, key="k-1"):
        return issuing.issue_credential(
            organisation=organisation, version=version, recipient=recipient,
            recipient_email=recipient.email, idempotency_key=key, source="bulk",
        )  # fmt: skip

    return issue
