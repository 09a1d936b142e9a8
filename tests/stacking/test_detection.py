"""When a micro-credential is issued, the certificates its holder now completes are issued at once
(automatic) — never before they are complete, counting nested groups, other organisations' micro-
credentials only when the certificate accepts them, and only credentials that count today."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from carnet.audit.models import AuditEvent
from carnet.inbox.models import Notification
from carnet.issuing import services as issuing
from carnet.issuing.models import IssuedCredential
from carnet.stacking.models import IssuedCertificate

pytestmark = pytest.mark.django_db


def test_it_issues_an_automatic_certificate_when_the_last_micro_credential_is_issued(
    make_certificate, versions, issue, learner, on_commit
):
    a, b, *_ = versions
    certificate = make_certificate([(None, "all", 1, (a, b))])
    with on_commit():
        first = issue(a)
    assert not IssuedCertificate.objects.exists()  # not before it is complete
    with on_commit():
        second = issue(b)
    issued = IssuedCertificate.objects.get()
    assert issued.certificate == certificate and issued.recipient == learner
    assert issued.recipient_email == learner.email and issued.confirmed_by is None
    assert set(issued.credentials.all()) == {first, second}
    assert AuditEvent.objects.get(verb="certificate.issued").data["issuance"] == "automatic"


def test_the_holder_is_told_in_app_and_by_email(make_certificate, versions, issue, learner, on_commit):
    a, b, *_ = versions
    make_certificate([(None, "all", 1, (a, b))])
    with on_commit():
        issue(a)
        issue(b)
    issued = IssuedCertificate.objects.get()
    notification = Notification.objects.get(user=learner, kind="certificate.issued")
    assert notification.link == f"/mes-certificats/{issued.uuid}/"
    assert notification.data["title_fr"] == "Prêt·e pour l'emploi"
    (email,) = [m for m in mail.outbox if "certificat" in m.subject]
    assert email.to == [learner.email]
    assert "Votre certificat « Prêt·e pour l'emploi » est délivré" in email.subject
    assert f"/mes-certificats/{issued.uuid}/" in email.body and "CLR 2.0" in email.body


def test_nested_groups_count(make_certificate, versions, issue, on_commit):
    a, b, c, d = versions
    # all of: A, and 1 of (B, or all of (C, D))
    make_certificate([(None, "all", 1, (a,)), (0, "n_of", 1, (b,)), (1, "all", 1, (c, d))])
    with on_commit():
        issue(a)
        issue(c)
    assert not IssuedCertificate.objects.exists()  # C without D satisfies nothing
    with on_commit():
        made_d = issue(d)
    issued = IssuedCertificate.objects.get()
    assert {c.micro_credential_version for c in issued.credentials.all()} == {a, c, d}
    assert made_d in issued.credentials.all()


def test_it_bundles_only_what_satisfies_the_certificate(make_certificate, versions, issue, on_commit):
    a, b, c, d = versions
    # all of: A, and 1 of (B, or all of (C, D)): C alone does not help
    make_certificate([(None, "all", 1, (a,)), (0, "n_of", 1, (b,)), (1, "all", 1, (c, d))])
    with on_commit():
        issue(c)
        issue(a)
        issue(b)
    issued = IssuedCertificate.objects.get()
    assert {c.micro_credential_version for c in issued.credentials.all()} == {a, b}


def test_another_organisations_micro_credential_counts_when_the_certificate_accepts_it(
    make_certificate, versions, other_org, publish, issue, on_commit
):
    a, *_ = versions
    theirs = publish(other_org, "Secourisme")
    make_certificate([(None, "all", 1, (a, theirs))], accepts_other_organisations=True)
    with on_commit():
        issue(a)
        issue(theirs)
    issued = IssuedCertificate.objects.get()
    assert {c.organisation for c in issued.credentials.all()} == {a.micro_credential.organisation, other_org}


def test_another_organisations_micro_credential_counts_only_when_accepted(
    make_certificate, versions, other_org, publish, issue, on_commit
):
    a, *_ = versions
    theirs = publish(other_org, "Secourisme")
    certificate = make_certificate([(None, "all", 1, (a, theirs))], accepts_other_organisations=True)
    # The catalogue refuses such a tree; if the setting changed under it, theirs still does not count.
    type(certificate).objects.filter(pk=certificate.pk).update(accepts_other_organisations=False)
    with on_commit():
        issue(a)
        issue(theirs)
    assert not IssuedCertificate.objects.exists()


def test_a_revoked_micro_credential_does_not_count(make_certificate, versions, issue, org_admin, on_commit):
    a, b, *_ = versions
    make_certificate([(None, "all", 1, (a, b))])
    with on_commit():
        first = issue(a)
        issuing.revoke_credential(credential=first, reason="Erreur", actor=org_admin)
        issue(b)
    assert not IssuedCertificate.objects.exists()


def test_a_suspended_micro_credential_does_not_count(make_certificate, versions, issue, org_admin, on_commit):
    a, b, *_ = versions
    make_certificate([(None, "all", 1, (a, b))])
    with on_commit():
        first = issue(a)
        issuing.suspend_credential(credential=first, reason="Vérification", actor=org_admin)
        issue(b)
    assert not IssuedCertificate.objects.exists()


def test_an_expired_micro_credential_does_not_count(make_certificate, versions, issue, on_commit):
    a, b, *_ = versions
    make_certificate([(None, "all", 1, (a, b))])
    with on_commit():
        first = issue(a)
    IssuedCredential.objects.filter(pk=first.pk).update(valid_until=timezone.now() - timedelta(days=1))
    with on_commit():
        issue(b)
    assert not IssuedCertificate.objects.exists()


def test_a_draft_certificate_is_not_issued(make_certificate, versions, issue, on_commit):
    a, b, *_ = versions
    certificate = make_certificate([(None, "all", 1, (a, b))])
    type(certificate).objects.filter(pk=certificate.pk).update(status="draft")
    with on_commit():
        issue(a)
        issue(b)
    assert not IssuedCertificate.objects.exists()


def test_a_credential_without_an_account_completes_nothing(
    make_certificate, versions, issue, learner, organisation, on_commit
):
    a, b, *_ = versions
    make_certificate([(None, "all", 1, (a, b))])
    with on_commit():
        issue(a)
        issuing.issue_credential(
            organisation=organisation, version=b, recipient=None, recipient_email=learner.email,
            idempotency_key="email-only", source="bulk",
        )  # fmt: skip
    assert not IssuedCertificate.objects.exists()


def test_each_person_gets_their_own(make_certificate, versions, issue, make_user, on_commit):
    a, b, *_ = versions
    make_certificate([(None, "all", 1, (a, b))])
    other = make_user("autre@example.test")
    with on_commit():
        issue(a)
        issue(b)
        issue(a, to=other)
    assert IssuedCertificate.objects.count() == 1
    with on_commit():
        issue(b, to=other)
    assert sorted(IssuedCertificate.objects.values_list("recipient_email", flat=True)) == [
        "autre@example.test",
        "learner@example.test",
    ]
