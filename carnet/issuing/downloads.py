"""What the holder takes away from the page of their credential: the credential as a VC-JWT (Open
Badges 3.0 §8.2), baked into the badge's PNG and SVG images (§5.3), the way to add it to their
LinkedIn profile, the QR code of its public badge page, and the QR code of the signed credential's
own address for a wallet app. (The JSON download is
:func:`carnet.issuing.pages.download`.)

Every view is for the holder only (:func:`~carnet.issuing.access.access_own_credential`: anyone
else gets 404, a visitor who is not signed in is sent to log in) and answers a download that no
cache keeps. A suspended or revoked credential still downloads: the file is the holder's, and
whoever verifies it is told its state by the status list.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files import File
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from carnet.credentials import BakingError, ProofError, sign_jwt
from carnet.credentials.baking import MAX_IMAGE_BYTES, bake_png, bake_svg
from carnet.issuing import links
from carnet.issuing.access import access_own_credential
from carnet.issuing.keys import signer
from carnet.issuing.models import IssuedCredential

# A downloaded SVG opened on its own runs nothing and loads nothing (its styles and embedded
# pictures excepted): the same sandbox as evidence files.
SVG_POLICY = "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'"


def credential_jwt(credential: IssuedCredential) -> str:
    """The credential as a VC-JWT, signed with its organisation's current key the first time it
    is asked for, then kept. The payload is the issued credential without its Data Integrity proof
    (and the JWT claims ``iss``, ``jti``, ``sub``, ``nbf``, ``exp`` drawn from it; no ``iat``).

    Ed25519 signatures are deterministic, so signing again would give the same token, but only
    until the organisation's key is rotated; kept, the token stays the same for good (what the key
    retired signed keeps verifying), and the key is opened once rather than at each download. Two
    first requests at once sign twice but keep one token. Raises
    :class:`~carnet.credentials.ProofError` if it cannot be signed: the site's address changed
    after issuance and the key was renewed since, so the current key belongs to another DID than
    the credential's issuer."""
    if credential.jwt:
        return credential.jwt
    unsigned = {name: value for name, value in credential.document.items() if name != "proof"}
    # sign_jwt takes the key itself (an Ed25519Key, which DatabaseSigner gives); a signer that
    # only signs remotely (KMS, HSM) would need a JWT path of its own.
    token = sign_jwt(unsigned, signer().key_for(credential.organisation))  # type: ignore[arg-type]
    IssuedCredential.objects.filter(pk=credential.pk, jwt="").update(jwt=token)
    credential.refresh_from_db(fields=["jwt"])
    return credential.jwt


def badge_image(credential: IssuedCredential, kind: str) -> File | None:
    """The stored image of the credential's badge in ``kind`` ("png" or "svg"), if it has one. A
    designed badge has both; an uploaded PNG is also the PNG; an uploaded SVG has no PNG."""
    version = credential.micro_credential_version
    for image in (version.image_png, version.image):
        if image and image.name.lower().endswith(f".{kind}"):
            return image
    return None


def _attachment(
    content: bytes | str, content_type: str, credential: IssuedCredential, suffix: str
) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    name = f"microattestation-{credential.micro_credential_version.micro_credential.slug}{suffix}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    if content_type.startswith("image/svg+xml"):
        response["Content-Security-Policy"] = SVG_POLICY
    return response


def _back(credential: IssuedCredential) -> HttpResponseRedirect:
    return redirect("issued:mine", credential.uuid)


@login_required
@require_safe
def jwt(request: HttpRequest, credential_uuid: str) -> HttpResponse:
    """The credential as a VC-JWT (compact JWS, ``application/jwt``: its header says ``typ`` JWT)."""
    credential = access_own_credential(request.user, credential_uuid)
    try:
        token = credential_jwt(credential)
    except ProofError:
        messages.error(
            request,
            _(
                "Cette microattestation ne peut pas être signée en VC-JWT pour le moment. "
                "Téléchargez-la en JSON : elle a la même valeur. Si vous avez besoin du VC-JWT, "
                "écrivez à l'organisation qui l'a délivrée."
            ),
        )
        return _back(credential)
    return _attachment(token, "application/jwt", credential, ".jwt")


