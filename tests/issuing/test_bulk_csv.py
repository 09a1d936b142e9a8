"""Reading and checking a CSV file of people to issue to (carnet.issuing.csv_import), and the jobs made
from it (carnet.issuing.bulk): a preview issues nothing, a confirmation queues once, a stopped job is
taken up again without issuing any row twice."""

from __future__ import annotations

import codecs
import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from carnet.audit.models import AuditEvent
from carnet.issuing import batch, bulk, csv_import
from carnet.issuing.models import IssuanceJob, IssuedCredential
from carnet.issuing.tasks import run_issuance_job

pytestmark = pytest.mark.django_db


def rows_of(text: str, encoding: str = "utf-8") -> list[csv_import.Row]:
    return csv_import.parse(text.encode(encoding)).rows


def test_it_reads_utf8_with_a_byte_order_mark_and_english_headers():
    [row] = csv_import.parse("\ufeffEmail,Name\nalex@example.org,Élise Côté\n".encode()).rows
    assert (row.line, row.email, row.name, row.evidence) == (2, "alex@example.org", "Élise Côté", [])


def test_it_reads_french_excel_semicolons_in_windows_1252():
    text = "Courriel;Nom;Preuve récit;Lien de la preuve\nnoe@example.org;Noé Bélanger;A animé l'atelier;https://ex.org/p\n"
    [row] = rows_of(text, "cp1252")
    assert row.name == "Noé Bélanger"
    assert row.evidence == [{"narrative": "A animé l'atelier", "url": "https://ex.org/p"}]
    assert row.fields()["evidence"][0]["evidence_id"] == "https://ex.org/p"


def test_it_reads_utf16_and_tabs_and_skips_blank_lines():
    text = "courriel\tnom\n\n a@example.org \tA\n\t\n"
    rows = csv_import.parse(text.encode("utf-16")).rows
    assert [(r.line, r.email) for r in rows] == [(3, "a@example.org")]


def test_it_names_the_columns_it_ignores():
    parsed = csv_import.parse(b"email,telephone,nom\na@example.org,555,A\n")
    assert parsed.ignored_columns == ["telephone"]


