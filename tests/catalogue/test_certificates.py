"""Certificates stack micro-credentials: "all of", "N of", nested groups."""

from __future__ import annotations

import pytest

from carnet.catalogue import services
from carnet.catalogue.models import Certificate, RequirementGroup

pytestmark = pytest.mark.django_db


def micro(organisation, levels, name):
    return services.create_micro_credential(
        organisation=organisation,
        fields={"name_fr": name, "description_fr": "d", "criteria_fr": "c", "learning_contexts": ["work"],
                "assessment_method": "portfolio"},
        alignments=[(levels[0].competency, levels[0])],
    )  # fmt: skip


@pytest.fixture
def certificate(organisation, levels):
    a, b, c, d = (micro(organisation, levels, name) for name in "ABCD")
    root = RequirementGroup.objects.create(rule="all")
    root.micro_credentials.add(a)
    choice = RequirementGroup.objects.create(parent=root, rule="n_of", minimum=2, label_fr="Deux parmi trois")
    choice.micro_credentials.add(b, c, d)
    cert = Certificate.objects.create(
        organisation=organisation,
        slug="employabilite",
        name_fr="Employabilité",
        description_fr="…",
        root=root,
    )
    return cert, (a, b, c, d)


def test_all_of_and_n_of(certificate):
    cert, (a, b, c, d) = certificate
    assert not cert.progress(set()).complete
    assert not cert.progress({a.pk, b.pk}).complete
    progress = cert.progress({a.pk, b.pk, d.pk})
    assert progress.complete and progress.missing == []
    assert not cert.progress({b.pk, c.pk, d.pk}).complete  # A is required


def test_progress_names_what_is_missing(certificate):
    cert, (a, b, _c, _d) = certificate
    progress = cert.progress({b.pk})
    assert a in progress.missing and progress.satisfied == 0 and progress.needed == 2
