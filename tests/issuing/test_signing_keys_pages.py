"""The signing keys pages: what the admins see, rotating with a confirmation, exporting to a file
locked with a passphrase after typing the password again; the platform's keys for the staff."""

from __future__ import annotations

import json

import pytest

from carnet.audit.models import AuditEvent
from carnet.credentials import verify
from carnet.issuing import identity, keys
from carnet.issuing.models import SigningKey

pytestmark = pytest.mark.django_db
URL = "/fr/organisations/cje-test/cles-de-signature/"
PASSPHRASE = "cheval agrafe pile correcte"


@pytest.fixture(autouse=True)
def quick_scrypt(monkeypatch):
    """The smallest scrypt cost the files accept (2**14), not the real one's 128 MiB: the tests
    are about what the files hold, not about the cost of guessing a passphrase."""
    monkeypatch.setattr("carnet.credentials.keystore.SCRYPT_N", 2**14)


@pytest.fixture
def admin_client(client, org_admin, organisation):
    org_admin.set_password("mot-de-passe-admin")
    org_admin.save(update_fields=["password"])
    client.force_login(org_admin)
    return client


def test_it_shows_the_current_and_retired_keys_and_what_each_signed(
    admin_client, issue, organisation, org_admin
):
    issue(key="a")
    issue(key="b")
    retired = SigningKey.objects.get(organisation=organisation)
    keys.rotate_signing_key(organisation=organisation, actor=org_admin)
    page = admin_client.get(URL).content.decode()
    current = SigningKey.objects.get(organisation=organisation, retired_at=None)
    assert f"#{current.fragment}" in page and f"#{retired.fragment}" in page
    assert keys.fingerprint(current) in page and "Ed25519" in page
    assert "<dd>0</dd>" in page and '"Microattestations signées">2</td>' in page


def test_it_is_linked_from_the_settings(admin_client):
    assert URL in admin_client.get("/fr/organisations/cje-test/parametres/").content.decode()


def test_rotating_asks_first_then_keeps_old_credentials_verifying(
    admin_client, issue, organisation, org_admin
):
    old = issue()
    page = admin_client.get(URL + "remplacer/").content.decode()
    assert "restent vérifiables" in page and SigningKey.objects.filter(organisation=organisation).count() == 1
    assert admin_client.post(URL + "remplacer/").status_code == 302
    assert SigningKey.objects.filter(organisation=organisation).count() == 2
    assert AuditEvent.objects.get(verb="signing_key.rotated").actor == org_admin
    assert verify(old.document, resolver=identity.resolver()).valid


def test_export_asks_the_password_again(admin_client, organisation):
    data = {"password": "pas-le-bon", "passphrase": PASSPHRASE, "passphrase_again": PASSPHRASE}
    response = admin_client.post(URL + "exporter/", data)
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    assert "Ce n&#x27;est pas le mot de passe" in response.content.decode()
    assert not AuditEvent.objects.filter(verb="signing_key.exported").exists()


@pytest.mark.parametrize(
    ("passphrase", "again", "message"),
    [
        ("court", "court", "au moins 12"),
        (PASSPHRASE, PASSPHRASE + "x", "diffèrent"),
        ("123456789012", "123456789012", ""),
        ("abababababab", "abababababab", "répète trop"),
    ],
)
def test_export_refuses_a_weak_or_mistyped_passphrase(admin_client, passphrase, again, message):
    data = {"password": "mot-de-passe-admin", "passphrase": passphrase, "passphrase_again": again}
    response = admin_client.post(URL + "exporter/", data)
    assert response.status_code == 200 and message in response.content.decode()
    assert not AuditEvent.objects.filter(verb="signing_key.exported").exists()


def test_export_downloads_the_keys_locked_with_the_passphrase(admin_client, issue, organisation):
    issue()
    data = {"password": "mot-de-passe-admin", "passphrase": PASSPHRASE, "passphrase_again": PASSPHRASE}
    response = admin_client.post(URL + "exporter/", data)
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    assert response["Content-Disposition"].startswith('attachment; filename="cles-cje-test-')
    bundle = json.loads(response.content)
    assert bundle["format"] == "carnet-key-backup" and len(bundle["keys"]) == 1
    assert keys.import_keys(response.content, passphrase=PASSPHRASE) == {"added": 0, "resealed": 1}
    assert AuditEvent.objects.filter(verb="signing_key.exported", organisation=organisation).exists()


def test_the_staff_manage_the_platform_key(client, staff):
    client.force_login(staff)
    assert "plateforme Carnet" in client.get("/fr/plateforme/cles-de-signature/").content.decode()
    client.post("/fr/plateforme/cles-de-signature/remplacer/")
    assert SigningKey.objects.filter(organisation=None).count() == 2


@pytest.mark.parametrize("who", ["assessor", "learner", "outsider", "staff"])
def test_it_refuses_everyone_but_the_organisations_admins(client, request, who, organisation):
    client.force_login(request.getfixturevalue(who))
    assert client.get(URL).status_code == 404
    assert client.post(URL + "remplacer/").status_code == 404
    assert SigningKey.objects.filter(organisation=organisation).count() <= 1


def test_it_refuses_the_admin_of_another_organisation(client, make_user, organisation):
    from carnet.organisations.services import create_organisation

    other_admin = make_user("admin@autre.test")
    create_organisation(name="Autre", kind="college", admin=other_admin, slug="autre")
    client.force_login(other_admin)
    assert client.get(URL).status_code == 404 and client.get(URL + "exporter/").status_code == 404


def test_a_visitor_is_sent_to_log_in(client):
    assert client.get(URL).status_code == 302 and client.post(URL + "remplacer/").status_code == 302


def test_a_key_held_in_a_kms_is_replaced_there_not_here(admin_client, issue, organisation, settings):
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent))
    settings.SIGNER = "external_signer.FakeKmsSigner"
    issue()
    page = admin_client.get(URL).content.decode()
    assert "Hors de Carnet" in page and "remplacer/" not in page
    assert admin_client.post(URL + "remplacer/").status_code == 302
    assert SigningKey.objects.filter(organisation=organisation).count() == 1


def test_an_account_without_a_password_is_told_to_choose_one(client, org_admin, organisation):
    org_admin.set_unusable_password()
    org_admin.save(update_fields=["password"])
    client.force_login(org_admin)
    data = {"password": "x", "passphrase": PASSPHRASE, "passphrase_again": PASSPHRASE}
    assert "pas encore de mot de passe" in client.post(URL + "exporter/", data).content.decode()
