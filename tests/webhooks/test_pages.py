"""The webhooks page of an organisation's admins: adding an endpoint (and the addresses refused),
its secret, a test event, turning it off, removing it, sending a delivery again; nobody else gets in."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from carnet.audit.models import AuditEvent
from carnet.organisations.models import Organisation
from carnet.organisations.services import create_organisation
from carnet.webhooks import services
from carnet.webhooks.models import Delivery, Endpoint

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_an_admin_adds_an_endpoint_and_sees_its_secret(organisation, org_admin, loopback, receiver):
    client = signed_in(org_admin)
    url = reverse("webhooks:endpoints", args=[organisation.slug])
    response = client.post(
        url, {"url": receiver.url(), "events": ["credential.issued", "credential.revoked"]}
    )
    endpoint = Endpoint.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/webhooks/{endpoint.pk}/")
    assert endpoint.events == ["credential.issued", "credential.revoked"] and endpoint.created_by == org_admin
    shown = client.get(response["Location"])
    page = shown.content.decode()
    assert endpoint.secret in page and "Remplacer le secret" in page
    assert shown["Cache-Control"] == "private, no-store"  # the secret is kept by no cache
    assert receiver.url() in client.get(url).content.decode()
    assert AuditEvent.objects.filter(verb="webhook_endpoint.created", organisation=organisation).exists()


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("http://hooks.example.org/carnet", "Seules les adresses https://"),
        ("https://10.0.0.7/carnet", "réseau privé ou local"),
        ("https://127.0.0.1:8443/carnet", "réseau privé ou local"),
        ("pas une adresse", "n'est pas valide"),
    ],
)
def test_an_address_carnet_does_not_call_is_refused_with_a_clear_message(
    organisation, org_admin, address, message
):
    response = signed_in(org_admin).post(
        reverse("webhooks:endpoints", args=[organisation.slug]),
        {"url": address, "events": ["credential.issued"]},
    )
    assert response.status_code == 400 and message in html.unescape(response.content.decode())
    assert not Endpoint.objects.exists()


def test_at_least_one_event_is_chosen(organisation, org_admin, loopback, receiver):
    response = signed_in(org_admin).post(
        reverse("webhooks:endpoints", args=[organisation.slug]), {"url": receiver.url()}
    )
    assert response.status_code == 400 and not Endpoint.objects.exists()


def test_the_page_reads_in_english(organisation, org_admin):
    page = signed_in(org_admin).get(f"/en{reverse('webhooks:endpoints', args=[organisation.slug])}")
    assert page.status_code == 200 and 'lang="en"' in page.content.decode()


def test_after_a_rotation_both_secrets_sign_for_a_day_then_only_the_new_one(
    endpoint, org_admin, receiver, django_capture_on_commit_callbacks
):
    old = endpoint.secret
    response = signed_in(org_admin).post(
        reverse("webhooks:rotate", args=[endpoint.organisation.slug, endpoint.pk])
    )
    endpoint.refresh_from_db()
    assert response.status_code == 302 and endpoint.secret != old and endpoint.secret.startswith("whsec_")
    assert AuditEvent.objects.filter(verb="webhook_endpoint.secret_rotated").count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.send_ping(endpoint=endpoint)
    [got] = receiver.received
    assert len(got.headers["webhook-signature"].split(" ")) == 2
    for secret in (old, endpoint.secret):  # a receiver with either secret accepts the message
        Webhook(secret).verify(got.body, got.headers)
    services.send_ping(endpoint=endpoint)  # not committed here: sent by the command, a day later
    services.send_due(now=timezone.now() + timedelta(hours=25))
    later = receiver.received[-1]
    assert len(later.headers["webhook-signature"].split(" ")) == 1
    Webhook(endpoint.secret).verify(later.body, later.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(old).verify(later.body, later.headers)


def test_a_ping_reaches_the_receiver_and_shows_in_the_deliveries(
    endpoint, org_admin, receiver, django_capture_on_commit_callbacks
):
    client = signed_in(org_admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("webhooks:ping", args=[endpoint.organisation.slug, endpoint.pk]))
    [got] = receiver.received
    assert got.json()["type"] == "ping" and got.json()["data"] == {}
    page = client.get(
        reverse("webhooks:endpoint", args=[endpoint.organisation.slug, endpoint.pk])
    ).content.decode()
    assert "ping" in page and "HTTP 200" in page and "Livré" in page


def test_a_delivery_is_sent_again_with_the_same_id(
    endpoint, org_admin, receiver, django_capture_on_commit_callbacks
):
    receiver.answers = [500]
    with django_capture_on_commit_callbacks(execute=True):
        services.send_ping(endpoint=endpoint)
    failed = Delivery.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        signed_in(org_admin).post(
            reverse("webhooks:send_again", args=[endpoint.organisation.slug, failed.pk])
        )
    first, again = receiver.received
    assert first.headers["webhook-id"] == again.headers["webhook-id"] == str(failed.event_id)
    assert Delivery.objects.filter(state="delivered", event_id=failed.event_id).count() == 1


def test_a_deactivated_endpoint_is_sent_nothing_until_it_is_turned_on_again(
    endpoint, org_admin, receiver, issue
):
    client = signed_in(org_admin)
    address = reverse("webhooks:activate", args=[endpoint.organisation.slug, endpoint.pk])
    client.post(address, {"active": "0"})
    issue()
    assert receiver.received == [] and not Endpoint.objects.get().active
    client.post(address, {"active": "1"})
    assert Endpoint.objects.get().active
    issue("k-2")
    assert len(receiver.received) == 1


@pytest.mark.parametrize(("language", "question", "button"), [("fr", "Retirer ce webhook ?", "Retirer définitivement"),
                                                             ("en", "Remove this webhook?", "Remove for good")])  # fmt: skip
def test_removing_asks_for_confirmation_on_a_page_first(
    endpoint, org_admin, issue, language, question, button
):
    issue()
    client = signed_in(org_admin)
    address = reverse("webhooks:remove", args=[endpoint.organisation.slug, endpoint.pk])
    page = client.get(reverse("webhooks:endpoint", args=[endpoint.organisation.slug, endpoint.pk]))
    # a link to the confirmation, not a button that removes
    assert f'href="{address}"' in page.content.decode()
    confirm = client.get(f"/en{address}" if language == "en" else address)
    body = html.unescape(confirm.content.decode())
    assert confirm.status_code == 200 and question in body and button in body and endpoint.url in body
    assert f'<form method="post" action="{"/en" if language == "en" else ""}{address}">' in body
    assert "(1)" in body
    assert Endpoint.objects.filter(pk=endpoint.pk).exists() and Delivery.objects.count() == 1
    assert not AuditEvent.objects.filter(verb="webhook_endpoint.removed").exists()


def test_removal_takes_a_post_only(endpoint, org_admin):
    client = signed_in(org_admin)
    address = reverse("webhooks:remove", args=[endpoint.organisation.slug, endpoint.pk])
    for method in (client.put, client.delete, client.patch):
        assert method(address).status_code == 405
    assert Endpoint.objects.filter(pk=endpoint.pk).exists()


def test_removing_an_endpoint_removes_its_deliveries_and_keeps_it_in_the_journal(endpoint, org_admin, issue):
    issue()
    response = signed_in(org_admin).post(
        reverse("webhooks:remove", args=[endpoint.organisation.slug, endpoint.pk])
    )
    assert response.status_code == 302
    assert not Endpoint.objects.exists() and not Delivery.objects.exists()
    assert AuditEvent.objects.get(verb="webhook_endpoint.removed").data == {"url": endpoint.url}


def test_the_page_is_linked_from_the_organisations_settings(organisation, org_admin):
    page = signed_in(org_admin).get(reverse("organisations:settings", args=[organisation.slug]))
    assert reverse("webhooks:endpoints", args=[organisation.slug]) in page.content.decode()


# -- who may -----------------------------------------------------------------------------------------


def pages(endpoint, delivery):
    slug = endpoint.organisation.slug
    return [
        ("GET", reverse("webhooks:endpoints", args=[slug])),
        ("POST", reverse("webhooks:endpoints", args=[slug])),
        ("GET", reverse("webhooks:endpoint", args=[slug, endpoint.pk])),
        ("POST", reverse("webhooks:rotate", args=[slug, endpoint.pk])),
        ("POST", reverse("webhooks:ping", args=[slug, endpoint.pk])),
        ("POST", reverse("webhooks:activate", args=[slug, endpoint.pk])),
        ("GET", reverse("webhooks:remove", args=[slug, endpoint.pk])),
        ("POST", reverse("webhooks:remove", args=[slug, endpoint.pk])),
        ("POST", reverse("webhooks:send_again", args=[slug, delivery.pk])),
    ]


@pytest.mark.parametrize("who", ["assessor", "outsider", "learner", "staff"])
def test_only_the_organisations_admins_get_in(request, endpoint, who):
    delivery = services.send_ping(endpoint=endpoint)
    client = signed_in(request.getfixturevalue(who))
    for method, address in pages(endpoint, delivery):
        response = (
            client.post(address, {"url": "https://a.example.org/", "events": ["ping"]})
            if method == "POST"
            else client.get(address)
        )
        assert response.status_code == 404, f"{who} got {response.status_code} from {method} {address}"
    assert Endpoint.objects.get().secret == endpoint.secret and Endpoint.objects.get().active


def test_the_admin_of_another_organisation_reaches_nothing_of_yours(endpoint, make_user):
    other_admin = make_user("admin@other.test")
    other = create_organisation(name="Autre", kind=Organisation.Kind.COLLEGE, admin=other_admin, slug="autre")
    delivery = services.send_ping(endpoint=endpoint)
    client = signed_in(other_admin)
    for method, address in pages(endpoint, delivery):
        response = client.post(address) if method == "POST" else client.get(address)
        assert response.status_code == 404, f"{method} {address}"
    # and through their own organisation's addresses, your endpoint and delivery are not found
    assert client.get(reverse("webhooks:endpoint", args=[other.slug, endpoint.pk])).status_code == 404
    assert client.post(reverse("webhooks:send_again", args=[other.slug, delivery.pk])).status_code == 404
    assert client.post(reverse("webhooks:remove", args=[other.slug, endpoint.pk])).status_code == 404
    assert Endpoint.objects.filter(pk=endpoint.pk).exists()


def test_a_visitor_who_is_not_signed_in_is_sent_to_log_in(endpoint):
    response = Client().get(reverse("webhooks:endpoints", args=[endpoint.organisation.slug]))
    assert response.status_code == 302 and "/comptes/" in response["Location"]


def test_an_organisation_has_at_most_ten_endpoints(organisation, org_admin, loopback, receiver):
    for number in range(services.MAX_ENDPOINTS):
        services.create_endpoint(
            organisation=organisation,
            url=receiver.url(f"/{number}"),
            events=["credential.issued"],
            actor=org_admin,
        )
    response = signed_in(org_admin).post(
        reverse("webhooks:endpoints", args=[organisation.slug]),
        {"url": receiver.url("/one-more"), "events": ["credential.issued"]},
    )
    assert response.status_code == 400 and "au plus 10 webhooks" in html.unescape(response.content.decode())
    assert Endpoint.objects.count() == services.MAX_ENDPOINTS


def test_every_webhook_verb_of_the_journal_has_a_label():
    from carnet.audit.labels import FAMILIES, VERBS

    verbs = ["created", "secret_rotated", "deactivated", "activated", "disabled", "removed"]
    assert all(f"webhook_endpoint.{verb}" in VERBS for verb in verbs) and "webhook_endpoint" in FAMILIES
