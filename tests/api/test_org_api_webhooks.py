"""Webhooks through the organisation API (scope webhooks:manage): the same endpoints, checks and
deliveries as the admins' page, through carnet.webhooks.services. No test reaches the network: host
names are resolved by a stand-in, and sending answers without posting."""

from __future__ import annotations

import json

import pytest

from carnet.api.models import ApiKey
from carnet.audit.models import AuditEvent
from carnet.webhooks import sending, services
from carnet.webhooks.errors import describe
from carnet.webhooks.forms import REFUSALS
from carnet.webhooks.models import Delivery, Endpoint
from tests.api.conftest import ALL_SCOPES, problem_of

pytestmark = pytest.mark.django_db

URL = "/api/v1/webhooks"
PUBLIC_HOST = "hooks.example.org"


@pytest.fixture(autouse=True)
def network(monkeypatch):
    """``hooks.example.org`` leads to a public address, ``intranet.example.org`` to a private one,
    any other name to nothing; each post is kept and answered with ``answer`` (200 by default)."""
    names = {PUBLIC_HOST: ["93.184.215.14"], "intranet.example.org": ["10.1.2.3"]}

    def resolve(host, port):
        if host not in names:
            raise OSError("no such host (tests)")
        return names[host]

    posted = []
    state = {"answer": sending.Answer(200)}

    def post(url, body, headers, **kwargs):
        posted.append((url, json.loads(body), headers))
        return state["answer"]

    monkeypatch.setattr(sending, "_resolve", resolve)
    monkeypatch.setattr(sending, "post", post)
    return type("Network", (), {"posted": posted, "state": state})


def create(api, url=f"https://{PUBLIC_HOST}/carnet", events=("credential.issued",)):
    return api.post(URL, {"url": url, "events": list(events)})


@pytest.fixture
def webhook(api):
    response = create(api)
    assert response.status_code == 201, response.content
    return Endpoint.objects.get(pk=json.loads(response.content)["id"])


def prefix_of(api):
    return api.token.removeprefix("carnet_").partition("_")[0]


def test_creating_a_webhook_answers_its_secret_once(api, organisation):
    response = create(api, events=["credential.revoked", "credential.issued"])
    assert response.status_code == 201
    body = json.loads(response.content)
    endpoint = Endpoint.objects.get(organisation=organisation)
    assert body["secret"].startswith("whsec_") and body["secret"] == services.reveal_secret(endpoint)
    assert body["url"] == f"https://{PUBLIC_HOST}/carnet" and body["active"] is True
    assert body["events"] == ["credential.issued", "credential.revoked"]
    assert response["Location"].endswith(f"/api/v1/webhooks/{endpoint.pk}")
    shown = json.loads(api.get(f"{URL}/{endpoint.pk}").content)
    assert "secret" not in shown and shown["id"] == endpoint.pk
    listed = json.loads(api.get(URL).content)
    assert listed["count"] == 1 and "secret" not in listed["results"][0]
    event = AuditEvent.objects.get(verb="webhook_endpoint.created")
    assert event.data["api_key"] == prefix_of(api) and event.actor is None


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        (f"http://{PUBLIC_HOST}/carnet", "scheme"),
        (f"https://user:pw@{PUBLIC_HOST}/carnet", "credentials"),
        ("https://10.0.0.1/carnet", "private"),
        ("https://intranet.example.org/carnet", "private"),
        ("https://nowhere.example.org/carnet", "unresolved"),
        ("https://exa mple.org/", "malformed"),
    ],
)
def test_an_address_the_admins_page_refuses_is_refused_with_its_message(api, url, reason):
    body = problem_of(create(api, url=url), 422, "invalid")
    assert body["errors"] == [{"location": ["body", "url"], "message": str(REFUSALS[reason])}]
    assert not Endpoint.objects.exists()


def test_unknown_or_no_events_are_refused(api):
    body = problem_of(create(api, events=["credential.issued", "credential.eaten"]), 422, "invalid")
    assert (
        body["errors"][0]["location"] == ["body", "events"]
        and "credential.eaten" in body["errors"][0]["message"]
    )
    problem_of(create(api, events=[]), 422, "invalid")
    problem_of(
        api.post(URL, {"url": f"https://{PUBLIC_HOST}/", "events": "credential.issued"}), 422, "invalid"
    )
    assert not Endpoint.objects.exists()


