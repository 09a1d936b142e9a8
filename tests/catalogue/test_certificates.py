"""Certificates stack micro-credentials: "all of", "N of", nested groups; created, updated,
published and archived by services that check the requirement tree."""

from __future__ import annotations

import pytest

from carnet.audit.models import AuditEvent
from carnet.catalogue import services
from carnet.catalogue.models import Certificate, RequirementGroup, Status
from carnet.catalogue.services import RequirementSpec as Spec
from carnet.organisations.services import create_organisation

pytestmark = pytest.mark.django_db


def micro(organisation, levels, name, publish=True):
    item = services.create_micro_credential(
        organisation=organisation,
        fields={"name_fr": name, "description_fr": "d", "criteria_fr": "c", "learning_contexts": ["work"],
                "assessment_method": "portfolio"},
        alignments=[(levels[0].competency, levels[0])],
    )  # fmt: skip
    if publish:
        services.publish_micro_credential(micro_credential=item)
    return item


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


FIELDS = {
    "name_fr": "Employabilité",
    "description_fr": "Ce qui compte.",
    "accepts_other_organisations": False,
}


def test_it_replaces_the_tree_and_progress_follows_three_levels(certificate, levels, org_admin):
    cert, (a, b, c, d) = certificate
    e, f = (micro(cert.organisation, levels, n) for n in "EF")
    old_groups = set(RequirementGroup.objects.values_list("pk", flat=True))
    # all of: A, F, and 1 of (B, or 2 of (C, D, E))
    services.update_certificate(
        certificate=cert,
        fields={**FIELDS, "name_fr": "Employabilité 2", "hours": 40},
        groups=[
            Spec(key=0, parent=None, rule="all", micro_credentials=(a, f)),
            Spec(key=1, parent=0, rule="n_of", minimum=1, label_fr="Un des deux", micro_credentials=(b,)),
            Spec(key=2, parent=1, rule="n_of", minimum=2, micro_credentials=(c, d, e)),
        ],
        actor=org_admin,
    )
    cert.refresh_from_db()
    assert cert.name_fr == "Employabilité 2" and cert.hours == 40 and cert.slug == "employabilite"
    assert not old_groups & set(RequirementGroup.objects.values_list("pk", flat=True))
    assert cert.progress({a.pk, f.pk, b.pk}).complete
    assert cert.progress({a.pk, f.pk, c.pk, e.pk}).complete
    progress = cert.progress({a.pk, f.pk, c.pk})  # only 1 of the innermost 2 of 3
    assert not progress.complete and progress.satisfied == 2 and progress.needed == 3
    assert not cert.progress({f.pk, b.pk, c.pk, d.pk}).complete  # A is required
    assert not cert.progress({a.pk, b.pk, c.pk}).complete  # so is F
    event = AuditEvent.objects.get(verb="certificate.updated")
    assert event.actor == org_admin and event.target_id == str(cert.pk)
    assert event.data["fields"]["name_fr"] == ["Employabilité", "Employabilité 2"]
    assert event.data["requirements"]["before"]["micro_credentials"] == [a.pk]
    assert event.data["requirements"]["after"]["groups"][0]["groups"][0]["minimum"] == 2


def test_a_published_certificate_stays_published_when_edited(certificate):
    cert, (a, *_rest) = certificate
    services.publish_certificate(certificate=cert)
    services.update_certificate(
        certificate=cert, fields=FIELDS, groups=[Spec(key=0, parent=None, micro_credentials=(a,))]
    )
    cert.refresh_from_db()
    assert cert.status == Status.PUBLISHED and cert.progress({a.pk}).complete


def tree_problems(organisation, groups, accepts=False):
    problems = services.check_requirements(
        organisation=organisation, groups=groups, accepts_other_organisations=accepts
    )
    return [(p.key, p.field, p.message) for p in problems]


def test_it_refuses_a_minimum_above_the_number_of_items(organisation, levels):
    a, b = micro(organisation, levels, "A"), micro(organisation, levels, "B")
    problems = tree_problems(
        organisation, [Spec(key=0, parent=None, rule="n_of", minimum=3, micro_credentials=(a, b))]
    )
    assert problems == [(0, "minimum", problems[0][2])] and "entre 1 et 2" in problems[0][2]


def test_a_sub_group_counts_as_one_item_of_its_group(organisation, levels):
    a, b = micro(organisation, levels, "A"), micro(organisation, levels, "B")
    groups = [
        Spec(key=0, parent=None, rule="n_of", minimum=2, micro_credentials=(a,)),
        Spec(key=1, parent=0, micro_credentials=(b,)),
    ]
    assert tree_problems(organisation, groups) == []


def test_it_refuses_an_empty_group(organisation, levels):
    a = micro(organisation, levels, "A")
    problems = tree_problems(
        organisation, [Spec(key=0, parent=None, micro_credentials=(a,)), Spec(key=1, parent=0)]
    )
    assert [(key, field) for key, field, _m in problems] == [(1, "micro_credentials")]
    assert "Ce groupe est vide" in problems[0][2]


def test_it_refuses_a_cycle(organisation, levels):
    a, b, c = (micro(organisation, levels, n) for n in "ABC")
    groups = [
        Spec(key=0, parent=None, micro_credentials=(a,)),
        Spec(key=1, parent=2, micro_credentials=(b,)),
        Spec(key=2, parent=1, micro_credentials=(c,)),
    ]
    problems = tree_problems(organisation, groups)
    assert {(key, field) for key, field, _m in problems} == {(1, "parent"), (2, "parent")}
    assert all("boucle" in message for _k, _f, message in problems)


