"""Every consent is recorded through one service: what, which version, when, where, and its withdrawal."""

from __future__ import annotations

import pytest

from carnet.audit.models import AuditEvent
from carnet.portfolio.services import consents_to_search, set_search_consent
from carnet.privacy import services
from carnet.privacy.models import ConsentRecord

pytestmark = pytest.mark.django_db


def test_search_consent_is_recorded_with_its_version_and_page(learner):
    set_search_consent(user=learner, given=True)
    record = ConsentRecord.objects.get(user=learner)
    assert (record.purpose, record.given, record.source) == ("search", True, "portfolio:settings")
    assert record.text_version and AuditEvent.objects.filter(verb="consent.given", actor=learner).exists()


def test_withdrawing_from_the_privacy_page_stops_the_search_at_once(learner):
    set_search_consent(user=learner, given=True)
    services.withdraw_consent(user=learner, purpose="search", source="privacy:mine")
    assert not consents_to_search(learner)
    learner.refresh_from_db()
    assert not learner.consents_to_search
    assert [(r.given, r.source) for r in ConsentRecord.objects.filter(user=learner)] == [
        (False, "privacy:mine"),
        (True, "portfolio:settings"),
    ]
    [(code, _purpose, latest)] = services.consents_in_force(learner)
    assert code == "search" and latest.given is False


def test_the_notice_read_at_sign_up_cannot_be_withdrawn(learner):
    services.record_consent(user=learner, purpose="privacy_notice", given=True, source="account_signup")
    with pytest.raises(services.PrivacyError):
        services.withdraw_consent(user=learner, purpose="privacy_notice", source="privacy:mine")


def test_signing_up_needs_the_notice_and_records_it(client):
    fields = {
        "email": "nouveau@example.test",
        "password1": "une phrase longue",
        "password2": "une phrase longue",
    }
    refused = client.post("/comptes/signup/", fields)
    assert refused.status_code == 200 and "politique de confidentialité" in refused.content.decode()
    assert client.post("/comptes/signup/", {**fields, "privacy_notice": "on"}).status_code == 302
    record = ConsentRecord.objects.get(user__email="nouveau@example.test")
    assert (record.purpose, record.given, record.source) == ("privacy_notice", True, "account_signup")


def test_an_endorser_choice_to_be_named_is_recorded_without_an_account(db):
    services.record_consent(purpose="endorsement_named", given=False, subject="endorsement:x", source="form")
    record = ConsentRecord.objects.get(subject="endorsement:x")
    assert record.user is None and record.given is False


def test_the_search_consents_recorded_before_join_the_history(learner):
    import importlib

    from django.apps import apps

    from carnet.portfolio.models import SearchConsent

    old = SearchConsent.objects.create(user=learner, given=True)
    importlib.import_module("carnet.privacy.migrations.0002_copy_search_consents").copy(apps, None)
    record = ConsentRecord.objects.get(user=learner)
    assert (record.purpose, record.given, record.created_at) == ("search", True, old.created_at)
