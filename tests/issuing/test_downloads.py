"""What the holder takes away from their credential's page: the VC-JWT, the badge baked in PNG and
SVG, the LinkedIn link and the QR code of the public badge page. Each is read back (the token and
the baked images verify and give back the credential; the QR code holds the page's address), and
each is for the holder alone."""

from __future__ import annotations

import base64
import io
import json
from urllib.parse import parse_qs, urlsplit

import pytest
import segno
import zxingcpp
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from defusedxml.ElementTree import fromstring
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone, translation
from PIL import Image

from carnet.catalogue import services as catalogue
from carnet.credentials import baking, verify
from carnet.credentials.keys import decode_public_key
from carnet.issuing import identity, links, services
from carnet.issuing.models import IssuedCredential
from carnet.portfolio.services import set_visibility

pytestmark = pytest.mark.django_db

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><circle cx="5" cy="5" r="4"/></svg>'
SITE = "http://127.0.0.1:8000"  # SITE_URL in the tests
DOWNLOADS = [
    "download_jwt", "download_png", "download_svg", "qr_svg", "qr_png", "wallet_qr_svg", "wallet_qr_png",
    "linkedin",
]  # fmt: skip


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "#0b5394").save(out, format="PNG")
    return out.getvalue()


def url(name: str, credential: IssuedCredential) -> str:
    return reverse(f"issued:{name}", args=[credential.uuid])


def without_proof(document: dict) -> dict:
    return {name: value for name, value in document.items() if name != "proof"}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def with_images(version):
    """``with_images(image, image_name, png)``: a new published version of the micro-credential with
    this badge image (an SVG by default) and this PNG (none by default)."""

    def publish(image: bytes = SVG, image_name: str = "badge.svg", png: bytes | None = None):
        catalogue.set_badge_image(
            micro_credential=version.micro_credential, image=image, image_name=image_name, png=png
        )
        return catalogue.publish_micro_credential(micro_credential=version.micro_credential)

    return publish


@pytest.fixture
def holder(client, learner):
    client.force_login(learner)
    return client


# -- VC-JWT ----------------------------------------------------------------------------------------


def test_the_holder_downloads_a_vc_jwt_that_verifies(holder, issue):
    credential = issue()
    response = holder.get(url("download_jwt", credential))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/jwt"
    assert response["Content-Disposition"] == 'attachment; filename="microattestation-fiabilite.jwt"'
    assert response["Cache-Control"] == "private, no-store"
    token = response.content.decode("ascii")
    report = verify(token, resolver=identity.resolver())
    assert report.valid, report.to_text("en")
    assert report.source_format == "jwt"
    assert report.credential == without_proof(credential.document)


def test_the_jwt_is_signed_by_the_organisations_key_with_the_claims_of_open_badges(holder, issue):
    credential = issue()
    token = holder.get(url("download_jwt", credential)).content.decode()
    header, payload = (json.loads(base64.urlsafe_b64decode(part + "==")) for part in token.split(".")[:2])
    assert header["alg"] == "EdDSA" and header["typ"] == "JWT"
    assert header["kid"] == identity.did_document_of(credential.organisation)["verificationMethod"][0]["id"]
    assert payload["iss"] == credential.document["issuer"]["id"]
    assert payload["jti"] == credential.credential_id
    assert payload["nbf"] == int(credential.issued_at.timestamp())
    assert payload["exp"] == int(credential.valid_until.timestamp())
    assert "proof" not in payload and "iat" not in payload


def test_every_download_gives_the_same_token_even_after_a_key_rotation(
    holder, issue, organisation, org_admin
):
    credential = issue()
    first = holder.get(url("download_jwt", credential)).content
    assert holder.get(url("download_jwt", credential)).content == first
    credential.refresh_from_db()
    assert credential.jwt == first.decode()
    services.rotate_signing_key(organisation=organisation, actor=org_admin)
    assert holder.get(url("download_jwt", credential)).content == first
    assert verify(first.decode(), resolver=identity.resolver()).valid  # the retired key stays published


