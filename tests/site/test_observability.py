"""What operators watch: /metrics behind its bearer token, the request id, and logs as JSON lines
that carry the request's fields and no personal data."""

from __future__ import annotations

import io
import json
import logging

import pytest

from carnet.site.logs import JsonFormatter, RequestContextFilter, logging_config

pytestmark = pytest.mark.django_db


def test_metrics_do_not_exist_without_a_token(client, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404


def test_metrics_need_the_token(client, settings):
    settings.METRICS_TOKEN = "s3cret-metrics-token"
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong")
    assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/metrics").status_code == 401


def test_metrics_give_requests_credentials_jobs_and_the_queue(client, settings, learner):
    settings.METRICS_TOKEN = "s3cret-metrics-token"
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": []}}
    client.get("/")
    client.get("/healthz")
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-metrics-token")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert 'carnet_http_requests_total{method="GET",status="200",view="home"}' in text
    assert 'carnet_http_request_duration_seconds_bucket{le="0.005",view="health"}' in text
    for name in ("carnet_credentials_issued_total 0.0", "carnet_credentials_revoked_total 0.0",
                 'carnet_issuance_jobs{state="failed"} 0.0', "carnet_issuance_jobs_running 0.0",
                 "carnet_tasks_waiting 0.0", "carnet_tasks_failed 0.0", "carnet_tasks_oldest_waiting_seconds 0.0"):  # fmt: skip
        assert name in text, name
    assert learner.email not in text


def test_health_gives_the_queue_with_the_database_backend_to_the_metrics_token_only(
    client, settings, django_assert_num_queries
):
    settings.METRICS_TOKEN = "s3cret-metrics-token"
    token = {"HTTP_AUTHORIZATION": "Bearer s3cret-metrics-token"}
    assert client.get("/healthz", **token).json() == {"status": "ok"}  # the immediate backend: nothing queued
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": []}}
    from carnet.issuing.tasks import tell_recipient

    tell_recipient.enqueue(1, "issued")
    for headers in ({}, {"HTTP_AUTHORIZATION": "Bearer wrong"}):
        with django_assert_num_queries(1):  # SELECT 1: a probe stays cheap
            assert client.get("/healthz", **headers).json() == {"status": "ok"}
    body = client.get("/healthz", **token).json()
    assert body["status"] == "ok"
    assert body["tasks"]["waiting"] == 1 and body["tasks"]["running"] == body["tasks"]["failed"] == 0
    assert 0 <= body["tasks"]["oldest_waiting_seconds"] < 60


def test_a_well_formed_request_id_is_kept_and_another_is_made_otherwise(client):
    assert client.get("/livez", HTTP_X_REQUEST_ID="proxy-1234-abcd")["X-Request-ID"] == "proxy-1234-abcd"
    made = client.get("/livez", HTTP_X_REQUEST_ID="<script>")["X-Request-ID"]
    assert made != "<script>" and len(made) == 32


def test_logs_are_json_lines_with_the_request_fields_and_no_secret(client, learner):
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(RequestContextFilter())
    handler.setFormatter(JsonFormatter())
    log = logging.getLogger("carnet.request")
    log.addHandler(handler)
    client.force_login(learner)
    try:
        client.get("/partage/not-a-real-token-0123456789/", HTTP_X_REQUEST_ID="req-12345678")
    finally:
        log.removeHandler(handler)
    [line] = out.getvalue().splitlines()
    entry = json.loads(line)
    assert entry["request_id"] == "req-12345678" and entry["logger"] == "carnet.request"
    assert entry["status"] == 410 and entry["user_id"] == learner.pk and entry["duration_ms"] >= 0
    assert {"time", "level", "message", "method"} <= set(entry)
    assert entry["path"] == "/partage/…/" and "not-a-real-token" not in line
    assert learner.email not in line


def test_the_log_format_is_checked():
    assert logging_config("json", "INFO")["handlers"]["console"]["formatter"] == "json"
    with pytest.raises(ValueError, match="CARNET_LOG_FORMAT"):
        logging_config("xml", "INFO")


def test_serve_empties_only_the_counters_of_the_metrics_folder(tmp_path, monkeypatch):
    from carnet.cli import _metrics_directory

    (tmp_path / "counter_1234.db").write_bytes(b"old")
    (tmp_path / "notes.txt").write_text("the operator's")
    (tmp_path / "sub").mkdir()
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    _metrics_directory()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["notes.txt", "sub"]
