"""The ``carnet`` command.

    carnet keygen [--did-web URL] [--out FILE]      a new Ed25519 Multikey key pair
    carnet did-document KEY.json [KEY.json ...]     the did:web document publishing keys
    carnet sign --key KEY.json FILE [--format jwt]  sign a credential (eddsa-rdfc-2022 or VC-JWT)
    carnet verify FILE|- [--json] [--lang en]       verify a credential, a VC-JWT or a baked image
    carnet bake --credential CRED IMAGE [-o OUT]    bake a credential into a PNG or SVG
    carnet unbake IMAGE                             print the credential baked into an image
    carnet credentials-demo [--out DIR]             make a key, sign, verify and bake a sample badge
    carnet serve [--host H] [--port P]              run the platform (granian; settings from the environment)
    carnet worker [--processes N] [--queue Q,...]   run the background work queued in the database
    carnet demo                                     the platform with demo accounts on SQLite
    carnet backup [--out FILE]                      database and files in one archive (not the KEK)
    carnet restore ARCHIVE [--force]                put an archive back (checksums checked first)
    carnet manage COMMAND ...                       Django management commands

Exit status: 0 success (``verify``: valid), 1 failure (``verify``: not valid), 2 usage error.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

USAGE_ERROR = 2


class UsageError(Exception):
    pass


def _language(arg: str | None) -> str:
    if arg:
        return arg
    env = os.environ.get("CARNET_LANG") or os.environ.get("LANG", "")
    return "en" if env.startswith("en") else "fr"


def _read_input(path: str, *, binary: bool = True) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None


def _read_json(path: str) -> Any:
    try:
        return json.loads(_read_input(path))
    except (ValueError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path} is not valid JSON: {exc}") from None


def _passphrase(confirm: bool = False) -> str:
    value = os.environ.get("CARNET_KEY_PASSPHRASE")
    if value:
        return value
    if not sys.stdin.isatty():
        raise UsageError("set CARNET_KEY_PASSPHRASE to read or write an encrypted key without a terminal")
    first = getpass.getpass("Key passphrase: ")
    if confirm and getpass.getpass("Repeat the passphrase: ") != first:
        raise UsageError("the passphrases differ")
    return first


def _load_key(path: str) -> Any:
    from carnet.credentials import keystore
    from carnet.credentials.errors import CredentialError
    from carnet.credentials.keys import Ed25519Key

    document = _read_json(path)
    try:
        if isinstance(document, dict) and "ciphertext" in document:
            return keystore.decrypt_key(json.dumps(document), passphrase=_passphrase())
        return Ed25519Key.from_multikey(document)
    except CredentialError as exc:
        raise UsageError(f"{path}: {exc}") from None


def cmd_keygen(args: argparse.Namespace) -> int:
    from carnet.credentials import keystore
    from carnet.credentials.did import did_web_from_url
    from carnet.credentials.errors import CredentialError
    from carnet.credentials.keys import Ed25519Key

    controller = None
    key_id = None
    if args.did_web:
        try:
            controller = did_web_from_url(args.did_web)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        key = Ed25519Key.generate(controller=controller)
        key_id = f"{controller}#{key.public_key_multibase}"
        key = Ed25519Key.from_seed(key.seed(), controller=controller, key_id=key_id)
    else:
        key = Ed25519Key.generate()
    if args.out:
        try:
            keystore.save_key(args.out, key, passphrase=_passphrase(confirm=True))
        except CredentialError as exc:
            raise UsageError(str(exc)) from None
        print(json.dumps(key.to_multikey(), indent=2))
        print(f"Encrypted key written to {args.out}", file=sys.stderr)
    else:
        print(json.dumps(key.to_multikey(include_private=True), indent=2))
    return 0


def cmd_did_document(args: argparse.Namespace) -> int:
    from carnet.credentials.did import did_document

    keys = [_load_key(path) for path in args.keys]
    controllers = {key.controller for key in keys}
    if len(controllers) != 1:
        raise UsageError("all keys must have the same controller (the did:web)")
    print(json.dumps(did_document(controllers.pop(), keys), indent=2))
    return 0


def cmd_sign(args: argparse.Namespace) -> int:
    from carnet.credentials import SchemaError, sign, sign_jwt
    from carnet.credentials.errors import CredentialError

    key = _load_key(args.key)
    document = _read_json(args.file)
    if not isinstance(document, dict):
        raise UsageError(f"{args.file} must hold a JSON object (a credential)")
    try:
        if args.format == "jwt":
            from carnet.credentials import schema

            schema.check(document)
            print(sign_jwt(document, key))
        else:
            print(json.dumps(sign(document, key), indent=2, ensure_ascii=False))
    except SchemaError as exc:
        print("The credential does not follow the Open Badges 3.0 schema:", file=sys.stderr)
        for path, message in exc.problems:
            print(f"  {path}: {message}", file=sys.stderr)
        return 1
    except CredentialError as exc:
        print(f"Cannot sign: {exc}", file=sys.stderr)
        return 1
    return 0


def _resolver(args: argparse.Namespace) -> Any:
    from carnet.credentials.did import Resolver
    from carnet.credentials.fetch import GuardedFetcher

    documents: dict[str, Any] = {}
    for path in args.document or []:
        document = _read_json(path)
        identifier = document.get("id") if isinstance(document, dict) else None
        if not isinstance(identifier, str):
            raise UsageError(f"{path} has no id: give DID documents and status list credentials with an id")
        if identifier.endswith("#list") and "credentialSubject" not in document:
            identifier = identifier.removesuffix("#list")
        documents[identifier] = document
    fetcher = GuardedFetcher(args.allow_host) if args.allow_host else None
    return Resolver(documents, fetcher=fetcher)


def cmd_verify(args: argparse.Namespace) -> int:
    from carnet.credentials import verify

    data = _read_input(args.file)
    report = verify(data, resolver=_resolver(args))
    language = _language(args.lang)
    if args.json:
        print(json.dumps(report.to_dict(language), indent=2, ensure_ascii=False))
    else:
        print(report.to_text(language))
    return 0 if report.valid else 1


def cmd_bake(args: argparse.Namespace) -> int:
    from carnet.credentials import baking
    from carnet.credentials.errors import BakingError

    raw = _read_input(args.credential).decode("utf-8", "replace").strip()
    credential: Any = raw
    if raw.startswith("{"):
        credential = _read_json(args.credential)
    try:
        baked = baking.bake(_read_input(args.image), credential)
    except BakingError as exc:
        print(f"Cannot bake: {exc}", file=sys.stderr)
        return 1
    if args.out:
        Path(args.out).write_bytes(baked)
    else:
        sys.stdout.buffer.write(baked)
    return 0


def cmd_unbake(args: argparse.Namespace) -> int:
    from carnet.credentials import baking
    from carnet.credentials.errors import BakingError

    try:
        baked = baking.unbake(_read_input(args.image))
    except BakingError as exc:
        print(f"Cannot unbake: {exc}", file=sys.stderr)
        return 1
    if isinstance(baked.payload, str):
        print(baked.payload)
    else:
        print(json.dumps(baked.payload, indent=2, ensure_ascii=False))
    return 0


def cmd_credentials_demo(args: argparse.Namespace) -> int:
    from carnet.demo import run_demo

    return run_demo(Path(args.out), language=_language(args.lang))


def _django(*argv: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carnet.site.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["carnet manage", *argv])


def _platform() -> None:
    """Settings of the platform's commands: the database queue of background work by default
    (``carnet worker`` runs it), rather than running it inside the request."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carnet.site.settings")
    os.environ.setdefault("CARNET_TASKS_BACKEND", "database")


