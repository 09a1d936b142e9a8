"""The audit trail through the organisation API: what the activity log page shows, no more."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from carnet.audit.models import AuditEvent
from carnet.recognition import services as recognition
from tests.api.conftest import problem_of

pytestmark = pytest.mark.django_db

URL = "/api/v1/audit-events"


def verbs(api, **query):
    return [e["verb"] for e in json.loads(api.get(URL, query).content)["results"]]


def test_it_reads_the_organisations_trail_newest_first(api, micro_credential, org_admin):
    events = json.loads(api.get(URL).content)["results"]
    assert {"api_key.created", "micro_credential.published", "micro_credential.created"} <= {
        e["verb"] for e in events
    }
    assert [e["created_at"] for e in events] == sorted((e["created_at"] for e in events), reverse=True)
    created = next(e for e in events if e["verb"] == "api_key.created")
    assert created["label"] == "Clé d'API créée" and created["actor"] == str(org_admin)
    body = json.loads(api.get(URL, {"limit": 1}).content)
    assert body["count"] == AuditEvent.objects.filter(organisation=micro_credential.organisation).count()
    assert body["next"]


def test_it_filters_by_family_verb_and_date(api, micro_credential):
    assert set(verbs(api, family="micro_credential")) == {
        "micro_credential.published",
        "micro_credential.created",
    }
    assert verbs(api, verb="micro_credential.created") == ["micro_credential.created"]
    assert verbs(api, since=(timezone.now() + timedelta(minutes=1)).isoformat()) == []
    assert verbs(api, until=(timezone.now() - timedelta(days=1)).isoformat()) == []
    problem_of(api.get(URL, {"family": "nothing"}), 422, "invalid")


def test_a_learners_draft_never_shows(api, micro_credential, learner):
    draft = recognition.open_request(learner=learner, micro_credential=micro_credential)
    assert AuditEvent.objects.filter(target_id=str(draft.pk), verb="request.opened").exists()
    assert "request.opened" not in verbs(api, limit=100)
    recognition.save_draft(request=draft, narrative="J'ai tenu mes engagements pendant un an." * 3)
    recognition.set_places(
        request=draft,
        places=[{"learning_context": "volunteering", "name": "Banque alimentaire", "role": "Bénévole"}],
    )
    recognition.submit_request(request=draft)
    assert "request.opened" in verbs(api, limit=100)
