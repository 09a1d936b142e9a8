"""The bulk issuance pages: an admin uploads a CSV file, reads each row's verdict, confirms once, follows
the progress and downloads the results; nobody else opens them."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from carnet.issuing.models import IssuanceJob, IssuedCredential
from carnet.organisations.models import Organisation
from carnet.organisations.services import create_organisation

pytestmark = pytest.mark.django_db

HOSTILE = "courriel;nom\nalex@example.org;<script>alert(1)</script>\n=cmd|' /C calc'!A0;Formule\nsam@example.org;=1+1\n"


@pytest.fixture
def admin_client(client, org_admin):
    client.force_login(org_admin)
    return client


def upload(client, organisation, version, text: str | bytes, name="cohorte.csv"):
    data = text.encode("cp1252") if isinstance(text, str) else text
    return client.post(
        reverse("issued:bulk", args=[organisation.slug]),
        {"micro_credential": version.micro_credential_id, "file": SimpleUploadedFile(name, data)},
    )


def test_an_admin_uploads_reads_the_report_and_confirms_once(
    admin_client, organisation, version, django_capture_on_commit_callbacks
):
    response = upload(admin_client, organisation, version, HOSTILE)
    job = IssuanceJob.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/{job.uuid}/")
    page = admin_client.get(response["Location"]).content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert "Délivrer à 2 personnes" in page and "Cette adresse courriel n&#x27;est pas valide." in page
    assert not IssuedCredential.objects.exists()

    confirm = reverse("issued:bulk_confirm", args=[organisation.slug, job.uuid])
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(confirm)
    with django_capture_on_commit_callbacks(execute=True):
        assert admin_client.post(confirm).status_code == 302  # a double submit
    assert IssuanceJob.objects.count() == 1 and IssuedCredential.objects.count() == 2

    figures = json.loads(
        admin_client.get(reverse("issued:bulk_progress", args=[organisation.slug, job.uuid])).content
    )
    assert (figures["state"], figures["issued"], figures["total"], figures["finished"]) == (
        "done",
        2,
        2,
        True,
    )
    page = admin_client.get(reverse("issued:bulk_job", args=[organisation.slug, job.uuid])).content.decode()
    assert "<progress" in page and "Résultat" in page and "Reprendre" not in page
    results = admin_client.get(reverse("issued:bulk_download", args=[organisation.slug, job.uuid]))
    assert results["Content-Disposition"].startswith('attachment; filename="cohorte-resultats-')
    lines = list(csv.reader(io.StringIO(results.content.decode("utf-8-sig"))))
    assert [line[:4] for line in lines[1:]] == [
        ["2", "alex@example.org", "<script>alert(1)</script>", "délivrée"],
        ["4", "sam@example.org", "'=1+1", "délivrée"],
        ["3", "'=cmd|' /C calc'!A0", "Formule", "écartée"],
    ]


def test_a_preview_report_downloads_every_row_and_can_be_discarded(admin_client, organisation, version):
    upload(admin_client, organisation, version, "email,name\na@example.org,A\nbad,B\n")
    job = IssuanceJob.objects.get()
    report = admin_client.get(reverse("issued:bulk_download", args=[organisation.slug, job.uuid]))
    lines = list(csv.reader(io.StringIO(report.content.decode("utf-8-sig"))))
    assert [(line[0], line[3]) for line in lines[1:]] == [("2", "avertissement"), ("3", "erreur")]
    response = admin_client.post(reverse("issued:bulk_discard", args=[organisation.slug, job.uuid]))
    assert response.status_code == 302 and not IssuanceJob.objects.exists()


def test_a_file_that_is_not_csv_is_refused_with_a_message(admin_client, organisation, version):
    response = upload(admin_client, organisation, version, b"\x89PNG\r\n\x1a\n\x00\x00", name="photo.png")
    assert response.status_code == 200 and "Choisissez un fichier .csv" in response.content.decode()
    response = upload(admin_client, organisation, version, b"\x89PNG\r\n\x1a\n\x00\x00", name="photo.csv")
    assert "pas un fichier CSV" in response.content.decode()
    assert not IssuanceJob.objects.exists()


def test_the_page_lists_jobs_and_offers_the_template(admin_client, organisation, version):
    upload(admin_client, organisation, version, "courriel\na@example.org\n")
    page = admin_client.get(reverse("issued:bulk", args=[organisation.slug])).content.decode()
    assert "cohorte.csv" in page and "À confirmer" in page and "Org Admin" in page
    template = admin_client.get(reverse("issued:bulk_template", args=[organisation.slug]))
    assert template["Content-Type"].startswith("text/csv") and b"courriel,nom" in template.content


def test_a_failed_job_offers_to_resume(admin_client, organisation, version, org_admin):
    upload(admin_client, organisation, version, "courriel\na@example.org\n")
    job = IssuanceJob.objects.get()
    IssuanceJob.objects.filter(pk=job.pk).update(state="failed", error="RuntimeError()")
    page = admin_client.get(reverse("issued:bulk_job", args=[organisation.slug, job.uuid])).content.decode()
    assert "Reprendre" in page and "arrêtée avant la fin" in page
    admin_client.post(reverse("issued:bulk_resume", args=[organisation.slug, job.uuid]))
    job.refresh_from_db()
    assert job.state in ("queued", "done")


def test_outsiders_are_refused(client, admin_client, organisation, version, learner, assessor, make_user):
    """A visitor is sent to log in; a learner, an assessor, another organisation's admin get 404."""
    upload(admin_client, organisation, version, "courriel\na@example.org\n")
    job = IssuanceJob.objects.get()
    other = make_user("admin@other.test")
    create_organisation(name="Autre", kind=Organisation.Kind.COLLEGE, admin=other, slug="autre")
    args = [organisation.slug, job.uuid]
    for person in (None, learner, assessor, other):
        client.logout()
        if person is not None:
            client.force_login(person)
        for name, method in [("issued:bulk", "get"), ("issued:bulk_template", "get"), ("issued:bulk_job", "get"),
                             ("issued:bulk_progress", "get"), ("issued:bulk_download", "get"),
                             ("issued:bulk_confirm", "post"), ("issued:bulk_resume", "post"),
                             ("issued:bulk_discard", "post")]:  # fmt: skip
            response = getattr(client, method)(
                reverse(
                    name,
                    args=args
                    if "job" in name or method == "post" or "progress" in name or "download" in name
                    else args[:1],
                )
            )
            assert response.status_code == (302 if person is None else 404), (name, person)
    assert IssuanceJob.objects.get().state == "preview"