def cmd_manage(args: argparse.Namespace) -> int:
    _platform()
    _django(*args.args)
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    """The background worker of the database queue (carnet.site.worker)."""
    _platform()
    import django

    django.setup()
    from carnet.site import worker

    queues = [name.strip() for name in args.queue.split(",") if name.strip()] if args.queue else None
    try:
        return worker.run(
            processes=max(1, args.processes), queues=queues, batch=args.batch, interval=args.interval,
            recover=not args.no_recover,
        )  # fmt: skip
    except worker.NotADatabaseQueue as exc:
        _fail(
            f"background work is not queued here (tasks backend {exc}); "
            "set CARNET_TASKS_BACKEND=database (or rq) to use `carnet worker`"
        )


def cmd_serve(args: argparse.Namespace) -> int:
    """The production-grade server (granian, WSGI), settings from the environment."""
    _platform()
    _metrics_directory()  # before anything imports prometheus-client
    if not args.no_migrate:
        _django("migrate", "--noinput", "-v", "0")
    from granian import Granian
    from granian.constants import Interfaces

    Granian(
        "carnet.site.wsgi:application",
        address=args.host,
        port=args.port,
        interface=Interfaces.WSGI,
        workers=args.workers,
        blocking_threads=args.threads,
    ).serve()
    return 0


def _metrics_directory() -> None:
    """The server's processes add up their request counters for /metrics in a folder of the data
    folder (prometheus-client's multiprocess mode), whose counters files are removed at each start.
    Only those (``*.db``): an operator may have named a folder that holds other things."""
    from carnet.site.env import data_dir

    folder = Path(os.environ.get("PROMETHEUS_MULTIPROC_DIR") or data_dir() / "metrics")
    folder.mkdir(parents=True, exist_ok=True)
    for counters in folder.glob("*.db"):
        if counters.is_file():
            counters.unlink(missing_ok=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)


