"""Signing keys: made on first use, sealed at rest with the key-encryption key, rotated without
breaking what the old key signed."""

from __future__ import annotations

import base64

import pytest
from django.db import connection

from carnet.audit.models import AuditEvent
from carnet.credentials import verify
from carnet.credentials.keys import encode_secret_key
from carnet.credentials.keystore import WrongPassphraseError
from carnet.issuing import identity, services
from carnet.issuing.keys import signer
from carnet.issuing.models import SigningKey

pytestmark = pytest.mark.django_db


def test_the_first_key_is_made_on_first_use_and_then_kept(organisation):
    first = services.ensure_signing_key(organisation)
    assert services.ensure_signing_key(organisation).pk == first.pk
    assert SigningKey.objects.filter(organisation=organisation).count() == 1
    assert first.public_key_multibase.startswith("z6Mk")
    assert AuditEvent.objects.filter(verb="signing_key.created").count() == 1


def test_the_private_key_is_never_stored_in_clear(issue, organisation):
    issue()
    seed = signer().key_for(organisation).seed()
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM issuing_signingkey")
        rows = " ".join(str(value) for row in cursor.fetchall() for value in row)
    for shown in (seed.hex(), base64.b64encode(seed).decode(), base64.urlsafe_b64encode(seed).decode().rstrip("="),
                  encode_secret_key(seed)):  # fmt: skip
        assert shown not in rows
    stored = SigningKey.objects.get(organisation=organisation)
    assert stored.envelope["cipher"] == "AES-256-GCM" and stored.envelope["kdf"]["name"] == "hkdf-sha256"


def test_another_key_encryption_key_cannot_open_it(issue, organisation, settings):
    issue()
    settings.KEY_ENCRYPTION_KEY = bytes(32)
    with pytest.raises(WrongPassphraseError):
        signer().key_for(organisation)


def test_rotation_keeps_old_credentials_verifiable(issue, organisation, org_admin, client):
    old = issue(key="old")
    retired = SigningKey.objects.get(organisation=organisation)
    services.rotate_signing_key(organisation=organisation, actor=org_admin)
    new = issue(key="new")
    assert old.document["proof"]["verificationMethod"] != new.document["proof"]["verificationMethod"]
    for credential in (old, new):
        assert verify(credential.document, resolver=identity.resolver()).valid
    retired.refresh_from_db()
    assert retired.retired_at is not None
    assert SigningKey.objects.filter(organisation=organisation, retired_at=None).count() == 1
    published = client.get("/organisations/cje-test/did.json").json()
    ids = [method["id"] for method in published["verificationMethod"]]
    assert old.document["proof"]["verificationMethod"] in ids and len(ids) == 2
    assert published["assertionMethod"] == ids
    assert AuditEvent.objects.get(verb="signing_key.rotated").actor == org_admin


def test_a_revocation_after_rotation_is_signed_with_the_new_key(issue, organisation, org_admin):
    old = issue(key="old")
    services.rotate_signing_key(organisation=organisation, actor=org_admin)
    services.revoke_credential(credential=old, reason="Erreur", actor=org_admin)
    old.status_list.refresh_from_db()
    current = SigningKey.objects.get(organisation=organisation, retired_at=None)
    assert old.status_list.published["proof"]["verificationMethod"].endswith("#" + current.fragment)
    report = verify(old.document, resolver=identity.resolver())
    assert next(c.code for c in report.checks if c.name == "status") == "status.revoked"


def test_keys_of_one_organisation_do_not_sign_for_another(issue, organisation, make_user):
    from carnet.organisations.services import create_organisation

    other = create_organisation(name="Autre", kind="college", admin=make_user("a@other.test"), slug="autre")
    assert signer().key_for(other).id != signer().key_for(organisation).id
    document = issue().document
    forged = {**document, "issuer": {**document["issuer"], "id": identity.organisation_did(other)}}
    assert not verify(forged, resolver=identity.resolver()).valid
