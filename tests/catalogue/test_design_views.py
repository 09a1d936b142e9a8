"""The badge designer and image upload: admins only; uploads are checked and sanitised."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from carnet.catalogue import services

pytestmark = pytest.mark.django_db

DESIGN = {
    "title": "Travail d'équipe",
    "subtitle": "Niveau 2",
    "shape": "hexagon",
    "icon": "people",
    "background": "#0b5394",
    "border": "#f1c232",
    "text_colour": "#ffffff",
}


@pytest.fixture
def item(organisation, levels):
    return services.create_micro_credential(
        organisation=organisation,
        fields={"name_fr": "Travail d'équipe", "description_fr": "d", "criteria_fr": "c",
                "learning_contexts": ["sport"], "assessment_method": "portfolio"},
        alignments=[(levels[0].competency, levels[0])],
    )  # fmt: skip


def url(item) -> str:
    return f"/organisations/cje-test/catalogue/{item.slug}/image/"


def test_an_admin_previews_and_saves_a_designed_badge(client, org_admin, item):
    client.force_login(org_admin)
    preview = client.post(url(item), {**DESIGN, "action": "preview"}).content.decode()
    assert "<svg" in preview and 'role="img"' in preview
    assert client.post(url(item), {**DESIGN, "action": "design"}).status_code == 302
    version = item.draft_version()
    assert version.image.name.endswith(".svg") and version.image_png.name.endswith(".png")
    assert version.design["shape"] == "hexagon"


def test_low_contrast_is_explained(client, org_admin, item):
    client.force_login(org_admin)
    page = client.post(url(item), {**DESIGN, "text_colour": "#0b5394", "action": "preview"}).content.decode()
    assert "4.5" in page or "4,5" in page


def test_an_uploaded_svg_is_sanitised(client, org_admin, item):
    client.force_login(org_admin)
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script><circle r="5"/></svg>'
    response = client.post(
        url(item), {"action": "upload", "image": SimpleUploadedFile("b.svg", svg, "image/svg+xml")}
    )
    assert response.status_code == 302
    stored = item.draft_version().image.read()
    assert b"script" not in stored and b"onload" not in stored and b"circle" in stored


def test_an_uploaded_png_is_checked(client, org_admin, item):
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), "#0b5394").save(buffer, "PNG")
    client.force_login(org_admin)
    ok = client.post(
        url(item), {"action": "upload", "image": SimpleUploadedFile("b.png", buffer.getvalue(), "image/png")}
    )
    assert ok.status_code == 302
    bad = client.post(
        url(item), {"action": "upload", "image": SimpleUploadedFile("b.png", b"\x89PNG garbage", "image/png")}
    )
    assert bad.status_code == 200 and 'role="alert"' in bad.content.decode()


@pytest.mark.parametrize("who", ["assessor", "learner", "outsider", "employer"])
def test_others_cannot_use_the_designer(client, request, who, item):
    client.force_login(request.getfixturevalue(who))
    assert client.get(url(item)).status_code == 404
    assert client.post(url(item), {**DESIGN, "action": "design"}).status_code == 404


def test_an_uploaded_svg_replaces_the_png_of_a_designed_badge(client, org_admin, item):
    """The designed badge's PNG must not survive an upload of an SVG: it would be baked and written
    into credentials as the new badge's image."""
    client.force_login(org_admin)
    client.post(url(item), {**DESIGN, "action": "design"})
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><circle r="5"/></svg>'
    client.post(url(item), {"action": "upload", "image": SimpleUploadedFile("b.svg", svg, "image/svg+xml")})
    version = item.draft_version()
    assert version.image.name.endswith(".svg") and not version.image_png
    assert version.design == {}
