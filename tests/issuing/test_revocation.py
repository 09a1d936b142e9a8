"""Revocation, suspension and reinstatement: the status bit, the republished list, what verifiers
see, the audit trail and the email to the holder."""

from __future__ import annotations

import pytest
from django.core import mail

from carnet.audit.models import AuditEvent
from carnet.credentials import verify
from carnet.credentials.status import read_status
from carnet.issuing import identity, services
from carnet.issuing.models import IssuedCredential

pytestmark = pytest.mark.django_db


def status_code(credential):
    report = verify(credential.document, resolver=identity.resolver())
    return report.valid, next(c.code for c in report.checks if c.name == "status")


def test_revoking_sets_the_bit_and_verification_says_revoked(
    issue, org_admin, django_capture_on_commit_callbacks
):
    credential = issue()
    with django_capture_on_commit_callbacks(execute=True):
        services.revoke_credential(credential=credential, reason="Obtenue par erreur", actor=org_admin)
    assert status_code(credential) == (False, "status.revoked")
    credential.refresh_from_db()
    assert credential.status == "revoked" and credential.status_reason == "Obtenue par erreur"
    assert read_status(credential.status_list.published, credential.document["credentialStatus"]) is True
    assert "révoquée" in mail.outbox[-1].subject and "Obtenue par erreur" in mail.outbox[-1].body
    event = AuditEvent.objects.get(verb="credential.revoked")
    assert event.actor == org_admin and event.data == {"reason": "Obtenue par erreur"}


def test_revoking_touches_no_other_credential(issue, org_admin):
    kept, revoked = issue(key="a"), issue(key="b")
    services.revoke_credential(credential=revoked, reason="Erreur", actor=org_admin)
    assert status_code(kept) == (True, "status.ok")


def test_a_revocation_is_final(issue, org_admin):
    credential = issue()
    services.revoke_credential(credential=credential, reason="Fraude", actor=org_admin)
    for change in (services.suspend_credential, services.revoke_credential):
        with pytest.raises(services.IssuingError):
            change(credential=credential, reason="x", actor=org_admin)
    with pytest.raises(services.IssuingError):
        services.reinstate_credential(credential=credential, actor=org_admin)
    assert status_code(credential) == (False, "status.revoked")


def test_a_reason_is_required(issue, org_admin):
    credential = issue()
    for change in (services.revoke_credential, services.suspend_credential):
        with pytest.raises(services.IssuingError):
            change(credential=credential, reason="  ", actor=org_admin)
    assert IssuedCredential.objects.get().status == "active"


def test_a_suspension_can_be_lifted(issue, org_admin, django_capture_on_commit_callbacks):
    credential = issue()
    with django_capture_on_commit_callbacks(execute=True):
        services.suspend_credential(credential=credential, reason="Vérification en cours", actor=org_admin)
    assert credential.status == "suspended" and status_code(credential)[0] is False
    assert "suspendue" in mail.outbox[-1].subject
    with django_capture_on_commit_callbacks(execute=True):
        services.reinstate_credential(credential=credential, actor=org_admin)
    assert status_code(credential) == (True, "status.ok")
    assert (
        IssuedCredential.objects.get().status == "active" and "de nouveau valide" in mail.outbox[-1].subject
    )
    verbs = list(AuditEvent.objects.filter(verb__startswith="credential.").values_list("verb", flat=True))
    assert sorted(verbs) == ["credential.issued", "credential.reinstated", "credential.suspended"]


def test_only_a_suspended_credential_is_reinstated(issue, org_admin):
    with pytest.raises(services.IssuingError):
        services.reinstate_credential(credential=issue(), actor=org_admin)


def test_a_suspended_credential_can_be_revoked(issue, org_admin):
    credential = issue()
    services.suspend_credential(credential=credential, reason="Enquête", actor=org_admin)
    services.revoke_credential(credential=credential, reason="Fraude confirmée", actor=org_admin)
    assert status_code(credential) == (False, "status.revoked")


def test_the_status_list_is_served_with_short_cache_and_an_etag(issue, org_admin, client):
    credential = issue()
    url = credential.document["credentialStatus"]["statusListCredential"]
    path = url.removeprefix("http://127.0.0.1:8000")
    response = client.get(path)
    assert response.status_code == 200 and response["Cache-Control"] == "public, max-age=60"
    assert response.json()["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert response.json()["id"] == url
    assert client.get(path, headers={"if-none-match": response["ETag"]}).status_code == 304
    services.revoke_credential(credential=credential, reason="Erreur", actor=org_admin)
    changed = client.get(path, headers={"if-none-match": response["ETag"]})
    assert changed.status_code == 200 and changed["ETag"] != response["ETag"]


def test_unknown_status_lists_are_not_found(issue, client):
    issue()
    for path in (
        "/organisations/cje-test/statuts/revocation/2",
        "/organisations/cje-test/statuts/suspension/1",
        "/organisations/nobody/statuts/revocation/1",
    ):
        assert client.get(path).status_code == 404, path
    assert client.post("/organisations/cje-test/statuts/revocation/1").status_code == 405
