"""``carnet backup`` and ``carnet restore``: the whole platform in one archive file, and back.

The archive is a gzip-compressed tar file holding, in this order:

* ``manifest.json``: the Carnet version, the date, the database's vendor, the migrations applied,
  counts (people, organisations, credentials, signing keys, files) and the SHA-256 of every other
  member;
* ``database/carnet.sqlite3`` (SQLite, copied with the online backup API: a consistent copy while
  the server runs) or ``database/carnet.pgdump`` (PostgreSQL, ``pg_dump --format=custom``);
* ``files/<storage>/<name>``: every file of Django's storages (evidence, badge images), read through
  the storage API, so local disk and S3-compatible buckets alike.

The signing keys travel inside the database, sealed with the key-encryption key (KEK,
``CARNET_KEY_ENCRYPTION_KEY``, or derived from ``SECRET_KEY``). The KEK is never written into the
archive: whoever restores needs the same KEK, kept elsewhere (a password manager, the secrets store),
or a key backup made with ``carnet manage export_keys`` and its passphrase.

A restore checks every checksum before touching anything, refuses a database that already holds
people or organisations unless forced, refuses an archive made by a newer Carnet (migrations this
code does not know), then restores the database and the files and applies the migrations the
archive lacks.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path, PurePosixPath
from typing import IO, Any

from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import Storage, storages
from django.core.management import call_command
from django.db import connection, connections
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

FORMAT = "carnet-backup"
VERSION = 1
MANIFEST = "manifest.json"
STORAGE_ALIASES = ("default", "public")
KEK_WARNING = (
    "The signing keys are in this archive only sealed with the key-encryption key "
    "(CARNET_KEY_ENCRYPTION_KEY, or derived from SECRET_KEY), which is NOT in the archive. "
    "Keep it elsewhere: restoring needs the same CARNET_KEY_ENCRYPTION_KEY (or SECRET_KEY), "
    "or a key backup from `carnet manage export_keys` and its passphrase."
)


class BackupError(Exception):
    """A backup or a restore cannot go on; the message says what to do."""


@dataclass
class Restored:
    manifest: dict[str, Any]
    files: int
    migrated: bool
    removed: int = 0  # files of the storage that the archive did not hold, deleted (--force)


def _carnet_version() -> str:
    try:
        return metadata.version("carnet")
    except metadata.PackageNotFoundError:
        return "unknown"


def _applied_migrations() -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app, name in sorted(MigrationRecorder(connection).applied_migrations()):
        applied.setdefault(app, []).append(name)
    return applied


def _counts() -> dict[str, int]:
    from carnet.accounts.models import User
    from carnet.issuing.models import IssuedCredential, SigningKey
    from carnet.organisations.models import Organisation

    return {
        "users": User.objects.count(),
        "organisations": Organisation.objects.count(),
        "credentials": IssuedCredential.objects.count(),
        "signing_keys": SigningKey.objects.count(),
    }


def _storages() -> dict[str, Storage]:
    """The storages to save, each once: ``default`` and ``public`` often share one place."""
    chosen: dict[str, Storage] = {}
    seen: set[tuple[str, ...]] = set()
    for alias in STORAGE_ALIASES:
        storage = storages[alias]
        place = _place(storage)
        if place not in seen:
            seen.add(place)
            chosen[alias] = storage
    return chosen


def _place(storage: Storage) -> tuple[str, ...]:
    return (
        type(storage).__name__,
        str(getattr(storage, "location", "")),
        str(getattr(storage, "bucket_name", "")),
    )


def _walk(storage: Storage, directory: str = "") -> Iterator[str]:
    try:
        directories, files = storage.listdir(directory)
    except FileNotFoundError:
        return
    for name in sorted(files):
        yield f"{directory}/{name}" if directory else name
    for sub in sorted(directories):
        yield from _walk(storage, f"{directory}/{sub}" if directory else sub)


class _Hashing(io.RawIOBase):
    """A file read through, its SHA-256 computed on the way."""

    def __init__(self, handle: IO[bytes]) -> None:
        self.handle = handle
        self.digest = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        self.digest.update(data)
        return data


def _add(archive: tarfile.TarFile, name: str, handle: IO[bytes], size: int) -> str:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = size, int(timezone.now().timestamp()), 0o600
    hashing = _Hashing(handle)
    archive.addfile(info, hashing)  # type: ignore[arg-type]
    return hashing.digest.hexdigest()


def _dump_database(folder: Path) -> tuple[str, Path]:
    """The database copied into ``folder``: its member name and path."""
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        target = folder / "carnet.sqlite3"
        copy = sqlite3.connect(target)
        try:
            connection.connection.backup(copy)  # one step: a consistent copy, even with writers
        finally:
            copy.close()
        return "database/carnet.sqlite3", target
    if connection.vendor == "postgresql":
        target = folder / "carnet.pgdump"
        _pg("pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={target}")
        return "database/carnet.pgdump", target
    raise BackupError(f"carnet backup handles SQLite and PostgreSQL, not {connection.vendor}")


def _pg(tool: str, *args: str) -> None:
    """Run a PostgreSQL client tool against the database Carnet uses."""
    if shutil.which(tool) is None:
        raise BackupError(
            f"{tool} is not on the PATH: install PostgreSQL's client tools, of the server's major version "
            "or newer (Debian, Ubuntu: apt install postgresql-client; Red Hat: dnf install postgresql; "
            "macOS: brew install libpq), then try again."
        )
    database = connection.settings_dict
    env = {**os.environ}
    if database.get("PASSWORD"):
        env["PGPASSWORD"] = str(database["PASSWORD"])
    command = [tool, *args]
    for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if database.get(key):
            command.append(f"{option}={database[key]}")
    command.append(f"--dbname={database['NAME']}")
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{tool} failed: {result.stderr.strip()[:2000]}")


def backup(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Write the archive at ``path`` (never over an existing file); its manifest."""
    target = Path(path)
    if target.exists():
        raise BackupError(f"{target} already exists: choose another name")
    checksums: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="carnet-backup-") as work:
        folder = Path(work)
        member, dumped = _dump_database(folder)
        body = folder / "body.tar"
        files = 0
        with tarfile.open(body, "w") as archive:
            with dumped.open("rb") as handle:
                checksums[member] = _add(archive, member, handle, dumped.stat().st_size)
            dumped.unlink()
            for alias, storage in _storages().items():
                for name in _walk(storage):
                    with storage.open(name, "rb") as handle:
                        checksums[f"files/{alias}/{name}"] = _add(
                            archive, f"files/{alias}/{name}", handle, storage.size(name)
                        )
                    files += 1
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "carnet": _carnet_version(),
            "created": timezone.now().isoformat(),
            "database": {"vendor": connection.vendor, "member": member},
            "migrations": _applied_migrations(),
            "counts": {**_counts(), "files": files},
            "kek": KEK_WARNING,
            "kek_check": kek_check(),
            "members": checksums,
        }
        manifest_bytes = json.dumps(manifest, indent=2).encode()
        partial = target.with_name(f".{target.name}.partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as archive:
                _add(archive, MANIFEST, io.BytesIO(manifest_bytes), len(manifest_bytes))
                with tarfile.open(body, "r") as inner:
                    for info in inner:
                        archive.addfile(info, inner.extractfile(info))
            os.link(partial, target)  # fails rather than replace a file that appeared meanwhile
        finally:
            partial.unlink(missing_ok=True)
    return manifest


def read_manifest(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The manifest of an archive, after checking every member against its checksum."""
    try:
        with tarfile.open(path, "r:gz") as archive:
            first = archive.next()
            if first is None or first.name != MANIFEST:
                raise BackupError(f"{path} is not a Carnet backup (no manifest first)")
            handle = archive.extractfile(first)
            manifest = json.loads(handle.read() if handle else b"")
            if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
                raise BackupError(f"{path} is not a Carnet backup")
            if manifest.get("version") != VERSION:
                raise BackupError(f"{path} was written by an unsupported version of carnet backup")
            expected = dict(manifest.get("members") or {})
            for info in archive:
                if info.name == MANIFEST:
                    continue
                if not info.isfile():
                    raise BackupError(
                        f"{path} holds {info.name!r}, which is not a plain file (a link or a folder): "
                        "a Carnet backup holds none"
                    )
                if info.name not in expected:
                    raise BackupError(f"{path} holds {info.name!r}, which its manifest does not list")
                member = archive.extractfile(info)
                digest = hashlib.sha256()
                while member is not None and (chunk := member.read(1 << 20)):
                    digest.update(chunk)
                if digest.hexdigest() != expected.pop(info.name):
                    raise BackupError(
                        f"{info.name} in {path} is damaged: its SHA-256 differs from the manifest's"
                    )
            if expected:
                raise BackupError(
                    f"{path} lacks {sorted(expected)[0]} (and maybe more): the archive is cut short"
                )
    except (OSError, tarfile.TarError, EOFError, ValueError, KeyError) as exc:
        raise BackupError(f"{path} cannot be read as a Carnet backup: {exc}") from None
    return manifest


def _is_empty() -> bool:
    tables = set(connection.introspection.table_names())
    if "accounts_user" not in tables:
        return True
    counts = _counts() if "issuing_signingkey" in tables else {}
    return not any(counts.values())


def _files_exist() -> bool:
    return any(next(_walk(storage), None) is not None for storage in _storages().values())


def _newer_migrations(manifest: dict[str, Any]) -> list[str]:
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    return [
        f"{app}.{name}"
        for app, names in (manifest.get("migrations") or {}).items()
        for name in names
        if (app, name) not in known
    ]


def _safe_name(name: str) -> str:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise BackupError(f"refusing the file name {name!r} of the archive")
    return str(path)


def kek_check() -> str:
    """A value that tells whether two servers seal keys with the same key-encryption key, and
    nothing of the key itself (HMAC-SHA256 of a fixed text, cut to 128 bits)."""
    return hmac.new(bytes(settings.KEY_ENCRYPTION_KEY), b"carnet backup: KEK check", "sha256").hexdigest()[
        :32
    ]


def restore(path: str | os.PathLike[str], *, force: bool = False, other_kek: bool = False) -> Restored:
    """Put back the archive at ``path``: database, then files, then the migrations it lacks. An
    archive whose keys were sealed with another key-encryption key than this server's is refused
    (its signing keys could not be opened here) unless ``other_kek``: then restore a key backup
    afterwards (``carnet manage import_keys``)."""
    manifest = read_manifest(path)
    if not other_kek and manifest.get("kek_check") not in (None, kek_check()):
        raise BackupError(
            "this archive's signing keys are sealed with another key-encryption key than this server's: "
            "set CARNET_KEY_ENCRYPTION_KEY (or SECRET_KEY) as on the server that made it — with the "
            "embedded default it is the file secret_key of its data folder: copy it into this data "
            "folder — or add --other-kek and then restore a key backup with `carnet manage import_keys`"
        )
    database = manifest.get("database") or {}
    if database.get("vendor") != connection.vendor:
        raise BackupError(
            f"the archive holds a {database.get('vendor')} database, but Carnet now uses {connection.vendor}: "
            "set DATABASE_URL to the same kind of database"
        )
    newer = _newer_migrations(manifest)
    if newer:
        raise BackupError(
            f"the archive was made by a newer Carnet ({manifest.get('carnet')}; it knows {newer[0]}): "
            "install that version or a later one, then restore"
        )
    if not force and not (_is_empty() and not _files_exist()):
        raise BackupError(
            "the database or the file storage already holds data: restore into an empty one, "
            "or add --force to replace what is there"
        )
    if force and connection.vendor == "postgresql" and not _is_empty():
        raise BackupError(
            "--force cannot replace a PostgreSQL database that holds data (its tables may not match the "
            "archive's): create a new, empty database (createdb), set DATABASE_URL to it, then restore; "
            "--force then only replaces the files"
        )
    files = 0
    restored: set[tuple[tuple[str, ...], str]] = set()
    with tempfile.TemporaryDirectory(prefix="carnet-restore-") as work, tarfile.open(path, "r:gz") as archive:
        for info in archive:
            if info.name == database.get("member"):
                dumped = Path(work) / PurePosixPath(info.name).name
                handle = archive.extractfile(info)
                with dumped.open("wb") as out:
                    shutil.copyfileobj(handle, out)  # type: ignore[misc]
                _load_database(dumped)
            elif info.name.startswith("files/"):
                alias, _, name = info.name.removeprefix("files/").partition("/")
                if alias not in STORAGE_ALIASES:
                    raise BackupError(f"the archive names an unknown storage {alias!r}")
                storage, name = storages[alias], _safe_name(name)
                if storage.exists(name):
                    storage.delete(name)
                handle = archive.extractfile(info)
                saved = storage.save(name, File(handle, name=name))
                if saved != name:
                    raise BackupError(f"the storage saved {name} as {saved}: check its settings")
                restored.add((_place(storage), name))
                files += 1
    removed = 0
    if force:  # the files the archive does not hold belong to no restored record: gone with the rest
        for storage in _storages().values():
            for name in [n for n in _walk(storage) if (_place(storage), n) not in restored]:
                storage.delete(name)
                removed += 1
    before = _applied_migrations()
    call_command("migrate", interactive=False, verbosity=0)
    return Restored(manifest=manifest, files=files, migrated=_applied_migrations() != before, removed=removed)


def _load_database(dumped: Path) -> None:
    if connection.vendor == "sqlite":
        source = sqlite3.connect(dumped)
        try:
            connection.ensure_connection()
            source.backup(connection.connection)  # replaces every page of the live database
        finally:
            source.close()
        for other in connections.all():
            other.close()
        return
    _pg(
        "pg_restore",
        "--clean",
        "--if-exists",
        "--no-owner",
        "--no-privileges",
        "--single-transaction",
        str(dumped),
    )