def cmd_demo(args: argparse.Namespace) -> int:
    """Migrate, load the demo accounts, say how to sign in, and serve, with a worker beside the
    server for the background work (stopped with the demo)."""
    _platform()
    _metrics_directory()
    # Links in emails (invitations, endorsements) and the issuers' did:web follow the address served.
    os.environ.setdefault("CARNET_SITE_URL", f"http://{args.host}:{args.port}")
    _django("migrate", "--noinput", "-v", "0")
    _django("load_demo")
    from carnet.site.management.commands.load_demo import DEMO_ACCOUNTS, DEMO_PASSWORD

    english = _language(args.lang) == "en"
    address = f"http://{args.host}:{args.port}/"
    print(("Carnet is running at " if english else "Carnet tourne à l'adresse ") + address)
    print(
        ("Demo logins (password " if english else "Comptes de démonstration (mot de passe ")
        + f"{DEMO_PASSWORD}):"
    )
    for email, _name, role_fr, role_en in DEMO_ACCOUNTS:
        print(f"  {email:<30} {role_en if english else role_fr}")
    from django.conf import settings

    emails = settings.DATA_DIR / "emails"
    print(
        f"Emails (verification codes, invitations) are written to {emails}/."
        if english
        else f"Les courriels (codes de vérification, invitations) sont écrits dans {emails}/."
    )
    sys.stdout.flush()
    args.no_migrate = True
    args.workers, args.threads = 1, 4
    worker = _start_worker()
    try:
        return cmd_serve(args)
    finally:
        _stop(worker)


def _start_worker() -> subprocess.Popen[bytes] | None:
    if os.environ.get("CARNET_TASKS_BACKEND") not in ("database", "rq"):
        return None  # the work runs in the request (immediate backend): no worker to start
    return subprocess.Popen([sys.executable, "-m", "carnet.cli", "worker"])


def _stop(child: subprocess.Popen[bytes] | None) -> None:
    if child is None or child.poll() is not None:
        return
    child.terminate()
    try:
        child.wait(timeout=30)
    except subprocess.TimeoutExpired:
        child.kill()


def _django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carnet.site.settings")
    import django

    django.setup()


