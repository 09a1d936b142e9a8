"""A document of need downloads under the name it was given, with the extension of the type its
content was checked to be, never the one it was uploaded with."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from carnet.catalogue import services
from carnet.catalogue.forms import MicroCredentialForm

pytestmark = pytest.mark.django_db


def test_a_need_document_downloads_with_its_checked_extension(
    client, org_admin, organisation, levels, settings, tmp_path
):
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                         "OPTIONS": {"location": str(tmp_path)}}}  # fmt: skip
    item = services.create_micro_credential(
        organisation=organisation,
        fields={"name_fr": "Accueil", "description_fr": "Décrit.", "criteria_fr": "Démontré.",
                "learning_contexts": ["volunteering"], "assessment_method": "observation",
                "endorsements_required": 0},
        alignments=[(levels[0].competency, levels[0])],
    )  # fmt: skip
    client.force_login(org_admin)
    upload = SimpleUploadedFile("appui.html", b"Nous appuyons cette demande.", content_type="text/html")
    assert client.post(reverse("catalogue:need_documents", args=[organisation.slug, item.slug]),
                       {"document": upload}).status_code == 302  # fmt: skip
    document = item.need_documents.get()
    response = client.get(
        reverse("catalogue:need_document", args=[organisation.slug, item.slug, document.pk])
    )
    assert document.content_type.startswith("text/plain")
    assert 'filename="appui.txt"' in response["Content-Disposition"]


def test_the_need_help_says_the_text_is_public_and_the_documents_not():
    help_text = str(MicroCredentialForm.base_fields["need_fr"].help_text)
    assert "Ce texte paraît au catalogue public ; les documents joints, non." in help_text