def test_an_eleventh_webhook_is_refused(api):
    for n in range(services.MAX_ENDPOINTS):
        assert create(api, url=f"https://{PUBLIC_HOST}/{n}").status_code == 201
    body = problem_of(create(api), 409, "refused")
    assert str(services.MAX_ENDPOINTS) in body["detail"]


def test_its_events_change_and_it_turns_off_and_on(api, webhook):
    path = f"{URL}/{webhook.pk}"
    body = json.loads(api.patch(path, {"events": ["credential.suspended", "credential.reinstated"]}).content)
    assert body["events"] == ["credential.suspended", "credential.reinstated"] and body["active"] is True
    assert json.loads(api.patch(path, {"active": False}).content)["active"] is False
    webhook.refresh_from_db()
    assert not webhook.active and webhook.events == ["credential.suspended", "credential.reinstated"]
    assert json.loads(api.patch(path, {"active": True, "events": ["credential.issued"]}).content)["active"]
    verbs = list(
        AuditEvent.objects.filter(target_type="webhooks.endpoint", target_id=str(webhook.pk))
        .order_by("pk")
        .values_list("verb", "data")
    )
    assert [v for v, _d in verbs] == [
        "webhook_endpoint.created", "webhook_endpoint.events_changed", "webhook_endpoint.deactivated",
        "webhook_endpoint.events_changed", "webhook_endpoint.activated",
    ]  # fmt: skip
    assert all(d["api_key"] == prefix_of(api) for _v, d in verbs)
    problem_of(api.patch(path, {"events": ["nothing"]}), 422, "invalid")
    problem_of(api.patch(path, {"active": "no"}), 422, "invalid")
    assert Endpoint.objects.get(pk=webhook.pk).events == ["credential.issued"]


def test_removing_a_webhook_removes_its_deliveries(api, webhook):
    services.send_ping(endpoint=webhook)
    response = api.client.delete(f"{URL}/{webhook.pk}", headers=api.headers({}))
    assert response.status_code == 204
    assert not Endpoint.objects.exists() and not Delivery.objects.exists()
    assert AuditEvent.objects.get(verb="webhook_endpoint.removed").data["api_key"] == prefix_of(api)
    problem_of(api.get(f"{URL}/{webhook.pk}"), 404, "not_found")


def test_a_ping_is_sent_signed_and_listed_in_the_deliveries(
    api, webhook, network, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"{URL}/{webhook.pk}/ping")
    assert response.status_code == 202
    delivery = json.loads(response.content)
    assert delivery["event_type"] == "ping" and delivery["state"] == "pending"
    [(url, body, headers)] = network.posted
    assert url == webhook.url and body["type"] == "ping" and body["id"] == delivery["event_id"]
    assert headers["webhook-signature"].startswith("v1,")
    listed = json.loads(api.get(f"{URL}/{webhook.pk}/deliveries").content)
    assert listed["count"] == 1
    [row] = listed["results"]
    assert row["id"] == delivery["id"] and row["state"] == "delivered" and row["last_status"] == 200
    assert row["attempts"] == 1 and row["error"] == ""


def test_a_delivery_is_sent_again_with_the_same_id(api, webhook, network, django_capture_on_commit_callbacks):
    network.state["answer"] = sending.Answer(None, "connection_refused")
    with django_capture_on_commit_callbacks(execute=True):
        first = json.loads(api.post(f"{URL}/{webhook.pk}/ping").content)
    failed = json.loads(api.get(f"{URL}/{webhook.pk}/deliveries").content)["results"][0]
    assert failed["state"] == "pending" and failed["error"] == describe("connection_refused", {})
    assert "connection_refused" not in failed["error"]  # a sentence for the reader, not the code
    assert failed["next_attempt_at"]
    network.state["answer"] = sending.Answer(204)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"{URL}/{webhook.pk}/deliveries/{first['id']}/send-again")
    assert response.status_code == 202
    again = json.loads(response.content)
    assert again["id"] != first["id"] and again["event_id"] == first["event_id"]
    assert [body["id"] for _u, body, _h in network.posted] == [first["event_id"]] * 2
    problem_of(api.post(f"{URL}/{webhook.pk}/deliveries/999999/send-again"), 404, "not_found")


