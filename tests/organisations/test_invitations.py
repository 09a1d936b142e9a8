"""Inviting someone who has no account yet: an emailed link, single-use, expiring, cancellable."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from carnet.audit.models import AuditEvent
from carnet.organisations import services
from carnet.organisations.models import Invitation, Membership
from carnet.site.tokens import token_hash

pytestmark = pytest.mark.django_db
URL = "/organisations/cje-test/membres/"


def invite(client, org_admin, email="new.assessor@example.test", role="assessor", capture=None):
    client.force_login(org_admin)
    with capture(execute=True):
        response = client.post(URL, {"email": email, "role": role})
    client.logout()
    assert response.status_code == 302
    return re.search(r"https?://\S+/invitations/(\S+)/", mail.outbox[-1].body).group(1)


def test_an_unknown_email_gets_an_invitation_in_both_languages(
    client, org_admin, organisation, django_capture_on_commit_callbacks
):
    token = invite(client, org_admin, capture=django_capture_on_commit_callbacks)
    message = mail.outbox[-1]
    assert message.to == ["new.assessor@example.test"]
    assert "CJE Test" in message.subject and "Invitation" in message.subject
    assert "Vous êtes invité·e à rejoindre CJE Test" in message.body
    assert (
        "You are invited to join CJE Test" in message.body
        and "Invitation to join CJE Test" in message.subject
    )
    invitation = Invitation.objects.get()
    assert invitation.token_hash != token and token not in str(invitation.__dict__)
    assert AuditEvent.objects.filter(verb="member.invited", organisation=organisation).exists()
    client.force_login(org_admin)
    assert "new.assessor@example.test" in client.get(URL).content.decode()


def test_a_new_person_signs_up_then_accepts(
    client, org_admin, organisation, make_user, django_capture_on_commit_callbacks
):
    token = invite(client, org_admin, capture=django_capture_on_commit_callbacks)
    page = client.get(f"/invitations/{token}/").content.decode()
    assert "CJE Test" in page and "Créer mon compte" in page
    newcomer = make_user("new.assessor@example.test")
    client.force_login(newcomer)
    assert client.post(f"/invitations/{token}/").status_code == 302
    assert Membership.objects.get(organisation=organisation, user=newcomer).role == "assessor"
    assert client.post(f"/invitations/{token}/").status_code == 410  # single use
    assert AuditEvent.objects.filter(verb="member.joined", actor=newcomer).exists()


def test_an_expired_or_cancelled_link_says_so(
    client, org_admin, organisation, outsider, django_capture_on_commit_callbacks
):
    token = invite(client, org_admin, capture=django_capture_on_commit_callbacks)
    Invitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    client.force_login(outsider)
    response = client.post(f"/invitations/{token}/")
    assert response.status_code == 410 and "plus valide" in response.content.decode()
    assert not Membership.objects.filter(user=outsider).exists()

    token = invite(client, org_admin, email="other@example.test", capture=django_capture_on_commit_callbacks)
    invitation = Invitation.objects.get(email="other@example.test")
    client.force_login(org_admin)
    client.post(f"/organisations/cje-test/invitations/{invitation.pk}/annuler/")
    client.force_login(outsider)
    assert client.post(f"/invitations/{token}/").status_code == 410


def test_a_new_invitation_replaces_the_previous_link(
    client, org_admin, organisation, outsider, django_capture_on_commit_callbacks
):
    first = invite(client, org_admin, capture=django_capture_on_commit_callbacks)
    second = invite(client, org_admin, capture=django_capture_on_commit_callbacks)
    client.force_login(outsider)
    assert client.get(f"/invitations/{first}/").status_code == 410
    assert client.get(f"/invitations/{second}/").status_code == 200


def test_a_made_up_token_is_refused(client, outsider):
    client.force_login(outsider)
    assert client.post("/invitations/not-a-real-token/").status_code == 410


def test_accepting_never_lowers_an_admins_role(client, org_admin, organisation):
    invitation = services.invite_member(
        organisation=organisation, email="later@example.test", role="member", invited_by=org_admin
    )
    assert invitation is not None
    token = "x" * 43
    Invitation.objects.filter(pk=invitation.pk).update(token_hash=token_hash(token))
    services.accept_invitation(token=token, user=org_admin)
    assert Membership.objects.get(organisation=organisation, user=org_admin).role == "admin"


def test_only_the_organisations_admins_cancel_invitations(
    client, org_admin, organisation, assessor, outsider, employer
):
    invitation = services.invite_member(
        organisation=organisation, email="later@example.test", role="member", invited_by=org_admin
    )
    for person in (assessor, outsider, employer):
        client.force_login(person)
        assert client.post(f"/organisations/cje-test/invitations/{invitation.pk}/annuler/").status_code == 404
    client.logout()
    response = client.post(f"/organisations/cje-test/invitations/{invitation.pk}/annuler/")
    assert response.status_code == 302 and "/comptes/login/" in response["Location"]
    invitation.refresh_from_db()
    assert invitation.cancelled_at is None
