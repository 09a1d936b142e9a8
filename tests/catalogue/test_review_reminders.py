"""Review reminders that are never lost: the email goes first, the reminder is recorded only once an
admin got it, a mail failure for one admin stops neither the others nor the run, and each admin gets
one email, in their language then the other, listing all their micro-credentials due."""

from __future__ import annotations

import datetime
import smtplib

import pytest
from django.core import mail
from django.utils import timezone

from carnet.audit.models import AuditEvent
from carnet.catalogue import services
from carnet.catalogue.models import MicroCredential
from carnet.organisations.models import Organisation
from carnet.organisations.services import create_organisation

pytestmark = pytest.mark.django_db


def due(organisation, levels, name, days=10):
    item = services.create_micro_credential(
        organisation=organisation,
        fields={"name_fr": name, "description_fr": "Décrit.", "criteria_fr": "Démontré.",
                "learning_contexts": ["volunteering"], "assessment_method": "observation",
                "endorsements_required": 0},
        alignments=[(levels[0].competency, levels[0])],
    )  # fmt: skip
    services.publish_micro_credential(micro_credential=item)
    MicroCredential.objects.filter(pk=item.pk).update(
        review_due=timezone.localdate() + datetime.timedelta(days=days)
    )
    return item


def failing_for(monkeypatch, addresses, error):
    """The mail server refuses messages to ``addresses`` (the others go to the test outbox)."""
    import carnet.site.mail

    real = carnet.site.mail.send_mail

    def send_mail(**kwargs):
        if set(kwargs["recipient_list"]) & set(addresses):
            raise error
        return real(**kwargs)

    monkeypatch.setattr(carnet.site.mail, "send_mail", send_mail)


def reminded_for(item):
    item.refresh_from_db()
    return item.review_reminded_for


def test_a_mail_server_out_of_reach_loses_no_reminder(organisation, levels, org_admin, monkeypatch):
    item = due(organisation, levels, "Accueil des bénévoles")
    failing_for(monkeypatch, [org_admin.email], OSError("connection refused"))
    mail.outbox.clear()
    assert services.send_review_reminders() == 0
    assert reminded_for(item) is None and mail.outbox == []
    monkeypatch.undo()
    assert services.send_review_reminders() == 1
    assert reminded_for(item) is not None
    assert [message.to for message in mail.outbox] == [[org_admin.email]]


def test_one_admin_refused_does_not_stop_the_others_nor_the_run(
    organisation, levels, org_admin, make_user, monkeypatch
):
    other_admin = make_user("autre@org.test")
    second = create_organisation(
        name="Second", kind=Organisation.Kind.COMMUNITY, admin=other_admin, slug="second"
    )
    first_item = due(organisation, levels, "Accueil des bénévoles")
    second_item = due(second, levels, "Animation d'atelier")
    failing_for(
        monkeypatch, [org_admin.email], smtplib.SMTPRecipientsRefused({org_admin.email: (550, b"no")})
    )
    mail.outbox.clear()
    assert services.send_review_reminders() == 1
    assert reminded_for(first_item) is None and reminded_for(second_item) is not None
    assert [message.to for message in mail.outbox] == [[other_admin.email]]


def test_reached_by_one_admin_it_counts_as_reminded(organisation, levels, org_admin, make_user, monkeypatch):
    from carnet.organisations.models import Membership

    colleague = make_user("collegue@org.test")
    Membership.objects.create(organisation=organisation, user=colleague, role=Membership.Role.ADMIN)
    item = due(organisation, levels, "Accueil des bénévoles")
    failing_for(monkeypatch, [org_admin.email], OSError("timed out"))
    assert services.send_review_reminders() == 1
    assert reminded_for(item) is not None


def test_each_admin_gets_one_email_listing_all_their_reviews_in_both_languages(
    organisation, levels, org_admin
):
    due(organisation, levels, "Accueil des bénévoles")
    due(organisation, levels, "Animation d'atelier", days=-3)
    mail.outbox.clear()
    assert services.send_review_reminders() == 2
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [org_admin.email] and "2 microattestations à réviser" in message.subject
    assert "Accueil des bénévoles" in message.body and "Animation d'atelier" in message.body
    assert "Cette date est passée" in message.body
    assert "\n----------\n" in message.body  # the reader's language, then the other one
    assert services.send_review_reminders() == 0 and len(mail.outbox) == 1


def test_only_a_published_micro_credential_is_marked_reviewed(client, organisation, levels, org_admin):
    from django.urls import reverse

    item = due(organisation, levels, "Accueil des bénévoles")
    services.archive_micro_credential(micro_credential=item)
    with pytest.raises(services.CatalogueError, match="Seule une microattestation publiée se révise"):
        services.mark_reviewed(micro_credential=item, actor=org_admin)
    client.force_login(org_admin)
    response = client.post(reverse("catalogue:reviewed", args=[organisation.slug, item.slug]), follow=True)
    assert "Seule une microattestation publiée se révise" in response.content.decode().replace("&#x27;", "'")
    assert not AuditEvent.objects.filter(verb="micro_credential.reviewed").exists()


def test_a_new_review_date_gets_its_own_reminder(organisation, levels, org_admin):
    item = due(organisation, levels, "Accueil des bénévoles")
    assert services.send_review_reminders() == 1 and reminded_for(item) is not None
    services.mark_reviewed(micro_credential=item, actor=org_admin)
    assert reminded_for(item) is None
