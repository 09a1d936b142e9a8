"""The organisation's API keys page: its admins list, make (shown once) and revoke keys; nobody else."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from carnet.api.keys import create_api_key, key_from_token
from carnet.api.models import ApiKey
from carnet.organisations.models import Organisation

pytestmark = pytest.mark.django_db


def page(organisation):
    return reverse("organisations:api_keys", args=[organisation.slug])


def text(response):
    return html.unescape(response.content.decode())


def test_an_admin_makes_a_key_and_sees_it_once(client, organisation, org_admin):
    client.force_login(org_admin)
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = client.post(page(organisation), {
        "name": "Plateforme de formation", "scopes": ["credentials:issue", "credentials:read"],
        "expires_on": tomorrow.isoformat(),
    })  # fmt: skip
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    key = ApiKey.objects.get()
    assert (key.name, key.scopes, key.created_by) == (
        "Plateforme de formation",
        ["credentials:issue", "credentials:read"],
        org_admin,
    )
    assert key.expires_at > timezone.now() + timedelta(days=1) - timedelta(minutes=1)
    shown = text(response)
    token = shown.split('id="new-key" type="text" readonly value="')[1].split('"')[0]
    assert "Copiez cette clé maintenant" in shown
    again = text(client.get(page(organisation)))
    assert token not in again and f"carnet_{key.prefix}_…" in again
    assert (
        "Délivrer des microattestations" in again
        and "Lire et rechercher les microattestations délivrées" in again
    )
    assert "jamais" in again  # not used yet
    assert key_from_token(token) == key
    assert "jamais" not in text(client.get(page(organisation)))


def test_a_key_needs_a_name_a_scope_and_a_date_to_come(client, organisation, org_admin):
    client.force_login(org_admin)
    response = client.post(page(organisation), {"name": "", "scopes": [], "expires_on": "2000-01-01"})
    assert response.status_code == 200 and 'role="alert"' in response.content.decode()
    response = client.post(page(organisation), {"name": "x", "scopes": ["root"]})
    assert response.status_code == 200 and not ApiKey.objects.exists()


def test_an_admin_revokes_a_key_after_confirming(client, organisation, org_admin):
    key, token = create_api_key(organisation=organisation, name="LMS", scopes=["audit:read"], actor=org_admin)
    client.force_login(org_admin)
    url = reverse("organisations:revoke_api_key", args=[organisation.slug, key.pk])
    confirm = client.get(url)
    assert confirm.status_code == 200 and "cesseront de fonctionner immédiatement" in text(confirm)
    assert key_from_token(token) == key  # nothing happens before the confirmation
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == page(organisation)
    assert key_from_token(token) is None
    assert "Révoquée le" in text(client.get(page(organisation)))


@pytest.mark.parametrize("who", ["assessor", "outsider", "other_admin", "employer", "anonymous"])
def test_nobody_else_sees_makes_or_revokes_keys(
    client, organisation, org_admin, assessor, outsider, employer, make_user, who
):
    from carnet.organisations.services import create_organisation

    other_admin = make_user("admin@other.test")
    create_organisation(name="Autre", kind=Organisation.Kind.COLLEGE, admin=other_admin, slug="autre")
    people = {"assessor": assessor, "outsider": outsider, "other_admin": other_admin, "employer": employer}
    if who in people:
        client.force_login(people[who])
    key, token = create_api_key(organisation=organisation, name="LMS", scopes=["audit:read"], actor=org_admin)
    revoke = reverse("organisations:revoke_api_key", args=[organisation.slug, key.pk])
    for response in (
        client.get(page(organisation)),
        client.post(page(organisation), {"name": "x", "scopes": ["audit:read"]}),
        client.get(revoke),
        client.post(revoke),
    ):
        assert response.status_code == 404 or response["Location"].startswith(reverse("account_login"))
    assert ApiKey.objects.count() == 1 and key_from_token(token) == key


def test_an_employer_has_no_api_keys_page(client, employer):
    client.force_login(employer)
    assert client.get(page(Organisation.objects.get(slug="employer-test"))).status_code == 404


def test_the_settings_page_links_to_the_keys(client, organisation, org_admin):
    client.force_login(org_admin)
    response = client.get(reverse("organisations:settings", args=[organisation.slug]))
    assert page(organisation) in response.content.decode()
