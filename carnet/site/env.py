"""Settings read from the environment through small typed helpers (one place, no secrets in the repo)."""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from pathlib import Path
from typing import Any


def env_str(name: str, default: str = "") -> str:
    """The variable's value; ``default`` when it is unset or empty (``DATABASE_URL=`` on a command
    line means "the default database", not a database with no address)."""
    return os.environ.get(name, "").strip() or default


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    return [item.strip() for item in value.split(",") if item.strip()] if value else default


def env_rate_limits(name: str) -> dict[str, tuple[int, int] | None]:
    """Rate limits by scope, written ``scope=COUNT/SECONDS`` or ``scope=off``, comma-separated (e.g.
    ``api=600/60,page=off``); scopes not named keep their defaults. Read once, at startup: nothing a
    client sends can change them. A mistake stops the start with a message that says what is wrong."""
    limits: dict[str, tuple[int, int] | None] = {}
    for item in env_list(name, []):
        scope, _sep, value = item.partition("=")
        scope, value = scope.strip(), value.strip().lower()
        if value == "off":
            limits[scope] = None
            continue
        count, _slash, seconds = value.partition("/")
        if not scope or not count.isdigit() or not seconds.isdigit() or int(seconds) == 0:
            raise ValueError(f"{name}: write each limit as scope=COUNT/SECONDS or scope=off, not {item!r}")
        limits[scope] = (int(count), int(seconds))
    return limits


def proxy_ssl_header(name: str) -> tuple[str, str] | None:
    """Django's SECURE_PROXY_SSL_HEADER from a header name and the value that means HTTPS, written
    ``X-Forwarded-Proto`` (value ``https``) or ``X-Forwarded-Proto=https``; None when unset. Only
    for a proxy that sets (overwrites) that header on every request it forwards."""
    header, _sep, value = env_str(name).partition("=")
    header, value = header.strip(), value.strip() or "https"
    if not header:
        return None
    if not re.fullmatch(r"[A-Za-z0-9-]+", header):
        raise ValueError(f"{name}: write a header name, e.g. X-Forwarded-Proto or X-Forwarded-Proto=https")
    return "HTTP_" + header.upper().replace("-", "_"), value


def data_dir() -> Path:
    """Where the embedded defaults keep their files (SQLite database, media, emails, secret key)."""
    path = Path(env_str("CARNET_DATA_DIR", str(Path.cwd() / "data"))).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def secret_key() -> str:
    """SECRET_KEY from the environment, or one made once and kept (mode 0600) in the data folder."""
    value = env_str("SECRET_KEY")
    if value:
        return value
    path = data_dir() / "secret_key"
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(50))
    return path.read_text().strip()


def key_encryption_key(secret: str) -> bytes:
    """The key that encrypts the organisations' signing keys at rest: CARNET_KEY_ENCRYPTION_KEY (at
    least 32 characters; keep it apart from the database and its backups). Without it, one is derived
    from SECRET_KEY, which is fine for the demo and tests but ties the keys to that secret."""
    value = env_str("CARNET_KEY_ENCRYPTION_KEY")
    if value:
        if len(value) < 32:
            raise ValueError("CARNET_KEY_ENCRYPTION_KEY must hold at least 32 characters")
        return hashlib.sha256(value.encode()).digest()
    return hashlib.sha256(b"carnet-kek:" + secret.encode()).digest()


def file_storage(*, public: bool = False) -> dict[str, Any]:
    """Where uploaded files go: ``media/`` in the data folder, or an S3-compatible bucket when
    AWS_STORAGE_BUCKET_NAME is set. In the bucket, the ``default`` storage (evidence) is private: no
    ACL of its own (the bucket's, which stays closed) and signed, expiring links. The ``public``
    storage (``public=True``: badge images, whose address is written into every credential) gives
    plain, lasting addresses — under AWS_S3_CUSTOM_DOMAIN if set — and the bucket's policy opens its
    ``badges/`` prefix to reading (docs/operations.md). The keys are read by boto3 itself (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY,
    or the machine's role), so that they never sit in the settings."""
    bucket = env_str("AWS_STORAGE_BUCKET_NAME")
    if not bucket:
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": env_str("AWS_S3_ENDPOINT_URL") or None,  # MinIO, OVH, Scaleway...
            "region_name": env_str("AWS_S3_REGION_NAME") or None,
            "custom_domain": env_str("AWS_S3_CUSTOM_DOMAIN") or None,
            "default_acl": None,
            "querystring_auth": not public,
            "signature_version": "s3v4",  # what every region and S3-compatible service accepts
            # Like the file system: a new name rather than silently replacing another file.
            "file_overwrite": False,
        },
    }


TASKS_BACKENDS = {
    "immediate": "django.tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.DatabaseBackend",
    "rq": "django_tasks_rq.RQBackend",
}


def tasks(default: str = "immediate") -> dict[str, Any]:
    """Django's TASKS setting from CARNET_TASKS_BACKEND: ``immediate`` (run at once, in the request
    that queued it: the tests' default), ``database`` (a queue in the database, run by ``carnet
    worker``: what the ``carnet`` command and the WSGI entry point use unless told otherwise), ``rq``
    (a Redis queue at CARNET_REDIS_URL, run by ``carnet worker`` too; needs ``pip install carnet[rq]``).
    A mistake stops the start with a message that says what is wrong."""
    name = tasks_backend_name(default)
    queues: list[str] = ["default"] if name == "rq" else []  # RQ: the queues declared in RQ_QUEUES
    return {"default": {"BACKEND": TASKS_BACKENDS[name], "QUEUES": queues}}


def tasks_backend_name(default: str = "immediate") -> str:
    name = env_str("CARNET_TASKS_BACKEND", default).lower()
    if name not in TASKS_BACKENDS:
        raise ValueError(f"CARNET_TASKS_BACKEND: one of {', '.join(TASKS_BACKENDS)}, not {name!r}")
    return name
