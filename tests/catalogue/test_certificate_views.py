"""Organisation admins define and edit certificates (a tree of requirement groups) and archive them;
anyone reads the published ones; nobody else reaches the admin pages."""

from __future__ import annotations

import html

import pytest

from carnet.audit.models import AuditEvent
from carnet.catalogue import services
from carnet.catalogue.models import Certificate, RequirementGroup, Status
from carnet.catalogue.services import RequirementSpec as Spec
from carnet.organisations.services import create_organisation

pytestmark = pytest.mark.django_db
LIST = "/organisations/cje-test/certificats/"
NEW = "/organisations/cje-test/certificats/nouveau/"


def published(organisation, levels, name):
    item = services.create_micro_credential(
        organisation=organisation,
        fields={"name_fr": name, "description_fr": "d", "criteria_fr": "c", "learning_contexts": ["work"],
                "assessment_method": "portfolio"},
        alignments=[(levels[0].competency, levels[0])],
    )  # fmt: skip
    services.publish_micro_credential(micro_credential=item)
    item.refresh_from_db()
    return item


def page(response) -> str:
    return html.unescape(response.content.decode())


def submitted(response) -> dict:
    """What a browser sends back from the form of ``response``, unchanged."""
    editor = response.context["editor"]
    data = {}
    for form in (editor.form, editor.groups.management_form, *editor.groups.forms):
        for field in form:
            value = field.value()
            if value is None or value is False:
                continue
            data[field.html_name] = "on" if value is True else value
    return data


def group_errors(response, index: int) -> dict[str, str]:
    """The errors shown beside each field of group ``index``."""
    errors = response.context["editor"].groups.forms[index].errors
    return {field: " ".join(messages) for field, messages in errors.items()}


@pytest.fixture
def items(organisation, levels):
    return [
        published(organisation, levels, name) for name in ("Fiabilité", "Communication", "Équipe", "Écoute")
    ]


@pytest.fixture
def certificate(organisation, items):
    a, b, c, _d = items
    return services.create_certificate(
        organisation=organisation,
        fields={"name_fr": "Employabilité", "description_fr": "Ce qui compte."},
        groups=[
            Spec(key=0, parent=None, micro_credentials=(a,)),
            Spec(key=1, parent=0, rule="n_of", minimum=1, label_fr="Au choix", micro_credentials=(b, c)),
        ],
    )


def edit_url(certificate) -> str:
    return f"/organisations/cje-test/certificats/{certificate.slug}/"


def new_certificate(client, groups, **fields):
    response = client.get(NEW)
    data = submitted(response)
    data.update({"name_fr": "Employabilité", "description_fr": "Les compétences qui comptent.", **fields})
    for index, group in enumerate(groups):
        data.update({f"groupes-{index}-{name}": value for name, value in group.items()})
    return client.post(NEW, data)


def test_it_lists_the_certificates_with_a_link_to_edit_each(client, org_admin, certificate):
    client.force_login(org_admin)
    text = page(client.get(LIST))
    assert "Employabilité" in text and edit_url(certificate) in text and NEW in text


def test_an_admin_defines_a_nested_certificate_and_publishes_it(client, org_admin, items):
    a, b, c, d = items
    client.force_login(org_admin)
    response = new_certificate(
        client,
        [
            {"micro_credentials": [a.pk]},
            {
                "label_fr": "Au choix",
                "rule": "n_of",
                "minimum": "1",
                "parent": "0",
                "micro_credentials": [b.pk],
            },
            {"rule": "all", "parent": "1", "micro_credentials": [c.pk, d.pk]},
        ],
        hours="30",
        publish="1",
    )
    assert response.status_code == 302
    certificate = Certificate.objects.get()
    assert certificate.status == Status.PUBLISHED and certificate.hours == 30
    assert certificate.progress({a.pk, b.pk}).complete and certificate.progress({a.pk, c.pk, d.pk}).complete
    assert not certificate.progress({a.pk, c.pk}).complete
    assert AuditEvent.objects.filter(verb="certificate.created", actor=org_admin).exists()
    client.logout()
    text = page(client.get(certificate.get_absolute_url()))
    assert "Employabilité" in text and "Au choix" in text and "Au moins 1" in text and "Écoute" in text
    assert "Employabilité" in page(client.get(a.get_absolute_url()))


def test_adding_a_group_keeps_what_was_typed_and_saves_nothing(client, org_admin, items):
    client.force_login(org_admin)
    response = client.get(NEW)
    assert len(response.context["editor"].groups.forms) == 3
    data = {**submitted(response), "name_fr": "En cours", "groupes-1-label_fr": "Options", "add_group": "1"}
    response = client.post(NEW, data)
    assert response.status_code == 200 and not Certificate.objects.exists()
    assert len(response.context["editor"].groups.forms) == 4
    text = page(response)
    assert 'value="En cours"' in text and 'value="Options"' in text and "Groupe 4" in text
    assert 'role="alert"' not in text  # nothing judged yet


