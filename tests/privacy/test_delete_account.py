"""Deleting an account erases the person's data; what was issued to them stays verifiable."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.core.files.storage import default_storage

from carnet.audit.models import AuditEvent
from carnet.credentials import verify
from carnet.employers.models import Contact
from carnet.inbox.models import Notification
from carnet.issuing import identity
from carnet.issuing.models import AttestedLevel, IssuedCredential, ProvenLevel, SearchProfile
from carnet.organisations.models import Membership
from carnet.portfolio.models import CredentialSharing, ImportedBadge, PublicProfile, SearchConsent, ShareLink
from carnet.privacy import services
from carnet.privacy.models import ConsentRecord, DataExport
from carnet.recognition.models import (
    Endorsement,
    EndorsementInvitation,
    Evidence,
    RecognitionRequest,
    SkillClaim,
)

pytestmark = pytest.mark.django_db


def delete(user, capture):
    with capture(execute=True):
        return services.delete_account(user=user)


def test_nothing_about_the_person_remains(full_learner, credential, django_capture_on_commit_callbacks):
    user, email, stored = full_learner, full_learner.email, full_learner.evidence_file
    assert default_storage.exists(stored)
    reference = delete(user, django_capture_on_commit_callbacks)
    assert not type(user).objects.filter(pk=user.pk).exists()
    assert not type(user).objects.filter(email__iexact=email).exists()
    for model, lookup in [
        (EmailAddress, {"user": user.pk}), (SkillClaim, {"learner": user.pk}),
        (RecognitionRequest, {"learner": user.pk}), (Evidence, {"request__learner": user.pk}),
        (EndorsementInvitation, {"request__learner": user.pk}), (Endorsement, {"invitation__request__learner": user.pk}),
        (ShareLink, {"credential": credential.pk}), (CredentialSharing, {"credential": credential.pk}),
        (ImportedBadge, {"holder": user.pk}), (PublicProfile, {"user": user.pk}), (SearchConsent, {"user": user.pk}),
        (AttestedLevel, {"learner": user.pk}), (ProvenLevel, {"learner": user.pk}), (SearchProfile, {"learner": user.pk}),
        (Contact, {"learner": user.pk}), (Notification, {"user": user.pk}), (Membership, {"user": user.pk}),
        (DataExport, {"user": user.pk}), (ConsentRecord, {"user": user.pk}), (AuditEvent, {"actor": user.pk}),
        (IssuedCredential, {"recipient": user.pk}), (IssuedCredential, {"recipient_email__iexact": email}),
    ]:  # fmt: skip
        assert not model.objects.filter(**lookup).exists(), model.__name__
    assert not default_storage.exists(stored)
    assert not AuditEvent.objects.filter(data__icontains=email).exists()
    assert not AuditEvent.objects.filter(target_type="accounts.user", target_id=str(user.pk)).exists()
    # The consents become a minimal proof under the reference, which the deletion's event names.
    proofs = ConsentRecord.objects.filter(subject=f"deleted:{reference}")
    assert {(r.purpose, r.given) for r in proofs} == {("search", True)}
    event = AuditEvent.objects.get(verb="account.deleted")
    assert event.actor is None and event.data == {"reference": reference, "credentials_kept": 1}


def test_a_credential_issued_before_still_verifies(
    full_learner, credential, django_capture_on_commit_callbacks
):
    document = credential.document
    delete(full_learner, django_capture_on_commit_callbacks)
    credential.refresh_from_db()
    assert (
        credential.document == document and credential.recipient is None and credential.recipient_email == ""
    )
    report = verify(document, resolver=identity.resolver())
    assert report.valid, report.checks
    assert next(c.code for c in report.checks if c.name == "status") == "status.ok"
    # The organisation keeps it in its register, and can still revoke it.
    assert credential.organisation.issued_credentials.filter(pk=credential.pk).exists()


def test_the_last_admin_of_an_organisation_is_refused(org_admin, organisation):
    with pytest.raises(services.PrivacyError, match="CJE Test"):
        services.delete_account(user=org_admin)
    assert type(org_admin).objects.filter(pk=org_admin.pk).exists()


def test_an_admin_with_another_admin_may_leave(
    org_admin, organisation, make_user, django_capture_on_commit_callbacks
):
    from carnet.organisations.services import add_member

    add_member(organisation=organisation, user=make_user("second@org.test"), role=Membership.Role.ADMIN)
    delete(org_admin, django_capture_on_commit_callbacks)
    assert Membership.objects.filter(organisation=organisation, role="admin").count() == 1


def test_endorsements_they_gave_keep_the_testimony_without_their_email(
    full_learner, make_user, django_capture_on_commit_callbacks
):
    marie = make_user("marie@example.test")
    delete(marie, django_capture_on_commit_callbacks)
    endorsement = Endorsement.objects.get(invitation__request__learner=full_learner)
    assert endorsement.endorser_email == "" and endorsement.context == "Ligue de hockey novice"
    assert endorsement.invitation.email == ""


def test_the_organisation_sees_its_credential_without_the_person(
    full_learner, credential, org_admin, client, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    delete(full_learner, django_capture_on_commit_callbacks)
    client.force_login(org_admin)
    for url in (
        reverse("issued:list", args=[credential.organisation.slug]),
        reverse("issued:credential", args=[credential.organisation.slug, credential.uuid]),
    ):
        page = client.get(url).content.decode()
        assert "Compte supprimé" in page and full_learner.email not in page and "Alex Learner" not in page