def test_a_delivery_is_reached_through_its_own_webhook_only(api, webhook):
    other = Endpoint.objects.get(pk=json.loads(create(api, url=f"https://{PUBLIC_HOST}/2").content)["id"])
    delivery = services.send_ping(endpoint=other)
    problem_of(api.post(f"{URL}/{webhook.pk}/deliveries/{delivery.pk}/send-again"), 404, "not_found")


def operations(endpoint_id: int, delivery_id: int) -> list[tuple[str, str, object]]:
    base = f"{URL}/{endpoint_id}"
    return [
        ("GET", URL, None),
        ("POST", URL, {"url": f"https://{PUBLIC_HOST}/x", "events": ["credential.issued"]}),
        ("GET", base, None),
        ("PATCH", base, {"active": False}),
        ("POST", f"{base}/ping", None),
        ("GET", f"{base}/deliveries", None),
        ("POST", f"{base}/deliveries/{delivery_id}/send-again", None),
        ("DELETE", base, None),
    ]


def call(client, method, path, body):
    if method == "GET":
        return client.get(path)
    if method == "DELETE":
        return client.client.delete(path, headers=client.headers({}))
    return client.send(method, path, body)


def test_every_webhook_operation_needs_the_webhooks_scope(make_client, webhook):
    delivery = services.send_ping(endpoint=webhook)
    others = make_client([s for s in ALL_SCOPES if s != ApiKey.Scope.WEBHOOKS_MANAGE])
    allowed = make_client([ApiKey.Scope.WEBHOOKS_MANAGE, ApiKey.Scope.CREDENTIALS_READ])
    for method, path, body in operations(webhook.pk, delivery.pk):
        refused = problem_of(call(others, method, path, body), 403, "insufficient_scope")
        assert refused["scope"] == "webhooks:manage"
        assert call(allowed, method, path, body).status_code in (200, 201, 202, 204), (method, path)
    problem_of(
        make_client([ApiKey.Scope.WEBHOOKS_MANAGE]).get("/api/v1/credentials"), 403, "insufficient_scope"
    )


def test_hearing_of_credentials_needs_the_scope_that_reads_them(make_client, webhook):
    # credential events name each credential's recipient: what credentials:read guards elsewhere
    only_webhooks = make_client([ApiKey.Scope.WEBHOOKS_MANAGE])
    body = {"url": f"https://{PUBLIC_HOST}/x", "events": ["credential.issued"]}
    refused = problem_of(
        only_webhooks.post(URL, body, content_type="application/json"), 403, "insufficient_scope"
    )
    assert refused["scope"] == "credentials:read"
    patch = {"events": ["endorsement.received", "credential.revoked"]}
    problem_of(
        only_webhooks.patch(f"{URL}/{webhook.pk}", patch, content_type="application/json"),
        403,
        "insufficient_scope",
    )
    assert Endpoint.objects.get(pk=webhook.pk).events == webhook.events  # nothing changed
    body["events"] = ["endorsement.received"]
    assert only_webhooks.post(URL, body, content_type="application/json").status_code == 201


def test_another_organisations_webhook_is_not_found(make_client, other_organisation, webhook):
    delivery = services.send_ping(endpoint=webhook)
    other = make_client(of=other_organisation)
    for method, path, body in operations(webhook.pk, delivery.pk):
        if path != URL:
            problem_of(call(other, method, path, body), 404, "not_found")
    assert json.loads(other.get(URL).content)["count"] == 0
    webhook.refresh_from_db()
    assert webhook.active and Delivery.objects.count() == 1


def test_ids_out_of_range_are_invalid_not_errors(api):
    problem_of(api.get(f"{URL}/99999999999999"), 422, "invalid")
    problem_of(api.get(f"{URL}/0/deliveries"), 422, "invalid")
    problem_of(api.get(f"{URL}/12345"), 404, "not_found")
