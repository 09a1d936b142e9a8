"""An organisation's admins see the certificates it issued and revoke one with a reason (both of its
documents stop verifying, its micro-credentials do not change); its assessors see them and cannot
revoke. The holder chooses who sees the certificate's page (private, by link, public), which shows
its live state and links to the micro-credentials only where they are shown too."""

from __future__ import annotations

import html
import json

import pytest
from django.core import mail

from carnet.audit.models import AuditEvent
from carnet.credentials import verify
from carnet.inbox.models import Notification
from carnet.issuing import identity
from carnet.portfolio import services as portfolio
from carnet.portfolio.services import update_profile
from carnet.stacking import services
from carnet.stacking.models import IssuedCertificate

pytestmark = pytest.mark.django_db
LIST = "/organisations/cje-test/certificats-delivres/"


@pytest.fixture
def issued(make_certificate, versions, issue, on_commit):
    a, b, *_ = versions
    make_certificate([(None, "all", 1, (a, b))])
    with on_commit():
        issue(a)
        issue(b)
    return IssuedCertificate.objects.get()


def text(response) -> str:
    return html.unescape(response.content.decode())


def admin_page(issued) -> str:
    return f"{LIST}{issued.uuid}/"


def public_page(issued) -> str:
    return f"/certificats-obtenus/{issued.uuid}/"


REVOKE = {"reason": "Délivré par erreur.", "confirm": "on"}


# -- the organisation's side -----------------------------------------------------------------------


@pytest.mark.parametrize("role", ["org_admin", "assessor"])
def test_admins_and_assessors_see_what_was_issued(issued, client, role, request):
    client.force_login(request.getfixturevalue(role))
    page = text(client.get(LIST))
    assert "1 certificat délivré" in page and "learner@example.test" in page
    assert admin_page(issued) in page
    detail = text(client.get(admin_page(issued)))
    assert "Fiabilité" in detail and "Communication" in detail and issued.clr_id in detail


def test_the_list_filters_by_state(issued, client, org_admin):
    client.force_login(org_admin)
    assert "1 certificat délivré" in text(client.get(f"{LIST}?etat=active"))
    revoked = text(client.get(f"{LIST}?etat=revoked"))
    assert "Aucun certificat" in revoked and admin_page(issued) not in revoked


def test_an_admin_revokes_with_a_reason(issued, client, org_admin, learner, on_commit):
    client.force_login(org_admin)
    with on_commit():
        response = client.post(f"{admin_page(issued)}revoquer/", REVOKE)
    assert response.status_code == 302
    issued.refresh_from_db()
    assert issued.status == "revoked" and issued.status_reason == "Délivré par erreur."
    for document in (issued.document, issued.clr):
        assert verify(document, resolver=identity.resolver()).failed() == ["status"]
    assert all(c.status == "active" for c in issued.credentials.all())  # the parts are untouched
    assert AuditEvent.objects.filter(verb="certificate.revoked", actor=org_admin).exists()
    assert Notification.objects.filter(user=learner, kind="certificate.revoked").exists()
    [message] = [m for m in mail.outbox if "révoqué" in m.subject]
    assert message.to == [learner.email] and "Délivré par erreur." in message.body


def test_a_revocation_needs_a_reason_and_the_box_ticked(issued, client, org_admin):
    client.force_login(org_admin)
    no_reason = client.post(f"{admin_page(issued)}revoquer/", {"reason": " ", "confirm": "on"})
    assert no_reason.status_code == 400 and "Indiquez le motif" in text(no_reason)
    unticked = client.post(f"{admin_page(issued)}revoquer/", {"reason": "Erreur"})
    assert unticked.status_code == 400 and "Cochez cette case" in text(unticked)
    assert "Erreur" in text(unticked)  # what was typed is kept
    issued.refresh_from_db()
    assert issued.status == "active"


def test_a_revoked_certificate_cannot_be_revoked_again(issued, org_admin):
    services.revoke_certificate(issued=issued, reason="Erreur", actor=org_admin)
    with pytest.raises(services.StackingError):
        services.revoke_certificate(issued=issued, reason="Encore", actor=org_admin)


def test_an_assessor_cannot_revoke(issued, client, assessor):
    client.force_login(assessor)
    assert "Révoquer définitivement" not in text(client.get(admin_page(issued)))
    assert client.post(f"{admin_page(issued)}revoquer/", REVOKE).status_code == 404
    issued.refresh_from_db()
    assert issued.status == "active"


def test_the_page_warns_when_a_part_no_longer_counts(issued, client, org_admin):
    from carnet.issuing import services as issuing

    issuing.revoke_credential(credential=issued.credentials.first(), reason="Fraude", actor=org_admin)
    client.force_login(org_admin)
    assert "ne compte plus" in text(client.get(admin_page(issued)))


