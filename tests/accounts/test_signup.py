"""Sign-up by email with verification, login by emailed code, password reset (django-allauth)."""

from __future__ import annotations

import re

import pytest
from django.core import mail

pytestmark = pytest.mark.django_db


def test_sign_up_sends_a_verification_email(client):
    response = client.post(
        "/comptes/signup/",
        {
            "email": "nouveau@example.test",
            "password1": "une phrase de passe longue",
            "password2": "une phrase de passe longue",
            "privacy_notice": "on",
        },
    )
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "nouveau@example.test" in mail.outbox[0].to


def test_an_unverified_account_cannot_sign_in_yet(client, learner):
    response = client.post("/comptes/login/", {"login": learner.email, "password": "a long test password"})
    assert response.status_code == 302
    assert "/comptes/confirm-email/" in response["Location"]
    assert len(mail.outbox) == 1


def test_login_by_emailed_code(client, learner):
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=learner, email=learner.email, verified=True, primary=True)
    client.post("/comptes/login/code/", {"email": learner.email})
    assert len(mail.outbox) == 1
    code = re.search(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", mail.outbox[0].body, re.M)
    assert code, mail.outbox[0].body
    response = client.post("/comptes/login/code/confirm/", {"code": code.group(1)})
    assert response.status_code == 302
    assert "Mon carnet" in client.get("/").content.decode()


def test_password_reset_sends_a_link(client, learner):
    client.post("/comptes/password/reset/", {"email": learner.email})
    assert len(mail.outbox) == 1
    assert "/comptes/password/reset/key/" in mail.outbox[0].body