def test_pyjwt_reads_the_token_with_the_key_of_the_did_document(holder, issue):
    """A second, independent JOSE implementation accepts the token."""
    pyjwt = pytest.importorskip("jwt")
    credential = issue()
    token = holder.get(url("download_jwt", credential)).content.decode()
    method = identity.did_document_of(credential.organisation)["verificationMethod"][0]
    public_key = Ed25519PublicKey.from_public_bytes(decode_public_key(method["publicKeyMultibase"]))
    claims = pyjwt.decode(token, public_key, algorithms=["EdDSA"], options={"verify_exp": False})
    assert claims["jti"] == credential.credential_id
    assert claims["credentialSubject"] == credential.document["credentialSubject"]


def test_a_token_that_cannot_be_signed_sends_the_holder_back_with_a_message(
    holder, issue, organisation, org_admin, settings
):
    """The site's address changed after issuance and the key was renewed: the current key belongs
    to another DID than the credential's issuer, so no verifier would accept its signature."""
    credential = issue()
    settings.SITE_URL = "https://carnet.example"
    services.rotate_signing_key(organisation=organisation, actor=org_admin)
    response = holder.get(url("download_jwt", credential))
    assert response.status_code == 302 and response.url == url("mine", credential)
    assert "Téléchargez-la en JSON" in str(next(iter(get_messages(response.wsgi_request))))
    credential.refresh_from_db()
    assert credential.jwt == ""


# -- baked images ----------------------------------------------------------------------------------


def test_the_baked_png_gives_back_the_exact_credential_and_verifies(holder, issue, with_images):
    credential = issue(version=with_images(png=png_bytes()))
    response = holder.get(url("download_png", credential))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'attachment; filename="microattestation-fiabilite.png"'
    assert response["Cache-Control"] == "private, no-store"
    baked = baking.unbake(response.content)
    assert (baked.version, baked.format, baked.payload) == ("3.0", "png", credential.document)
    report = verify(response.content, resolver=identity.resolver())
    assert report.valid and report.source_format == "baked-png", report.to_text("en")


def test_the_baked_svg_gives_back_the_exact_credential_and_verifies(holder, issue, with_images):
    credential = issue(version=with_images(png=png_bytes()))
    response = holder.get(url("download_svg", credential))
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
    assert response["Content-Disposition"] == 'attachment; filename="microattestation-fiabilite.svg"'
    assert response["Content-Security-Policy"].startswith("sandbox; default-src 'none'")
    baked = baking.unbake(response.content)
    assert (baked.version, baked.format, baked.payload) == ("3.0", "svg", credential.document)
    report = verify(response.content, resolver=identity.resolver())
    assert report.valid and report.source_format == "baked-svg", report.to_text("en")


def test_the_page_offers_the_formats_the_badge_has(holder, issue, with_images):
    only_svg = issue(key="svg", version=with_images())  # an uploaded SVG has no PNG
    page = holder.get(url("mine", only_svg)).content.decode()
    assert url("download_png", only_svg) not in page and url("download_svg", only_svg) in page
    assert holder.get(url("download_png", only_svg)).status_code == 404

    only_png = issue(
        key="png", version=with_images(image=png_bytes(), image_name="image.png", png=png_bytes())
    )
    page = holder.get(url("mine", only_png)).content.decode()
    assert url("download_png", only_png) in page and url("download_svg", only_png) not in page
    assert holder.get(url("download_svg", only_png)).status_code == 404
    assert baking.unbake(holder.get(url("download_png", only_png)).content).payload == only_png.document

    both = issue(key="both", version=with_images(png=png_bytes()))
    page = holder.get(url("mine", both)).content.decode()
    assert url("download_png", both) in page and url("download_svg", both) in page


def test_a_badge_without_an_image_offers_no_baked_download(holder, issue):
    credential = issue()
    page = holder.get(url("mine", credential)).content.decode()
    assert "Ce badge n'a pas d'image" in page
    assert url("download_png", credential) not in page and url("download_svg", credential) not in page
    assert holder.get(url("download_png", credential)).status_code == 404
    assert holder.get(url("download_svg", credential)).status_code == 404


def test_an_image_that_cannot_carry_the_credential_sends_the_holder_back_with_a_message(
    holder, issue, with_images
):
    credential = issue(version=with_images(png=png_bytes()))
    image = credential.micro_credential_version.image_png
    with image.storage.open(image.name, "wb") as damaged:
        damaged.write(b"\x89PNG\r\n\x1a\n but not a PNG")
    response = holder.get(url("download_png", credential))
    assert response.status_code == 302 and response.url == url("mine", credential)
    assert "ne peut pas recevoir la microattestation" in str(next(iter(get_messages(response.wsgi_request))))


