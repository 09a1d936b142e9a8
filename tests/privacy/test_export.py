"""Download all my data: an archive made in the background, offered for a while to its owner only."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.core import mail
from django.urls import reverse

from carnet.privacy import services
from carnet.privacy.archive import DATA, README
from carnet.privacy.models import DataExport
from carnet.privacy.views import download_token

pytestmark = pytest.mark.django_db


def make(user, capture):
    with capture(execute=True):
        export = services.request_export(user=user)
    export.refresh_from_db()
    return export


def test_the_archive_holds_everything_about_the_person(
    full_learner, credential, django_capture_on_commit_callbacks
):
    export = make(full_learner, django_capture_on_commit_callbacks)
    assert export.state == "ready" and export.expires_at and export.size > 0
    with export.file.open("rb") as stored, zipfile.ZipFile(io.BytesIO(stored.read())) as archive:
        names = archive.namelist()
        data = json.loads(archive.read(DATA))
        readme = archive.read(README).decode()
        signed = json.loads(archive.read(f"microattestations-credentials/{credential.uuid}.json"))
    assert data["account"]["email"] == full_learner.email
    assert [c["purpose"] for c in data["consents"]] == ["search"]
    assert data["self_assessment"] and data["imported_badges"] and data["share_links"]
    assert data["recognition_requests"][0]["evidence"][0]["title"] == "Photo"
    assert data["endorsements_received"][0]["endorser_name"] == "Marie Tremblay"
    assert signed == credential.document
    assert any(name.startswith("preuves-evidence/") and name.endswith("photo.png") for name in names)
    assert "Toutes vos données" in readme and "==========" in readme  # French, then English
    assert "archive" in mail.outbox[-1].subject.lower() and full_learner.email in mail.outbox[-1].to


def test_evidence_beyond_the_size_cap_is_left_out_and_listed(
    full_learner, settings, django_capture_on_commit_callbacks
):
    settings.PRIVACY_EXPORT_MAX_BYTES = 10
    export = make(full_learner, django_capture_on_commit_callbacks)
    assert [item["title"] for item in export.omitted] == ["Photo"]


def test_only_its_owner_downloads_it_without_caching(
    full_learner, outsider, client, django_capture_on_commit_callbacks
):
    export = make(full_learner, django_capture_on_commit_callbacks)
    url = reverse("privacy:download", args=[download_token(export)])
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    client.force_login(full_learner)
    response = client.get(url)
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
    assert zipfile.is_zipfile(io.BytesIO(b"".join(response.streaming_content)))
    assert client.get(reverse("privacy:download", args=["forged"])).status_code == 404


def test_asking_again_at_once_is_refused_then_replaces_the_old_archive(
    learner, django_capture_on_commit_callbacks
):
    first = make(learner, django_capture_on_commit_callbacks)
    with pytest.raises(services.PrivacyError):
        services.request_export(user=learner)
    DataExport.objects.filter(pk=first.pk).update(created_at=first.created_at.replace(year=2000))
    second = make(learner, django_capture_on_commit_callbacks)
    assert list(DataExport.objects.filter(user=learner)) == [second]


def test_the_archive_is_written_to_disk_not_held_in_memory(full_learner, django_capture_on_commit_callbacks):
    """A large evidence file goes into the archive by chunks: the memory used while the archive is
    made and stored stays far below the archive's size (it was twice that size, and more)."""
    import os
    import tracemalloc

    from carnet.recognition.models import Evidence

    evidence = Evidence.objects.get(request__learner=full_learner)
    big = os.urandom(4 * 1024 * 1024)  # does not compress: the archive is at least this big
    with evidence.file.open("wb") as stored:
        stored.write(big)
    Evidence.objects.filter(pk=evidence.pk).update(size=len(big))
    del big
    with django_capture_on_commit_callbacks(execute=True):
        export = services.request_export(user=full_learner)
    DataExport.objects.filter(pk=export.pk).update(state=DataExport.State.PENDING)
    tracemalloc.start()
    try:
        services.build_export(export.pk)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    export.refresh_from_db()
    assert export.state == "ready" and export.size > 4 * 1024 * 1024
    assert peak < 2 * 1024 * 1024, peak


def test_the_archive_holds_the_endorsements_they_gave_with_how_they_were_known(
    full_learner, make_user, confirm, django_capture_on_commit_callbacks
):
    from datetime import date

    from carnet.recognition.models import Endorsement

    marie = confirm(make_user("marie@example.test"))
    Endorsement.objects.update(
        endorser_email="Marie+club@example.test", endorser_address="marie@example.test",
        verification="email", period_start=date(2025, 1, 1),
    )  # fmt: skip
    export = make(marie, django_capture_on_commit_callbacks)
    with export.file.open("rb") as stored, zipfile.ZipFile(io.BytesIO(stored.read())) as archive:
        given = json.loads(archive.read(DATA))["endorsements_given"]
    assert len(given) == 1
    assert given[0]["verification"] == "email" and given[0]["period_start"] == "2025-01-01"
    assert "relationship" in given[0] and "period_end" in given[0]