@pytest.mark.parametrize(
    "data, words",
    [
        (b"", "vide"),
        (b"nom,prenom\nA,B\n", "courriel"),
        (b"courriel\n", "aucune ligne"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR", "pas un fichier CSV"),
        (b"courriel\n\x81\x8d\x8f\x90\x9d\n", "lisible"),
    ],
)
def test_it_refuses_a_file_it_cannot_use(data, words):
    with pytest.raises(csv_import.FileRefused, match=words):
        csv_import.parse(data)


@pytest.mark.parametrize(
    "text", ["courriel,nom\na@example.org,Al\x00ex\n", "courriel,nom\na\x00@example.org,A\n"]
)
@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be"])
def test_it_refuses_a_nul_character_whatever_the_encoding(text, encoding):
    data = text.encode(encoding)
    if encoding == "utf-16-be":
        data = codecs.BOM_UTF16_BE + data
    with pytest.raises(csv_import.FileRefused, match="pas un fichier CSV"):
        csv_import.parse(data)


def test_a_nul_character_in_a_row_sent_by_the_api_is_an_error_of_that_row():
    rows = [
        {"email": "a@example.org", "name": "Al\x00ex"},
        {
            "email": "b@example.org",
            "evidence": [{"narrative": "ok"}, {"narrative": "x", "url": "https://e.org/\x00"}],
        },
        {"email": "c\x00@example.org"},
        {"email": "d@example.org", "name": "Dée", "evidence": [{"narrative": "Bien"}]},
    ]
    errors = [(e["row"], e["field"]) for e in csv_import.row_errors(rows)]
    assert sorted(errors) == [(0, "name"), (1, "evidence/1"), (2, "email")]


def test_it_refuses_a_file_over_the_caps(settings):
    settings.BULK_CSV_MAX_ROWS, settings.BULK_CSV_MAX_BYTES = 3, 100
    with pytest.raises(csv_import.FileRefused, match="3 au plus"):
        csv_import.parse(b"courriel\n" + b"a@example.org\n" * 4)
    with pytest.raises(csv_import.FileRefused, match="Mo"):
        csv_import.parse(b"courriel\n" + b"a" * 100)


def test_each_kind_of_error_is_found(version, learner):
    text = (
        "courriel,nom,preuve_recit,preuve_url\n"
        "pas-une-adresse,A,,\n"
        "b@example.org,B,,\n"
        "B@example.org,B bis,,\n"
        "c@example.org,C,,javascript:alert(1)\n"
        "d@example.org," + "D" * 201 + ",,\n"
        f"{learner.email},Learner,Trois ateliers,\n"
    )
    rows = rows_of(text)
    csv_import.check(rows, version)
    assert ["adresse courriel" in " ".join(r.errors) for r in rows][:1] == [True]
    assert rows[1].errors == [] and "ligne 3" in rows[2].errors[0]
    assert "https://" in rows[3].errors[0] and "trop long" in rows[4].errors[0]
    assert rows[5].errors == [] and rows[5].warnings == []  # an account, no credential yet
    assert "compte Carnet" in rows[1].warnings[0]


def test_it_warns_about_someone_who_already_holds_it(version, issue, learner):
    issue()
    [row] = rows_of(f"courriel\n{learner.email.upper()}\n")
    csv_import.check([row], version)
    assert row.errors == [] and "déjà cette microattestation" in row.warnings[0]


def test_cells_written_back_never_run_as_formulas():
    text = csv_import.write([['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "ok"]])
    assert text.startswith("\ufeff")
    assert next(csv.reader(io.StringIO(text[1:]))) == [
        '\'=HYPERLINK("http://x")',
        "'+1",
        "'-2",
        "'@SUM(A1)",
        "ok",
    ]
    template = list(csv.reader(io.StringIO(csv_import.template()[1:])))
    assert template[0] == ["courriel", "nom", "preuve_recit", "preuve_url"]
    assert [r.email for r in rows_of(csv_import.template()[1:])] == [
        "alex.tremblay@example.org",
        "sam.roy@example.org",
    ]


def preview(organisation, version, admin, text):
    return bulk.preview_csv_job(organisation=organisation, version=version, data=text.encode(),
                                filename="cohorte.csv", actor=admin)  # fmt: skip


def test_a_preview_issues_nothing_and_a_confirmation_queues_it_once(
    organisation, version, org_admin, django_capture_on_commit_callbacks
):
    job = preview(
        organisation, version, org_admin, "courriel,nom\na@example.org,A\nfaux,B\nc@example.org,C\n"
    )
    assert (job.state, job.total, job.source, job.created_by, job.filename) == (
        "preview",
        2,
        "csv",
        org_admin,
        "cohorte.csv",
    )
    assert [(r["line"], bool(r["errors"])) for r in job.report] == [(2, False), (3, True), (4, False)]
    assert list(job.rows.values_list("line", flat=True)) == [2, 4]
    assert not IssuedCredential.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert bulk.confirm_issuance_job(job=job, actor=org_admin)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert not bulk.confirm_issuance_job(job=job, actor=org_admin)  # the form sent twice
    assert callbacks == []
    job.refresh_from_db()
    assert (job.state, job.issued) == ("done", 2) and IssuedCredential.objects.count() == 2
    # a file is a bulk issuance in the credentials' records (the API's jobs say "api")
    assert set(IssuedCredential.objects.values_list("source", flat=True)) == {"bulk"}
    assert AuditEvent.objects.filter(verb="issuance_job.confirmed").count() == 1
    verbs = list(AuditEvent.objects.filter(verb__startswith="issuance_job").values_list("verb", flat=True))
    assert sorted(verbs) == ["issuance_job.confirmed", "issuance_job.uploaded"]


def test_a_preview_is_discarded_or_cleaned_up_later(organisation, version, org_admin, settings):
    job = preview(organisation, version, org_admin, "courriel\na@example.org\n")
    assert bulk.discard_issuance_job(job=job, actor=org_admin) and not IssuanceJob.objects.exists()
    old = preview(organisation, version, org_admin, "courriel\na@example.org\n")
    IssuanceJob.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=49))
    young = preview(organisation, version, org_admin, "courriel\nb@example.org\n")
    assert bulk.discard_old_previews() == 1
    assert list(IssuanceJob.objects.all()) == [young]


def test_a_preview_without_a_valid_row_cannot_be_confirmed(organisation, version, org_admin):
    job = preview(organisation, version, org_admin, "courriel\nfaux\n")
    with pytest.raises(bulk.IssuingError, match="Aucune ligne"):
        bulk.confirm_issuance_job(job=job, actor=org_admin)


def test_a_stopped_job_is_resumed_and_issues_no_row_twice(
    organisation, version, org_admin, monkeypatch, django_capture_on_commit_callbacks, settings
):
    job = preview(organisation, version, org_admin, "courriel\na@example.org\nb@example.org\nc@example.org\n")
    bulk.confirm_issuance_job(job=job, actor=org_admin)  # its task is not run: the callbacks are not
    settings.ISSUANCE_CHUNK = 1  # a row per transaction: the worker stops between two
    real, calls = batch._issue_rows, []

    def crash_on_second(job, rows, memo):
        calls.append(rows)
        if len(calls) == 2:
            raise RuntimeError("the worker was stopped")
        return real(job, rows, memo)

    monkeypatch.setattr(batch, "_issue_rows", crash_on_second)
    with pytest.raises(RuntimeError):
        run_issuance_job.call(job.pk)
    monkeypatch.setattr(batch, "_issue_rows", real)
    job.refresh_from_db()
    assert (job.state, job.issued) == ("failed", 1) and bulk.is_stalled(job)
    with django_capture_on_commit_callbacks(execute=True):
        assert bulk.resume_issuance_job(job=job, actor=org_admin)
    job.refresh_from_db()
    assert (job.state, job.issued, job.failed) == ("done", 3, 0)
    assert IssuedCredential.objects.count() == 3
    assert not bulk.resume_issuance_job(job=job, actor=org_admin)  # done: nothing to take up
    assert AuditEvent.objects.filter(verb="issuance_job.resumed").count() == 1


def test_a_running_job_is_stalled_only_once_silent_for_long(organisation, version, org_admin, settings):
    job = preview(organisation, version, org_admin, "courriel\na@example.org\n")
    now = timezone.now()
    job.state, job.started_at, job.heartbeat_at = (
        "running",
        now - timedelta(hours=1),
        now - timedelta(minutes=1),
    )
    assert not bulk.is_stalled(job, now)
    job.heartbeat_at = now - timedelta(seconds=settings.ISSUANCE_JOB_STALE_AFTER + 60)
    assert bulk.is_stalled(job, now)
    job.state = "preview"
    assert not bulk.is_stalled(job, now)


def test_the_progress_estimates_the_time_left(organisation, version, org_admin):
    job = preview(organisation, version, org_admin, "courriel\na@example.org\n")
    now = timezone.now()
    job.state, job.total, job.issued, job.failed, job.started_at = (
        "running",
        100,
        20,
        5,
        now - timedelta(seconds=50),
    )
    job.heartbeat_at = now
    figures = bulk.progress(job, now)
    assert (figures["done"], figures["seconds_left"], figures["stalled"]) == (25, 150, False)
