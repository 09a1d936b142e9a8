"""Deleting an account erases the person's data; what was issued to them stays verifiable."""

from __future__ import annotations

from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core.files.storage import default_storage
from django.utils import timezone

from carnet.audit.models import AuditEvent
from carnet.audit.services import record_event
from carnet.credentials import verify
from carnet.employers.models import Contact
from carnet.inbox.models import Notification
from carnet.issuing import bulk, identity
from carnet.issuing.models import AttestedLevel, IssuanceJob, IssuedCredential, ProvenLevel, SearchProfile
from carnet.organisations.models import Invitation, Membership
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
    full_learner, make_user, confirm, django_capture_on_commit_callbacks
):
    marie = confirm(make_user("marie@example.test"))
    Endorsement.objects.update(endorser_address="marie@example.test", endorser_account=marie)
    delete(marie, django_capture_on_commit_callbacks)
    endorsement = Endorsement.objects.get(invitation__request__learner=full_learner)
    assert endorsement.endorser_email == "" and endorsement.context == "Ligue de hockey novice"
    assert endorsement.endorser_address == "" and endorsement.endorser_account is None
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


@pytest.mark.parametrize("confirmed", [False, True])
def test_only_a_confirmed_address_takes_what_others_wrote_under_it(
    confirmed, organisation, version, org_admin, make_user, confirm, django_capture_on_commit_callbacks
):
    from carnet.issuing import services as issuing

    issued = issuing.issue_credential(
        organisation=organisation, version=version, recipient=None, recipient_email="victim@example.org",
        idempotency_key="victim-1", source="bulk",
    )  # fmt: skip
    Invitation.objects.create(
        organisation=organisation, email="victim@example.org", role=Membership.Role.ASSESSOR,
        token_hash="victim-invitation", invited_by=org_admin, expires_at=timezone.now() + timedelta(days=7),
    )  # fmt: skip
    someone = make_user("Victim@example.org")  # the same address, another case
    if confirmed:
        confirm(someone)
    delete(someone, django_capture_on_commit_callbacks)
    issued.refresh_from_db()
    if confirmed:  # they proved the address is theirs: it names them no more
        assert issued.recipient_email == "" and not Invitation.objects.exists()
    else:  # nobody proved it: the credential and the invitation stay their owner's
        assert issued.recipient_email == "victim@example.org"
        assert Invitation.objects.filter(email="victim@example.org").exists()


def test_a_bulk_upload_report_forgets_the_person_and_keeps_the_others(
    organisation, version, org_admin, make_user, confirm, django_capture_on_commit_callbacks
):
    gone = confirm(make_user("gone@example.org"))
    job = bulk.preview_csv_job(
        organisation=organisation, version=version, actor=org_admin, filename="cohorte.csv",
        data=b"courriel;nom\ngone@example.org;Gone Person\nGONE@example.org;Gone Person\n"
        b"stay@example.org;Stay\nstay@example.org;Stay\npas-un-courriel;Nobody\n",
    )  # fmt: skip
    assert "gone@example.org" in str(job.report).lower()
    delete(gone, django_capture_on_commit_callbacks)
    job = IssuanceJob.objects.get(pk=job.pk)
    assert "gone" not in str(job.report).lower() and "Gone Person" not in str(job.report)
    assert {e["email"] for e in job.report} == {"", "stay@example.org", "pas-un-courriel"}
    assert all(e["line"] and (e["errors"] or e["warnings"]) for e in job.report)  # what was wrong stays


def test_the_audit_trail_forgets_the_whole_address_only(
    make_user, confirm, django_capture_on_commit_callbacks
):
    person = confirm(make_user("a@b.co"))
    about_them = record_event(verb="member.invited", data={"email": "A@b.co", "role": "assessor"})
    in_a_sentence = record_event(verb="member.invited", data={"note": "écrit à a@b.co."})
    longer = record_event(verb="member.invited", data={"email": "ja@b.com", "role": "assessor"})
    other = record_event(verb="member.invited", data={"email": "a@b.co.uk", "role": "assessor"})
    delete(person, django_capture_on_commit_callbacks)
    for event in (about_them, in_a_sentence, longer, other):
        event.refresh_from_db()
    assert about_them.data == {} and in_a_sentence.data == {}
    assert longer.data["email"] == "ja@b.com" and other.data["email"] == "a@b.co.uk"


@pytest.mark.parametrize("typed", ["Marie+club@Example.test", "ailleurs@example.test"])
def test_endorsements_they_gave_under_a_variant_or_signed_in_forget_them_and_their_hashes(
    full_learner, make_user, confirm, typed, django_capture_on_commit_callbacks
):
    from carnet.recognition.fingerprints import normalise_email

    marie = confirm(make_user("marie@example.test"))
    account = marie if typed.startswith("ailleurs") else None  # typed elsewhere, but signed in
    Endorsement.objects.update(
        endorser_email=typed, endorser_address=normalise_email(typed), endorser_account=account,
        ip_hash="ip", device_hash="navigateur",
    )  # fmt: skip
    delete(marie, django_capture_on_commit_callbacks)
    endorsement = Endorsement.objects.get(invitation__request__learner=full_learner)
    assert (endorsement.endorser_email, endorsement.endorser_address) == ("", "")
    assert (endorsement.ip_hash, endorsement.device_hash) == ("", "")
