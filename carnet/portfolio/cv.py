"""The carnet as a PDF, a skills CV to attach to a job application or to print: the holder's name,
the skills their valid credentials prove, the certificates issued to them, then each badge they chose,
each with a QR code of the page where its state shows live and that page's address printed under it.

The PDF is drawn by WeasyPrint from a Django template (HTML and CSS), in the language the holder
chose, as PDF/UA-1: tagged structure (headings, lists, tables, figures with their text
alternative), title and language in its metadata, real text everywhere (the QR codes are vector
drawings). WeasyPrint needs Pango from the system (Debian: ``libpango-1.0-0 libpangoft2-1.0-0`` and
a font, ``fonts-dejavu-core``); without it :class:`PdfUnavailable` is raised and the rest of Carnet
works on.

WeasyPrint fetches nothing here: everything it draws is in the page as ``data:`` URLs, and its URL
fetcher refuses any other kind of address.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from carnet.issuing import links
from carnet.issuing.downloads import badge_image
from carnet.issuing.identity import absolute
from carnet.issuing.models import IssuedCredential
from carnet.portfolio import selectors
from carnet.recognition.models import criteria_lines

# The language tag written into the PDF: Carnet speaks the French and English of Canada.
LANGUAGE_TAGS = {"fr": "fr-CA", "en": "en-CA"}
PAPER_SIZES = {"letter": "letter", "a4": "A4"}
MAX_BADGE_IMAGE = 512 * 1024  # a badge picture larger than this is left out of the PDF
PICTURE_PIXELS = 160
ENDORSERS_NAMED = 3  # the endorsers named in a badge's line; the others are counted


class PdfUnavailable(RuntimeError):
    """WeasyPrint cannot run on this machine (Pango is missing)."""


@dataclass
class BadgeEntry:
    """One chosen credential as the PDF shows it."""

    credential: IssuedCredential
    state: str  # from selectors.live_state: valid, expired, suspended, revoked, altered, unconfirmed
    url: str  # where its QR code leads: its public badge page, or a share link
    by_share_link: bool
    endorsements: str  # one line, empty when there are none
    description: str = ""
    criteria: str = ""
    skills: list[tuple[Any, Any]] = field(default_factory=list)  # (competency, level)
    qr: str = ""  # a data: URL (SVG)
    image: str = ""  # a data: URL (PNG), empty without a picture


@dataclass
class CertificateEntry:
    """One chosen certificate as the PDF shows it."""

    issued: Any  # an IssuedCertificate
    state: str  # from carnet.stacking.selectors.state_of: valid, revoked, altered, unconfirmed
    parts: list[str]  # the names of the micro-credentials it bundles
    url: str = ""  # its public page, empty while it is private (certificates have no share links)
    qr: str = ""


def _address(view: str, argument: Any, language: str) -> str:
    """The absolute address of ``view`` in the language of the PDF: the French pages have no
    prefix, the English ones start with /en/."""
    with translation.override(settings.LANGUAGE_CODE if language == "fr" else language):
        return absolute(reverse(view, args=[argument]))


def page_url(credential: IssuedCredential, language: str, token: str | None = None) -> str:
    """The address a reader of the PDF types or scans: the share link of ``token`` when the
    credential is private, its public badge page otherwise."""
    if token is not None:
        return _address("portfolio:shared", token, language)
    return _address("portfolio:badge", credential.uuid, language)


def endorsement_line(endorsements: Sequence[Any]) -> str:
    """How many endorsed the credential and who, naming only those who consented to it, in the
    active language: "Endorsed by 3 people: Marie Tremblay (Food bank), Paul Roy and 1 person not
    named." Empty when nobody did."""
    if not endorsements:
        return ""
    named = [
        f"{e.endorser_name} ({e.endorser_organisation})" if e.endorser_organisation else e.endorser_name
        for e in endorsements
        if e.consent_to_be_named
    ]
    shown = named[:ENDORSERS_NAMED]
    unnamed = len(endorsements) - len(named)
    others = len(named) - len(shown)
    parts = list(shown)
    if others:
        parts.append(
            ngettext("%(count)s autre personne", "%(count)s autres personnes", others) % {"count": others}
        )
    if unnamed:
        parts.append(
            ngettext("%(count)s personne non nommée", "%(count)s personnes non nommées", unnamed)
            % {"count": unnamed}
        )
    who = parts[0] if len(parts) == 1 else _("%(first)s et %(last)s") % {
        "first": ", ".join(parts[:-1]), "last": parts[-1]
    }  # fmt: skip
    count = len(endorsements)
    return ngettext(
        "Endossée par %(count)s personne : %(who)s.", "Endossée par %(count)s personnes : %(who)s.", count
    ) % {"count": count, "who": who}


def _data_url(content: bytes, content_type: str) -> str:
    return f"data:{content_type};base64,{base64.b64encode(content).decode('ascii')}"


