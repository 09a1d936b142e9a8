"""The quality of a definition (issue #8, part 1): purpose, learning outcomes, size, evidence of need
with documents, the yearly review with reminders and the overdue flag, and the similar definitions
shown before publishing."""

from __future__ import annotations

import datetime
import html
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from carnet.audit.models import AuditEvent
from carnet.catalogue import services
from carnet.catalogue.forms import MicroCredentialForm
from carnet.catalogue.models import MicroCredential
from carnet.catalogue.selectors import similar_definitions

pytestmark = pytest.mark.django_db

TEAMWORK = {
    "name_fr": "Travail d'équipe en milieu communautaire",
    "name_en": "Teamwork in community settings",
    "description_fr": "Contribue à l'atteinte d'objectifs communs avec une équipe de bénévoles.",
    "criteria_fr": "Deux situations réelles de travail en équipe, confirmées par deux personnes.",
    "learning_contexts": ["volunteering"],
    "assessment_method": "observation",
    "endorsements_required": 0,
    "purpose_fr": "Les organismes communautaires cherchent des bénévoles capables de travailler en équipe.",
    "outcomes_fr": ["Planifier le travail d'une équipe", "Résoudre un désaccord"],
    "hours": 30,
    "credits": "2.5",
    "need_fr": "Table de concertation des organismes du quartier (2025).",
}


def make(organisation, levels, publish=True, **fields):
    item = services.create_micro_credential(
        organisation=organisation,
        fields={**TEAMWORK, **fields},
        alignments=[(levels[0].competency, levels[0])],
    )
    if publish:
        services.publish_micro_credential(micro_credential=item)
    item.refresh_from_db()
    return item


def text_of(response):
    return " ".join(html.unescape(response.content.decode()).split())


# -- the definition's fields


def test_the_form_keeps_outcomes_one_a_line(form_data):
    form = MicroCredentialForm(
        {**form_data, "outcomes_fr": "- Planifier\n\n• Animer une réunion \n", "credits": "40"}
    )
    assert form.is_valid(), form.errors
    assert form.version_fields()["outcomes_fr"] == ["Planifier", "Animer une réunion"]


@pytest.mark.parametrize(
    ("field", "value"),
    [("credits", "40.5"), ("credits", "0"), ("hours", "0"), ("hours", "5000"), ("outcomes_fr", "x" * 301),
     ("outcomes_fr", "\n".join(f"Résultat {n}" for n in range(16)))],
)  # fmt: skip
def test_the_form_refuses_sizes_and_outcomes_out_of_bounds(form_data, field, value):
    form = MicroCredentialForm({**form_data, field: value})
    assert not form.is_valid() and field in form.errors


def test_an_admin_saves_the_quality_fields(client, org_admin, organisation, form_data):
    client.force_login(org_admin)
    data = {**form_data, "purpose_fr": "Pourquoi", "outcomes_fr": "Un\nDeux", "hours": "12", "credits": "1.5",
            "need_fr": "Deux employeurs du secteur"}  # fmt: skip
    assert client.post(reverse("catalogue:create", args=[organisation.slug]), data).status_code == 302
    version = MicroCredential.objects.get(organisation=organisation).current_version()
    assert (version.purpose_fr, version.outcomes_fr, version.hours, str(version.credits), version.need_fr) == (
        "Pourquoi", ["Un", "Deux"], 12, "1.5", "Deux employeurs du secteur",
    )  # fmt: skip
    edit = client.get(reverse("catalogue:edit", args=[organisation.slug, version.micro_credential.slug]))
    assert "Un\nDeux" in html.unescape(edit.content.decode())  # one outcome a line, as typed
    page = text_of(edit)
    assert "Raison d'être (français)" in page


def test_the_public_page_shows_purpose_outcomes_size_and_need(client, organisation, levels):
    item = make(organisation, levels)
    page = text_of(client.get(item.get_absolute_url()))
    assert "Pourquoi elle existe" in page and "cherchent des bénévoles" in page
    assert "<li>Planifier le travail d'une équipe</li>" in page
    assert "Environ 30 heures d'apprentissage" in page
    assert "Crédits : 2,5" in page or "Crédits : 2.5" in page  # the decimal mark of the locale
    assert "Table de concertation des organismes du quartier" in page


def test_a_new_version_keeps_the_quality_fields(organisation, levels):
    item = make(organisation, levels)
    version = services.update_micro_credential(micro_credential=item, fields={"name_fr": "Autre nom"})
    assert version.number == 2 and version.outcomes_fr == TEAMWORK["outcomes_fr"] and version.hours == 30


# -- in the Open Badges Achievement


def test_the_achievement_carries_credits_and_outcomes_and_stays_valid(organisation, levels):
    from carnet.issuing.achievements import achievement_document

    version = make(organisation, levels).current_version()
    document = achievement_document(version)
    assert document["creditsAvailable"] == 2.5
    assert document["criteria"]["narrative"].endswith(
        "Résultats d'apprentissage :\n\n- Planifier le travail d'une équipe\n- Résoudre un désaccord"
    )
    assert "hours" not in document and "purpose" not in document  # only Open Badges 3.0 properties


