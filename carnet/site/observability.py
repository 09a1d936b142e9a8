"""What operators watch: a request id on every request and log line, structured (JSON) logs, and
Prometheus metrics.

- :class:`RequestMiddleware` takes the request id from ``X-Request-ID`` when it is well formed (a
  proxy's), else makes one, sends it back in the response, and logs one line per request (method,
  path with its secrets hidden, status, duration, user id) on the ``carnet.request`` logger; it
  counts the request and its duration for ``/metrics`` by view name (never by raw path).
- carnet.site.logs (``CARNET_LOG_FORMAT=json``) writes one JSON object per line: time, level, logger,
  message and the request's fields. No email, password or token is logged by Carnet; the path's
  secret parts (share links, invitations, keys) are hidden.
- :func:`metrics` serves ``/metrics`` in the Prometheus text format to whoever sends
  ``Authorization: Bearer $CARNET_METRICS_TOKEN`` (404 when no token is set). The figures of the
  database (credentials issued and revoked, the queue, the bulk issuances) are read when scraped, so
  every server process gives the same; the request counters are per process unless
  ``PROMETHEUS_MULTIPROC_DIR`` is set (``carnet serve`` sets it).
"""

from __future__ import annotations

import hmac
import logging
import os
import re
import time
import uuid
from collections.abc import Callable, Iterator

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from carnet.site.logs import request_context

REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")
SECRET_ARGUMENT = re.compile(r"token|key|secret|code|uidb36")
logger = logging.getLogger("carnet.request")

REQUESTS = Counter(
    "carnet_http_requests", "HTTP requests answered, by view, method and status", ["view", "method", "status"]
)
LATENCY = Histogram(
    "carnet_http_request_duration_seconds",
    "Time to answer an HTTP request, by view",
    ["view"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


class RequestMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get("X-Request-ID", "")
        request_id = given if REQUEST_ID.match(given) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        context = {"request_id": request_id, "method": request.method}
        token = request_context.set(context)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            duration = time.perf_counter() - started
            view = _view_name(request)
            context.update(
                path=_safe_path(request), status=response.status_code, duration_ms=round(duration * 1000, 1),
                user_id=_user_id(request),
            )  # fmt: skip
            response["X-Request-ID"] = request_id
            REQUESTS.labels(view, request.method or "", str(response.status_code)).inc()
            LATENCY.labels(view).observe(duration)
            logger.info("%s %s %s", request.method, context["path"], response.status_code)
            return response
        finally:
            request_context.reset(token)


def _view_name(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    return (match.view_name or "unnamed") if match is not None else "unmatched"


def _safe_path(request: HttpRequest) -> str:
    """The path, its secret parts (tokens, keys, codes named so in the URL pattern) hidden."""
    path = request.path
    match = getattr(request, "resolver_match", None)
    if match is not None:
        for name, value in match.kwargs.items():
            if SECRET_ARGUMENT.search(name) and str(value):
                path = path.replace(str(value), "…")
    return path


def _user_id(request: HttpRequest) -> int | None:
    user = getattr(request, "user", None)
    return user.pk if user is not None and user.is_authenticated else None


# -- /metrics -----------------------------------------------------------------------------------------


class DatabaseCollector(Collector):
    """The figures kept in the database, read at each scrape (a few counts)."""

    def collect(self) -> Iterator[Metric]:
        from django.db.models import Count

        from carnet.issuing.models import IssuanceJob, IssuedCredential
        from carnet.site.operations import queue_figures

        issued = CounterMetricFamily("carnet_credentials_issued", "Micro-credentials issued")
        issued.add_metric([], IssuedCredential.objects.count())
        yield issued
        revoked = CounterMetricFamily("carnet_credentials_revoked", "Micro-credentials revoked")
        revoked.add_metric(
            [], IssuedCredential.objects.filter(status=IssuedCredential.Status.REVOKED).count()
        )
        yield revoked
        jobs = GaugeMetricFamily("carnet_issuance_jobs", "Bulk issuances by state", labels=["state"])
        by_state = dict(
            IssuanceJob.objects.values_list("state").annotate(n=Count("pk")).values_list("state", "n")
        )
        for state in IssuanceJob.State.values:
            jobs.add_metric([state], by_state.get(state, 0))
        yield jobs
        running = GaugeMetricFamily("carnet_issuance_jobs_running", "Bulk issuances running now")
        running.add_metric([], by_state.get(IssuanceJob.State.RUNNING, 0))
        yield running
        figures = queue_figures()
        if figures.pop("backend") == "database":
            for name, help_text in (
                ("waiting", "Background tasks due and waiting for a worker"),
                ("running", "Background tasks running"),
                ("failed", "Background tasks failed (shown to staff)"),
                ("oldest_waiting_seconds", "Wait of the oldest task due, in seconds"),
            ):
                gauge = GaugeMetricFamily(f"carnet_tasks_{name}", help_text)
                gauge.add_metric([], figures[name])
                yield gauge


def registry() -> CollectorRegistry:
    from prometheus_client import REGISTRY
    from prometheus_client.multiprocess import MultiProcessCollector

    scraped = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(scraped)  # the request counters of every server process
    else:
        scraped.register(_ThisProcess(REGISTRY))
    scraped.register(DatabaseCollector())
    return scraped


class _ThisProcess(Collector):
    def __init__(self, source: CollectorRegistry) -> None:
        self.source = source

    def collect(self) -> Iterator[Metric]:
        yield from self.source.collect()


def has_metrics_token(request: HttpRequest) -> bool:
    """Whether the request bears CARNET_METRICS_TOKEN (``Authorization: Bearer <token>``)."""
    expected = settings.METRICS_TOKEN
    given = request.headers.get("Authorization", "")
    return bool(expected) and hmac.compare_digest(given.encode(), f"Bearer {expected}".encode())


def metrics(request: HttpRequest) -> HttpResponse:
    if not settings.METRICS_TOKEN:
        raise Http404
    if not has_metrics_token(request):
        response = HttpResponse(b"A bearer token is needed (CARNET_METRICS_TOKEN).\n", status=401)
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(generate_latest(registry()), content_type=CONTENT_TYPE_LATEST)
