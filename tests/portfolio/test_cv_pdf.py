"""The PDF of the carnet, a skills CV: the page where the holder prepares it, and the PDF read back —
its text, its metadata, and every QR code decoded from the pages drawn as images and followed to
the page it leads to. Only the holder prepares or downloads it."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from carnet.audit.models import AuditEvent
from carnet.catalogue import images
from carnet.catalogue import services as catalogue
from carnet.issuing import services as issuing
from carnet.portfolio import cv, services
from carnet.portfolio.models import ShareLink
from carnet.portfolio.services import set_visibility

pytestmark = pytest.mark.django_db
CV = "/mon-carnet/cv-pdf/"
SITE = "http://127.0.0.1:8000"  # SITE_URL in the tests


# -- fixtures of this file (``version`` and ``issue`` override those of conftest.py, made for the
# imported badges: here micro-credentials have a badge picture, and are issued to the learner) ------


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def publish(organisation, competency):
    """``publish(name_fr, name_en, rank=3, **fields)``: a published micro-credential of the
    organisation with a designed badge, aligned to the competency at level ``rank``."""

    def publish(name_fr, name_en, rank=3, **fields):
        item = catalogue.create_micro_credential(
            organisation=organisation,
            fields={
                "name_fr": name_fr, "name_en": name_en, "description_fr": f"{name_fr} : ce qu'elle atteste.",
                "description_en": f"{name_en}: what it attests.", "criteria_fr": "Observée en situation réelle.",
                "criteria_en": "Observed in a real situation.", "learning_contexts": ["volunteering"],
                "assessment_method": "observation", "endorsements_required": 0, **fields,
            },
            alignments=[(competency, competency.levels.get(rank=rank))],
        )  # fmt: skip
        design = images.BadgeDesign(
            shape="hexagon", background="#0b5394", border="#f1c232", text_colour="#ffffff", icon="people",
            title=name_fr, subtitle="CJE",
        )  # fmt: skip
        catalogue.set_badge_image(
            micro_credential=item, image=images.render_svg(design), image_name="badge.svg",
            png=images.render_png(design), design={},
        )  # fmt: skip
        return catalogue.publish_micro_credential(micro_credential=item)

    return publish


@pytest.fixture
def version(publish):
    return publish("Fiabilité", "Reliability", validity_months=24)


@pytest.fixture
def issue(organisation, version, learner):
    """``issue(key, version=...)``: a credential issued to the learner."""

    def issue(key="k-1", **extra):
        fields = {
            "organisation": organisation, "version": version, "recipient": learner,
            "recipient_email": learner.email, "idempotency_key": key, "source": "bulk", **extra,
        }  # fmt: skip
        return issuing.issue_credential(**fields)

    return issue


# -- reading the PDF back ------------------------------------------------------------------------


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def qr_codes(content: bytes, scale: float = 3) -> list[str]:
    """What every QR code of the PDF says, page after page, read from the pages drawn as images
    (``scale`` 3: 216 dots per inch)."""
    import pypdfium2
    import zxingcpp

    found = []
    document = pypdfium2.PdfDocument(content)
    try:
        for page in document:
            image = page.render(scale=scale).to_pil()
            found += [
                code.text for code in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
            ]
    finally:
        document.close()
    return found


def path_of(url: str) -> str:
    assert url.startswith(SITE), url
    return url.removeprefix(SITE)


@pytest.fixture
def holder(client, learner):
    learner.display_name = "Alex Martin"
    learner.save(update_fields=["display_name"])
    client.force_login(learner)
    return client


def defaults(client, **changes):
    """The form as the page fills it in, with ``changes``."""
    form = client.get(CV).context["form"]
    return {**{name: value for name, value in form.initial.items() if value is not None}, **changes}


def download(client, **changes):
    response = client.post(CV, defaults(client, **changes))
    assert response.status_code == 200, response.content.decode()[:2000]
    assert response["Content-Type"] == "application/pdf"
    return response.content


def visit(url):
    """``url`` opened by someone who is not signed in (an employer with the PDF in hand)."""
    return Client().get(path_of(url))


# -- the page ----------------------------------------------------------------------------------------


def test_the_carnet_page_links_to_it(holder):
    assert reverse("portfolio:cv") == CV
    assert CV in holder.get("/mon-carnet/").content.decode()


def test_the_page_checks_the_valid_badges_and_says_what_happens_to_private_ones(holder, issue, org_admin):
    valid, revoked = issue("a"), issue("b")
    issuing.revoke_credential(credential=revoked, reason="Erreur", actor=org_admin)
    response = holder.get(CV)
    content = response.content.decode()
    assert response.status_code == 200
    assert f'value="{valid.uuid}" checked' in content
    assert f'value="{revoked.uuid}">' in content  # offered, not checked
    assert "Révoquée" in content
    assert (
        "lien de partage nommé « CV PDF »" in content and "privée : un lien « CV PDF » sera créé" in content
    )
    assert 'value="Alex Martin"' in content  # the name, from the account


def test_a_learner_with_no_badge_is_told_how_to_get_one(holder):
    response = holder.get(CV)
    content = response.content.decode()
    assert response.status_code == 200
    assert "Vous n'avez pas encore de microattestation" in content
    assert reverse("recognition:skills") in content and reverse("catalogue:browse") in content
    assert '<form method="post" class="cv-form"' not in content
    response = holder.post(CV, {"name": "Alex", "language": "fr", "paper": "letter", "days": "90"})
    assert response.status_code == 400 and response["Content-Type"].startswith("text/html")


def test_choosing_nothing_is_refused(holder, issue):
    issue()
    response = holder.post(CV, defaults(holder, credentials=[]))
    assert response.status_code == 400
    assert "Choisissez au moins une microattestation" in response.content.decode()


# -- the PDF -----------------------------------------------------------------------------------------


def test_the_pdf_shows_the_holder_their_skills_and_each_badge_with_its_address(holder, issue, publish):
    first = issue("a")
    second = issue("b", version=publish("Travail d'équipe", "Teamwork", rank=2))
    for credential in (first, second):
        set_visibility(credential=credential, visibility="public", actor=credential.recipient)
    content = download(holder, headline="Commis d'entrepôt, bénévole au club de hockey")
    text = pdf_text(content)
    assert "Alex Martin" in text and "Commis d'entrepôt, bénévole au club de hockey" in text
    assert "Fiabilité" in text and "Travail d'équipe" in text
    assert text.count("CJE Test") >= 2  # the issuer of each
    assert "Compétences prouvées" in text and "niveau 3 sur" in text  # the highest level proven
    assert "Valide" in text and "valide jusqu'au" in text  # 24 months
    assert "Observée en situation réelle." in text  # the criteria
    for credential in (first, second):
        assert f"http://127.0.0.1:8000/badges/{credential.uuid}/" in text  # printed for those who type it
    assert "learner@example.test" not in text


def test_every_qr_code_leads_to_the_page_that_shows_the_badge_valid(holder, issue, publish, learner):
    public = issue("a")
    set_visibility(credential=public, visibility="public", actor=learner)
    by_link = issue("b", version=publish("Travail d'équipe", "Teamwork"))
    set_visibility(credential=by_link, visibility="link", actor=learner)
    private = issue("c", version=publish("Communication orale", "Oral communication"))
    codes = qr_codes(download(holder))
    assert len(codes) == 3
    assert {url for url in codes if "/badges/" in url} == {
        f"http://127.0.0.1:8000/badges/{credential.uuid}/" for credential in (public, by_link)
    }
    assert sum(url.startswith("http://127.0.0.1:8000/partage/") for url in codes) == 1  # the private one
    shown = set()
    for url in codes:
        page = visit(url)
        assert page.status_code == 200, url
        content = page.content.decode()
        assert "Authentique et valide" in content
        shown |= {
            c.pk
            for c in (public, by_link, private)
            if f"<h1>{c.micro_credential_version.name_fr}" in content.replace("&#x27;", "'")
        }
    assert shown == {public.pk, by_link.pk, private.pk}


def test_a_private_badge_gets_a_cv_link_that_stops_when_withdrawn(holder, issue, learner):
    credential = issue()
    content = download(holder, days="90")
    link = ShareLink.objects.get(credential=credential)
    assert link.label == "CV PDF"
    assert link.expires_at - timezone.now() > timedelta(days=89)
    (url,) = qr_codes(content)
    assert url.startswith("http://127.0.0.1:8000/partage/")
    assert url in pdf_text(content)  # printed under the code
    assert visit(url).status_code == 200
    assert "CV PDF" in holder.get(reverse("issued:mine", args=[credential.uuid])).content.decode()
    holder.post(reverse("portfolio:withdraw_link", args=[credential.uuid, link.pk]))
    assert visit(url).status_code == 410


def test_a_link_that_lasts_until_withdrawn_can_be_chosen(holder, issue):
    credential = issue()
    download(holder, days="")
    assert ShareLink.objects.get(credential=credential).expires_at is None


def test_a_public_badge_needs_no_link(holder, issue, learner):
    credential = issue()
    set_visibility(credential=credential, visibility="public", actor=learner)
    download(holder)
    assert not ShareLink.objects.exists()


def test_the_pdf_reads_in_english(holder, issue, learner):
    public, private = issue("a"), issue("b")
    set_visibility(credential=public, visibility="public", actor=learner)
    content = download(holder, language="en")
    text = pdf_text(content)
    assert "Reliability" in text and "Fiabilité" not in text
    assert "Proven skills" in text and "Valid" in text and "issued on" in text
    assert PdfReader(io.BytesIO(content)).trailer["/Root"]["/Lang"] == "en-CA"
    codes = qr_codes(content)
    assert f"http://127.0.0.1:8000/en/badges/{public.uuid}/" in codes
    for url in codes:
        assert url.startswith("http://127.0.0.1:8000/en/")
        assert "Authentic and valid" in visit(url).content.decode()
    assert any("/en/partage/" in url for url in codes)  # the private one's share link
    assert private.pk


def test_a_revoked_badge_is_left_out_unless_chosen_and_then_shown_revoked(holder, issue, org_admin, publish):
    kept = issue("a")
    revoked = issue("b", version=publish("Travail d'équipe", "Teamwork"))
    issuing.revoke_credential(credential=revoked, reason="Erreur", actor=org_admin)
    text = pdf_text(download(holder))
    assert "Fiabilité" in text and "Travail d'équipe" not in text and "Révoquée" not in text
    content = download(holder, credentials=[str(kept.uuid), str(revoked.uuid)])
    text = pdf_text(content)
    assert "Travail d'équipe" in text and "Révoquée" in text
    assert len(qr_codes(content)) == 2
    skills = text[text.index("Compétences prouvées") : text.index("Microattestations")]
    assert "Travail d'équipe" not in skills  # a revoked badge proves nothing


def test_endorsements_are_counted_and_named_only_with_consent(holder, version, learner):
    from carnet.recognition import services as recognition
    from carnet.recognition.models import Endorsement, EndorsementInvitation, RecognitionRequest

    request = recognition.open_request(learner=learner, micro_credential=version.micro_credential)
    for name, consent in (("Marie Tremblay", True), ("Anonyme Secret", False)):
        invitation = EndorsementInvitation.objects.create(
            request=request, name=name, token_hash=f"cv-{name}", status="completed",
            expires_at=timezone.now() + timedelta(days=30),
        )  # fmt: skip
        Endorsement.objects.create(
            invitation=invitation, endorser_name=name, endorser_organisation="Banque alimentaire",
            relationship="supervisor", context="Banque alimentaire du quartier", consent_to_be_named=consent,
        )  # fmt: skip
    RecognitionRequest.objects.filter(pk=request.pk).update(status="approved")
    recognition.issue_approved_request(request.pk)
    text = " ".join(pdf_text(download(holder)).split())
    assert "Endossée par 2 personnes : Marie Tremblay (Banque alimentaire) et 1 personne non nommée." in text
    assert "Anonyme Secret" not in text


@pytest.fixture
def certificate(issue, learner, organisation, publish, django_capture_on_commit_callbacks):
    """A certificate of two micro-credentials, issued to the learner when they hold both."""
    from carnet.catalogue import services as catalogue
    from carnet.catalogue.services import RequirementSpec
    from carnet.stacking.models import IssuedCertificate

    first, other = issue("a"), publish("Travail d'équipe", "Teamwork")
    certificate = catalogue.create_certificate(
        organisation=organisation,
        fields={"name_fr": "Prêt·e pour l'emploi", "name_en": "Ready for work", "description_fr": "Les bases.",
                "hours": 20, "issuance": "automatic"},
        groups=[RequirementSpec(key=0, parent=None, micro_credentials=(
            first.micro_credential_version.micro_credential, other.micro_credential))],
    )  # fmt: skip
    catalogue.publish_certificate(certificate=certificate)
    with django_capture_on_commit_callbacks(execute=True):
        issue("b", version=other)  # completes it: issued when the issuance is committed
    return IssuedCertificate.objects.get(recipient=learner)


def test_certificates_issued_are_listed(holder, certificate):
    page = holder.get(CV).content.decode()
    assert f'value="{certificate.uuid}" checked' in page and "privé : il paraît sans code QR" in page
    content = download(holder)
    text = " ".join(pdf_text(content).split())
    assert "Certificats" in text and "Prêt·e pour l'emploi CJE Test · délivré le" in text
    assert "Regroupe : Fiabilité, Travail d'équipe" in text
    assert not any("certificats-obtenus" in url for url in qr_codes(content))  # private: no QR code


def test_a_certificate_shown_by_link_has_a_qr_code_to_its_page(holder, certificate, learner):
    from carnet.stacking.services import set_visibility as show_certificate

    show_certificate(issued=certificate, visibility="link", actor=learner)
    content = download(holder)
    url = f"http://127.0.0.1:8000/certificats-obtenus/{certificate.uuid}/"
    assert url in qr_codes(content) and url in pdf_text(content)
    page = visit(url)
    assert (
        page.status_code == 200 and "Authentique et valide : il a bien été délivré" in page.content.decode()
    )


def test_the_paper_is_letter_or_a4(holder, issue):
    issue()
    for paper, size in (("letter", (612, 792)), ("a4", (595, 842))):
        page = PdfReader(io.BytesIO(download(holder, paper=paper))).pages[0]
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == size


def test_the_pdf_is_tagged_titled_and_in_its_language(holder, issue):
    issue()
    content = download(holder)
    reader = PdfReader(io.BytesIO(content))
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "fr-CA"
    assert root["/MarkInfo"]["/Marked"] and "/StructTreeRoot" in root  # tagged
    assert reader.metadata.title == "Alex Martin — compétences attestées"
    assert reader.metadata.author == "Alex Martin"
    assert b"pdfuaid" in reader.xmp_metadata.stream.get_data()  # declared PDF/UA-1
    assert root["/ViewerPreferences"]["/DisplayDocTitle"]


def test_it_is_recorded_and_answered_as_a_private_download(holder, issue, learner):
    issue()
    response = holder.post(CV, defaults(holder))
    assert response["Content-Disposition"] == 'attachment; filename="carnet-alex-martin.pdf"'
    assert response["Cache-Control"] == "private, no-store"
    event = AuditEvent.objects.get(verb="cv.made")
    assert event.actor == learner
    assert event.data == {"credentials": 1, "certificates": 0, "share_links": 1, "language": "fr"}


def test_no_link_is_left_behind_when_the_pdf_cannot_be_drawn(holder, issue, monkeypatch):
    issue()

    def broken(**kwargs):
        raise cv.PdfUnavailable("no pango here")

    monkeypatch.setattr(cv, "render_pdf", broken)
    response = holder.post(CV, defaults(holder))
    assert response.status_code == 400
    assert "Le PDF ne peut pas être préparé sur ce serveur" in response.content.decode()
    assert not ShareLink.objects.exists() and not AuditEvent.objects.filter(verb="cv.made").exists()


def test_the_pdf_is_drawn_outside_any_transaction_and_its_links_work(holder, issue, monkeypatch):
    """Drawing takes a second or two: on SQLite a transaction holds the write lock all along."""
    from django.db import connection

    issue()
    outer = len(connection.atomic_blocks)  # the test's own transaction
    drawn = cv.render_pdf
    depths = []

    def watched(**kwargs):
        depths.append(len(connection.atomic_blocks) - outer)
        assert not ShareLink.objects.exists()  # made after the drawing, with the tokens it shows
        return drawn(**kwargs)

    monkeypatch.setattr(cv, "render_pdf", watched)
    content = download(holder)
    assert depths == [0]
    (address,) = [code for code in qr_codes(content) if "/partage/" in code]
    assert visit(address).status_code == 200


def test_too_many_open_links_is_explained(holder, issue, monkeypatch):
    issue()
    monkeypatch.setattr(services, "MAX_OPEN_LINKS", 1)
    download(holder)
    response = holder.post(CV, defaults(holder))
    assert response.status_code == 400 and "Retirez d&#x27;abord un lien" in response.content.decode()


# -- who may ---------------------------------------------------------------------------------------


def test_only_the_holder_prepares_or_downloads_it(client, issue, learner, outsider, employer, assessor):
    credential = issue()
    data = {
        "name": "X",
        "credentials": [str(credential.uuid)],
        "language": "fr",
        "paper": "letter",
        "days": "90",
    }
    assert client.get(CV).status_code == 302  # anonymous: to the login page
    assert client.post(CV, data).status_code == 302
    for person in (outsider, employer, assessor):  # the assessor belongs to the issuing organisation
        client.force_login(person)
        page = client.get(CV)
        assert page.status_code == 200 and "Fiabilité" not in page.content.decode()
        response = client.post(CV, data)
        assert response.status_code == 400 and response["Content-Type"].startswith("text/html")
        assert "Fiabilité" not in response.content.decode()
    assert not ShareLink.objects.exists() and not AuditEvent.objects.filter(verb="cv.made").exists()


def test_the_holder_cannot_slip_in_someone_elses_badge(holder, issue, organisation, version, outsider):
    issue()
    theirs = issuing.issue_credential(
        organisation=organisation, version=version, recipient=outsider, recipient_email=outsider.email,
        idempotency_key="theirs", source="bulk",
    )  # fmt: skip
    response = holder.post(CV, defaults(holder, credentials=[str(theirs.uuid)]))
    assert response.status_code == 400 and not ShareLink.objects.exists()


def test_drawing_the_pdf_fetches_nothing(monkeypatch, caplog, db):
    """Everything drawn is in the page as data: URLs; any other address is refused, not fetched."""
    page = (
        '<html lang="fr"><head><title>t</title><link rel="stylesheet" href="http://127.0.0.1:9/x.css"></head>'
        '<body><img src="file:///etc/hostname" alt="x"><p>texte</p></body></html>'
    )
    monkeypatch.setattr(cv, "render_to_string", lambda *args, **kwargs: page)
    pdf = cv.render_pdf(
        name="X", headline="", credentials=[], certificates=[], tokens={}, language="fr", paper="a4"
    )
    assert pdf.startswith(b"%PDF-")
    refused = [
        record.getMessage() for record in caplog.records if "disallowed protocol" in record.getMessage()
    ]
    assert len(refused) == 2, [record.getMessage() for record in caplog.records]


def test_making_a_pdf_leaves_the_checks_of_uploaded_images_as_strict(holder, issue):
    """Importing WeasyPrint tells Pillow to accept truncated images, for the whole process."""
    import zlib

    from PIL import ImageFile

    from carnet.catalogue.images import BadgeImageError, validate_png

    issue()
    download(holder)
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
    too_short = zlib.compress(b"\x00" * 5)  # 5 bytes of pixels for a 10 × 10 image
    header = (10).to_bytes(4, "big") * 2 + bytes([8, 0, 0, 0, 0])

    def chunk(kind: bytes, data: bytes) -> bytes:
        return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")

    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", too_short) + chunk(b"IEND", b"")
    with pytest.raises(BadgeImageError):
        validate_png(png)
