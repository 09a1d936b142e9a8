"""Signing keys kept safe: export to a passphrase-locked file and import back, the operators'
commands, and a signer outside the database (a KMS or an HSM) chosen by a setting."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from carnet.audit.models import AuditEvent
from carnet.credentials import verify
from carnet.credentials.keystore import TamperedKeyError, WrongPassphraseError
from carnet.issuing import identity, keys, services
from carnet.issuing.models import SigningKey

sys.path.insert(0, str(Path(__file__).parent))
import external_signer

pytestmark = pytest.mark.django_db
PASSPHRASE = "cheval agrafe pile correcte"


@pytest.fixture(autouse=True)
def quick_scrypt(monkeypatch):
    """The smallest scrypt cost the files accept (2**14), not the real one's 128 MiB: the tests
    are about what the files hold, not about the cost of guessing a passphrase."""
    monkeypatch.setattr("carnet.credentials.keystore.SCRYPT_N", 2**14)


def test_export_then_import_gives_back_keys_a_new_kek_can_open(issue, organisation, org_admin, settings):
    old = issue(key="old")
    keys.rotate_signing_key(organisation=organisation, actor=org_admin)
    exported = keys.export_keys(organisations=[organisation], passphrase=PASSPHRASE, actor=org_admin)
    assert len(json.loads(exported)["keys"]) == 2
    settings.KEY_ENCRYPTION_KEY = bytes(range(32))  # the server lost its KEK
    with pytest.raises(WrongPassphraseError):
        keys.signer().key_for(organisation)
    assert keys.import_keys(exported, passphrase=PASSPHRASE, actor=org_admin) == {"added": 0, "resealed": 2}
    new = issue(key="new")
    for credential in (old, new):
        assert verify(credential.document, resolver=identity.resolver()).valid
    verbs = set(AuditEvent.objects.values_list("verb", flat=True))
    assert {"signing_key.exported", "signing_key.imported"} <= verbs


def test_import_adds_the_keys_a_database_lacks(issue, organisation, org_admin):
    credential = issue()
    exported = keys.export_keys(organisations=[organisation], passphrase=PASSPHRASE, actor=None)
    stored = SigningKey.objects.get(organisation=organisation)
    created_at, fragment = stored.created_at, stored.fragment
    stored.delete()
    assert keys.import_keys(exported, passphrase=PASSPHRASE) == {"added": 1, "resealed": 0}
    back = SigningKey.objects.get(organisation=organisation)
    assert (back.fragment, back.created_at, back.retired_at) == (fragment, created_at, None)
    assert verify(credential.document, resolver=identity.resolver()).valid


def test_a_wrong_passphrase_is_told_apart_from_a_tampered_file(issue, organisation):
    issue()
    exported = keys.export_keys(organisations=[organisation], passphrase=PASSPHRASE, actor=None)
    with pytest.raises(WrongPassphraseError):
        keys.import_keys(exported, passphrase="une autre phrase de passe")
    document = json.loads(exported)
    document["keys"][0]["metadata"]["retiredAt"] = "2020-01-01T00:00:00+00:00"
    with pytest.raises(TamperedKeyError):
        keys.import_keys(json.dumps(document), passphrase=PASSPHRASE)


def test_import_refuses_a_key_whose_public_key_differs(issue, organisation, org_admin):
    issue()
    exported = keys.export_keys(organisations=[organisation], passphrase=PASSPHRASE, actor=None)
    SigningKey.objects.filter(organisation=organisation).update(public_key_multibase="z6MkOther")
    with pytest.raises(keys.ImportRefused):
        keys.import_keys(exported, passphrase=PASSPHRASE)
    assert not AuditEvent.objects.filter(verb="signing_key.imported").exists()


def test_import_refuses_keys_of_another_site(issue, organisation, settings):
    issue()
    exported = keys.export_keys(organisations=[organisation], passphrase=PASSPHRASE, actor=None)
    SigningKey.objects.filter(organisation=organisation).delete()
    settings.SITE_URL = "https://ailleurs.example"
    with pytest.raises(keys.ImportRefused):
        keys.import_keys(exported, passphrase=PASSPHRASE)
    assert not SigningKey.objects.filter(organisation=organisation).exists()


def test_the_operators_commands_export_and_import_every_organisation(
    issue, organisation, monkeypatch, tmp_path
):
    issue()
    keys.ensure_signing_key(None)
    monkeypatch.setenv("CARNET_KEY_PASSPHRASE", PASSPHRASE)
    target = tmp_path / "keys.json"
    call_command("export_keys", str(target), stdout=io.StringIO())
    assert target.stat().st_mode & 0o777 == 0o600
    owners = {entry["metadata"]["organisation"] for entry in json.loads(target.read_text())["keys"]}
    assert owners == {organisation.slug, None}
    out = io.StringIO()
    call_command("import_keys", str(target), stdout=out)
    assert "2 sealed again" in out.getvalue()
    monkeypatch.setenv("CARNET_KEY_PASSPHRASE", "pas la bonne phrase")
    with pytest.raises(CommandError, match="wrong passphrase"):
        call_command("import_keys", str(target), stdout=io.StringIO())


def test_an_external_signer_signs_credentials_and_status_lists_that_verify(
    issue, organisation, org_admin, settings, client
):
    settings.SIGNER = "external_signer.FakeKmsSigner"
    credential = issue()
    services.revoke_credential(credential=credential, reason="Erreur", actor=org_admin)
    stored = SigningKey.objects.get(organisation=organisation)
    assert keys.is_external(stored) and "kms-key/" in json.dumps(stored.envelope)
    assert "ciphertext" not in stored.envelope  # no private part in the database
    name = f"kms-key/{organisation.slug}"
    assert stored.public_key_multibase == external_signer.VAULT[name].public_key_multibase
    published = client.get(f"/organisations/{organisation.slug}/did.json").json()
    assert [m["publicKeyMultibase"] for m in published["verificationMethod"]] == [stored.public_key_multibase]
    credential.refresh_from_db()
    credential.status_list.refresh_from_db()
    assert credential.status_list.published["proof"]["verificationMethod"].endswith("#" + stored.fragment)
    report = verify(credential.document, resolver=identity.resolver())
    assert report.checks and next(c.code for c in report.checks if c.name == "status") == "status.revoked"
    assert {c.name: c.status for c in report.checks}["proof"] == "passed"
    assert {c.name: c.status for c in report.checks}["binding"] == "passed"


def test_a_new_key_in_the_kms_is_published_and_the_old_one_kept(issue, organisation, settings):
    settings.SIGNER = "external_signer.FakeKmsSigner"
    old = issue(key="old")
    external_signer.VAULT.pop(f"kms-key/{organisation.slug}")  # rotated in the KMS
    new = issue(key="new")
    assert SigningKey.objects.filter(organisation=organisation).count() == 2
    assert AuditEvent.objects.filter(verb="signing_key.external").count() == 2
    for credential in (old, new):
        assert verify(credential.document, resolver=identity.resolver()).valid