def test_without_credits_or_outcomes_the_achievement_is_unchanged(organisation, levels):
    from carnet.issuing.achievements import achievement_document

    version = make(organisation, levels, credits=None, outcomes_fr=[]).current_version()
    document = achievement_document(version)
    assert "creditsAvailable" not in document and document["criteria"]["narrative"] == TEAMWORK["criteria_fr"]


def test_an_issued_credential_with_credits_validates_against_the_schema(organisation, levels, learner):
    from carnet.credentials import schema
    from carnet.issuing.services import issue_credential

    version = make(organisation, levels, credits="40").current_version()
    credential = issue_credential(organisation=organisation, version=version, recipient=learner,
                                  recipient_email=learner.email, idempotency_key="q-1")  # fmt: skip
    achievement = credential.document["credentialSubject"]["achievement"]
    assert achievement["creditsAvailable"] == 40
    assert schema.validate(credential.document) == []


# -- the yearly review


def test_publishing_sets_the_review_a_year_later(organisation, levels):
    item = make(organisation, levels)
    assert item.review_due == timezone.localdate() + datetime.timedelta(days=365)
    services.update_micro_credential(micro_credential=item, fields={"name_fr": "Autre"})
    services.publish_micro_credential(micro_credential=item)
    item.refresh_from_db()
    assert item.review_due == timezone.localdate() + datetime.timedelta(days=365)


def test_an_admin_marks_it_reviewed(client, org_admin, organisation, levels):
    item = make(organisation, levels)
    MicroCredential.objects.filter(pk=item.pk).update(
        review_due=timezone.localdate() - datetime.timedelta(days=2)
    )
    client.force_login(org_admin)
    response = client.post(reverse("catalogue:reviewed", args=[organisation.slug, item.slug]))
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.review_due == timezone.localdate() + datetime.timedelta(days=365)
    assert AuditEvent.objects.filter(verb="micro_credential.reviewed").count() == 1


def test_a_review_date_too_far_or_past_is_refused(client, org_admin, organisation, levels):
    item = make(organisation, levels)
    client.force_login(org_admin)
    for value in (
        "2001-01-01",
        (timezone.localdate() + datetime.timedelta(days=4000)).isoformat(),
        "pas une date",
    ):
        client.post(
            reverse("catalogue:reviewed", args=[organisation.slug, item.slug]), {"next_review": value}
        )
    before = item.review_due
    item.refresh_from_db()
    assert item.review_due == before
    assert not AuditEvent.objects.filter(verb="micro_credential.reviewed").exists()


def test_others_cannot_mark_it_reviewed(client, assessor, outsider, organisation, levels):
    item = make(organisation, levels)
    for person in (assessor, outsider):
        client.force_login(person)
        assert (
            client.post(reverse("catalogue:reviewed", args=[organisation.slug, item.slug])).status_code == 404
        )


def test_an_overdue_review_is_flagged_in_words(client, org_admin, organisation, levels):
    item = make(organisation, levels)
    MicroCredential.objects.filter(pk=item.pk).update(
        review_due=timezone.localdate() - datetime.timedelta(days=1)
    )
    assert "Révision en retard" in text_of(client.get(item.get_absolute_url()))
    assert "Révision en retard" in text_of(client.get(reverse("catalogue:browse")))
    client.force_login(org_admin)
    assert "Révision en retard" in text_of(client.get(reverse("catalogue:manage", args=[organisation.slug])))


def test_a_review_not_yet_due_is_not_flagged(client, organisation, levels):
    item = make(organisation, levels)
    assert "Révision en retard" not in text_of(client.get(item.get_absolute_url()))


