"""Load test of the main pages at 50 concurrent users, on the production server (``carnet serve``:
granian, DEBUG off), on SQLite and on PostgreSQL: requests per second, p50 and p99 per page.

* ``GET /`` (home), ``GET /catalogue/``, a public badge page ``GET /badges/<uuid>/``, the
  verification page ``GET /verifier/`` and the verification API ``POST /api/verification``;
* signed in: a learner's carnet ``GET /mon-carnet/`` (each connection one of the learners, through
  their session cookie) and an organisation admin's list of issued credentials
  ``GET /organisations/<slug>/attestations/``.

    .venv/bin/python bench/load.py                              # SQLite, then PostgreSQL
    .venv/bin/python bench/load.py --databases sqlite --seconds 10 --users 50

It reuses bench/public_pages.py: the same seeding (credentials issued the way Carnet issues them,
with endorsements, some revoked), the same server start and stop, and wrk with its Lua script
(``apt-get install wrk``), whose GET lines may carry a session cookie. Each page is measured alone
(all ``--users`` connections on it) after a warm-up, ``--rounds`` times in turn; figures are the
median (min–max) of the rounds. wrk runs on the same machine as the server: on a shared or small
machine the figures are a floor, not a capacity.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
import public_pages as pp

ROOT = pp.ROOT
PAGES = (
    ("home", "GET / (home)", "get", "home.txt"),
    ("catalogue", "GET /catalogue/", "get", "catalogue.txt"),
    ("badge", "GET /badges/<uuid>/", "get", "badges.txt"),
    ("verify_page", "GET /verifier/", "get", "verify_page.txt"),
    ("verify_api", "POST /api/verification", "post", "bodies.txt"),
    ("carnet", "GET /mon-carnet/ (learner)", "get", "carnet.txt"),
    ("admin", "GET /organisations/…/attestations/", "get", "admin.txt"),
)


def seed(out: Path, public: int, bulk: int) -> None:
    """public_pages' seeding, then a session for each learner and for the admin."""
    pp.seed(out, public, bulk)
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from carnet.accounts.models import User

    engine = import_module(settings.SESSION_ENGINE)

    def cookie(user: Any) -> str:
        session = engine.SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"

    learners = User.objects.filter(email__startswith="learner").order_by("pk")
    (out / "carnet.txt").write_text("".join(f"/mon-carnet/\t{cookie(u)}\n" for u in learners))
    admin = User.objects.get(email="admin@bench.test")
    (out / "admin.txt").write_text(f"/organisations/cje-bench/attestations/\t{cookie(admin)}\n")
    (out / "catalogue.txt").write_text("/catalogue/\n")
    (out / "verify_page.txt").write_text("/verifier/\n")


def check(base: str, folder: Path) -> None:
    """Every page answers 200 (the signed-in ones as their person, not a login page)."""
    import urllib.request

    for _name, what, mode, listing in PAGES:
        if mode != "get":
            continue
        line = (folder / listing).read_text().splitlines()[0]
        path, _, cookie = line.partition("\t")
        request = urllib.request.Request(base + path, headers={"Cookie": cookie} if cookie else {})
        with urllib.request.urlopen(request, timeout=10) as response:
            if response.status != 200 or (cookie and "/comptes/login" in response.url):
                raise SystemExit(f"{what} does not answer as expected ({response.status} {response.url})")


def run_database(label: str, args: argparse.Namespace, database_url: str | None) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix=f"carnet-bench-load-{label}-"))
    env = {key: value for key, value in os.environ.items() if key not in ("CARNET_DEBUG", "DATABASE_URL")}
    env.update(
        PYTHONPATH=str(ROOT), DJANGO_SETTINGS_MODULE="carnet.site.settings", CARNET_DATA_DIR=str(folder),
        CARNET_SITE_URL=f"http://127.0.0.1:{args.port}", CARNET_VERIFICATION_RATE_LIMITS=pp.NO_LIMIT,
    )  # fmt: skip
    if database_url:
        env["DATABASE_URL"] = database_url
        pp.recreate_database(database_url)
    print(f"== {label}: data folder {folder}", flush=True)
    started = time.perf_counter()
    manage = [sys.executable, "-m", "carnet.cli", "manage"]
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], env=env, cwd=ROOT, check=True)
    subprocess.run(
        [sys.executable, __file__, "--seed", str(folder), "--public", str(args.public), "--bulk", str(args.bulk)],
        env=env, cwd=ROOT, check=True,
    )  # fmt: skip
    print(f"   migrated and seeded in {time.perf_counter() - started:.0f} s", flush=True)
    server = pp.start_server(env, args.port, args.workers, args.threads, folder / "server.log")
    results: dict[str, list[dict[str, Any]]] = {name: [] for name, *_rest in PAGES}
    try:
        base = f"http://127.0.0.1:{args.port}"
        check(base, folder)
        for _name, _what, mode, listing in PAGES:
            pp.wrk(base, mode, folder / listing, args.warmup, args.users)
        for _round in range(args.rounds):
            for name, _what, mode, listing in PAGES:
                results[name].append(pp.wrk(base, mode, folder / listing, args.seconds, args.users))
    finally:
        pp.stop_server(server)
        if database_url and not args.keep:
            pp.recreate_database(database_url, drop_only=True)
    print(
        f"   {args.users} concurrent users (wrk connections), {args.rounds} rounds of {args.seconds:g} s per page, "
        f"granian {args.workers} workers × {args.threads} threads; median (min–max) of the rounds"
    )
    print(f"   {'page':<38} {'req/s':>20} {'p50 ms':>20} {'p99 ms':>22}")
    for name, what, _mode, _listing in PAGES:
        rows = results[name]
        print(
            f"   {what:<38} {pp.spread([r['rate'] for r in rows]):>20} "
            f"{pp.spread([r['p50_us'] for r in rows], 1e-3, 1):>20} "
            f"{pp.spread([r['p99_us'] for r in rows], 1e-3, 1):>22}",
            flush=True,
        )
    shutil.rmtree(folder, ignore_errors=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--databases", default="sqlite,postgres", help="sqlite, postgres or both (comma)")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(
            "CARNET_BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/carnet_bench_load"
        ),
    )
    parser.add_argument("--users", type=int, default=50, help="concurrent users (open connections)")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each measured run")
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=int(os.environ.get("CARNET_WORKERS", "2")))
    parser.add_argument("--threads", type=int, default=int(os.environ.get("CARNET_THREADS", "4")))
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--public", type=int, default=20, help="learners with a public credential")
    parser.add_argument("--bulk", type=int, default=300, help="other credentials issued (a tenth revoked)")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database afterwards")
    parser.add_argument("--json", metavar="FILE", help="also write the raw figures to FILE")
    parser.add_argument("--seed", metavar="FOLDER", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.seed:
        import django

        django.setup()
        seed(Path(args.seed), args.public, args.bulk)
        return
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk (Debian, Ubuntu), brew install wrk (macOS)")
    print(
        f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at start; Python {sys.version.split()[0]}; "
        "wrk runs on the same machine (1 thread)"
    )
    everything = {}
    for label in [name.strip() for name in args.databases.split(",") if name.strip()]:
        if label not in ("sqlite", "postgres"):
            raise SystemExit(f"unknown database {label!r}: sqlite or postgres")
        everything[label] = run_database(label, args, args.postgres_url if label == "postgres" else None)
    if args.json:
        Path(args.json).write_text(json.dumps(everything, indent=2))


if __name__ == "__main__":
    main()
