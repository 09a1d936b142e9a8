"""Shared pieces of the stacking tests: published micro-credentials, a way to issue them, and
certificates made of them (copied in part from tests/issuing/conftest.py: fixtures do not cross
folders)."""

from __future__ import annotations

import pytest

from carnet.catalogue import services as catalogue
from carnet.catalogue.services import RequirementSpec
from carnet.frameworks.models import Competency
from carnet.issuing import services as issuing
from carnet.organisations.models import Membership, Organisation
from carnet.organisations.services import add_member, create_organisation


@pytest.fixture
def competency(db):
    return Competency.objects.filter(framework__status="published").order_by("code").first()


@pytest.fixture
def publish(competency):
    """``publish(organisation, name)``: a published micro-credential of ``organisation``."""

    def publish(organisation, name, **fields):
        item = catalogue.create_micro_credential(
            organisation=organisation,
            fields={
                "name_fr": name, "name_en": f"{name} (en)", "description_fr": f"{name} : ce qu'elle atteste.",
                "criteria_fr": "Observée en situation réelle.", "learning_contexts": ["work"],
                "assessment_method": "observation", "endorsements_required": 0, **fields,
            },
            alignments=[(competency, competency.levels.get(rank=2))],
        )  # fmt: skip
        return catalogue.publish_micro_credential(micro_credential=item)

    return publish


@pytest.fixture
def versions(organisation, publish):
    """Four published micro-credentials of the organisation: A, B, C, D."""
    return [publish(organisation, name) for name in ("Fiabilité", "Communication", "Équipe", "Écoute")]


@pytest.fixture
def other_org(make_user):
    return create_organisation(
        name="Cégep Autre",
        kind=Organisation.Kind.COLLEGE,
        admin=make_user("admin@autre.test"),
        slug="cegep-autre",
    )


@pytest.fixture
def other_assessor(make_user, other_org):
    """An assessor of another organisation."""
    user = make_user("assessor@autre.test")
    add_member(organisation=other_org, user=user, role=Membership.Role.ASSESSOR)
    return user


@pytest.fixture
def issue(learner):
    """``issue(version, key=…, to=learner)``: issue a version to a person (by its own organisation)."""

    def issue(version, key=None, to=None, **extra):
        person = to or learner
        return issuing.issue_credential(
            organisation=version.micro_credential.organisation, version=version, recipient=person,
            recipient_email=person.email, idempotency_key=key or f"{version.pk}-{person.pk}", source="bulk",
            **extra,
        )  # fmt: skip

    return issue


@pytest.fixture
def make_certificate(organisation):
    """``make_certificate(groups, issuance=…, **fields)``: a published certificate. ``groups`` are
    (parent, rule, minimum, versions) tuples, the first one the main group."""

    def make(groups, *, issuance="automatic", organisation_=None, **fields):
        owner = organisation_ or organisation
        specs = [
            RequirementSpec(key=index, parent=parent, rule=rule, minimum=minimum,
                            micro_credentials=tuple(v.micro_credential for v in items))
            for index, (parent, rule, minimum, items) in enumerate(groups)
        ]  # fmt: skip
        certificate = catalogue.create_certificate(
            organisation=owner,
            fields={"name_fr": "Prêt·e pour l'emploi", "name_en": "Job ready", "description_fr": "Les bases.",
                    "description_en": "The basics.", "issuance": issuance, **fields},
            groups=specs,
        )  # fmt: skip
        catalogue.publish_certificate(certificate=certificate)
        certificate.refresh_from_db()
        return certificate

    return make


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """``with on_commit():`` runs what waits for the commit (emails, the stacking task) at the end."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