def _baked(request: HttpRequest, credential_uuid: str, kind: str) -> HttpResponse:
    credential = access_own_credential(request.user, credential_uuid)
    image = badge_image(credential, kind)
    if image is None:
        raise Http404("this badge has no image in this format")
    bake = bake_png if kind == "png" else bake_svg
    try:
        with image.open("rb") as stored:
            data = stored.read(MAX_IMAGE_BYTES + 1)  # one byte more, for baking to say it is too large
        baked = bake(data, credential.document)
    except (BakingError, OSError):
        messages.error(
            request,
            _(
                "L'image de ce badge ne peut pas recevoir la microattestation. Téléchargez-la en JSON "
                "ou en VC-JWT : elle a la même valeur. L'organisation qui l'a délivrée peut changer "
                "l'image du badge."
            ),
        )
        return _back(credential)
    content_type = "image/png" if kind == "png" else "image/svg+xml"
    return _attachment(baked, content_type, credential, f".{kind}")


@login_required
@require_safe
def baked_png(request: HttpRequest, credential_uuid: str) -> HttpResponse:
    """The badge's PNG image with the signed credential in it (an ``openbadgecredential`` chunk)."""
    return _baked(request, credential_uuid, "png")


@login_required
@require_safe
def baked_svg(request: HttpRequest, credential_uuid: str) -> HttpResponse:
    """The badge's SVG image with the signed credential in it (``<openbadges:credential>``)."""
    return _baked(request, credential_uuid, "svg")


@login_required
@require_safe
def linkedin(request: HttpRequest, credential_uuid: str) -> HttpResponse:
    """On to LinkedIn's form to add the credential to the holder's profile, filled in."""
    credential = access_own_credential(request.user, credential_uuid)
    response = HttpResponseRedirect(links.linkedin_add_url(credential))
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


def _qr_title(credential: IssuedCredential) -> str:
    return _("Code QR de la page publique de la microattestation « %(name)s »") % {
        "name": credential.micro_credential_version.name()
    }


@login_required
@require_safe
def qr_svg(request: HttpRequest, credential_uuid: str) -> HttpResponse:
    """The QR code of the credential's public badge page, as SVG (also shown on the holder's page)."""
    credential = access_own_credential(request.user, credential_uuid)
    image = links.qr_svg(links.public_badge_url(credential), title=_qr_title(credential))
    return _attachment(image, "image/svg+xml", credential, "-qr.svg")


@login_required
@require_safe
def qr_png(request: HttpRequest, credential_uuid: str) -> HttpResponse:
    """The QR code of the credential's public badge page, as PNG."""
    credential = access_own_credential(request.user, credential_uuid)
    return _attachment(links.qr_png(links.public_badge_url(credential)), "image/png", credential, "-qr.png")


def _wallet_qr_title(credential: IssuedCredential) -> str:
    return _("Code QR de la microattestation « %(name)s » pour une application de portefeuille") % {
        "name": credential.micro_credential_version.name()
    }


@login_required
@require_safe
def wallet_qr_svg(request: HttpRequest, credential_uuid: str) -> HttpResponse:
    """The QR code of the signed credential's address (``/badges/<uuid>.json``), as SVG: a wallet
    app that scans it reads the credential itself."""
    credential = access_own_credential(request.user, credential_uuid)
    image = links.qr_svg(links.credential_json_url(credential), title=_wallet_qr_title(credential))
    return _attachment(image, "image/svg+xml", credential, "-portefeuille-qr.svg")


@login_required
@require_safe
def wallet_qr_png(request: HttpRequest, credential_uuid: str) -> HttpResponse:
    """The QR code of the signed credential's address, as PNG."""
    credential = access_own_credential(request.user, credential_uuid)
    return _attachment(
        links.qr_png(links.credential_json_url(credential)), "image/png", credential, "-portefeuille-qr.png"
    )