# -- LinkedIn --------------------------------------------------------------------------------------


def test_the_linkedin_link_is_filled_in_and_encoded(issue, organisation):
    organisation.name = "CJE Test & Fils, « Québec »"
    organisation.save(update_fields=["name"])
    credential = issue()
    credential.document["name"] = "Fiabilité & ponctualité #1"
    address = links.linkedin_add_url(credential)
    parts = urlsplit(address)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "www.linkedin.com", "/profile/add")
    assert "&ponctualit" not in parts.query and " " not in address and "+" not in parts.query
    issued, until = timezone.localtime(credential.issued_at), timezone.localtime(credential.valid_until)
    assert parse_qs(parts.query, strict_parsing=True) == {
        "startTask": ["CERTIFICATION_NAME"],
        "name": ["Fiabilité & ponctualité #1"],
        "organizationName": ["CJE Test & Fils, « Québec »"],
        "issueYear": [str(issued.year)],
        "issueMonth": [str(issued.month)],
        "expirationYear": [str(until.year)],
        "expirationMonth": [str(until.month)],
        "certUrl": [f"{SITE}/badges/{credential.uuid}/"],
        "certId": [str(credential.uuid)],
    }


def test_a_credential_without_an_end_has_no_expiration_on_linkedin(issue):
    credential = issue()
    credential.valid_until = None
    query = parse_qs(urlsplit(links.linkedin_add_url(credential)).query)
    assert "expirationYear" not in query and "expirationMonth" not in query


def test_the_linkedin_button_goes_to_linkedin_in_a_new_tab(holder, issue):
    credential = issue()
    page = holder.get(url("mine", credential)).content.decode()
    assert f'href="{url("linkedin", credential)}" target="_blank" rel="noopener noreferrer"' in page
    response = holder.get(url("linkedin", credential))
    assert response.status_code == 302
    assert response["Location"] == links.linkedin_add_url(credential)
    assert response["Referrer-Policy"] == "no-referrer"


# -- the public address and its QR code ------------------------------------------------------------


def test_the_public_address_is_the_badge_page_without_a_language_prefix(holder, issue):
    credential = issue()
    with translation.override("en"):
        address = links.public_badge_url(credential)
    assert address == f"{SITE}/badges/{credential.uuid}/"
    assert holder.get(address.removeprefix(SITE)).status_code == 200


def test_the_qr_code_in_svg_is_plain_well_formed_and_escaped(holder, issue, version):
    version.name_fr = 'Fiabilité <script>alert("x")</script> & co'
    version.save(update_fields=["name_fr"])
    credential = issue()
    response = holder.get(url("qr_svg", credential))
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
    assert response["Content-Disposition"] == 'attachment; filename="microattestation-fiabilite-qr.svg"'
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Security-Policy"].startswith("sandbox;")
    root = fromstring(response.content)
    assert root.tag == "{http://www.w3.org/2000/svg}svg" and root.get("viewBox")
    names = {element.tag.split("}")[-1] for element in root.iter()}
    assert names <= {"svg", "title", "path", "rect"}, names
    attributes = {name for element in root.iter() for name in element.attrib}
    assert not any(name.lower().startswith("on") or "href" in name for name in attributes)
    assert b"<script" not in response.content
    title = root.find("{http://www.w3.org/2000/svg}title").text
    assert (
        title
        == 'Code QR de la page publique de la microattestation « Fiabilité <script>alert("x")</script> & co »'
    )


