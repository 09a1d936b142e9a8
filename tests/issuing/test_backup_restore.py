"""``carnet backup`` and ``carnet restore`` (issue #7): "Restore from a backup gives back every
credential, verifiable." Credentials are issued (one revoked), the platform is backed up, the
database and the file storage are emptied, the archive restored, and each credential verified
against the restored DID document and status lists."""

from __future__ import annotations

import io
import json
import shutil
import tarfile

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.management import call_command
from django.db import connection

from carnet import cli
from carnet.credentials import verify
from carnet.frameworks.services import install_default_framework
from carnet.issuing import identity, services
from carnet.issuing.models import IssuedCredential
from carnet.site import backup

pytestmark = [
    pytest.mark.django_db(transaction=True),  # pg_dump and the SQLite copy see committed data only
    pytest.mark.skipif(
        connection.vendor == "postgresql" and not (shutil.which("pg_dump") and shutil.which("pg_restore")),
        reason="PostgreSQL's client tools (pg_dump, pg_restore) are not installed",
    ),
]


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path


@pytest.fixture
def framework(transactional_db):
    return install_default_framework()  # a transactional test may find the database flushed


@pytest.fixture
def issued(framework, media, issue, org_admin):
    credentials = [issue(key=f"k-{n}") for n in range(3)]
    services.revoke_credential(credential=credentials[0], reason="Erreur", actor=org_admin)
    storages["default"].save("evidence/preuve.txt", ContentFile(b"une preuve"))
    return credentials


def _status(document):
    report = verify(document, resolver=identity.resolver())
    return report, {c.name: c.code for c in report.checks}["status"]


def test_restore_gives_back_every_credential_verifiable(issued, media, settings, capsys):
    archive = media / "sauvegarde.tar.gz"
    assert cli.main(["backup", "--out", str(archive)]) == 0
    assert "NOT in the archive" in capsys.readouterr().err
    manifest = backup.read_manifest(archive)
    assert manifest["counts"]["credentials"] == 3 and manifest["counts"]["files"] == 1
    assert manifest["database"]["vendor"] == connection.vendor and "issuing" in manifest["migrations"]
    originals = {c.uuid: c.document for c in issued}

    call_command("flush", interactive=False, verbosity=0)  # a fresh database...
    settings.MEDIA_ROOT = media / "fresh-media"  # ...and a fresh data folder
    assert cli.main(["restore", str(archive)]) == 0

    assert storages["default"].open("evidence/preuve.txt").read() == b"une preuve"
    restored = {c.uuid: c for c in IssuedCredential.objects.all()}
    assert restored.keys() == originals.keys()
    for uuid, document in originals.items():
        assert restored[uuid].document == document
        report, status = _status(restored[uuid].document)
        if uuid == issued[0].uuid:
            assert status == "status.revoked" and not report.valid
        else:
            assert report.valid, report.to_text("en")


def test_restore_refuses_a_database_that_holds_data_unless_forced(issued, media):
    archive = media / "b.tar.gz"
    backup.backup(archive)
    storages["default"].save("evidence/plus-tard.txt", ContentFile(b"after the backup"))
    with pytest.raises(backup.BackupError, match="--force"):
        backup.restore(archive)
    if connection.vendor == "postgresql":  # its tables may not match the archive's: an empty database only
        with pytest.raises(backup.BackupError, match="create a new, empty database"):
            backup.restore(archive, force=True)
        assert storages["default"].exists("evidence/plus-tard.txt") and IssuedCredential.objects.count() == 3
        call_command("flush", interactive=False, verbosity=0)
    restored = backup.restore(archive, force=True)
    assert (restored.files, restored.removed) == (1, 1) and IssuedCredential.objects.count() == 3
    assert storages["default"].exists("evidence/preuve.txt")
    assert not storages["default"].exists("evidence/plus-tard.txt")  # no record of the archive's knows it
    with pytest.raises(backup.BackupError, match="already exists"):
        backup.backup(archive)


def test_a_damaged_archive_is_refused_before_anything_changes(issued, media):
    archive = media / "b.tar.gz"
    backup.backup(archive)
    damaged = media / "damaged.tar.gz"
    with tarfile.open(archive, "r:gz") as source, tarfile.open(damaged, "w:gz") as target:
        for info in source:
            data = source.extractfile(info).read()
            if info.name.startswith("files/"):
                data = b"une autre preuve"
                info.size = len(data)
            target.addfile(info, __import__("io").BytesIO(data))
    call_command("flush", interactive=False, verbosity=0)
    with pytest.raises(backup.BackupError, match="SHA-256"):
        backup.restore(damaged)
    assert IssuedCredential.objects.count() == 0


def test_an_archive_of_a_newer_carnet_is_refused(issued, media, monkeypatch):
    archive = media / "b.tar.gz"
    backup.backup(archive)
    monkeypatch.setattr(backup, "_newer_migrations", lambda manifest: ["issuing.9999_future"])
    with pytest.raises(backup.BackupError, match="newer Carnet"):
        backup.restore(archive, force=True)
    assert json.loads(json.dumps(backup.read_manifest(archive)["counts"]))["credentials"] == 3


def test_an_archive_with_a_link_in_it_is_refused(issued, media):
    archive = media / "b.tar.gz"
    backup.backup(archive)
    linked = media / "linked.tar.gz"
    with tarfile.open(archive, "r:gz") as source, tarfile.open(linked, "w:gz") as target:
        members = [(info, source.extractfile(info).read()) for info in source]
        manifest = json.loads(members[0][1])
        manifest["members"]["files/default/lien"] = "0" * 64
        data = json.dumps(manifest).encode()
        members[0][0].size = len(data)
        members[0] = (members[0][0], data)
        link = tarfile.TarInfo("files/default/lien")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
        for info, content in [*members, (link, b"")]:
            target.addfile(info, io.BytesIO(content) if info.isfile() else None)
    call_command("flush", interactive=False, verbosity=0)
    with pytest.raises(backup.BackupError, match="not a plain file"):
        backup.restore(linked)
    assert IssuedCredential.objects.count() == 0


def test_an_archive_sealed_with_another_kek_is_refused_before_anything_changes(issued, media, settings):
    archive = media / "sauvegarde.tar.gz"
    backup.backup(archive)
    call_command("flush", interactive=False, verbosity=0)
    settings.MEDIA_ROOT = media / "fresh-media"
    settings.KEY_ENCRYPTION_KEY = bytes(32)  # another server's key (e.g. a new data folder's secret_key)
    with pytest.raises(backup.BackupError, match="another key-encryption key"):
        backup.restore(archive)
    assert not IssuedCredential.objects.exists()  # nothing restored
    restored = backup.restore(archive, other_kek=True)  # said on purpose: a key backup comes next
    assert restored.manifest["counts"]["credentials"] == 3
