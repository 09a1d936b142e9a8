"""Files in S3-compatible object storage (moto's S3, in memory: nothing leaves the machine): badge
images and evidence go there and come back, evidence stays private, and the settings pick the bucket
from the environment."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import get_resolver, reverse
from moto import mock_aws
from PIL import Image

from carnet.catalogue import services as catalogue
from carnet.frameworks.models import Competency
from carnet.issuing.achievements import achievement_document
from carnet.recognition import services as recognition
from carnet.site.env import file_storage

pytestmark = pytest.mark.django_db

BUCKET = "carnet-test"
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><circle cx="5" cy="5" r="4"/></svg>'


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "#0b5394").save(out, format="PNG")
    return out.getvalue()


def s3_settings(monkeypatch, **environment: str) -> dict:
    """STORAGES as the settings make them from these environment variables."""
    monkeypatch.setenv("AWS_STORAGE_BUCKET_NAME", BUCKET)
    monkeypatch.setenv("AWS_S3_REGION_NAME", "us-east-1")
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return {**settings.STORAGES, "default": file_storage(), "public": file_storage(public=True)}


@pytest.fixture
def s3(monkeypatch):
    """A bucket in moto's S3, and the default storage pointed at it."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    # The URLs are read once per process, with the storage of that moment: read them before the
    # override, so that other tests keep the file system's /media/ route.
    get_resolver().url_patterns  # noqa: B018
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        with override_settings(STORAGES=s3_settings(monkeypatch)):
            yield client


@pytest.fixture
def micro_credential(organisation):
    competency = Competency.objects.filter(framework__status="published").order_by("code").first()
    item = catalogue.create_micro_credential(
        organisation=organisation,
        fields={"name_fr": "Travail d'équipe", "description_fr": "Contribue à des objectifs communs.",
                "criteria_fr": "Coordonne le travail d'un groupe.", "learning_contexts": ["sport"],
                "assessment_method": "endorsements", "endorsements_required": 1},
        alignments=[(competency, competency.levels.get(rank=2))],
    )  # fmt: skip
    catalogue.publish_micro_credential(micro_credential=item)
    item.refresh_from_db()
    return item


@pytest.fixture
def draft_request(learner, micro_credential):
    return recognition.open_request(learner=learner, micro_credential=micro_credential)


def test_a_badge_image_goes_to_the_bucket_and_comes_back(s3, micro_credential):
    png = png_bytes()
    version = catalogue.set_badge_image(
        micro_credential=micro_credential, image=SVG, image_name="badge.svg", png=png
    )
    version.refresh_from_db()
    for field, content in ((version.image, SVG), (version.image_png, png)):
        assert s3.get_object(Bucket=BUCKET, Key=field.name)["Body"].read() == content
        with field.open("rb") as stored:
            assert stored.read() == content


def test_a_badge_image_has_a_lasting_address_written_into_credentials(s3, micro_credential):
    """Badge images are in the public storage: a plain address (no signature that would expire in
    an hour), the one every credential of this version carries."""
    version = catalogue.set_badge_image(
        micro_credential=micro_credential, image=SVG, image_name="badge.svg", png=png_bytes()
    )
    address = urlsplit(version.image_png.url)
    assert address.query == "" and address.path.endswith(version.image_png.name)
    assert achievement_document(version, "fr")["image"]["id"] == version.image_png.url


def test_evidence_and_badges_stay_apart(s3, micro_credential, draft_request):
    version = catalogue.set_badge_image(
        micro_credential=micro_credential, image=SVG, image_name="badge.svg", png=png_bytes()
    )
    evidence = recognition.add_evidence_file(
        request=draft_request, name="photo.png", data=png_bytes(), title=""
    )
    assert version.image_png.name.startswith("badges/")
    assert not evidence.file.name.startswith("badges/")  # the bucket policy opens badges/ only
    assert "X-Amz-Signature" in parse_qs(urlsplit(evidence.file.url).query)


def test_with_a_custom_domain_credentials_get_a_stable_badge_address(s3, micro_credential, monkeypatch):
    storages = s3_settings(monkeypatch, AWS_S3_CUSTOM_DOMAIN="media.carnet.example")
    with override_settings(STORAGES=storages):
        version = catalogue.set_badge_image(
            micro_credential=micro_credential, image=SVG, image_name="badge.svg", png=png_bytes()
        )
        image = achievement_document(version, "fr")["image"]["id"]
    assert image == f"https://media.carnet.example/{version.image_png.name}"


