"""The pages of issued credentials: an organisation's list and detail, the admins' suspend, reinstate
and revoke, and the holder's own page and download. Who may see and do what is tested for each."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from carnet.credentials import verify
from carnet.issuing import identity
from carnet.issuing.models import IssuedCredential
from carnet.issuing.selectors import history
from carnet.portfolio.services import create_share_link, set_visibility, withdraw_share_link

pytestmark = pytest.mark.django_db


def detail(credential):
    return reverse("issued:credential", args=[credential.organisation.slug, credential.uuid])


def change(credential):
    return reverse("issued:change_status", args=[credential.organisation.slug, credential.uuid])


def test_admins_and_assessors_list_what_their_organisation_issued(
    client, issue, org_admin, assessor, learner
):
    credential = issue()
    for person in (org_admin, assessor):
        client.force_login(person)
        page = client.get(reverse("issued:list", args=[credential.organisation.slug]))
        assert page.status_code == 200
        assert learner.email in page.content.decode() and detail(credential) in page.content.decode()


@pytest.mark.parametrize("who", ["outsider", "learner", "employer"])
def test_others_cannot_see_the_list_or_a_credential(client, issue, request, who):
    credential = issue()
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("issued:list", args=[credential.organisation.slug])).status_code == 404
    assert client.get(detail(credential)).status_code == 404
    response = client.post(change(credential), {"action": "revoke", "reason": "x", "confirm": "on"})
    assert response.status_code == 404
    assert IssuedCredential.objects.get().status == "active"


def test_anonymous_visitors_are_sent_to_log_in(client, issue):
    credential = issue()
    assert client.get(detail(credential)).status_code == 302
    assert client.get(reverse("issued:mine", args=[credential.uuid])).status_code == 302


def test_the_list_filters_by_person_and_state(client, issue, org_admin, outsider):
    kept = issue(key="a")
    other = issue(key="b", recipient=outsider, recipient_email=outsider.email)
    other.status = "suspended"
    other.save(update_fields=["status"])
    client.force_login(org_admin)
    url = reverse("issued:list", args=[kept.organisation.slug])
    suspended = client.get(url, {"status": "suspended"}).content.decode()
    assert detail(other) in suspended and detail(kept) not in suspended
    by_person = client.get(url, {"q": outsider.email[:6]}).content.decode()
    assert detail(other) in by_person and detail(kept) not in by_person


def test_an_admin_suspends_then_reinstates_and_verifiers_follow(
    client, issue, org_admin, django_capture_on_commit_callbacks
):
    credential = issue()
    client.force_login(org_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(change(credential), {"action": "suspend", "reason": "Vérification en cours"})
    assert response.status_code == 302
    credential.refresh_from_db()
    assert credential.status == "suspended" and credential.status_reason == "Vérification en cours"
    assert not verify(credential.document, resolver=identity.resolver()).valid
    page = client.get(detail(credential)).content.decode()
    assert "Vérification en cours" in page and "Rétablir cette microattestation" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(change(credential), {"action": "reinstate", "reason": ""})
    credential.refresh_from_db()
    assert credential.status == "active"
    assert verify(credential.document, resolver=identity.resolver()).valid


def test_the_history_leaves_out_what_the_holder_did_with_it(client, issue, org_admin, learner):
    """Its visibility and its share links are the holder's business, not the issuer's."""
    credential = issue()
    set_visibility(credential=credential, visibility="link", actor=learner)
    link, _token = create_share_link(credential=credential, days=7, actor=learner)
    withdraw_share_link(link=link, actor=learner)
    client.force_login(org_admin)
    page = client.get(detail(credential)).content.decode()
    assert "délivrée" in page
    assert "visibility" not in page and "share_link" not in page
    assert [event.verb for event in history(credential)] == ["credential.issued"]


def test_revoking_needs_a_reason_and_a_confirmation(client, issue, org_admin):
    credential = issue()
    client.force_login(org_admin)
    no_confirmation = client.post(change(credential), {"action": "revoke", "reason": "Fraude"})
    assert no_confirmation.status_code == 400
    assert "Cochez cette case" in no_confirmation.content.decode()
    no_reason = client.post(change(credential), {"action": "revoke", "reason": " ", "confirm": "on"})
    assert no_reason.status_code == 400 and "Indiquez le motif" in no_reason.content.decode()
    assert IssuedCredential.objects.get().status == "active"
    client.post(change(credential), {"action": "revoke", "reason": "Fraude", "confirm": "on"})
    assert IssuedCredential.objects.get().status == "revoked"
    again = client.post(change(credential), {"action": "reinstate"})
    assert again.status_code == 400 and "Seule une microattestation suspendue" in again.content.decode()


def test_an_assessor_sees_but_cannot_change(client, issue, assessor):
    credential = issue()
    client.force_login(assessor)
    page = client.get(detail(credential)).content.decode()
    assert "Suspendre cette microattestation" not in page
    response = client.post(change(credential), {"action": "suspend", "reason": "x"})
    assert response.status_code == 404
    assert IssuedCredential.objects.get().status == "active"


def test_an_admin_of_another_organisation_cannot_reach_it(client, issue, make_user):
    from carnet.organisations.services import create_organisation

    credential = issue()
    other_admin = make_user("autre-admin@example.org")
    other = create_organisation(name="Autre organisme", kind="community", admin=other_admin)
    client.force_login(other_admin)
    assert client.get(reverse("issued:credential", args=[other.slug, credential.uuid])).status_code == 404
    assert client.get(detail(credential)).status_code == 404


def test_the_holder_sees_their_credential_and_downloads_it_signed(client, issue, learner):
    credential = issue()
    client.force_login(learner)
    page = client.get(reverse("issued:mine", args=[credential.uuid]))
    assert page.status_code == 200 and "Fiabilité" in page.content.decode()
    download = client.get(reverse("issued:download", args=[credential.uuid]))
    assert download["Content-Disposition"].startswith("attachment")
    document = json.loads(download.content)
    assert document == credential.document
    assert verify(document, resolver=identity.resolver()).valid
    assert "Fiabilité" in client.get(reverse("home")).content.decode()


def test_nobody_else_downloads_a_holders_credential(client, issue, outsider, org_admin):
    credential = issue()
    for person in (outsider, org_admin):
        client.force_login(person)
        assert client.get(reverse("issued:mine", args=[credential.uuid])).status_code == 404
        assert client.get(reverse("issued:download", args=[credential.uuid])).status_code == 404


def test_the_pages_read_in_english(client, issue, org_admin):
    credential = issue()
    client.force_login(org_admin)
    page = client.get("/en" + detail(credential)).content.decode()
    assert "Suspend this micro-credential" in page