def modules(png: bytes, scale: int = 10, border: int = 4) -> list[list[bool]]:
    """The dark (True) and light modules of a QR code image, read at the centre of each module."""
    image = Image.open(io.BytesIO(png)).convert("L")
    size = image.width // scale - 2 * border
    return [
        [
            image.getpixel(((border + x) * scale + scale // 2, (border + y) * scale + scale // 2)) < 128
            for x in range(size)
        ]
        for y in range(size)
    ]


def test_the_qr_code_in_png_draws_the_code_of_the_public_address(holder, issue):
    credential = issue()
    response = holder.get(url("qr_png", credential))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'attachment; filename="microattestation-fiabilite-qr.png"'
    expected = segno.make_qr(links.public_badge_url(credential), error="m").matrix
    assert modules(response.content) == [[bool(bit) for bit in row] for row in expected]


def test_a_qr_reader_finds_the_public_address(holder, issue):
    """Read back by an independent decoder (zxing-cpp)."""
    credential = issue()
    image = Image.open(io.BytesIO(holder.get(url("qr_png", credential)).content))
    assert [result.text for result in zxingcpp.read_barcodes(image)] == [links.public_badge_url(credential)]


def test_a_qr_reader_finds_the_credentials_own_address_in_the_wallet_qr_code(holder, issue):
    credential = issue()
    image = Image.open(io.BytesIO(holder.get(url("wallet_qr_png", credential)).content))
    found = [result.text for result in zxingcpp.read_barcodes(image)]
    assert found == [links.credential_json_url(credential)] == [f"{SITE}/badges/{credential.uuid}.json"]


def test_the_wallet_qr_code_is_plain_svg_and_its_png_draws_the_credentials_address(holder, issue):
    credential = issue()
    response = holder.get(url("wallet_qr_svg", credential))
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
    assert (
        response["Content-Disposition"]
        == 'attachment; filename="microattestation-fiabilite-portefeuille-qr.svg"'
    )
    assert response["Content-Security-Policy"].startswith("sandbox;")
    root = fromstring(response.content)
    assert {element.tag.split("}")[-1] for element in root.iter()} <= {"svg", "title", "path", "rect"}
    expected = segno.make_qr(links.credential_json_url(credential), error="m")
    out = io.BytesIO()
    expected.save(out, kind="png", scale=10, border=4)
    assert modules(holder.get(url("wallet_qr_png", credential)).content) == modules(out.getvalue())


def test_the_page_shows_the_wallet_qr_code_and_says_where_it_leads(holder, issue):
    credential = issue()
    page = holder.get(url("mine", credential)).content.decode()
    assert f'<img src="{url("wallet_qr_svg", credential)}"' in page
    assert "pour une application de portefeuille" in page
    assert url("wallet_qr_png", credential) in page


def test_the_page_shows_the_qr_code_and_says_where_it_leads(holder, issue):
    credential = issue()
    page = holder.get(url("mine", credential)).content.decode()
    assert f'<img src="{url("qr_svg", credential)}"' in page
    assert 'alt="Code QR qui mène à la page publique de cette microattestation"' in page
    assert url("qr_png", credential) in page
    assert "ne s'ouvrent que pour vous" in page  # private by default
    set_visibility(credential=credential, visibility="public", actor=None)
    assert "ne s'ouvrent que pour vous" not in holder.get(url("mine", credential)).content.decode()


# -- who may download ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", DOWNLOADS)
def test_nobody_but_the_holder_downloads(client, issue, with_images, outsider, org_admin, name):
    credential = issue(version=with_images(png=png_bytes()))
    for person in (outsider, org_admin):
        client.force_login(person)
        assert client.get(url(name, credential)).status_code == 404
    credential.refresh_from_db()
    assert credential.jwt == ""


@pytest.mark.parametrize("name", DOWNLOADS)
def test_anonymous_visitors_are_sent_to_log_in(client, issue, name):
    credential = issue()
    response = client.get(url(name, credential))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_downloads_are_read_only(holder, issue):
    credential = issue()
    assert holder.post(url("download_jwt", credential)).status_code == 405
    assert holder.head(url("qr_png", credential)).status_code == 200


@pytest.mark.parametrize("change", ["suspend", "revoke"])
def test_a_suspended_or_revoked_credential_still_downloads(holder, issue, with_images, org_admin, change):
    credential = issue(version=with_images(png=png_bytes()))
    {"suspend": services.suspend_credential, "revoke": services.revoke_credential}[change](
        credential=credential, reason="Erreur", actor=org_admin
    )
    for name in DOWNLOADS:
        assert holder.get(url(name, credential)).status_code in (200, 302), name
    for name in ("download_jwt", "download_png", "download_svg"):
        report = verify(holder.get(url(name, credential)).content, resolver=identity.resolver())
        assert report.failed() == ["status"], (name, report.to_text("en"))
