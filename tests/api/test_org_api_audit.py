"""The audit trail through the organisation API: what the activity log page shows, no more."""

from __future__ import annotations

import json
from datetime import timedelta
from html import escape

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


# -- which key acted --------------------------------------------------------------------------------


def prefix_of(api):
    return api.token.removeprefix("carnet_").partition("_")[0]


def test_each_write_through_the_api_names_its_key_in_the_trail(api, micro_credential, org_admin):
    prefix = prefix_of(api)
    issued = api.post(
        "/api/v1/credentials", {"micro_credential": micro_credential.slug, "recipient_email": "a@example.org"},
        **{"Idempotency-Key": "who-1"},
    )  # fmt: skip
    credential_id = json.loads(issued.content)["id"]
    api.post(f"/api/v1/credentials/{credential_id}/suspend", {"reason": "Vérification"})
    api.patch(f"/api/v1/micro-credentials/{micro_credential.slug}", {"name_en": "Dependability"})
    api.post("/api/v1/issuance-jobs", {"micro_credential": micro_credential.slug,
                                       "recipients": [{"email": "b@example.org"}]}, **{"Idempotency-Key": "who-2"})  # fmt: skip
    facts = {"api_key": prefix, "api_key_name": "Tests"}
    for verb in (
        "credential.issued",
        "credential.suspended",
        "micro_credential.updated",
        "issuance_job.created",
    ):
        event = AuditEvent.objects.filter(verb=verb).latest("pk")
        assert event.actor is None and facts.items() <= event.data.items(), verb
    assert AuditEvent.objects.get(verb="credential.suspended").data["reason"] == "Vérification"
    created = AuditEvent.objects.get(verb="micro_credential.created")  # made by the fixture, not the API
    assert "api_key" not in created.data


def test_the_api_and_the_activity_log_say_the_key_did_it(api, micro_credential, org_admin, client):
    prefix = prefix_of(api)
    api.patch(f"/api/v1/micro-credentials/{micro_credential.slug}", {"name_en": "Dependability"})
    events = json.loads(api.get(URL, {"verb": "micro_credential.updated"}).content)["results"]
    assert events[0]["actor"] == f"Clé d'API « Tests » (carnet_{prefix}_…)"
    assert events[0]["data"]["api_key"] == prefix
    published = json.loads(api.get(URL, {"verb": "micro_credential.published"}).content)["results"]
    assert published[0]["actor"] is None  # the fixture published it without anyone
    client.force_login(org_admin)
    page = client.get(f"/organisations/{micro_credential.organisation.slug}/journal/").content.decode()
    assert escape(f"Clé d'API « Tests » (carnet_{prefix}_…)") in page
    answer = client.get(f"/organisations/{micro_credential.organisation.slug}/journal.csv")
    csv = b"".join(answer.streaming_content).decode()
    assert f"Clé d'API « Tests » (carnet_{prefix}_…)" in csv


def test_every_operation_that_is_not_a_read_names_its_key():
    from carnet.api.organisation import api as organisation_api

    operations = [
        operation
        for _prefix, router in organisation_api._routers
        for path_view in router.path_operations.values()
        for operation in path_view.operations
    ]
    writes = [o for o in operations if set(o.methods) - {"GET"}]
    assert len(writes) >= 8
    assert [o.view_func.__name__ for o in writes if not getattr(o.view_func, "writes", False)] == []
