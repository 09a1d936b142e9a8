from datetime import timedelta

import pytest
from django.test import RequestFactory
from django.utils import timezone

from carnet.api.keys import ApiKeyError, create_api_key, key_from_token, key_of, revoke_api_key
from carnet.api.models import ApiKey
from carnet.audit.models import AuditEvent
from carnet.organisations.models import Organisation

pytestmark = pytest.mark.django_db


def test_a_key_is_shown_once_and_only_its_hash_is_kept(organisation, org_admin):
    key, token = create_api_key(
        organisation=organisation, name="LMS", scopes=["credentials:issue"], actor=org_admin
    )
    assert token.startswith(f"carnet_{key.prefix}_")
    assert token not in key.secret_hash and len(key.secret_hash) == 64
    assert key_from_token(token) == key
    assert AuditEvent.objects.filter(verb="api_key.created", target_id=str(key.pk)).exists()


def test_a_wrong_secret_an_unknown_prefix_or_garbage_is_refused(organisation, org_admin):
    _key, token = create_api_key(organisation=organisation, name="x", scopes=["audit:read"], actor=org_admin)
    assert key_from_token(token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert key_from_token(f"carnet_000000000000_{token.rsplit('_', 1)[1]}") is None
    for garbage in ["", "carnet_", "carnet__", "Bearer x", "carnet_" + "a" * 200]:
        assert key_from_token(garbage) is None


def test_a_revoked_or_expired_key_stops_working(organisation, org_admin):
    key, token = create_api_key(organisation=organisation, name="x", scopes=["audit:read"], actor=org_admin)
    revoke_api_key(key=key, actor=org_admin)
    assert key_from_token(token) is None
    _old, token = create_api_key(
        organisation=organisation,
        name="y",
        scopes=["audit:read"],
        actor=org_admin,
        expires_at=timezone.now() - timedelta(seconds=1),
    )
    assert key_from_token(token) is None


def test_scopes_must_be_known_and_not_empty(organisation, org_admin):
    for scopes in ([], ["everything"], ["audit:read", "root"]):
        with pytest.raises(ApiKeyError):
            create_api_key(organisation=organisation, name="x", scopes=scopes, actor=org_admin)
    assert not ApiKey.objects.exists()


def test_an_employer_has_no_api_key(org_admin):
    employer = Organisation.objects.create(slug="acme", name="Acme", kind=Organisation.Kind.EMPLOYER)
    with pytest.raises(ApiKeyError):
        create_api_key(organisation=employer, name="x", scopes=["audit:read"], actor=org_admin)


def test_the_key_comes_from_the_bearer_header(organisation, org_admin):
    key, token = create_api_key(organisation=organisation, name="x", scopes=["audit:read"], actor=org_admin)
    factory = RequestFactory()
    assert key_of(factory.get("/", HTTP_AUTHORIZATION=f"Bearer {token}")) == key
    assert key_of(factory.get("/", HTTP_AUTHORIZATION=f"Basic {token}")) is None
    assert key_of(factory.get("/")) is None
    assert key.allows("audit:read") and not key.allows("credentials:issue")
