"""Bulk issuance through the organisation API: every row checked before anything is queued, a job
issued in the background and polled, and a job run again after a crash issues nothing twice."""

from __future__ import annotations

import json

import pytest

from carnet.audit.models import AuditEvent
from carnet.issuing import bulk
from carnet.issuing.models import IssuanceJob, IssuanceJobRow, IssuedCredential
from carnet.issuing.tasks import run_issuance_job
from tests.api.conftest import problem_of

pytestmark = pytest.mark.django_db

URL = "/api/v1/issuance-jobs"


def post_job(api, body, key="job-1"):
    return api.post(URL, body, **{"Idempotency-Key": key})


def recipients(n):
    return [{"email": f"person{i}@example.org", "name": f"Personne {i}"} for i in range(n)]


def test_a_job_is_issued_in_the_background_and_polled(
    api, micro_credential, learner, django_capture_on_commit_callbacks
):
    rows = [*recipients(3), {"email": learner.email, "evidence": [{"narrative": "Trois ateliers animés."}]}]
    with django_capture_on_commit_callbacks(execute=True):
        response = post_job(api, {"micro_credential": micro_credential.slug, "recipients": rows})
    assert response.status_code == 202, response.content
    job = IssuanceJob.objects.get()
    assert response["Location"].endswith(f"{URL}/{job.uuid}")
    polled = api.get(f"{URL}/{job.uuid}", {"limit": 3})
    body = json.loads(polled.content)
    assert (body["state"], body["total"], body["issued"], body["failed"]) == ("done", 4, 4, 0)
    assert body["rows"]["count"] == 4 and len(body["rows"]["results"]) == 3 and body["rows"]["next"]
    assert polled["Link"].endswith('rel="next"')
    first = body["rows"]["results"][0]
    assert (first["row"], first["email"], first["name"], first["state"]) == (
        0,
        "person0@example.org",
        "Personne 0",
        "issued",
    )
    credential = IssuedCredential.objects.get(uuid=first["credential"])
    assert credential.source == "api" and credential.idempotency_key == f"job:{job.uuid}:0"
    last = json.loads(api.get(f"{URL}/{job.uuid}", {"offset": 3}).content)["rows"]["results"][0]
    mine = IssuedCredential.objects.get(uuid=last["credential"])
    assert mine.recipient == learner and mine.document["evidence"][0]["narrative"] == "Trois ateliers animés."
    assert IssuedCredential.objects.count() == 4
    event = AuditEvent.objects.get(verb="issuance_job.created")
    assert event.data["rows"] == 4 and event.data["requested_by"].startswith("api:")


def test_a_queued_job_waits_for_a_worker(api, micro_credential, settings, django_capture_on_commit_callbacks):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    from django.tasks import default_task_backend

    with django_capture_on_commit_callbacks(execute=True):
        response = post_job(api, {"micro_credential": micro_credential.slug, "recipients": recipients(2)})
    body = json.loads(response.content)
    assert response.status_code == 202 and body["state"] == "queued" and body["issued"] == 0
    assert [r["state"] for r in body["rows"]["results"]] == ["pending", "pending"]
    assert not IssuedCredential.objects.exists()
    [queued] = default_task_backend.results
    run_issuance_job.call(*queued.args)  # what a worker does
    body = json.loads(api.get(f"{URL}/{body['id']}").content)
    assert body["state"] == "done" and body["issued"] == 2


def test_every_row_is_checked_and_nothing_is_queued_if_one_is_wrong(api, micro_credential):
    rows = [*recipients(2), {"email": "not-an-email"}, {"email": "PERSON0@example.org"},
            {"email": "ok@example.org", "evidence": [{"name": "rien"}]}]  # fmt: skip
    body = problem_of(
        post_job(api, {"micro_credential": micro_credential.slug, "recipients": rows}), 422, "invalid_rows"
    )
    assert [(e["row"], e["field"]) for e in body["errors"]] == [(2, "email"), (3, "email"), (4, "evidence/0")]
    assert "ligne 0" in body["errors"][1]["message"]
    assert not IssuanceJob.objects.exists()
    problem_of(
        post_job(api, {"micro_credential": micro_credential.slug, "recipients": recipients(1001)}),
        422,
        "invalid",
    )
    problem_of(post_job(api, {"micro_credential": micro_credential.slug, "recipients": []}), 422, "invalid")
    problem_of(post_job(api, {"micro_credential": "nothing", "recipients": recipients(1)}), 404, "not_found")
    assert not IssuanceJob.objects.exists()


def test_a_job_run_again_after_a_crash_issues_nothing_twice(
    organisation, micro_credential, monkeypatch, settings
):
    job = bulk.create_issuance_job(
        organisation=organisation, version=micro_credential.current_version(), rows=recipients(5)
    )
    from carnet.issuing import batch

    settings.ISSUANCE_CHUNK = 2
    real, calls = batch.sign_many, []

    def crashing(*args, **kwargs):  # the signing of a chunk's documents
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("the worker died")
        return real(*args, **kwargs)

    monkeypatch.setattr(batch, "sign_many", crashing)
    with pytest.raises(RuntimeError):
        bulk.run_issuance_job(job.pk)
    job.refresh_from_db()
    assert (job.state, job.issued) == ("failed", 2)
    before = set(IssuedCredential.objects.values_list("uuid", flat=True))
    assert len(before) == 2
    # As if the second row's result had been lost: its credential exists, its row says pending.
    IssuanceJobRow.objects.filter(job=job, number=1).update(state="pending", credential=None)
    IssuanceJob.objects.filter(pk=job.pk).update(issued=1)
    monkeypatch.setattr(batch, "sign_many", real)
    job = bulk.run_issuance_job(job.pk)
    assert (job.state, job.issued, job.failed) == ("done", 5, 0)
    assert IssuedCredential.objects.count() == 5 and before <= set(
        IssuedCredential.objects.values_list("uuid", flat=True)
    )
    rows = list(job.rows.order_by("number"))
    assert [r.state for r in rows] == ["issued"] * 5 and len({r.credential_id for r in rows}) == 5
    assert bulk.run_issuance_job(job.pk).issued == 5  # a done job is left alone


