"""Shared pieces of the tests of badges imported into the carnet: a published micro-credential and a
way to issue it (as in tests/issuing), badges from another issuer made for a given person, the
fetcher of tests/verification that answers from a map, and a guard that fails any test which would
open a network connection."""

from __future__ import annotations

import socket
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache

sys.path.insert(0, str(Path(__file__).parent.parent / "verification"))
from verification_samples import MapFetcher

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
def no_network(monkeypatch):
    """Every test runs offline: a name lookup or a connection attempt fails the test."""
    attempts: list[Any] = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise OSError("network access in a test")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    yield attempts
    assert attempts == [], f"a test tried to reach the network: {attempts}"


@pytest.fixture(autouse=True)
def fetcher(monkeypatch) -> MapFetcher:
    """The fetcher every verification of the test uses (it answers from its map, nothing else)."""
    fake = MapFetcher()
    monkeypatch.setattr(fetching, "open_fetcher", lambda: fake)
    return fake


@pytest.fixture
def competency(db):
    return Competency.objects.filter(framework__status="published").order_by("code").first()


@pytest.fixture
def version(organisation, competency):
    item = catalogue.create_micro_credential(
        organisation=organisation,
        fields={
            "name_fr": "Fiabilité", "name_en": "Reliability", "description_fr": "Tient ses engagements.",
            "criteria_fr": "Présent et ponctuel pendant six mois.", "learning_contexts": ["volunteering"],
            "assessment_method": "observation", "endorsements_required": 0, "validity_months": 24,
        },
        alignments=[(competency, competency.levels.get(rank=3))],
    )  # fmt: skip
    return catalogue.publish_micro_credential(micro_credential=item)


@pytest.fixture
def issue(organisation, version):
    """Issue ``version`` to ``recipient`` with idempotency key ``key``."""

    def issue(recipient, key="k-1"):
        return issuing.issue_credential(
            organisation=organisation, version=version, recipient=recipient,
            recipient_email=recipient.email, idempotency_key=key, source="bulk",
        )  # fmt: skip

    return issue


@pytest.fixture(scope="session")
def other_key() -> Ed25519Key:
    return Ed25519Key.generate()
