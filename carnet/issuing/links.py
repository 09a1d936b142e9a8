"""Links from a credential to the world: the address of its public badge page and of the signed
credential itself, LinkedIn's "Add to profile" link for certifications, and the QR codes of those
addresses (the page's for a printed CV or a poster, the credential's for a wallet app).
The QR codes are drawn by segno (ISO/IEC 18004 QR Code 2005, pure Python)."""

from __future__ import annotations

import io
import urllib.parse

import segno
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from carnet.issuing.identity import absolute
from carnet.issuing.models import IssuedCredential

LINKEDIN_ADD_TO_PROFILE = "https://www.linkedin.com/profile/add"


def public_badge_url(credential: IssuedCredential) -> str:
    """The absolute address of the credential's public badge page, ``/badges/<uuid>/``: what its
    QR code and its LinkedIn certification lead to. Always the address without a language prefix
    (the page's default language), so that it never changes with the language of the holder's
    session. Others can open it only when the holder made the credential visible by link or
    public; while it is private, it opens for its holder alone."""
    with translation.override(settings.LANGUAGE_CODE):
        return absolute(reverse("portfolio:badge", args=[credential.uuid]))


def credential_json_url(credential: IssuedCredential) -> str:
    """The absolute address of the signed credential itself, ``/badges/<uuid>.json``: what a wallet
    app opens (the "wallet" QR code holds it). Like the badge page it belongs to, others can read
    it only while the holder makes the credential visible by link or public."""
    with translation.override(settings.LANGUAGE_CODE):
        return absolute(reverse("portfolio:badge_json", args=[credential.uuid]))


def linkedin_add_url(credential: IssuedCredential) -> str:
    """LinkedIn's "Add to profile" link for a certification, filled in from the credential: its
    name and issuer, the month it was issued and, if it has one, the month it ends, its public
    page (``certUrl``) and its identifier (``certId``). Opening it asks the holder to confirm on
    LinkedIn; nothing is sent to LinkedIn before they follow it."""
    issued = timezone.localtime(credential.issued_at)
    name = credential.document.get("name")
    parameters: dict[str, str | int] = {
        "startTask": "CERTIFICATION_NAME",
        "name": name if isinstance(name, str) and name else credential.micro_credential_version.name(),
        "organizationName": credential.organisation.name,
        "issueYear": issued.year,
        "issueMonth": issued.month,
    }
    if credential.valid_until is not None:
        until = timezone.localtime(credential.valid_until)
        parameters |= {"expirationYear": until.year, "expirationMonth": until.month}
    parameters |= {"certUrl": public_badge_url(credential), "certId": str(credential.uuid)}
    # quote_via=quote writes a space as %20, which every reader takes as a space (+ is form encoding).
    return f"{LINKEDIN_ADD_TO_PROFILE}?{urllib.parse.urlencode(parameters, quote_via=urllib.parse.quote)}"


def _qr(url: str) -> segno.QRCode:
    # Level M (15 % of the code may be damaged); segno raises it when the size allows, for free.
    return segno.make_qr(url, error="m")


def qr_svg(url: str, *, title: str = "") -> bytes:
    """A QR code of ``url`` as an SVG document: black squares on white, a quiet zone of four
    modules, a ``viewBox`` so that it scales, and ``title`` (escaped) for screen readers. Paths
    only: no script, no style, no link."""
    out = io.BytesIO()
    _qr(url).save(
        out, kind="svg", scale=1, border=4, dark="#000", light="#fff", xmldecl=False, omitsize=True,
        title=title or None, svgclass=None, lineclass=None,
    )  # fmt: skip
    return out.getvalue()


def qr_png(url: str, *, scale: int = 10) -> bytes:
    """A QR code of ``url`` as a PNG image, ``scale`` pixels per module (about 4 cm printed at
    300 dpi for a badge address), with a quiet zone of four modules."""
    out = io.BytesIO()
    _qr(url).save(out, kind="png", scale=scale, border=4, dark="#000", light="#fff")
    return out.getvalue()