def cmd_backup(args: argparse.Namespace) -> int:
    """The database and the stored files in one archive; the KEK stays out of it."""
    from datetime import UTC, datetime

    _django_setup()
    from carnet.site.backup import KEK_WARNING, BackupError, backup

    out = args.out or f"carnet-backup-{datetime.now(UTC):%Y%m%d-%H%M%S}.tar.gz"
    try:
        manifest = backup(out)
    except BackupError as exc:
        print(f"carnet backup: {exc}", file=sys.stderr)
        return 1
    counts = ", ".join(f"{value} {name}" for name, value in manifest["counts"].items())
    print(f"Backup written to {out} ({counts}).")
    print(f"WARNING: {KEK_WARNING}", file=sys.stderr)
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    """Check an archive's checksums, then restore its database and files, then migrate."""
    _django_setup()
    from carnet.site.backup import KEK_WARNING, BackupError, restore

    print(f"Note: {KEK_WARNING}", file=sys.stderr)
    try:
        restored = restore(args.archive, force=args.force, other_kek=args.other_kek)
    except BackupError as exc:
        print(f"carnet restore: {exc}", file=sys.stderr)
        return 1
    manifest = restored.manifest
    print(
        f"Restored the backup of {manifest['created']} (Carnet {manifest['carnet']}): "
        f"{manifest['counts'].get('credentials', 0)} credentials, {restored.files} files"
        + (f"; {restored.removed} files not in the archive deleted" if restored.removed else "")
        + ("; migrations applied since." if restored.migrated else ".")
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="carnet", description="Carnet: Open Badges 3.0 micro-credentials.")
    commands = parser.add_subparsers(dest="command", required=True)

    keygen = commands.add_parser("keygen", help="print a new Ed25519 Multikey key pair as JSON")
    keygen.add_argument("--did-web", metavar="URL", help="controller did:web made from this https URL")
    keygen.add_argument("--out", metavar="FILE", help="write the key encrypted to FILE (passphrase asked)")
    keygen.set_defaults(func=cmd_keygen)

    did_doc = commands.add_parser("did-document", help="print the DID document publishing these keys")
    did_doc.add_argument("keys", nargs="+", metavar="KEY.json")
    did_doc.set_defaults(func=cmd_did_document)

    sign = commands.add_parser("sign", help="sign a credential")
    sign.add_argument("--key", required=True, metavar="KEY.json")
    sign.add_argument(
        "--format", choices=["di", "jwt"], default="di", help="di: eddsa-rdfc-2022 (default); jwt: VC-JWT"
    )
    sign.add_argument("file", metavar="FILE")
    sign.set_defaults(func=cmd_sign)

    verify = commands.add_parser(
        "verify", help="verify a credential (JSON, VC-JWT, baked PNG or SVG, or - for stdin)"
    )
    verify.add_argument("file", metavar="FILE")
    verify.add_argument("--json", action="store_true", help="print the report as JSON")
    verify.add_argument(
        "--lang", choices=["fr", "en"], help="language of the report (default: from LANG, else French)"
    )
    verify.add_argument(
        "--document",
        action="append",
        metavar="FILE",
        help="a DID document or status list credential to use (repeatable)",
    )
    verify.add_argument(
        "--allow-host",
        action="append",
        metavar="HOST",
        help="host from which did:web documents and status lists may be fetched",
    )
    verify.set_defaults(func=cmd_verify)

    bake = commands.add_parser("bake", help="bake a credential into a PNG or SVG image")
    bake.add_argument("--credential", required=True, metavar="CRED")
    bake.add_argument("image", metavar="IMAGE")
    bake.add_argument("-o", "--out", metavar="OUT", help="output file (default: standard output)")
    bake.set_defaults(func=cmd_bake)

    unbake = commands.add_parser("unbake", help="print the credential baked into an image")
    unbake.add_argument("image", metavar="IMAGE")
    unbake.set_defaults(func=cmd_unbake)

    credentials_demo = commands.add_parser(
        "credentials-demo", help="make a key, sign a sample badge, verify it, bake it and revoke it"
    )
    credentials_demo.add_argument("--out", default="demo-output", metavar="DIR")
    credentials_demo.add_argument("--lang", choices=["fr", "en"])
    credentials_demo.set_defaults(func=cmd_credentials_demo)

    serve = commands.add_parser(
        "serve", help="run the platform (production-grade server; settings from the environment)"
    )
    serve.add_argument("--host", default=os.environ.get("CARNET_HOST", "127.0.0.1"))
    serve.add_argument("--port", type=int, default=int(os.environ.get("CARNET_PORT", "8000")))
    serve.add_argument("--workers", type=int, default=int(os.environ.get("CARNET_WORKERS", "2")))
    serve.add_argument("--threads", type=int, default=int(os.environ.get("CARNET_THREADS", "4")))
    serve.add_argument("--no-migrate", action="store_true", help="do not apply database migrations first")
    serve.set_defaults(func=cmd_serve)

    demo = commands.add_parser("demo", help="start the platform with demo accounts on the embedded defaults")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8000)
    demo.add_argument("--lang", choices=["fr", "en"])
    demo.set_defaults(func=cmd_demo)

    worker = commands.add_parser(
        "worker", help="run the background work queued in the database (emails, bulk issuance...)"
    )
    worker.add_argument(
        "--processes", type=int, default=int(os.environ.get("CARNET_WORKER_PROCESSES", "1")),
        help="worker processes on this machine (default 1; CARNET_WORKER_PROCESSES)",
    )  # fmt: skip
    worker.add_argument("--queue", metavar="Q,...", help="run only the tasks of these queues (default: all)")
    worker.add_argument("--interval", type=float, default=1.0, help="seconds between looks at an empty queue")
    worker.add_argument("--batch", action="store_true", help="run what is queued now, then stop")
    worker.add_argument(
        "--no-recover", action="store_true", help="leave the bulk issuances cut short to another worker"
    )
    worker.set_defaults(func=cmd_worker)

    backup = commands.add_parser(
        "backup", help="write the database and the stored files into one archive (the KEK is not in it)"
    )
    backup.add_argument(
        "--out", metavar="FILE", help="archive to write (default: carnet-backup-<date>.tar.gz)"
    )
    backup.set_defaults(func=cmd_backup)

    restore = commands.add_parser("restore", help="restore an archive made by carnet backup")
    restore.add_argument("archive", metavar="ARCHIVE")
    restore.add_argument(
        "--force", action="store_true", help="replace a database or file storage that already holds data"
    )
    restore.add_argument(
        "--other-kek", action="store_true",
        help="restore an archive whose keys were sealed with another key-encryption key (then import a key backup)",
    )  # fmt: skip
    restore.set_defaults(func=cmd_restore)

    manage = commands.add_parser("manage", help="Django management commands (migrate, createsuperuser, ...)")
    manage.add_argument("args", nargs=argparse.REMAINDER)
    manage.set_defaults(func=cmd_manage)
    return parser


def _fail(message: str) -> NoReturn:
    print(f"carnet: {message}", file=sys.stderr)
    raise SystemExit(USAGE_ERROR)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except UsageError as exc:
        _fail(str(exc))
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
