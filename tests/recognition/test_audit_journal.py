"""The audit trail page of an organisation: its admins read it (and download it); nobody else does."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from carnet.audit.models import AuditEvent
from carnet.audit.selectors import trail
from carnet.audit.services import record_event
from carnet.organisations.services import create_organisation
from carnet.recognition import services

pytestmark = pytest.mark.django_db


def journal(organisation):
    return reverse("audit:journal", args=[organisation.slug])


def test_the_admin_reads_who_did_what(client, submitted_request, org_admin, learner):
    organisation = submitted_request.organisation
    client.force_login(org_admin)
    page = client.get(journal(organisation)).content.decode()
    assert "Demande soumise" in page and "Demande ouverte" in page
    assert reverse("recognition:review", args=[submitted_request.uuid]) in page
    assert str(learner) in page


def test_a_draft_never_submitted_stays_out_of_the_trail(client, draft_request, org_admin):
    """A draft is its learner's alone: the organisation learns of it when it is submitted."""
    client.force_login(org_admin)
    page = client.get(journal(draft_request.organisation)).content.decode()
    assert "Demande ouverte" not in page
    assert reverse("recognition:review", args=[draft_request.uuid]) not in page


def requests_trail(organisation):
    """The events of the trail about requests (not the catalogue's, the members')."""
    return [e for e in trail(organisation) if e.verb.startswith(("request.", "evidence.", "endorsement."))]


def test_evidence_shows_in_the_trail_once_its_request_is_submitted(ready_request, organisation):
    """Evidence added then removed while drafting, and what the endorser did: nothing of it until
    the learner submits; then the request's whole story."""
    kept = services.add_evidence_note(request=ready_request, title="Photo", description="Une photo.")
    removed = services.add_evidence_note(request=ready_request, title="Brouillon", description="x")
    services.remove_evidence(evidence=removed)
    assert requests_trail(organisation) == []
    services.submit_request(request=ready_request)
    verbs = [event.verb for event in requests_trail(organisation)]
    assert verbs.count("evidence.added") == 2 and "evidence.removed" in verbs and "request.opened" in verbs
    added = trail(organisation).filter(verb="evidence.added").last()
    assert (added.target_type, added.data) == ("recognition.recognitionrequest", {"evidence": kept.pk})


def test_events_naming_evidence_removed_from_a_draft_stay_out(draft_request, organisation):
    """Events recorded before they named the request: their evidence gone, whose draft it was is
    unknown, and they stay out."""
    evidence = services.add_evidence_note(request=draft_request, title="Photo", description="Une photo.")
    record_event(
        verb="evidence.added", actor=draft_request.learner, organisation=organisation, target=evidence
    )
    services.remove_evidence(evidence=evidence)
    assert requests_trail(organisation) == []


def test_it_filters_by_family(client, submitted_request, org_admin):
    client.force_login(org_admin)
    page = client.get(journal(submitted_request.organisation), {"famille": "member"}).content.decode()
    assert "Demande soumise" not in page
    unknown = client.get(journal(submitted_request.organisation), {"famille": "<script>"})
    assert unknown.status_code == 200 and "<script>" not in unknown.content.decode()


def test_the_csv_holds_every_event_of_the_organisation(client, organisation, org_admin, make_user):
    other_admin = make_user("other@org.test")
    other = create_organisation(name="Autre", kind="community", admin=other_admin)
    for number in range(120):
        record_event(verb="member.added", actor=org_admin, organisation=organisation, data={"n": number})
    record_event(verb="member.added", actor=other_admin, organisation=other, data={"secret": True})
    client.force_login(org_admin)
    response = client.get(reverse("audit:journal_csv", args=[organisation.slug]))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["created_at", "verb", "label"]
    expected = AuditEvent.objects.filter(organisation=organisation).count()
    assert len(rows) == expected + 1 and not any("secret" in row[-1] for row in rows)


@pytest.mark.parametrize("who", ["assessor", "learner", "outsider", "employer"])
def test_others_cannot_read_it(client, organisation, request, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(journal(organisation)).status_code == 404
    assert client.get(reverse("audit:journal_csv", args=[organisation.slug])).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, organisation):
    assert client.get(journal(organisation)).status_code == 302


def test_revocations_appear_with_their_reason(client, organisation, org_admin):
    record_event(
        verb="credential.revoked", actor=org_admin, organisation=organisation, data={"reason": "Fraude"}
    )
    client.force_login(org_admin)
    page = client.get(journal(organisation)).content.decode()
    assert "Microattestation révoquée" in page and "Fraude" in page