def test_it_refuses_a_group_that_holds_itself(organisation, levels):
    a, b = micro(organisation, levels, "A"), micro(organisation, levels, "B")
    groups = [Spec(key=0, parent=None, micro_credentials=(a,)), Spec(key=1, parent=1, micro_credentials=(b,))]
    assert [(k, f) for k, f, _m in tree_problems(organisation, groups)] == [(1, "parent")]


def test_it_refuses_a_fourth_level(organisation, levels):
    a, b, c, d = (micro(organisation, levels, n) for n in "ABCD")
    groups = [
        Spec(key=i, parent=i - 1 if i else None, micro_credentials=(x,)) for i, x in enumerate((a, b, c, d))
    ]
    problems = tree_problems(organisation, groups)
    assert [(k, f) for k, f, _m in problems] == [(3, "parent")] and "au plus 3 niveaux" in problems[0][2]
    assert tree_problems(organisation, groups[:3]) == []


def test_it_refuses_a_parent_that_is_not_in_the_tree(organisation, levels):
    a, b = micro(organisation, levels, "A"), micro(organisation, levels, "B")
    groups = [Spec(key=0, parent=None, micro_credentials=(a,)), Spec(key=1, parent=4, micro_credentials=(b,))]
    assert [(k, f) for k, f, _m in tree_problems(organisation, groups)] == [(1, "parent")]


def test_it_accepts_other_organisations_only_when_the_certificate_does(organisation, levels, make_user):
    other = create_organisation(name="Cégep", kind="college", admin=make_user("c@x.test"), slug="cegep")
    theirs = micro(other, levels, "Leadership")
    groups = [Spec(key=0, parent=None, micro_credentials=(theirs,))]
    problems = tree_problems(organisation, groups)
    assert [(k, f) for k, f, _m in problems] == [(0, "micro_credentials")]
    assert "« Leadership » est une microattestation d'un autre organisme" in problems[0][2]
    assert tree_problems(organisation, groups, accepts=True) == []


def test_it_accepts_only_published_micro_credentials(organisation, levels):
    draft = micro(organisation, levels, "Brouillon", publish=False)
    archived = micro(organisation, levels, "Ancienne")
    services.archive_micro_credential(micro_credential=archived)
    problems = tree_problems(organisation, [Spec(key=0, parent=None, micro_credentials=(draft, archived))])
    assert [m for _k, _f, m in problems] == [
        "« Brouillon » n'est pas publiée : retirez-la de ce groupe.",
        "« Ancienne » n'est pas publiée : retirez-la de ce groupe.",
    ]


def test_a_micro_credential_counts_once(organisation, levels):
    a, b = micro(organisation, levels, "A"), micro(organisation, levels, "B")
    groups = [
        Spec(key=0, parent=None, micro_credentials=(a,)),
        Spec(key=1, parent=0, micro_credentials=(b, a)),
    ]
    assert [(k, f) for k, f, _m in tree_problems(organisation, groups)] == [(1, "micro_credentials")]


def test_a_refused_update_changes_nothing(certificate):
    cert, (a, b, *_rest) = certificate
    before = list(RequirementGroup.objects.order_by("pk").values_list("pk", "parent", "rule", "minimum"))
    with pytest.raises(services.RequirementTreeError) as refused:
        services.update_certificate(
            certificate=cert,
            fields={**FIELDS, "name_fr": "Autre"},
            groups=[
                Spec(key=0, parent=None, micro_credentials=(a,)),
                Spec(key=1, parent=0, rule="n_of", minimum=5, micro_credentials=(b,)),
            ],
        )
    assert refused.value.problems[0].field == "minimum"
    cert.refresh_from_db()
    assert cert.name_fr == "Employabilité"
    assert (
        list(RequirementGroup.objects.order_by("pk").values_list("pk", "parent", "rule", "minimum")) == before
    )
    assert not AuditEvent.objects.filter(verb="certificate.updated").exists()


def test_it_archives_and_an_archived_certificate_is_not_edited(certificate, org_admin):
    cert, (a, *_rest) = certificate
    services.publish_certificate(certificate=cert, actor=org_admin)
    services.archive_certificate(certificate=cert, actor=org_admin)
    cert.refresh_from_db()
    assert cert.status == Status.ARCHIVED
    assert AuditEvent.objects.filter(verb="certificate.archived", actor=org_admin).exists()
    with pytest.raises(services.CatalogueError, match="archivé"):
        services.update_certificate(
            certificate=cert, fields=FIELDS, groups=[Spec(key=0, parent=None, micro_credentials=(a,))]
        )


def test_it_creates_a_nested_tree_and_records_it(organisation, levels, org_admin):
    a, b, c = (micro(organisation, levels, n) for n in "ABC")
    cert = services.create_certificate(
        organisation=organisation,
        fields={**FIELDS, "name_fr": "Nouveau"},
        groups=[
            Spec(key=0, parent=None, micro_credentials=(a,)),
            Spec(key=5, parent=0, rule="n_of", minimum=1, micro_credentials=(b, c)),
        ],
        actor=org_admin,
    )
    assert cert.slug == "nouveau-2"  # "nouveau" is the creation page's address
    assert cert.progress({a.pk, c.pk}).complete and not cert.progress({b.pk, c.pk}).complete
    assert AuditEvent.objects.filter(verb="certificate.created", target_id=str(cert.pk)).exists()
