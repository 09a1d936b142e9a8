"""Shared pieces of the verification tests: a credential issued by the platform, credentials from
another issuer, Open Badges 2.0 assertions, a fetcher that answers from a map, and a guard that fails
any test which would open a network connection."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from django.core.cache import cache
from verification_samples import MapFetcher, other_credential

from carnet.catalogue import services as catalogue
from carnet.credentials import Ed25519Key, sign
from carnet.frameworks.models import Competency
from carnet.issuing import services
from carnet.verification import fetching


@pytest.fixture(autouse=True)
def verification_installed(settings):
    """The app has templates and static files, so it must be installed; until settings.py lists it,
    the tests install it themselves (a no-op once it is listed)."""
    if "carnet.verification" not in settings.INSTALLED_APPS:
        settings.INSTALLED_APPS = [*settings.INSTALLED_APPS, "carnet.verification"]


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


@pytest.fixture
def fetcher(monkeypatch) -> MapFetcher:
    """The fetcher every verification of the test uses."""
    fake = MapFetcher()
    monkeypatch.setattr(fetching, "open_fetcher", lambda: fake)
    return fake


# -- a credential the platform issued --------------------------------------------------------------


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
def issued(organisation, version, learner):
    return services.issue_credential(
        organisation=organisation, version=version, recipient=learner, recipient_email=learner.email,
        idempotency_key="verification-1", source="bulk",
        evidence=[{"name": "Registre des présences", "narrative": "Six mois sans une absence."}],
    )  # fmt: skip


@pytest.fixture(scope="session")
def other_key() -> Ed25519Key:
    return Ed25519Key.generate()


@pytest.fixture
def other_signed(other_key) -> dict[str, Any]:
    return sign(other_credential(other_key), other_key)
