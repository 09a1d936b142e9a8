"""The busiest pages read the database a fixed number of times, whatever the number of rows they
show: 3 or 12 micro-credentials in the catalogue, 3 or 12 credentials in a learner's carnet and in an
organisation's list. An N+1 (one more query per row) fails here. How fast they answer under load is
measured by ``bench/load.py``, not here."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from carnet.catalogue import services as catalogue
from carnet.catalogue.services import RequirementSpec
from carnet.frameworks.models import Competency
from carnet.issuing import services as issuing

pytestmark = pytest.mark.django_db


def publish(organisation, number):
    """``number`` published micro-credentials, each aligned to two competencies."""
    competencies = list(Competency.objects.filter(framework__status="published").order_by("code")[:4])
    versions = []
    for index in range(number):
        first, second = competencies[index % 2], competencies[2 + index % 2]
        item = catalogue.create_micro_credential(
            organisation=organisation,
            fields={
                "name_fr": f"Fiabilité {index}", "name_en": f"Reliability {index}",
                "description_fr": "Tient ses engagements.", "criteria_fr": "Présent et ponctuel.",
                "learning_contexts": ["volunteering"], "assessment_method": "observation",
                "endorsements_required": 0, "validity_months": 24,
            },
            alignments=[(first, first.levels.get(rank=3)), (second, second.levels.get(rank=2))],
        )  # fmt: skip
        versions.append(catalogue.publish_micro_credential(micro_credential=item))
    return versions


def issue(organisation, versions, learner, admin):
    for version in versions:
        issuing.issue_credential(
            organisation=organisation, version=version, recipient=learner, recipient_email=learner.email,
            idempotency_key=f"queries-{version.pk}", source="bulk", actor=admin,
        )  # fmt: skip


def queries(client, url):
    """How many queries a second visit of ``url`` makes (the first fills the caches)."""
    client.get(url)
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


def assert_the_same_with_more_rows(client, url, add, most, django_assert_max_num_queries):
    """As many queries with 12 rows as with 3, and no more than ``most``."""
    add(3)
    with_three = queries(client, url)
    assert with_three <= most
    add(9)
    client.get(url)
    with django_assert_max_num_queries(with_three):
        assert client.get(url).status_code == 200


def certificates(organisation, versions, learner, admin):
    """A certificate per three micro-credentials: the first and third in its main group, the second
    in a sub-group; the learner holds the first two (the third is missing, named and linked)."""
    for first, second, third in zip(versions[::3], versions[1::3], versions[2::3], strict=True):
        issue(organisation, [first, second], learner, admin)
        certificate = catalogue.create_certificate(
            organisation=organisation,
            fields={"name_fr": f"Prêt·e {first.pk}", "description_fr": "Les bases.", "hours": 20},
            groups=[
                RequirementSpec(
                    key=0, parent=None, micro_credentials=(first.micro_credential, third.micro_credential)
                ),
                RequirementSpec(key=1, parent=0, micro_credentials=(second.micro_credential,)),
            ],
        )
        catalogue.publish_certificate(certificate=certificate)


def test_the_catalogue_reads_as_much_for_many_micro_credentials_as_for_a_few(
    client, organisation, django_assert_max_num_queries
):
    def add(number):
        publish(organisation, number)

    url = reverse("catalogue:browse")
    assert_the_same_with_more_rows(client, url, add, 8, django_assert_max_num_queries)


def test_the_carnet_reads_as_much_for_many_credentials_and_certificates_as_for_a_few(
    client, organisation, learner, org_admin, django_assert_max_num_queries
):
    def add(number):
        certificates(organisation, publish(organisation, number), learner, org_admin)

    client.force_login(learner)
    url = reverse("portfolio:carnet")
    assert_the_same_with_more_rows(client, url, add, 18, django_assert_max_num_queries)
    content = client.get(url).content.decode()
    assert content.count("2 sur 3 conditions remplies.") == 4  # each certificate, its missing one linked
    for third in ("Fiabilité 2", "Fiabilité 5", "Fiabilité 8"):  # 2 comes twice: 3 then 9 were published
        assert f'/">{third}</a></li></ul>' in content


def test_the_list_of_issued_credentials_reads_as_much_for_many_as_for_a_few(
    client, organisation, learner, org_admin, django_assert_max_num_queries
):
    def add(number):
        issue(organisation, publish(organisation, number), learner, org_admin)

    client.force_login(org_admin)
    url = reverse("issued:list", args=[organisation.slug])
    assert_the_same_with_more_rows(client, url, add, 9, django_assert_max_num_queries)
    content = client.get(url).content.decode()
    assert content.count('<option value="fiabilite-') == 12  # each micro-credential issued, by name
    assert "Fiabilité 8 <small>(v1)</small>" in content
