import pytest

from carnet.audit.models import AuditEvent
from carnet.audit.services import record_event

pytestmark = pytest.mark.django_db


def test_it_records_who_did_what_to_which_object(org_admin, organisation):
    event = record_event(
        verb="organisation.renamed", actor=org_admin, organisation=organisation, target=organisation
    )
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.verb, stored.actor, stored.organisation) == (
        "organisation.renamed",
        org_admin,
        organisation,
    )
    assert (stored.target_type, stored.target_id) == ("organisations.organisation", str(organisation.pk))


def test_an_anonymous_actor_is_recorded_as_nobody(organisation):
    from django.contrib.auth.models import AnonymousUser

    event = record_event(verb="endorsement.received", actor=AnonymousUser(), data={"invitation": "x"})
    assert event.actor is None and event.data == {"invitation": "x"}
