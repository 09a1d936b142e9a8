"""The organisation chooses, certificate by certificate, how it is issued: automatically, or after
an assessor's confirmation (the default)."""

from __future__ import annotations

import pytest

from carnet.catalogue import services as catalogue
from carnet.catalogue.models import Certificate
from carnet.catalogue.services import RequirementSpec

pytestmark = pytest.mark.django_db
NEW = "/organisations/cje-test/certificats/nouveau/"


def form_data(client, items, **fields):
    response = client.get(NEW)
    assert response.status_code == 200
    editor = response.context["editor"]
    data = {}
    for form in (editor.form, editor.groups.management_form, *editor.groups.forms):
        for field in form:
            value = field.value()
            if value is not None and value is not False:
                data[field.html_name] = "on" if value is True else value
    data.update({"name_fr": "Employabilité", "description_fr": "Ce qui compte.", **fields})
    data["groupes-0-micro_credentials"] = [item.micro_credential.pk for item in items]
    return data


def test_the_form_offers_both_ways(client, org_admin, versions):
    client.force_login(org_admin)
    text = client.get(NEW).content.decode()
    assert 'name="issuance" value="confirmed"' in text and 'name="issuance" value="automatic"' in text
    assert "Le certificat est délivré automatiquement" in text


@pytest.mark.parametrize("issuance", ["automatic", "confirmed"])
def test_the_admin_chooses(client, org_admin, versions, issuance):
    client.force_login(org_admin)
    response = client.post(NEW, form_data(client, versions[:2], issuance=issuance))
    assert response.status_code == 302
    assert Certificate.objects.get().issuance == issuance


def test_confirmation_is_the_default(client, org_admin, versions):
    client.force_login(org_admin)
    data = form_data(client, versions[:2])
    assert data["issuance"] == "confirmed"  # what the form proposes
    del data["issuance"]
    client.post(NEW, data)
    assert Certificate.objects.get().issuance == "confirmed"


def test_the_choice_is_kept_and_changed_through_the_services(organisation, versions, org_admin):
    groups = [RequirementSpec(key=0, parent=None, micro_credentials=(versions[0].micro_credential,))]
    certificate = catalogue.create_certificate(
        organisation=organisation,
        fields={"name_fr": "Employabilité", "description_fr": "d", "issuance": "automatic"},
        groups=groups,
    )
    assert certificate.issuance == "automatic"
    catalogue.update_certificate(
        certificate=certificate, fields={"name_fr": "Employabilité", "description_fr": "d", "issuance": "confirmed"},
        groups=groups, actor=org_admin,
    )  # fmt: skip
    certificate.refresh_from_db()
    assert certificate.issuance == "confirmed"
