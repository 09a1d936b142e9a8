"""Organisation admins define certificates; anyone reads the published ones."""

from __future__ import annotations

import html

import pytest

from carnet.catalogue import services
from carnet.catalogue.models import Certificate
from carnet.organisations.services import create_organisation

pytestmark = pytest.mark.django_db
URL = "/organisations/cje-test/certificats/"


def published(organisation, levels, name):
    item = services.create_micro_credential(
        organisation=organisation,
        fields={"name_fr": name, "description_fr": "d", "criteria_fr": "c", "learning_contexts": ["work"],
                "assessment_method": "portfolio"},
        alignments=[(levels[0].competency, levels[0])],
    )  # fmt: skip
    services.publish_micro_credential(micro_credential=item)
    return item


def test_an_admin_defines_and_publishes_a_certificate(client, org_admin, organisation, levels):
    a, b, c = (
        published(organisation, levels, name) for name in ("Fiabilité", "Communication", "Travail d'équipe")
    )
    client.force_login(org_admin)
    response = client.post(
        URL,
        {"name_fr": "Employabilité", "description_fr": "Les compétences qui comptent.", "hours": "30",
         "required": [a.pk], "choose_from": [b.pk, c.pk], "choose_at_least": "1", "publish": "1"},
    )  # fmt: skip
    assert response.status_code == 302
    certificate = Certificate.objects.get()
    assert certificate.status == "published"
    assert certificate.progress({a.pk, c.pk}).complete and not certificate.progress({b.pk, c.pk}).complete
    client.logout()
    page = html.unescape(client.get(certificate.get_absolute_url()).content.decode())
    assert "Employabilité" in page and "Fiabilité" in page and "Au moins 1" in page
    assert "Employabilité" in html.unescape(client.get(a.get_absolute_url()).content.decode())


def test_other_organisations_count_only_when_allowed(client, org_admin, organisation, levels, make_user):
    other = create_organisation(name="Cégep", kind="college", admin=make_user("c@x.test"), slug="cegep")
    theirs = published(other, levels, "Leadership")
    client.force_login(org_admin)
    data = {"name_fr": "Mixte", "description_fr": "d", "required": [theirs.pk], "choose_at_least": "0"}
    page = html.unescape(client.post(URL, data).content.decode())
    assert "n'accepte pas les microattestations d'autres organismes" in page
    assert client.post(URL, {**data, "accepts_other_organisations": "on"}).status_code == 302


def test_an_empty_certificate_is_refused(client, org_admin, organisation):
    client.force_login(org_admin)
    page = client.post(
        URL, {"name_fr": "Vide", "description_fr": "d", "choose_at_least": "0"}
    ).content.decode()
    assert "au moins une microattestation" in page
    assert not Certificate.objects.exists()


def test_drafts_are_not_public(client, org_admin, organisation, levels):
    a = published(organisation, levels, "A")
    client.force_login(org_admin)
    client.post(
        URL, {"name_fr": "Brouillon", "description_fr": "d", "required": [a.pk], "choose_at_least": "0"}
    )
    client.logout()
    assert client.get(Certificate.objects.get().get_absolute_url()).status_code == 404


@pytest.mark.parametrize("who", ["assessor", "learner", "outsider", "employer"])
def test_others_cannot_define_certificates(client, request, who, organisation, levels):
    a = published(organisation, levels, "A")
    client.force_login(request.getfixturevalue(who))
    assert client.get(URL).status_code == 404
    data = {"name_fr": "X", "description_fr": "d", "required": [a.pk], "choose_at_least": "0"}
    assert client.post(URL, data).status_code == 404
    assert not Certificate.objects.exists()
