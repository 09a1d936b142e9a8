"""Importing a list of known issuers: previewed first (what is added, skipped, refused), imported all
at once; hostile files refused whole; Carnet's export read back by another platform."""

from __future__ import annotations

import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from carnet.audit.models import AuditEvent
from carnet.trust import interchange, services
from carnet.trust.models import KnownIssuer

pytestmark = pytest.mark.django_db

IMPORT = "/plateforme/emetteurs-reconnus/importer/"
GOOD = {
    "issuers": [
        {"id": "did:web:un.exemple.org", "name": "Un", "reason": "Membre du réseau"},
        {"id": "https://deux.exemple.org/profil", "name": "Deux"},
        {"id": "did:web:UN.exemple.org", "name": "Un, en double"},
        {"id": "did:ion:xyz", "name": "Trois"},
        {"id": "did:web:quatre.exemple.org", "name": "<script>alert('x')</script>"},
    ]
}


def as_file(document, name="liste.json"):
    content = document if isinstance(document, bytes) else json.dumps(document).encode()
    return SimpleUploadedFile(name, content, content_type="application/json")


def upload(client, document, reason="Liste du réseau, décembre 2026"):
    return client.post(IMPORT, {"file": as_file(document), "reason": reason})


def confirm_token(response) -> str:
    match = re.search(r'name="confirm" value="([^"]+)"', response.content.decode())
    assert match is not None
    return match.group(1)


def test_the_preview_says_what_each_entry_will_do_and_changes_nothing(client, staff):
    client.force_login(staff)
    response = upload(client, GOOD)
    assert response.status_code == 200
    lines = response.context["preview"].lines
    assert [line.action for line in lines] == ["add", "add", "skip", "refuse", "add"]
    assert lines[1].reason == "Liste du réseau, décembre 2026"  # the import's reason, for an entry without
    assert b"&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in response.content
    assert not KnownIssuer.objects.exists()


def test_confirming_imports_every_entry_to_add_at_once(client, staff):
    client.force_login(staff)
    token = confirm_token(upload(client, GOOD))
    response = client.post(IMPORT, {"confirm": token})
    assert response.status_code == 302
    assert sorted(KnownIssuer.objects.values_list("identifier", flat=True)) == [
        "did:web:quatre.exemple.org", "did:web:un.exemple.org", "https://deux.exemple.org/profil",
    ]  # fmt: skip
    assert set(KnownIssuer.objects.values_list("origin", flat=True)) == {"imported"}
    event = AuditEvent.objects.get(verb="known_issuer.imported")
    assert (event.data["added"], event.data["skipped"], event.data["refused"]) == (3, 1, 1)


def test_confirming_twice_adds_nothing_more(client, staff):
    client.force_login(staff)
    token = confirm_token(upload(client, GOOD))
    client.post(IMPORT, {"confirm": token})
    client.post(IMPORT, {"confirm": token})
    assert KnownIssuer.objects.count() == 3


def test_a_tampered_confirmation_imports_nothing(client, staff):
    client.force_login(staff)
    token = confirm_token(upload(client, GOOD))
    response = client.post(IMPORT, {"confirm": token[:-2] + "xx"}, follow=True)
    assert "expiré ou a été modifiée" in response.content.decode()
    assert not KnownIssuer.objects.exists()


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"{" + b" " * (interchange.MAX_BYTES + 1) + b"}", "trop volumineux"),
        (b"{not json", "pas un JSON valide"),
        (b'{"issuers": [], "issuers": []}', "pas un JSON valide"),
        (b"[]", "issuers"),
        (b'{"issuers": {}}', "issuers"),
        (b'{"issuers": [], "extra": 1}', "membres inconnus"),
        (b'{"format": "autre", "issuers": []}', "format inconnu"),
        (json.dumps({"issuers": [{"id": "did:web:a.org", "name": "A"}] * 1001}).encode(), "1000 au plus"),
        (b"\xff\xfe{}", "pas un JSON valide"),
    ],
)
def test_a_hostile_file_is_refused_whole(client, staff, content, says):
    client.force_login(staff)
    response = upload(client, content)
    assert response.status_code == 400
    assert says in response.content.decode()
    assert not KnownIssuer.objects.exists()


@pytest.mark.parametrize(
    "entry",
    [
        "did:web:a.org", {"id": "did:web:a.org"}, {"id": "did:web:a.org", "name": ""},
        {"id": "did:web:a.org", "name": "A", "url": "https://a.org"}, {"id": 3, "name": "A"},
        {"id": "did:web:a.org", "name": "A\u0007"}, {"id": "did:web:a.org", "name": "A", "reason": ["x"]},
        {"id": "https://10.0.0.1/", "name": "A"}, {"id": "did:web:a.org", "name": "A" * 201},
    ],
)  # fmt: skip
def test_a_bad_entry_is_refused_and_said_why(entry):
    lines = interchange.preview(json.dumps({"issuers": [entry]}).encode(), default_reason="r").lines
    assert lines[0].action == "refuse" and lines[0].note


def test_an_issuer_already_known_or_of_the_platform_is_skipped(staff, organisation):
    from carnet.issuing import identity

    services.add_known_issuer(actor=staff, identifier="did:web:un.exemple.org", name="Un", reason="r")
    document = {"issuers": [
        {"id": "did:web:un.exemple.org", "name": "Un"}, {"id": identity.organisation_did(organisation), "name": "Nous"},
    ]}  # fmt: skip
    lines = interchange.preview(json.dumps(document).encode(), default_reason="r").lines
    assert [line.action for line in lines] == ["skip", "skip"]


def test_an_import_without_a_reason_is_refused(client, staff):
    client.force_login(staff)
    assert upload(client, GOOD, reason="").status_code == 400


def test_the_export_is_read_back_by_another_platform(client, staff):
    services.add_known_issuer(actor=staff, identifier="did:web:un.exemple.org", name="Un", reason="Membre")
    withdrawn = services.add_known_issuer(
        actor=staff, identifier="did:web:deux.exemple.org", name="Deux", reason="r"
    )
    services.withdraw_known_issuer(actor=staff, entry=withdrawn)
    client.force_login(staff)
    response = client.get("/plateforme/emetteurs-reconnus/export.json")
    assert response["Content-Disposition"].startswith("attachment")
    exported = json.loads(response.content)
    assert exported["format"] == "carnet-known-issuers"
    assert [entry["id"] for entry in exported["issuers"]] == ["did:web:un.exemple.org"]
    KnownIssuer.objects.all().delete()  # the other platform
    result = services.import_known_issuers(
        actor=staff, content=response.content, reason="Export de l'autre plateforme"
    )
    assert [line.action for line in result.lines] == ["add"]
    assert KnownIssuer.objects.get().reason == "Membre"
