"""What reaches a receiver: signed as Standard Webhooks says (checked with the standardwebhooks
package and by recomputing the HMAC), and only at addresses Carnet may call."""

from __future__ import annotations

import base64
import hashlib
import hmac
import socket
import threading

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from carnet.webhooks import sending, services
from carnet.webhooks.models import Delivery

pytestmark = pytest.mark.django_db


def test_an_issued_credential_reaches_the_receiver_signed_as_standard_webhooks_say(
    endpoint, receiver, issue, learner
):
    credential = issue()
    [got] = receiver.received
    assert got.path == "/hooks" and got.headers["content-type"] == "application/json"
    payload = Webhook(endpoint.secret).verify(got.body, got.headers)  # raises if the signature is wrong
    assert payload["type"] == "credential.issued"
    assert payload["id"] == got.headers["webhook-id"]
    assert payload["organisation"]["slug"] == endpoint.organisation.slug
    assert payload["data"]["credential"]["id"] == f"urn:uuid:{credential.uuid}"
    assert payload["data"]["achievement"]["name"] == {"fr": "Fiabilité", "en": "Reliability"}
    assert payload["data"]["recipient"] == {"email": learner.email}
    delivery = Delivery.objects.get()
    assert (delivery.state, delivery.attempts, delivery.last_status) == ("delivered", 1, 200)


def test_the_signature_is_the_hmac_of_id_timestamp_and_body(endpoint, receiver, issue):
    issue()
    [got] = receiver.received
    key = base64.b64decode(endpoint.secret.removeprefix("whsec_"))
    signed = f"{got.headers['webhook-id']}.{got.headers['webhook-timestamp']}.".encode() + got.body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    assert got.headers["webhook-signature"] == f"v1,{expected}"
    assert endpoint.secret.startswith("whsec_") and len(key) == 32


def test_a_body_changed_on_the_way_or_another_secret_fails_verification(endpoint, receiver, issue):
    issue()
    [got] = receiver.received
    with pytest.raises(WebhookVerificationError):
        Webhook(endpoint.secret).verify(got.body.replace(b"Fiabilit", b"Fiabilot"), got.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(sending.new_secret()).verify(got.body, got.headers)


def test_a_redirect_is_not_followed(endpoint, receiver, issue):
    receiver.answers = [(302, {"Location": receiver.url("/elsewhere")})]
    issue()
    assert [got.path for got in receiver.received] == ["/hooks"]
    delivery = Delivery.objects.get()
    assert delivery.state == "pending" and delivery.last_status == 302 and delivery.attempts == 1
    assert delivery.last_error_code == "redirect" and delivery.last_error_details == {
        "status": 302,
        "location": receiver.url("/elsewhere"),
    }


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://hooks.example.org/carnet", "scheme"),
        ("ftp://hooks.example.org/carnet", "scheme"),
        ("https://127.0.0.1/hooks", "private"),
        ("https://10.0.0.7/hooks", "private"),
        ("https://192.168.1.20:8443/hooks", "private"),
        ("https://169.254.169.254/latest/meta-data/", "private"),
        ("https://[::1]/hooks", "private"),
        ("https://[64:ff9b::a9fe:a9fe]/latest/meta-data/", "private"),  # NAT64 of 169.254.169.254
        ("https://[2002:a00:7::1]/hooks", "private"),  # 6to4 of 10.0.0.7
        ("https://[::ffff:10.0.0.7]/hooks", "private"),
        ("https://localhost/hooks", "private"),
        ("https://user:pass@hooks.example.org/", "credentials"),
        ("https://hooks.example.org/a b", "malformed"),
        ("https:///nohost", "malformed"),
    ],
)
def test_an_address_that_is_not_public_https_is_refused(url, reason):
    with pytest.raises(sending.Refused) as refused:
        sending.check_address(url)
    assert refused.value.reason == reason


def test_a_host_name_leading_to_a_private_address_is_refused(monkeypatch):
    monkeypatch.setattr(sending, "_resolve", lambda host, port: ["93.184.215.14", "10.0.0.7"])
    with pytest.raises(sending.Refused) as refused:
        sending.check_address("https://hooks.example.org/carnet")
    assert refused.value.reason == "private"
    monkeypatch.setattr(sending, "_resolve", lambda host, port: ["93.184.215.14"])
    sending.check_address("https://hooks.example.org/carnet")


def test_the_settings_of_development_allow_http_and_loopback(loopback):
    sending.check_address("http://127.0.0.1:8000/hooks")
    sending.check_address("https://localhost/hooks")


def test_an_address_refused_at_sending_time_is_not_called(endpoint, receiver, issue, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = False  # the setting turned off after the endpoint was added
    issue()
    assert receiver.received == []
    delivery = Delivery.objects.get()
    assert delivery.state == "pending" and delivery.last_status is None
    assert (
        delivery.last_error_code == "refused_address" and delivery.last_error_details["reason"] == "private"
    )
    assert "127.0.0.1" in delivery.last_error_details["detail"] and delivery.last_error == ""


def test_a_receiver_that_does_not_answer_in_time_is_a_failure(loopback):
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)  # accepts the connection, never answers
    try:
        answer = sending.post(f"http://127.0.0.1:{silent.getsockname()[1]}/", b"{}", {}, timeout=0.2)
    finally:
        silent.close()
    assert answer.status is None and not answer.ok
    assert (answer.code, answer.details) == ("timeout", {"seconds": 0.2})


def test_a_receiver_that_trickles_its_answer_is_cut_at_the_deadline(loopback):
    trickler = socket.socket()
    trickler.bind(("127.0.0.1", 0))
    trickler.listen(1)
    stop = threading.Event()

    def answer_a_byte_at_a_time() -> None:
        connection, _ = trickler.accept()
        with connection:
            connection.recv(65536)
            try:
                connection.sendall(b"HTTP/1.1 200 OK\r\n")
                while not stop.wait(0.02):  # each byte well within the read timeout, never the end
                    connection.sendall(b"X")
            except OSError:
                pass  # cut by the sender

    thread = threading.Thread(target=answer_a_byte_at_a_time, daemon=True)
    thread.start()
    try:
        answer = sending.post(
            f"http://127.0.0.1:{trickler.getsockname()[1]}/", b"{}", {}, timeout=5, deadline=0.3
        )
    finally:
        stop.set()
        thread.join()
        trickler.close()
    assert answer.status is None and not answer.ok
    assert (answer.code, answer.details) == ("too_slow", {"seconds": 0.3})


def test_a_closed_port_is_a_failure_not_an_exception(loopback):
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    answer = sending.post(f"http://127.0.0.1:{port}/", b"{}", {})
    assert answer.status is None and answer.code == "connection_refused"


def test_the_body_sent_is_the_payload_kept(endpoint, receiver, issue):
    issue()
    delivery = Delivery.objects.get()
    assert receiver.received[0].body == services.body_of(delivery)