def test_an_empty_certificate_is_refused(client, org_admin, organisation):
    client.force_login(org_admin)
    response = new_certificate(client, [])
    assert "Ce groupe est vide" in page(response)
    assert "Ce groupe est vide" in (group_errors(response, 0)["micro_credentials"])
    assert not Certificate.objects.exists()


def test_other_organisations_count_only_when_allowed(client, org_admin, organisation, levels, make_user):
    other = create_organisation(name="Cégep", kind="college", admin=make_user("c@x.test"), slug="cegep")
    theirs = published(other, levels, "Leadership")
    client.force_login(org_admin)
    response = new_certificate(client, [{"micro_credentials": [theirs.pk]}])
    assert "« Leadership » est une microattestation d'un autre organisme" in str(
        group_errors(response, 0)["micro_credentials"]
    )
    assert not Certificate.objects.exists()
    response = new_certificate(client, [{"micro_credentials": [theirs.pk]}], accepts_other_organisations="on")
    assert response.status_code == 302


def test_drafts_are_not_public(client, org_admin, items):
    client.force_login(org_admin)
    new_certificate(client, [{"micro_credentials": [items[0].pk]}])
    client.logout()
    assert client.get(Certificate.objects.get().get_absolute_url()).status_code == 404


def test_the_edit_page_shows_the_certificate_as_it_is(client, org_admin, certificate, items):
    client.force_login(org_admin)
    response = client.get(edit_url(certificate))
    data = submitted(response)
    assert data["name_fr"] == "Employabilité" and data["groupes-INITIAL_FORMS"] == 2
    assert data["groupes-1-rule"] == "n_of" and data["groupes-1-parent"] == "0"
    assert sorted(data["groupes-1-micro_credentials"]) == sorted([items[1].pk, items[2].pk])
    assert "Au choix" in page(response)


def test_an_admin_edits_a_published_certificate_and_the_trail_keeps_it(client, org_admin, certificate, items):
    a, b, c, d = items
    services.publish_certificate(certificate=certificate)
    client.force_login(org_admin)
    data = submitted(client.get(edit_url(certificate)))
    data.update({
        "name_fr": "Employabilité+", "name_en": "Employability+", "credits": "1.5",
        "groupes-1-minimum": "2", "groupes-1-micro_credentials": [b.pk],
        # a new third-level group inside "Au choix": C and D
        "groupes-2-parent": "1", "groupes-2-micro_credentials": [c.pk, d.pk], "groupes-2-label_fr": "Duo",
    })  # fmt: skip
    response = client.post(edit_url(certificate), data)
    assert response.status_code == 302
    certificate.refresh_from_db()
    assert certificate.name_fr == "Employabilité+" and str(certificate.credits) == "1.5"
    assert certificate.status == Status.PUBLISHED
    assert certificate.progress({a.pk, b.pk, c.pk, d.pk}).complete
    assert not certificate.progress({a.pk, b.pk, c.pk}).complete  # "Duo" wants both
    assert not certificate.progress({b.pk, c.pk, d.pk}).complete  # A stays required
    assert RequirementGroup.objects.count() == 3  # the old tree is gone
    event = AuditEvent.objects.get(verb="certificate.updated")
    assert event.actor == org_admin and event.data["status"] == "published"
    assert event.data["fields"]["name_fr"] == ["Employabilité", "Employabilité+"]
    assert "Duo" in page(client.get(certificate.get_absolute_url()))


def test_a_group_can_be_removed(client, org_admin, certificate, items):
    client.force_login(org_admin)
    data = submitted(client.get(edit_url(certificate)))
    data["groupes-1-DELETE"] = "on"
    assert client.post(edit_url(certificate), data).status_code == 302
    certificate.refresh_from_db()
    assert certificate.root.groups.count() == 0 and certificate.progress({items[0].pk}).complete


def refused_edit(client, certificate, changes):
    data = submitted(client.get(edit_url(certificate)))
    data.update(changes)
    before = list(RequirementGroup.objects.order_by("pk").values_list("pk", "parent", "rule", "minimum"))
    response = client.post(edit_url(certificate), data)
    assert response.status_code == 200
    certificate.refresh_from_db()
    assert certificate.name_fr == "Employabilité"  # nothing half-saved
    assert (
        list(RequirementGroup.objects.order_by("pk").values_list("pk", "parent", "rule", "minimum")) == before
    )
    assert not AuditEvent.objects.filter(verb="certificate.updated").exists()
    assert 'value="Gardé tel quel"' in page(response)  # what was typed stays in the form
    return response


@pytest.fixture
def admin_client(client, org_admin):
    client.force_login(org_admin)
    return client


def test_a_minimum_above_the_number_of_items_is_refused(admin_client, certificate):
    response = refused_edit(
        admin_client, certificate, {"name_fr": "Gardé tel quel", "groupes-1-minimum": "3"}
    )
    assert "Le minimum doit être entre 1 et 2" in (group_errors(response, 1)["minimum"])


