"""Evidence files are hostile until checked: size, type read from the content, images re-encoded."""

from __future__ import annotations

import io
import zipfile

import pytest
from PIL import Image

from carnet.recognition import files, services

pytestmark = pytest.mark.django_db


def png_bytes(size=(40, 30)):
    out = io.BytesIO()
    Image.new("RGB", size, "#0b5394").save(out, format="PNG")
    return out.getvalue()


def jpeg_with_gps():
    image = Image.new("RGB", (30, 20), "#f1c232")
    exif = Image.Exif()
    exif[0x8825] = {2: (45.0, 30.0, 0.0)}  # GPSInfo: latitude
    exif[0x010F] = "PhoneMaker"
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_a_pdf_is_kept_as_it_is():
    data = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"
    checked = files.check_evidence_file(data)
    assert (checked.content, checked.content_type, checked.extension) == (data, "application/pdf", "pdf")


def test_images_are_re_encoded_without_their_metadata():
    original = jpeg_with_gps()
    assert b"PhoneMaker" in original
    checked = files.check_evidence_file(original)
    assert checked.content_type == "image/jpeg" and b"PhoneMaker" not in checked.content
    with Image.open(io.BytesIO(checked.content)) as image:
        assert image.size == (30, 20) and not image.getexif()


def test_office_documents_are_recognised_by_their_content():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    assert files.check_evidence_file(out.getvalue()).extension == "docx"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", "<office:document-content/>")
    assert files.check_evidence_file(out.getvalue()).extension == "odt"


@pytest.mark.parametrize(
    "data",
    [
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        b"<!DOCTYPE html><html><script>alert(1)</script></html>",
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff",  # a Windows program
        b"PK\x03\x04 not really a zip",
        b"\x89PNG\r\n\x1a\n broken",
        b"",
    ],
    ids=["svg", "html", "exe", "bad-zip", "broken-png", "empty"],
)
def test_dangerous_or_unreadable_files_are_refused_with_a_reason(data):
    with pytest.raises(files.EvidenceFileError) as refused:
        files.check_evidence_file(data)
    assert str(refused.value)


def test_a_file_over_the_size_cap_is_refused():
    with pytest.raises(files.EvidenceFileError, match="Mo"):
        files.check_evidence_file(b"%PDF-" + b"0" * files.MAX_FILE_BYTES)


def test_a_request_holds_a_limited_number_of_files(draft_request, monkeypatch):
    monkeypatch.setattr(files, "MAX_FILES_PER_REQUEST", 2)
    for number in range(2):
        services.add_evidence_file(
            request=draft_request, name=f"p{number}.png", data=png_bytes(), title="Photo"
        )
    with pytest.raises(files.EvidenceFileError):
        services.add_evidence_file(request=draft_request, name="p3.png", data=png_bytes(), title="Photo")
    assert draft_request.evidence.count() == 2


def test_stored_files_never_keep_the_uploaded_name(draft_request):
    evidence = services.add_evidence_file(
        request=draft_request, name="../../etc/passwd.png", data=png_bytes(), title=""
    )
    assert (
        evidence.file.name.startswith(f"evidence/{draft_request.uuid}/")
        and "passwd" not in evidence.file.name
    )
    assert evidence.original_name == "../../etc/passwd.png" and evidence.title == "../../etc/passwd.png"
    services.remove_evidence(evidence=evidence)
    assert not draft_request.evidence.exists()


def test_a_file_downloads_with_the_extension_of_its_checked_type(client, learner, draft_request):
    from django.urls import reverse

    evidence = services.add_evidence_file(
        request=draft_request, name="rapport.html", data=b"Six mois de presences.", title="Rapport"
    )
    client.force_login(learner)
    response = client.get(reverse("recognition:evidence", args=[draft_request.uuid, evidence.pk]))
    assert response.status_code == 200
    assert 'filename="rapport.txt"' in response["Content-Disposition"]


@pytest.mark.parametrize(
    ("given", "stored", "expected"),
    [
        ("lettre.html", "need/document_x1.txt", "lettre.txt"),
        ("photo.JPG.exe", "evidence/u/evidence.jpg", "photo.JPG.jpg"),
        ("sans extension", "evidence/u/evidence.pdf", "sans extension.pdf"),
        ("..\\..\\appui.docx", "need/document.docx", "appui.docx"),
        (".htaccess", "need/document.txt", ".htaccess.txt"),
        ("", "need/document.pdf", "document.pdf"),
    ],
)
def test_the_download_name_keeps_the_given_name_and_the_checked_extension(given, stored, expected):
    assert files.download_name(given, stored) == expected
