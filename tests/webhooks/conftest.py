"""Shared pieces of the webhooks' tests: a real HTTP receiver on 127.0.0.1, loopback allowed for it,
a published micro-credential and a way to issue it."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from carnet.catalogue import services as catalogue
from carnet.frameworks.models import Competency
from carnet.issuing import services as issuing
from carnet.webhooks import services
from carnet.webhooks.models import Event


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """Answers each POST with the next of ``answers`` (then 200), and keeps what it received.
    An answer is a status, or (status, {header: value})."""

    port: int = 0
    answers: list[Any] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)

    def url(self, path: str = "/hooks") -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            state.received.append(Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
            answer = state.answers.pop(0) if state.answers else 200
            status, extra = answer if isinstance(answer, tuple) else (answer, {})
            self.send_response(status)
            for name, value in extra.items():
                self.send_header(name, value)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def loopback(settings):
    """http:// and loopback addresses allowed, as a developer's machine would (never in production)."""
    settings.WEBHOOKS_ALLOW_HTTP = True
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    return settings


@pytest.fixture
def endpoint(organisation, org_admin, receiver, loopback):
    return services.create_endpoint(
        organisation=organisation, url=receiver.url(), events=Event.values, actor=org_admin
    )


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
            "assessment_method": "observation", "endorsements_required": 0,
        },
        alignments=[(competency, competency.levels.get(rank=3))],
    )  # fmt: skip
    return catalogue.publish_micro_credential(micro_credential=item)


@pytest.fixture
def issue(organisation, version, learner, django_capture_on_commit_callbacks):
    """Issue ``version`` to the learner and run what waits for the commit (the webhooks' sending)."""

    def issue(key: str = "k-1") -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return issuing.issue_credential(
                organisation=organisation, version=version, recipient=learner,
                recipient_email=learner.email, idempotency_key=key, source="bulk",
            )  # fmt: skip

    return issue
