"""At scale, background work may go through Redis (CARNET_TASKS_BACKEND=rq): a task queued by the
platform is run by `carnet worker` on RQ. Runs only with CARNET_REDIS_URL set to a Redis database
it may empty (e.g. redis://127.0.0.1:6379/15), reachable, and the `rq` extra installed; else skipped."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from carnet.issuing.tasks import tell_recipient
from tests.issuing.test_worker_recovery import database_url

REDIS_URL = os.environ.get("CARNET_REDIS_URL", "")


@pytest.fixture
def redis_queue(settings):
    if not REDIS_URL:
        pytest.skip("CARNET_REDIS_URL is not set: no Redis to empty for this test")
    pytest.importorskip("django_tasks_rq")
    import redis

    connection = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        connection.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    connection.flushdb()
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    settings.RQ_QUEUES = {"default": {"URL": REDIS_URL}}
    yield connection
    connection.flushdb()


@pytest.mark.django_db(transaction=True)
def test_a_task_queued_in_redis_is_run_by_carnet_worker(redis_queue, issue, learner, tmp_path):
    credential = issue()  # its email is queued once committed, and once more here
    result = tell_recipient.enqueue(credential.pk, "issued")
    assert result.status == "READY"
    env = {
        **os.environ, "CARNET_TASKS_BACKEND": "rq", "CARNET_REDIS_URL": REDIS_URL,
        "DATABASE_URL": database_url(), "CARNET_DATA_DIR": str(tmp_path), "SECRET_KEY": settings.SECRET_KEY,
    }  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", "carnet.cli", "worker", "--batch"],
        env=env, capture_output=True, timeout=60, cwd=Path(__file__).parents[2],
    )  # fmt: skip
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    emails = list((tmp_path / "emails").glob("*.log"))
    assert len(emails) == 2 and all(learner.email in email.read_text() for email in emails)
    result.refresh()
    assert result.status == "SUCCESSFUL"
