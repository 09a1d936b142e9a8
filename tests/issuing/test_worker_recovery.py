"""A bulk issuance survives its worker: killed midway (SIGKILL), a new `carnet worker` takes the job up
and every row ends issued exactly once, with credentials that verify. The workers are real processes
on the test database (SQLite file or PostgreSQL), with the database queue."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from carnet.credentials import verify
from carnet.issuing import bulk, identity
from carnet.issuing.models import IssuanceJob, IssuanceJobRow, IssuedCredential

ROWS = 200
DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": []}}


def database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def start_worker(tmp_path: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(), "CARNET_DATA_DIR": str(tmp_path), "SECRET_KEY": settings.SECRET_KEY,
        "CARNET_SITE_URL": settings.SITE_URL, "CARNET_TASKS_BACKEND": "database",
        "CARNET_ISSUANCE_CHUNK": "5",  # rows per transaction: the worker is killed between two
        "CARNET_JOB_STALE_AFTER": "5",  # silent for 5 s: cut short (signs of life every 5/6 s)
    }  # fmt: skip
    log = (tmp_path / "worker.log").open("ab")
    return subprocess.Popen(
        [sys.executable, "-m", "carnet.cli", "worker", "--interval", "0.1"],
        env=env, stdout=log, stderr=subprocess.STDOUT, cwd=Path(__file__).parents[2],
    )  # fmt: skip


def wait_for(condition, *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"still waiting for {what}")
        time.sleep(0.1)


@pytest.mark.django_db(transaction=True)
def test_a_job_whose_worker_is_killed_is_taken_up_and_issues_every_row_once(
    organisation, version, settings, tmp_path
):
    settings.TASKS = DATABASE_QUEUE
    rows = [{"email": f"person{n}@example.org", "name": f"Personne {n}"} for n in range(ROWS)]
    job = bulk.create_issuance_job(organisation=organisation, version=version, rows=rows)  # queued on commit
    issued = IssuanceJobRow.objects.filter(job=job, state=IssuanceJobRow.State.ISSUED)

    first = start_worker(tmp_path)
    try:
        wait_for(lambda: issued.count() >= 20, timeout=30, what="the first rows")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        first.kill()
    cut = issued.count()
    job.refresh_from_db()
    assert job.state == IssuanceJob.State.RUNNING, (tmp_path / "worker.log").read_text()[-3000:]

    second = start_worker(tmp_path)
    try:
        wait_for(
            lambda: IssuanceJob.objects.filter(pk=job.pk, state=IssuanceJob.State.DONE).exists(),
            timeout=60, what=f"the job taken up again ({issued.count()} rows issued)",
        )  # fmt: skip
        second.send_signal(signal.SIGTERM)  # a graceful stop: the task under way ends first
        assert second.wait(timeout=20) == 0
    finally:
        second.kill()

    job.refresh_from_db()
    assert (job.issued, job.failed) == (ROWS, 0)
    credentials = IssuedCredential.objects.filter(idempotency_key__startswith=f"job:{job.uuid}:")
    assert sorted(credentials.values_list("idempotency_key", flat=True)) == sorted(
        f"job:{job.uuid}:{n}" for n in range(ROWS)
    )
    assert set(issued.values_list("credential_id", flat=True)) == set(
        credentials.values_list("pk", flat=True)
    )
    resolver = identity.resolver()
    for document in credentials.values_list("document", flat=True):
        assert verify(document, resolver=resolver).valid
    assert cut < ROWS