def test_an_n_of_group_needs_a_minimum(admin_client, certificate):
    response = refused_edit(admin_client, certificate, {"name_fr": "Gardé tel quel", "groupes-1-minimum": ""})
    assert "Indiquez combien" in (group_errors(response, 1)["minimum"])


def test_an_empty_group_is_refused(admin_client, certificate):
    response = refused_edit(
        admin_client, certificate, {"name_fr": "Gardé tel quel", "groupes-1-micro_credentials": []}
    )
    assert "Ce groupe est vide" in (group_errors(response, 1)["micro_credentials"])


def test_a_cycle_is_refused(admin_client, certificate, items):
    response = refused_edit(
        admin_client,
        certificate,
        {"name_fr": "Gardé tel quel", "groupes-1-parent": "2", "groupes-2-parent": "1",
         "groupes-2-micro_credentials": [items[3].pk]},
    )  # fmt: skip
    assert "boucle" in (group_errors(response, 1)["parent"]) and "boucle" in str(
        group_errors(response, 2)["parent"]
    )


def test_a_fourth_level_is_refused(admin_client, certificate, items):
    response = refused_edit(
        admin_client,
        certificate,
        {"name_fr": "Gardé tel quel", "groupes-1-micro_credentials": [items[1].pk],
         "groupes-2-parent": "1", "groupes-2-micro_credentials": [items[2].pk],
         "groupes-3-parent": "2", "groupes-3-micro_credentials": [items[3].pk], "groupes-TOTAL_FORMS": "4"},
    )  # fmt: skip
    assert "au plus 3 niveaux" in (group_errors(response, 3)["parent"])


def test_a_parent_left_empty_is_refused(admin_client, certificate, items):
    response = refused_edit(
        admin_client,
        certificate,
        {"name_fr": "Gardé tel quel", "groupes-3-parent": "2", "groupes-3-micro_credentials": [items[3].pk]},
    )
    assert "vide ou retiré" in (group_errors(response, 3)["parent"])


def test_a_micro_credential_no_longer_published_must_be_removed(admin_client, certificate, items):
    services.archive_micro_credential(micro_credential=items[1])
    response = refused_edit(admin_client, certificate, {"name_fr": "Gardé tel quel"})
    assert "« Communication » n'est pas publiée" in (group_errors(response, 1)["micro_credentials"])


def test_another_organisations_micro_credential_is_refused(admin_client, certificate, levels, make_user):
    other = create_organisation(name="Cégep", kind="college", admin=make_user("c@x.test"), slug="cegep")
    theirs = published(other, levels, "Leadership")
    response = refused_edit(
        admin_client, certificate, {"name_fr": "Gardé tel quel", "groupes-0-micro_credentials": [theirs.pk]}
    )
    assert "d'un autre organisme" in (group_errors(response, 0)["micro_credentials"])


def test_an_admin_archives_a_certificate(admin_client, certificate, org_admin):
    services.publish_certificate(certificate=certificate)
    assert admin_client.get(edit_url(certificate) + "archiver/").status_code == 405
    response = admin_client.post(edit_url(certificate) + "archiver/")
    assert response.status_code == 302
    certificate.refresh_from_db()
    assert certificate.status == Status.ARCHIVED
    assert AuditEvent.objects.filter(verb="certificate.archived", actor=org_admin).exists()
    assert "Archivée" in page(admin_client.get(LIST))
    text = page(admin_client.get(edit_url(certificate)))
    assert "archivé : il ne peut plus être modifié" in text and "Enregistrer" not in text
    admin_client.logout()
    assert admin_client.get(certificate.get_absolute_url()).status_code == 404
    assert "Employabilité" not in page(admin_client.get("/catalogue/?q=Employabilit"))


@pytest.fixture
def other_admin(make_user):
    user = make_user("admin@cegep.test")
    create_organisation(name="Cégep", kind="college", admin=user, slug="cegep")
    return user


@pytest.mark.parametrize("who", ["other_admin", "assessor", "learner", "outsider", "employer", None])
def test_nobody_else_reaches_the_certificate_pages(client, request, who, certificate, items):
    if who:
        client.force_login(request.getfixturevalue(who))
    data = {"name_fr": "X", "description_fr": "d", "groupes-TOTAL_FORMS": "1", "groupes-INITIAL_FORMS": "0",
            "groupes-0-micro_credentials": [items[0].pk]}  # fmt: skip
    for url in (NEW, edit_url(certificate)):
        assert client.get(url).status_code == 404
        assert client.post(url, data).status_code == 404
    assert client.post(edit_url(certificate) + "archiver/").status_code == 404
    if who:
        assert client.get(LIST).status_code == 404
    assert Certificate.objects.count() == 1
    certificate.refresh_from_db()
    assert certificate.name_fr == "Employabilité" and certificate.status == Status.DRAFT