def test_an_evidence_file_goes_to_the_bucket_and_comes_back(s3, draft_request):
    png = png_bytes()
    evidence = recognition.add_evidence_file(request=draft_request, name="photo.png", data=png, title="")
    stored = s3.get_object(Bucket=BUCKET, Key=evidence.file.name)["Body"].read()
    with evidence.file.open("rb") as read_back:
        assert read_back.read() == stored
    assert stored.startswith(b"\x89PNG")  # re-encoded without metadata, still the picture


def test_evidence_objects_are_not_public(s3, draft_request):
    evidence = recognition.add_evidence_file(
        request=draft_request, name="photo.png", data=png_bytes(), title=""
    )
    grants = s3.get_object_acl(Bucket=BUCKET, Key=evidence.file.name)["Grants"]
    assert grants and all(grant["Grantee"].get("URI") != ALL_USERS for grant in grants)
    assert all(grant["Grantee"]["Type"] == "CanonicalUser" for grant in grants)
    query = parse_qs(urlsplit(evidence.file.url).query)
    assert "X-Amz-Signature" in query and query["X-Amz-Expires"] == ["3600"]


def test_the_evidence_view_reads_the_file_from_the_bucket(s3, client, learner, draft_request):
    png = png_bytes()
    evidence = recognition.add_evidence_file(request=draft_request, name="photo.png", data=png, title="")
    client.force_login(learner)
    response = client.get(reverse("recognition:evidence", args=[draft_request.uuid, evidence.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == evidence.file.open("rb").read()
    assert response["Cache-Control"] == "private, no-store"


def test_the_evidence_view_refuses_an_outsider_with_s3(s3, client, outsider, draft_request):
    evidence = recognition.add_evidence_file(
        request=draft_request, name="photo.png", data=png_bytes(), title=""
    )
    client.force_login(outsider)
    response = client.get(reverse("recognition:evidence", args=[draft_request.uuid, evidence.pk]))
    assert response.status_code == 404


def test_removing_evidence_deletes_the_object(s3, draft_request, django_capture_on_commit_callbacks):
    evidence = recognition.add_evidence_file(
        request=draft_request, name="photo.png", data=png_bytes(), title=""
    )
    name = evidence.file.name
    with django_capture_on_commit_callbacks(execute=True):
        recognition.remove_evidence(evidence=evidence)
    assert s3.list_objects_v2(Bucket=BUCKET, Prefix=name)["KeyCount"] == 0


def test_the_file_system_serves_badge_images_but_never_evidence(client, micro_credential, draft_request):
    version = catalogue.set_badge_image(
        micro_credential=micro_credential, image=SVG, image_name="badge.svg", png=png_bytes()
    )
    assert client.get(version.image_png.url).status_code == 200
    evidence = recognition.add_evidence_file(
        request=draft_request, name="photo.png", data=png_bytes(), title=""
    )
    assert evidence.file.storage.exists(evidence.file.name)
    assert client.get(evidence.file.url).status_code == 404


def settings_in_a_new_process(tmp_path, **environment: str) -> dict:
    """The default storage that carnet.site.settings makes from this environment, in a fresh process
    (with the public one under "public")."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("AWS_")}
    env.update(DJANGO_SETTINGS_MODULE="carnet.site.settings", CARNET_DATA_DIR=str(tmp_path), **environment)
    script = (
        "import json; from django.conf import settings; "
        "print(json.dumps({**settings.STORAGES['default'], 'public': settings.STORAGES['public']}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True, timeout=60
    )
    return json.loads(done.stdout)


def test_the_settings_keep_files_in_the_data_folder_by_default(tmp_path):
    file_system = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    assert settings_in_a_new_process(tmp_path) == {**file_system, "public": file_system}


def test_the_settings_use_the_bucket_named_in_the_environment(tmp_path):
    storage = settings_in_a_new_process(
        tmp_path,
        AWS_STORAGE_BUCKET_NAME="carnet-files",
        AWS_S3_ENDPOINT_URL="http://minio.internal:9000",
        AWS_S3_REGION_NAME="fr-par",
        AWS_ACCESS_KEY_ID="minio-user",
        AWS_SECRET_ACCESS_KEY="minio-secret",
    )
    public = storage.pop("public")
    assert public["OPTIONS"] == {**storage["OPTIONS"], "querystring_auth": False}
    assert storage["BACKEND"] == public["BACKEND"] == "storages.backends.s3.S3Storage"
    assert storage["OPTIONS"] == {
        "bucket_name": "carnet-files",
        "endpoint_url": "http://minio.internal:9000",
        "region_name": "fr-par",
        "custom_domain": None,
        "default_acl": None,
        "querystring_auth": True,
        "signature_version": "s3v4",
        "file_overwrite": False,
    }
    assert "minio-secret" not in json.dumps(storage)  # read by boto3 from the environment
