"""Managing micro-credentials through the organisation API: the catalogue's own form and services."""

from __future__ import annotations

import datetime
import json

import pytest

from carnet.audit.models import AuditEvent
from carnet.catalogue.models import MicroCredential, NeedDocument
from tests.api.conftest import problem_of

pytestmark = pytest.mark.django_db

URL = "/api/v1/micro-credentials"


@pytest.fixture
def fields(level):
    return {
        "name_fr": "Communication", "name_en": "Communication", "description_fr": "Se fait comprendre.",
        "criteria_fr": "Explique une tâche à un collègue.", "learning_contexts": ["work", "sport"],
        "assessment_method": "observation", "levels": [level.pk],
    }  # fmt: skip


def test_it_lists_the_organisations_micro_credentials_in_pages(api, micro_credential):
    body = json.loads(api.get(URL).content)
    assert body["count"] == 1 and body["next"] is None
    [item] = body["results"]
    assert (item["slug"], item["status"], item["published_version"], item["draft_version"]) == (
        "fiabilite",
        "published",
        1,
        None,
    )
    assert item["url"] == micro_credential.get_absolute_url()
    assert json.loads(api.get(URL, {"status": "draft"}).content)["count"] == 0


def test_it_gives_one_by_slug_or_id_with_its_versions(api, micro_credential, level):
    body = json.loads(api.get(f"{URL}/{micro_credential.slug}").content)
    assert body == json.loads(api.get(f"{URL}/{micro_credential.pk}").content)
    [version] = body["versions"]
    assert version["number"] == 1 and version["published_at"] and version["name_en"] == "Reliability"
    assert version["alignments"] == [{
        "competency": level.competency.code, "competency_name": level.competency.name(), "level_id": level.pk,
        "level_rank": 3, "level_name": level.name(),
    }]  # fmt: skip
    problem_of(api.get(f"{URL}/nothing"), 404, "not_found")


def test_it_creates_a_draft_changes_it_and_publishes_it(api, fields):
    response = api.post(URL, fields)
    assert response.status_code == 201, response.content
    body = json.loads(response.content)
    assert (body["slug"], body["status"], body["draft_version"]) == ("communication", "draft", 1)
    assert response["Location"].endswith(f"{URL}/communication")
    changed = json.loads(api.patch(f"{URL}/communication", {"name_en": "Speaking clearly"}).content)
    assert changed["versions"][0]["name_en"] == "Speaking clearly" and changed["draft_version"] == 1
    assert changed["versions"][0]["learning_contexts"] == ["work", "sport"]  # the rest is kept
    published = json.loads(api.post(f"{URL}/communication/publish").content)
    assert published["status"] == "published" and published["published_version"] == 1
    again = json.loads(api.patch(f"{URL}/communication", {"criteria_fr": "Anime une réunion."}).content)
    assert (again["published_version"], again["draft_version"]) == (1, 2)
    assert [v["criteria_fr"] for v in again["versions"]] == [
        "Anime une réunion.",
        "Explique une tâche à un collègue.",
    ]
    verbs = set(AuditEvent.objects.values_list("verb", flat=True))
    assert {"micro_credential.created", "micro_credential.published"} <= verbs
    problem_of(api.post(f"{URL}/fiabilite/publish"), 404, "not_found")


def test_it_checks_what_it_is_sent_as_the_catalogue_form_does(api, fields):
    wrong = {
        **fields,
        "learning_contexts": ["space"],
        "assessment_method": "endorsements",
        "levels": [999999],
    }
    body = problem_of(api.post(URL, wrong), 422, "invalid")
    assert {e["location"][-1] for e in body["errors"]} == {
        "learning_contexts",
        "levels",
        "endorsements_required",
    }
    problem_of(api.post(URL, {"name_fr": "x"}), 422, "invalid")
    assert not MicroCredential.objects.exists()


def test_publishing_with_nothing_new_is_a_conflict(api, micro_credential):
    problem_of(api.post(f"{URL}/{micro_credential.slug}/publish"), 409, "refused")


QUALITY = {
    "purpose_fr": "Reconnaître la communication au travail.", "purpose_en": "Recognise workplace communication.",
    "outcomes_fr": ["Expliquer une tâche", "Écouter une objection"], "outcomes_en": ["Explain a task"],
    "hours": 30, "credits": 2.5, "need_fr": "Demandée par trois employeurs du secteur.", "need_en": "",
}  # fmt: skip


def test_it_reads_and_writes_what_makes_a_definition_trustworthy(api, fields):
    body = json.loads(api.post(URL, {**fields, **QUALITY}).content)
    [version] = body["versions"]
    assert {name: version[name] for name in QUALITY} == QUALITY
    assert (body["review_due"], body["review_overdue"], body["need_documents"]) == (None, False, [])
    changed = json.loads(api.patch(f"{URL}/communication", {"hours": 40}).content)
    assert (
        changed["versions"][0]["hours"] == 40 and changed["versions"][0]["credits"] == 2.5
    )  # the rest is kept


def test_it_says_when_the_review_is_overdue_and_names_the_need_documents(api, micro_credential):
    micro_credential.review_due = datetime.date(2020, 1, 1)
    micro_credential.save(update_fields=["review_due"])
    NeedDocument.objects.create(
        micro_credential=micro_credential, file="catalogue/need/x.pdf", name="lettre.pdf", size=12,
        content_type="application/pdf",
    )  # fmt: skip
    body = json.loads(api.get(f"{URL}/{micro_credential.slug}").content)
    assert (body["review_due"], body["review_overdue"]) == ("2020-01-01", True)
    assert [(d["name"], d["size"]) for d in body["need_documents"]] == [("lettre.pdf", 12)]
    assert "file" not in body["need_documents"][0]


@pytest.mark.parametrize(
    ("change", "field"),
    [({"credits": 41}, "credits"), ({"credits": 2.55}, "credits"), ({"hours": 1001}, "hours"),
     ({"hours": 0}, "hours"), ({"outcomes_fr": [f"Résultat {n}" for n in range(16)]}, "outcomes_fr"),
     ({"outcomes_fr": ["x" * 301]}, "outcomes_fr")],
)  # fmt: skip
def test_it_checks_the_quality_fields_as_the_catalogue_form_does(api, fields, change, field):
    body = problem_of(api.post(URL, {**fields, **change}), 422, "invalid")
    assert [e["location"][-1] for e in body["errors"]] == [field]
    assert not MicroCredential.objects.exists()