def test_admins_are_reminded_once_per_review_date(
    organisation, levels, org_admin, assessor, settings, django_capture_on_commit_callbacks
):
    settings.CATALOGUE_REVIEW_REMINDER_DAYS = 30
    item = make(organisation, levels)
    make(organisation, levels, name_fr="Une autre, révisée plus tard")  # due in a year: not yet
    MicroCredential.objects.filter(pk=item.pk).update(
        review_due=timezone.localdate() + datetime.timedelta(days=20)
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_review_reminders", stdout=io.StringIO())
    assert [message.to for message in mail.outbox] == [[org_admin.email]]  # not the assessor
    assert "Révision à venir" in mail.outbox[0].subject
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_review_reminders", stdout=io.StringIO())
    assert len(mail.outbox) == 1
    services.mark_reviewed(micro_credential=item, actor=org_admin,
                           next_review=timezone.localdate() + datetime.timedelta(days=10))  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_review_reminders() == 1
    assert len(mail.outbox) == 2


def test_an_overdue_review_reminder_says_so(
    organisation, levels, org_admin, django_capture_on_commit_callbacks
):
    item = make(organisation, levels)
    MicroCredential.objects.filter(pk=item.pk).update(
        review_due=timezone.localdate() - datetime.timedelta(days=5)
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_review_reminders() == 1
    assert "Révision en retard" in mail.outbox[0].subject


# -- similar definitions before publishing


def test_a_near_duplicate_is_found_despite_accents_and_case(organisation, levels):
    make(organisation, levels)
    draft = make(organisation, levels, publish=False, name_fr="TRAVAIL D'EQUIPE EN MILIEU COMMUNAUTAIRE",
                 description_fr="Contribue a l'atteinte d'objectifs communs avec une equipe de benevoles.")  # fmt: skip
    found = similar_definitions(draft.current_version())
    assert [s.version.name_fr for s in found] == [TEAMWORK["name_fr"]] and found[0].percent >= 80


def test_an_unrelated_definition_is_not_found(organisation, levels):
    make(organisation, levels)
    draft = services.create_micro_credential(
        organisation=organisation,
        fields={"name_fr": "Soudure TIG sur aluminium", "description_fr": "Souder des pièces minces.",
                "criteria_fr": "Trois soudures inspectées.", "learning_contexts": ["work"],
                "assessment_method": "test", "endorsements_required": 0},
        alignments=[(levels[1].competency, levels[1])],
    )  # fmt: skip
    assert similar_definitions(draft.current_version()) == []


def test_its_own_published_version_is_not_counted(organisation, levels):
    item = make(organisation, levels)
    version = services.update_micro_credential(micro_credential=item, fields={"name_fr": "Travail d'équipe"})
    assert similar_definitions(version) == []


def test_the_publish_step_shows_the_similar_ones_and_still_publishes(client, org_admin, organisation, levels):
    existing = make(organisation, levels)
    draft = make(organisation, levels, publish=False)
    client.force_login(org_admin)
    url = reverse("catalogue:publish", args=[organisation.slug, draft.slug])
    page = text_of(client.get(url))
    assert "Des microattestations publiées lui ressemblent" in page
    assert f'href="{existing.get_absolute_url()}"' in page
    assert client.post(url).status_code == 302
    draft.refresh_from_db()
    assert draft.status == "published"


# -- documents of need


def test_an_admin_adds_and_removes_a_document(client, org_admin, organisation, levels, settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                         "OPTIONS": {"location": str(tmp_path)}}}  # fmt: skip
    item = make(organisation, levels)
    client.force_login(org_admin)
    url = reverse("catalogue:need_documents", args=[organisation.slug, item.slug])
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("lettre.pdf", b"%PDF-1.4 lettre d'appui", content_type="application/pdf")
    assert client.post(url, {"document": upload}).status_code == 302
    document = item.need_documents.get()
    assert document.name == "lettre.pdf" and document.content_type == "application/pdf"
    download = client.get(
        reverse("catalogue:need_document", args=[organisation.slug, item.slug, document.pk])
    )
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")
    assert "sandbox" in download["Content-Security-Policy"]
    assert client.post(url, {"remove": document.pk}).status_code == 302
    assert not item.need_documents.exists()


def test_a_hostile_document_is_refused_with_a_reason(client, org_admin, organisation, levels):
    from django.core.files.uploadedfile import SimpleUploadedFile

    item = make(organisation, levels)
    client.force_login(org_admin)
    url = reverse("catalogue:need_documents", args=[organisation.slug, item.slug])
    upload = SimpleUploadedFile(
        "page.html", b"<html><script>alert(1)</script></html>", content_type="text/plain"
    )
    page = text_of(client.post(url, {"document": upload}))
    assert "Ce type de fichier n'est pas accepté" in page and not item.need_documents.exists()


def test_others_cannot_see_the_documents(client, assessor, outsider, org_admin, organisation, levels):
    item = make(organisation, levels)
    document = services.add_need_document(
        micro_credential=item, name="l.txt", data=b"Lettre", actor=org_admin
    )
    for person in (assessor, outsider):
        client.force_login(person)
        assert (
            client.get(reverse("catalogue:need_documents", args=[organisation.slug, item.slug])).status_code
            == 404
        )
        assert (
            client.get(
                reverse("catalogue:need_document", args=[organisation.slug, item.slug, document.pk])
            ).status_code
            == 404
        )


def test_removing_a_document_of_another_or_a_bad_id_changes_nothing(client, org_admin, organisation, levels):
    item, other = make(organisation, levels), make(organisation, levels, name_fr="Autre")
    document = services.add_need_document(
        micro_credential=other, name="l.txt", data=b"Lettre", actor=org_admin
    )
    client.force_login(org_admin)
    url = reverse("catalogue:need_documents", args=[organisation.slug, item.slug])
    for value in (document.pk, "abc", "1 OR 1=1"):
        assert client.post(url, {"remove": value}).status_code == 404
    assert other.need_documents.count() == 1
