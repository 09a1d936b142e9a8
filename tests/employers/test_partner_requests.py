"""Issue #8: a member of an employer signed in answers, from the workspace, the requests to endorse a
definition addressed to their employer (or to an address they confirmed)."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress

from carnet.catalogue import services
from carnet.catalogue.models import PartnerEndorsement

pytestmark = pytest.mark.django_db

PARTNER = {"partner_name": "Employer Test", "partner_kind": "employer", "contact_name": "RH",
           "contact_email": "hr@employer.test", "message": ""}  # fmt: skip


@pytest.fixture
def requested(organisation, org_admin, competency, employer):
    """A request to the employer's confirmed address: linked to their employer organisation."""
    EmailAddress.objects.create(user=employer, email=employer.email, verified=True, primary=True)
    item = services.create_micro_credential(
        organisation=organisation,
        fields={"name_fr": "Cariste", "description_fr": "Conduit un chariot élévateur.", "criteria_fr": "Permis.",
                "learning_contexts": ["work"], "assessment_method": "observation", "endorsements_required": 0},
        alignments=[(competency, None)],
    )  # fmt: skip
    version = services.publish_micro_credential(micro_credential=item)
    request, _token = services.invite_partner(version=version, fields=PARTNER, actor=org_admin)
    return request


def test_the_request_is_addressed_to_the_employer_organisation(requested):
    assert requested.partner_organisation.slug == "employer-test"


def test_a_member_sees_and_endorses_from_the_workspace(client, employer, requested):
    client.force_login(employer)
    listing = client.get("/employeurs/employer-test/endossements/")
    assert listing.status_code == 200 and "Cariste" in listing.content.decode()
    page = f"/employeurs/employer-test/endossements/{requested.uuid}/"
    assert "Conduit un chariot élévateur." in client.get(page).content.decode()
    response = client.post(page, {"action": "endorse", "endorser_name": "Sam", "endorser_role": "RH",
                                  "comment": "Nous embauchons sur cette base."})  # fmt: skip
    assert response.status_code == 302
    requested.refresh_from_db()
    assert requested.status == PartnerEndorsement.Status.ENDORSED and requested.answered_by == employer
    assert requested.answered_via == "workspace" and requested.answered_in.slug == "employer-test"
    comment = requested.document["credentialSubject"]["endorsementComment"]
    assert "depuis l'espace employeur de Employer Test par un compte à l'adresse confirmée" in comment
    assert "Cariste" not in client.get("/employeurs/employer-test/endossements/").content.decode()
    assert client.get(page).status_code == 404  # answered: no longer open


def test_a_member_declines_from_the_workspace(client, employer, requested):
    client.force_login(employer)
    page = f"/employeurs/employer-test/endossements/{requested.uuid}/"
    assert client.post(page, {"action": "decline", "reason": "Pas pour nous."}).status_code == 302
    requested.refresh_from_db()
    assert requested.status == PartnerEndorsement.Status.DECLINED


def test_another_employer_does_not_see_it(client, make_user, requested):
    from carnet.organisations.models import Organisation
    from carnet.organisations.services import create_organisation

    other = make_user("hr@other.test")
    create_organisation(name="Autre employeur", kind=Organisation.Kind.EMPLOYER, admin=other, slug="autre")
    client.force_login(other)
    assert "Cariste" not in client.get("/employeurs/autre/endossements/").content.decode()
    assert client.get(f"/employeurs/autre/endossements/{requested.uuid}/").status_code == 404
    assert client.get(f"/employeurs/employer-test/endossements/{requested.uuid}/").status_code == 404
    response = client.post(f"/employeurs/employer-test/endossements/{requested.uuid}/",
                           {"action": "decline"})  # fmt: skip
    assert response.status_code == 404
    assert PartnerEndorsement.objects.get().status == PartnerEndorsement.Status.PENDING


def test_an_outsider_and_an_org_admin_are_refused(client, outsider, org_admin, requested):
    for person in (outsider, org_admin):
        client.force_login(person)
        assert client.get("/employeurs/employer-test/endossements/").status_code == 404
        assert client.get(f"/employeurs/employer-test/endossements/{requested.uuid}/").status_code == 404
    client.logout()
    assert client.get("/employeurs/employer-test/endossements/").status_code == 302


def test_another_member_of_the_employer_does_not_see_it(client, make_user, employer, requested):
    """Only the contact answers in the workspace, not their colleagues."""
    from carnet.organisations.models import Membership

    colleague = make_user("boss@employer.test")
    Membership.objects.create(
        organisation=requested.partner_organisation, user=colleague, role=Membership.Role.ADMIN
    )
    EmailAddress.objects.create(user=colleague, email=colleague.email, verified=True, primary=True)
    client.force_login(colleague)
    assert "Cariste" not in client.get("/employeurs/employer-test/endossements/").content.decode()
    page = f"/employeurs/employer-test/endossements/{requested.uuid}/"
    assert client.get(page).status_code == 404
    assert client.post(page, {"action": "decline"}).status_code == 404
    assert PartnerEndorsement.objects.get().status == PartnerEndorsement.Status.PENDING


def test_an_unconfirmed_matching_address_does_not_open_it(client, employer, requested):
    """The check is made when the page is opened: an address no longer confirmed opens nothing."""
    EmailAddress.objects.filter(user=employer).update(verified=False)
    client.force_login(employer)
    assert "Cariste" not in client.get("/employeurs/employer-test/endossements/").content.decode()
    page = f"/employeurs/employer-test/endossements/{requested.uuid}/"
    assert client.get(page).status_code == 404
    assert client.post(page, {"action": "decline"}).status_code == 404
    with pytest.raises(services.CatalogueError):  # the service checks it too
        services.decline_definition(
            request=requested, account=employer, workspace=requested.partner_organisation
        )
    assert PartnerEndorsement.objects.get().status == PartnerEndorsement.Status.PENDING


def test_the_workspace_page_does_not_say_no_account_is_needed(client, employer, requested):
    client.force_login(employer)
    text = client.get(f"/employeurs/employer-test/endossements/{requested.uuid}/").content.decode()
    assert "Conduit un chariot élévateur." in text and "Aucun compte n'est nécessaire" not in text
