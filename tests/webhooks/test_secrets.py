"""The endpoints' signing secrets at rest: sealed with the key-encryption key and bound to their
endpoint, never in the database as such; signatures made with them still verify."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse
from standardwebhooks.webhooks import Webhook

from carnet.credentials.keystore import SealedDataError
from carnet.webhooks import services
from carnet.webhooks.models import Endpoint

OTHER_KEK = bytes(range(7, 39))


def raw_row(endpoint: Endpoint) -> str:
    """Every column of the endpoint's row, as the database holds it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM webhooks_endpoint WHERE id = %s", [endpoint.pk])
        return " ".join(str(value) for value in cursor.fetchone())


@pytest.mark.django_db
def test_the_database_holds_no_plain_secret_even_after_a_rotation(endpoint, org_admin):
    first = endpoint.secret
    services.rotate_secret(endpoint=endpoint, actor=org_admin)
    stored = Endpoint.objects.get()
    assert stored.secret != first and stored.previous_secret == first
    row = raw_row(stored)
    for secret in (first, stored.secret):
        assert secret not in row and secret.removeprefix("whsec_")[:12] not in row
    assert stored.sealed_secret.startswith("cs1.") and stored.sealed_previous_secret.startswith("cs1.")


@pytest.mark.django_db
def test_another_kek_cannot_open_the_secret(endpoint, settings):
    settings.KEY_ENCRYPTION_KEY = OTHER_KEK
    with pytest.raises(SealedDataError):
        Endpoint.objects.get().secret  # noqa: B018 (opening is the point)


@pytest.mark.django_db
def test_a_sealed_secret_copied_to_another_endpoint_does_not_open(
    endpoint, organisation, org_admin, receiver
):
    other = services.create_endpoint(
        organisation=organisation, url=receiver.url("/other"), events=["credential.issued"], actor=org_admin
    )
    Endpoint.objects.filter(pk=other.pk).update(sealed_secret=endpoint.sealed_secret)
    with pytest.raises(SealedDataError):
        Endpoint.objects.get(pk=other.pk).secret  # noqa: B018


@pytest.mark.django_db
def test_deliveries_signed_with_the_sealed_secret_verify_with_standardwebhooks(endpoint, receiver, issue):
    issue()
    [got] = receiver.received
    secret = Endpoint.objects.get().secret  # opened from the database
    assert Webhook(secret).verify(got.body, got.headers)["type"] == "credential.issued"


@pytest.mark.django_db
def test_the_admins_page_shows_the_opened_secret_to_copy(endpoint, org_admin):
    client = Client()
    client.force_login(org_admin)
    page = client.get(reverse("webhooks:endpoint", args=[endpoint.organisation.slug, endpoint.pk]))
    assert endpoint.secret in page.content.decode() and endpoint.sealed_secret not in page.content.decode()


@pytest.mark.django_db(transaction=True)
def test_the_migration_seals_existing_secrets_and_its_reverse_opens_them(organisation):
    before, after = [("webhooks", "0001_initial")], [("webhooks", "0002_sealed_secrets")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        old = (
            MigrationExecutor(connection).loader.project_state(before).apps.get_model("webhooks", "Endpoint")
        )
        plain = "whsec_" + "B" * 43 + "="
        row = old.objects.create(
            organisation_id=organisation.pk, url="https://hooks.example.org/", events=["credential.issued"],
            secret=plain, previous_secret="whsec_" + "C" * 43 + "=",
        )  # fmt: skip
        executor = MigrationExecutor(connection)
        executor.migrate(after)
        sealed = Endpoint.objects.get(pk=row.pk)
        assert sealed.secret == plain and sealed.previous_secret == "whsec_" + "C" * 43 + "="
        assert plain not in raw_row(sealed) and sealed.uuid is not None
        executor = MigrationExecutor(connection)
        executor.migrate(before)
        opened = (
            MigrationExecutor(connection).loader.project_state(before).apps.get_model("webhooks", "Endpoint")
        )
        assert opened.objects.get(pk=row.pk).secret == plain
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
