"""Frameworks pages: anyone reads published frameworks; only platform staff manage them."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from carnet.frameworks import services
from carnet.frameworks.interchange import write_csv
from carnet.frameworks.models import Framework

pytestmark = pytest.mark.django_db

NOT_STAFF = ["outsider", "learner", "org_admin", "assessor", "employer"]


def staff_urls(framework: Framework) -> list[tuple[str, str]]:
    base = f"/referentiels/gestion/{framework.uuid}/"
    return [
        ("get", "/referentiels/gestion/"),
        ("get", "/referentiels/gestion/nouveau/"),
        ("get", "/referentiels/gestion/importer/"),
        ("get", base),
        ("post", base + "publier/"),
        ("post", base + "archiver/"),
        ("get", base + "export.csv"),
        ("get", base + "case.json"),
    ]


def test_anyone_sees_the_published_frameworks(client, default_framework):
    response = client.get("/referentiels/")
    assert response.status_code == 200
    assert "Compétences génériques" in response.text


def test_anyone_reads_a_published_framework(client, default_framework):
    response = client.get("/referentiels/competences-generiques/")
    assert response.status_code == 200
    assert "Résolution de problèmes" in response.text
    assert "Expert" in response.text


def test_it_reads_in_english(client, default_framework):
    response = client.get("/en/referentiels/competences-generiques/")
    assert response.status_code == 200
    assert "Problem solving" in response.text


def test_a_draft_is_not_public(client, draft):
    assert client.get("/referentiels/essai/").status_code == 404
    assert "Référentiel d'essai" not in client.get("/referentiels/").text


@pytest.mark.parametrize("role", NOT_STAFF)
def test_non_staff_are_refused_every_staff_page(client, request, role, draft):
    client.force_login(request.getfixturevalue(role))
    for method, url in staff_urls(draft):
        assert getattr(client, method)(url).status_code == 404, url
    draft.refresh_from_db()
    assert draft.status == Framework.Status.DRAFT


def test_visitors_are_refused_every_staff_page(client, draft):
    for method, url in staff_urls(draft):
        assert getattr(client, method)(url).status_code == 404, url


def test_staff_see_every_staff_page(client, staff, draft):
    client.force_login(staff)
    for method, url in staff_urls(draft):
        if method == "get":
            assert client.get(url).status_code == 200, url


def test_staff_create_a_draft(client, staff):
    client.force_login(staff)
    response = client.post(
        "/referentiels/gestion/nouveau/",
        {"slug": "nouveau", "version": "1.0", "name_fr": "Nouveau", "name_en": "", "publisher": ""},
    )
    framework = Framework.objects.get(slug="nouveau")
    assert response.status_code == 302
    assert response["Location"].endswith(f"/referentiels/gestion/{framework.uuid}/")
    assert framework.status == Framework.Status.DRAFT


def test_a_reserved_or_taken_slug_is_refused(client, staff, draft):
    client.force_login(staff)
    for slug in ("gestion", "essai"):
        response = client.post(
            "/referentiels/gestion/nouveau/", {"slug": slug, "version": "1.0", "name_fr": "X"}
        )
        assert response.status_code == 200
        assert 'role="alert"' in response.text
    assert Framework.objects.count() == 2


def test_staff_edit_a_published_framework_into_a_new_version(client, staff, draft):
    services.publish_framework(framework=draft)
    client.force_login(staff)
    response = client.post(
        f"/referentiels/gestion/{draft.uuid}/",
        {"version": "1.0", "name_fr": "Révisé", "name_en": "Revised", "publisher": "Carnet"},
    )
    new = Framework.objects.get(previous=draft)
    assert response.status_code == 302
    assert (new.version, new.name_fr, new.status) == ("1.1", "Révisé", "draft")
    draft.refresh_from_db()
    assert draft.name_fr == "Référentiel d'essai"


def test_staff_publish_and_archive(client, staff, draft):
    client.force_login(staff)
    client.post(f"/referentiels/gestion/{draft.uuid}/publier/")
    draft.refresh_from_db()
    assert draft.status == "published"
    assert client.get("/referentiels/essai/").status_code == 200
    client.post(f"/referentiels/gestion/{draft.uuid}/archiver/")
    draft.refresh_from_db()
    assert draft.status == "archived"


def test_staff_download_csv_and_case(client, staff, default_framework):
    client.force_login(staff)
    base = f"/referentiels/gestion/{default_framework.uuid}/"
    response = client.get(base + "export.csv")
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert response.content.decode("utf-8-sig").startswith("framework_slug,")
    package = json.loads(client.get(base + "case.json").content)
    assert package["CFDocument"]["title"] == "Compétences génériques"


def test_staff_import_a_file(client, staff, draft):
    content = write_csv(draft).replace(",1.0,", ",3.0,").encode()
    client.force_login(staff)
    response = client.post(
        "/referentiels/gestion/importer/", {"file": SimpleUploadedFile("f.csv", content, "text/csv")}
    )
    imported = Framework.objects.get(slug="essai", version="3.0")
    assert response.status_code == 302
    assert imported.competencies.count() == 2


def test_a_bad_import_lists_its_problems_by_line(client, staff, draft):
    content = write_csv(draft).encode()  # the same version again, and a bad rank
    content = content.replace(b",level,2,", b",level,7,")
    client.force_login(staff)
    response = client.post(
        "/referentiels/gestion/importer/", {"file": SimpleUploadedFile("f.csv", content, "text/csv")}
    )
    assert response.status_code == 400
    assert "Ligne 2" in response.text
    assert "existe déjà" in response.text
    assert Framework.objects.filter(slug="essai").count() == 1


def test_a_bad_import_is_explained_in_english(client, staff):
    client.force_login(staff)
    response = client.post(
        "/en/referentiels/gestion/importer/",
        {"file": SimpleUploadedFile("f.json", b"{oops", "application/json")},
    )
    assert response.status_code == 400
    assert "Invalid JSON" in response.text
