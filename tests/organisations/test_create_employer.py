"""A recruiter opens an employer space and becomes its administrator."""

from __future__ import annotations

import pytest

from carnet.organisations.models import Membership, Organisation

pytestmark = pytest.mark.django_db
URL = "/employeurs/nouveau/"


def test_a_signed_in_person_opens_an_employer_space(client, outsider):
    client.force_login(outsider)
    response = client.post(URL, {"name": "Boulangerie Côté", "website": "boulangerie.example"})
    assert response.status_code == 302
    organisation = Organisation.objects.get(name="Boulangerie Côté")
    assert organisation.kind == "employer" and not organisation.recognises
    assert organisation.website == "https://boulangerie.example"
    assert Membership.objects.get(organisation=organisation).user == outsider
    assert "Espace employeur de Boulangerie Côté" in client.get("/").content.decode()


def test_two_employers_with_the_same_name_get_distinct_addresses(client, outsider, employer):
    client.force_login(outsider)
    client.post(URL, {"name": "Employer Test"})
    assert sorted(Organisation.objects.values_list("slug", flat=True)) == ["employer-test", "employer-test-2"]


def test_a_name_is_required(client, outsider):
    client.force_login(outsider)
    response = client.post(URL, {"name": ""})
    assert response.status_code == 200 and not Organisation.objects.exists()
    assert "Ce champ est obligatoire" in response.content.decode()


def test_anonymous_visitors_are_asked_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/comptes/login/" in response["Location"]
