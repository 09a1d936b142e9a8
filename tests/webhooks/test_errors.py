"""What went wrong with a delivery: a stable code and its details on the row, said on the admins'
page in French or in English; older deliveries' free text stays readable."""

from __future__ import annotations

import html
import socket

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from carnet.webhooks import services
from carnet.webhooks.errors import describe
from carnet.webhooks.models import Delivery

pytestmark = pytest.mark.django_db


def endpoint_page(endpoint, org_admin, language: str) -> str:
    client = Client()
    client.force_login(org_admin)
    path = reverse("webhooks:endpoint", args=[endpoint.organisation.slug, endpoint.pk])
    response = client.get(f"/en{path}" if language == "en" else path)
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def test_a_status_that_is_not_2xx_is_stored_as_a_code_with_the_status(endpoint, receiver, issue):
    receiver.answers = [503]
    issue()
    delivery = Delivery.objects.get()
    assert (delivery.last_status, delivery.last_error_code, delivery.last_error_details) == (
        503,
        "http_status",
        {"status": 503},
    )
    assert delivery.last_error == ""


def test_a_success_leaves_no_error(endpoint, receiver, issue):
    issue()
    delivery = Delivery.objects.get()
    assert delivery.last_error_code == "" and delivery.last_error_details == {}
    assert delivery.error_message() == ""


@pytest.mark.parametrize(
    ("language", "sentence"),
    [
        ("fr", "Le récepteur a répondu HTTP 503 ; seul un statut 2xx accepte l'envoi."),
        ("en", "The receiver answered HTTP 503; only a 2xx status accepts the message."),
    ],
)
def test_the_page_says_the_error_in_the_readers_language(
    endpoint, org_admin, receiver, issue, language, sentence
):
    receiver.answers = [503]
    issue()
    assert sentence in endpoint_page(endpoint, org_admin, language)


@pytest.mark.parametrize(
    ("language", "sentence"),
    [
        ("fr", "Connexion refusée : rien n'écoute à cette adresse et à ce port."),
        ("en", "Connection refused: nothing listens at this address and port."),
    ],
)
def test_a_refused_connection_is_said_in_both_languages(
    organisation, org_admin, loopback, language, sentence
):
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    endpoint = services.create_endpoint(
        organisation=organisation,
        url=f"http://127.0.0.1:{port}/",
        events=["credential.issued"],
        actor=org_admin,
    )
    services.send_ping(endpoint=endpoint)
    services.send_due()
    assert Delivery.objects.get().last_error_code == "connection_refused"
    assert sentence in endpoint_page(endpoint, org_admin, language)


@pytest.mark.parametrize(
    ("code", "details", "french", "english"),
    [
        ("timeout", {"seconds": 10.0}, "Pas de réponse en 10 secondes", "No answer within 10 seconds"),
        ("too_slow", {"seconds": 30.0}, "Réponse trop lente : l'échange a dépassé 30 secondes",
         "Answer too slow: the exchange went past 30 seconds"),
        (
            "redirect",
            {"status": 302, "location": "https://b.example.org/"},
            "Redirection vers « https://b.example.org/ » non suivie",
            "Redirect to “https://b.example.org/” not followed",
        ),
        ("refused_address", {"reason": "private"}, "Adresse non appelée : Cette adresse mène à un réseau privé",
         "Address not called: This address leads to a private or local network"),
        ("connection_failed", {"reason": "Network is unreachable"}, "La connexion a échoué (Network is unreachable)",
         "The connection failed (Network is unreachable)"),
        ("tls_failed", {"reason": "CERTIFICATE_VERIFY_FAILED"}, "La connexion sécurisée a échoué",
         "The secure connection failed (CERTIFICATE_VERIFY_FAILED)"),
        ("something_new", {}, "Échec de l'envoi (something_new).", "Delivery failed (something_new)."),
    ],
)  # fmt: skip
def test_each_code_reads_in_french_and_in_english(code, details, french, english):
    with translation.override("fr"):
        assert french in describe(code, details)
    with translation.override("en"):
        assert english in describe(code, details)


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_free_text_of_an_older_delivery_stays_readable(endpoint, org_admin, language):
    Delivery.objects.create(
        endpoint=endpoint, event_type="ping", payload={}, state="failed", attempts=8,
        last_error="no answer within 10 seconds",
    )  # fmt: skip
    assert "no answer within 10 seconds" in endpoint_page(endpoint, org_admin, language)


def test_details_from_a_receiver_are_escaped_on_the_page(endpoint, org_admin):
    Delivery.objects.create(
        endpoint=endpoint, event_type="ping", payload={}, state="pending", attempts=1, last_status=302,
        last_error_code="redirect", last_error_details={"status": 302, "location": "<script>x()</script>"},
    )  # fmt: skip
    client = Client()
    client.force_login(org_admin)
    page = client.get(reverse("webhooks:endpoint", args=[endpoint.organisation.slug, endpoint.pk]))
    assert "<script>x()</script>" not in page.content.decode()
    assert "&lt;script&gt;x()&lt;/script&gt;" in page.content.decode()