@pytest.mark.parametrize("who", ["outsider", "learner", "employer", "other_assessor"])
def test_others_cannot_see_or_revoke(issued, client, who, request):
    client.force_login(request.getfixturevalue(who))
    assert client.get(LIST).status_code == 404
    assert client.get(admin_page(issued)).status_code == 404
    assert client.post(f"{admin_page(issued)}revoquer/", REVOKE).status_code == 404


def test_an_admin_of_another_organisation_cannot_reach_it_through_their_own(issued, client, other_org):
    admin = other_org.memberships.get(role="admin").user
    client.force_login(admin)
    assert client.get(f"/organisations/cegep-autre/certificats-delivres/{issued.uuid}/").status_code == 404


def test_anonymous_people_are_sent_to_log_in(issued, client):
    response = client.get(LIST)
    assert response.status_code == 302 and "/comptes/" in response["Location"]


# -- the holder's side -----------------------------------------------------------------------------


def test_a_certificate_starts_private(issued, client, outsider):
    assert issued.visibility == "private"
    client.force_login(outsider)
    assert client.get(public_page(issued)).status_code == 404
    assert client.get(f"{public_page(issued)}certificat.json").status_code == 404


def test_the_holder_sees_their_private_page(issued, client, learner):
    client.force_login(learner)
    page = text(client.get(public_page(issued)))
    assert "Authentique et valide" in page and "seul·e vous pouvez" not in page


@pytest.mark.parametrize("visibility", ["link", "public"])
def test_shown_by_its_holder_anyone_opens_it(issued, client, learner, visibility):
    client.force_login(learner)
    response = client.post(f"/mes-certificats/{issued.uuid}/partage/", {"visibility": visibility})
    assert response.status_code == 302
    client.logout()
    response = client.get(public_page(issued))
    page = text(response)
    assert response.status_code == 200 and "Prêt·e pour l'emploi" in page
    assert "Authentique et valide" in page and "Un certificat regroupe plusieurs microattestations" in page
    assert response["Cache-Control"] == "private, no-cache"
    assert response["X-Robots-Tag"] == ("all" if visibility == "public" else "noindex")
    assert 'property="og:title"' in page
    document = client.get(f"{public_page(issued)}certificat.json")
    assert json.loads(document.content) == issued.document


def test_the_holder_is_never_named_by_their_email(issued, client, learner):
    services.set_visibility(issued=issued, visibility="link", actor=learner)
    page = text(client.get(public_page(issued)))
    assert learner.email not in page and "Cette personne l'a obtenu de CJE Test" in page


def test_the_page_shows_a_revocation_at_once(issued, client, learner, org_admin):
    services.set_visibility(issued=issued, visibility="link", actor=learner)
    services.revoke_certificate(issued=issued, reason="Erreur", actor=org_admin)
    assert "Révoqué : l'organisme qui l'a délivré l'a retiré" in text(client.get(public_page(issued)))


def test_it_links_only_to_the_micro_credentials_shown_too(issued, client, learner):
    services.set_visibility(issued=issued, visibility="link", actor=learner)
    first, second = issued.credentials.order_by("issued_at", "pk")
    portfolio.set_visibility(credential=first, visibility="public", actor=learner)
    page = text(client.get(public_page(issued)))
    assert f"/badges/{first.uuid}/" in page and f"/badges/{second.uuid}/" not in page
    assert "Communication" in page  # named, not linked


def test_an_unknown_visibility_is_refused(issued, client, learner):
    client.force_login(learner)
    client.post(f"/mes-certificats/{issued.uuid}/partage/", {"visibility": "everyone"})
    issued.refresh_from_db()
    assert issued.visibility == "private"


@pytest.mark.parametrize("who", ["outsider", "org_admin", "employer"])
def test_only_the_holder_changes_who_sees_it(issued, client, who, request):
    client.force_login(request.getfixturevalue(who))
    assert (
        client.post(f"/mes-certificats/{issued.uuid}/partage/", {"visibility": "public"}).status_code == 404
    )
    issued.refresh_from_db()
    assert issued.visibility == "private"


def test_a_public_certificate_is_on_the_public_profile(issued, client, learner):
    update_profile(user=learner, enabled=True, headline="", slug="alex")
    assert public_page(issued) not in client.get("/profils/alex/").content.decode()
    services.set_visibility(issued=issued, visibility="public", actor=learner)
    page = text(client.get("/profils/alex/"))
    assert public_page(issued) in page and "Prêt·e pour l'emploi" in page


def test_a_change_of_visibility_is_recorded(issued, learner):
    services.set_visibility(issued=issued, visibility="public", actor=learner)
    services.set_visibility(issued=issued, visibility="public", actor=learner)
    assert AuditEvent.objects.filter(verb="certificate.visibility_changed").count() == 1