def _picture(credential: IssuedCredential) -> str:
    """The badge's picture, as small as the PDF shows it (13 mm, 160 pixels: 300 dots per inch) and
    flattened on white: drawing full-size pictures with their transparency took most of the time
    of a PDF of many badges."""
    from PIL import Image, UnidentifiedImageError

    image = badge_image(credential, "png")
    if image is None:
        return ""
    try:
        with image.open("rb") as stored:
            content = stored.read(MAX_BADGE_IMAGE + 1)
        if len(content) > MAX_BADGE_IMAGE:
            return ""
        with Image.open(io.BytesIO(content)) as picture:
            picture.thumbnail((PICTURE_PIXELS, PICTURE_PIXELS))
            flat = Image.new("RGB", picture.size, "#ffffff")
            flat.paste(picture, mask=picture.convert("RGBA"))
    except (OSError, UnidentifiedImageError, Image.DecompressionBombError):
        return ""  # the picture is an ornament: the PDF does without
    out = io.BytesIO()
    flat.save(out, format="PNG")
    return _data_url(out.getvalue(), "image/png")


def badge_entry(credential: IssuedCredential, *, language: str, token: str | None) -> BadgeEntry:
    """What the PDF says of ``credential`` (in the active language)."""
    url = page_url(credential, language, token)
    version = credential.micro_credential_version
    name = version.name()
    qr = links.qr_svg(url, title=_("Code QR : vérifier « %(name)s » en ligne") % {"name": name})
    return BadgeEntry(
        credential=credential,
        state=selectors.live_state(credential).code,
        url=url,
        by_share_link=token is not None,
        endorsements=endorsement_line(selectors.endorsements_of(credential)),
        description=version.description(),
        criteria=" ".join(criteria_lines(version.criteria())),
        skills=[(alignment.competency, alignment.level) for alignment in version.alignments.all()],
        qr=_data_url(qr, "image/svg+xml"),
        image=_picture(credential),
    )


def certificate_entry(issued: Any, *, language: str) -> CertificateEntry:
    """What the PDF says of an issued certificate (in the active language)."""
    from carnet.stacking import selectors as stacking

    entry = CertificateEntry(
        issued=issued,
        state=stacking.state_of(issued),
        parts=[part.micro_credential_version.name() for part in stacking.parts_of(issued)],
    )
    if issued.visibility != "private":
        entry.url = _address("stacked:public", issued.uuid, language)
        name = issued.certificate.name()
        qr = links.qr_svg(entry.url, title=_("Code QR : vérifier « %(name)s » en ligne") % {"name": name})
        entry.qr = _data_url(qr, "image/svg+xml")
    return entry


def _weasyprint() -> tuple[Any, Any]:
    """WeasyPrint's ``HTML`` and ``URLFetcher``. Importing WeasyPrint sets Pillow's
    ``ImageFile.LOAD_TRUNCATED_IMAGES`` for the whole process, which would let truncated uploads
    (badge pictures, evidence) pass Carnet's image checks: it is put back as it was."""
    from PIL import ImageFile

    truncated = ImageFile.LOAD_TRUNCATED_IMAGES
    try:
        from weasyprint import HTML
        from weasyprint.urls import URLFetcher
    except OSError as exc:  # WeasyPrint is installed but Pango is not
        raise PdfUnavailable(str(exc)) from exc
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = truncated
    return HTML, URLFetcher


def render_pdf(
    *,
    name: str,
    headline: str,
    credentials: Sequence[IssuedCredential],
    certificates: Sequence[Any],
    tokens: Mapping[int, str],
    links_until: datetime | None = None,
    language: str,
    paper: str,
) -> bytes:
    """The PDF of the chosen ``credentials`` (QR codes leading to the share link of ``tokens``
    for those that have one, by credential id, to their public page otherwise; the share links
    work until ``links_until``, None: until withdrawn) and ``certificates``, in ``language``
    ("fr" or "en"), on ``paper`` ("letter" or "a4")."""
    HTML, URLFetcher = _weasyprint()
    with translation.override(language):
        skills = selectors.cv_skills(list(credentials))
        for row in skills:
            row.proven_by = [c.micro_credential_version.name() for c in row.credentials or () if c.counts]  # type: ignore[attr-defined]
        entries = [
            badge_entry(credential, language=language, token=tokens.get(credential.pk))
            for credential in credentials
        ]
        html = render_to_string(
            "portfolio/cv_pdf.html",
            {
                "name": name,
                "headline": headline,
                "skills": skills,
                "entries": entries,
                "certificates": [certificate_entry(issued, language=language) for issued in certificates],
                "language_tag": LANGUAGE_TAGS[language],
                "paper": PAPER_SIZES[paper],
                "made_at": timezone.localtime(),
                "links_until": links_until,
            },
        )
    fetcher = URLFetcher(allowed_protocols=("data",))
    return bytes(HTML(string=html, url_fetcher=fetcher).write_pdf(pdf_variant="pdf/ua-1"))