def test_a_row_the_issuer_refuses_fails_alone(organisation, micro_credential, monkeypatch):
    from carnet.issuing.services import IssuingError

    job = bulk.create_issuance_job(
        organisation=organisation, version=micro_credential.current_version(), rows=recipients(3)
    )
    from carnet.issuing import services

    real = services.check_issuable

    def refusing(**kwargs):
        if kwargs["recipient_email"] == "person1@example.org":
            raise IssuingError("Refusée.")
        return real(**kwargs)

    monkeypatch.setattr(services, "check_issuable", refusing)
    job = bulk.run_issuance_job(job.pk)
    assert (job.state, job.issued, job.failed) == ("done", 2, 1)
    assert job.rows.get(number=1).error == "Refusée."


def test_a_job_of_another_organisation_is_not_found(
    make_client, other_organisation, organisation, micro_credential
):
    job = bulk.create_issuance_job(
        organisation=organisation, version=micro_credential.current_version(), rows=recipients(1)
    )
    problem_of(make_client(of=other_organisation).get(f"{URL}/{job.uuid}"), 404, "not_found")


def test_unfinished_jobs_are_queued_again_by_the_command(organisation, micro_credential, monkeypatch):
    from django.core.management import call_command

    job = bulk.create_issuance_job(
        organisation=organisation, version=micro_credential.current_version(), rows=recipients(3)
    )

    from carnet.issuing import batch

    def down(*args, **kwargs):
        raise RuntimeError("the signing service is down")

    with monkeypatch.context() as patched:
        patched.setattr(batch, "sign_many", down)
        with pytest.raises(RuntimeError):
            bulk.run_issuance_job(job.pk)
    call_command("resume_issuance_jobs", minutes=10)  # too young: left to its worker
    assert IssuanceJob.objects.get().state == "failed"
    call_command("resume_issuance_jobs", minutes=0)  # the immediate backend runs it here
    job.refresh_from_db()
    assert (job.state, job.issued) == ("done", 3) and IssuedCredential.objects.count() == 3


def test_a_job_is_refused_without_an_idempotency_key(api, micro_credential):
    body = {"micro_credential": micro_credential.slug, "recipients": recipients(1)}
    problem_of(api.post(URL, body), 400, "idempotency_key_required")
    problem_of(post_job(api, body, key="é" * 3), 400, "idempotency_key_required")
    problem_of(post_job(api, body, key="k" * 101), 400, "idempotency_key_required")
    assert not IssuanceJob.objects.exists()


def test_a_retried_job_gives_back_the_first_and_issues_nothing_twice(
    api, micro_credential, django_capture_on_commit_callbacks
):
    body = {"micro_credential": micro_credential.slug, "recipients": recipients(3)}
    with django_capture_on_commit_callbacks(execute=True):
        first = post_job(api, body, key="cohort-9")
    with django_capture_on_commit_callbacks(execute=True):
        again = post_job(api, body, key="cohort-9")
    assert (first.status_code, again.status_code) == (202, 200)
    assert again["Location"] == first["Location"]
    assert json.loads(again.content)["id"] == json.loads(first.content)["id"]
    assert IssuanceJob.objects.count() == 1 and IssuedCredential.objects.count() == 3
    assert IssuanceJob.objects.get().idempotency_key == "cohort-9"


def test_a_job_key_used_again_for_anything_else_is_a_conflict(api, micro_credential):
    body = {"micro_credential": micro_credential.slug, "recipients": recipients(2)}
    assert post_job(api, body, key="cohort-9").status_code == 202
    other_rows = {**body, "recipients": recipients(3)}
    renamed = {**body, "recipients": [{**recipients(2)[0], "name": "Autre"}, recipients(2)[1]]}
    for changed in (other_rows, renamed):
        problem_of(post_job(api, changed, key="cohort-9"), 409, "refused")
    assert post_job(api, other_rows, key="cohort-10").status_code == 202
    assert IssuanceJob.objects.count() == 2


def test_two_first_requests_racing_make_one_job(organisation, micro_credential, monkeypatch):
    """The second finds no job at first (the first has not committed), then the unique constraint
    refuses its own: it gives back the first's."""
    version = micro_credential.current_version()
    first = bulk.create_issuance_job(
        organisation=organisation, version=version, rows=recipients(2), idempotency_key="race"
    )
    real, looks = bulk._job_of_key, []

    def not_yet(organisation, key):
        looks.append(key)
        return None if len(looks) == 1 else real(organisation, key)

    monkeypatch.setattr(bulk, "_job_of_key", not_yet)
    job, created = bulk.issuance_job_for_key(
        organisation=organisation, version=version, rows=recipients(2), idempotency_key="race"
    )
    assert job == first and not created and len(looks) == 2
    assert IssuanceJob.objects.count() == 1
