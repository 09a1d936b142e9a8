"""Benchmark of the public pages under concurrent load, on the production server (``carnet serve``:
granian, DEBUG off, the settings of docs/operations.md), on SQLite and on PostgreSQL:

* the public badge page of a credential (``GET /badges/<uuid>/``: its live state, verified at
  each request, with its endorsements);
* the verification API (``POST /api/verification`` with a credential issued by Carnet: the full
  report, the issuer's key and status list read from the database);
* beside them, the ceiling: ``GET /livez``, a constant response through the same middleware stack,
  and for reference the welcome page (``GET /``: a page rendered from the site's templates, with
  no query), which shows what rendering any page costs beside the ceiling.

    .venv/bin/python bench/public_pages.py                      # SQLite, then PostgreSQL
    .venv/bin/python bench/public_pages.py --databases sqlite --seconds 10 --rounds 3
    .venv/bin/python bench/public_pages.py --postgres-url postgres://postgres@127.0.0.1:5432/carnet_bench_pages

It needs ``wrk`` (Debian/Ubuntu: ``apt-get install wrk``) and, for PostgreSQL, a server where the
URL's user may create databases: the database named in ``--postgres-url`` (its name must contain
``bench``) is dropped and made anew, then dropped at the end (``--keep`` keeps it).

Why wrk: the load must come from another process than the server, and must cost the machine as
little as possible, because it shares the cores with the server it measures. wrk is a small C
program (an event loop per thread) that drives thousands of requests per second from a fraction of
one core, reports latency percentiles, and takes a Lua script for the POST bodies
(bench/public_pages.lua). A Python load generator (locust, or one of aiohttp) would take a core of
its own at these rates and so measure itself as much as the server.

For each database: a fresh data folder, ``migrate``, then credentials issued the way Carnet issues
them (recognition requests with two signed endorsements each, approved, made public; more in bulk so
that the status list is not empty, a few of them revoked), the server started in its own process
group with ``--workers``/``--threads`` (the defaults of ``carnet serve``) and the verification API's
rate limit lifted through the operator's setting ``CARNET_VERIFICATION_RATE_LIMITS`` (read at
startup; no client can lift it). Each scenario is warmed up, then run ``--rounds`` times in turn
(ceiling, badge page, verification, ceiling, ...) for ``--seconds`` each, with ``--connections``
open connections; the figures are the median of the rounds and their spread. Figures only: the
target (at least half the ceiling's throughput) is printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
LUA = Path(__file__).with_suffix(".lua")
SCENARIOS = (
    ("ceiling", "GET /livez", "get", "livez.txt"),
    ("template", "GET / (no query)", "get", "home.txt"),
    ("badge", "GET /badges/<uuid>/", "get", "badges.txt"),
    ("verify", "POST /api/verification", "post", "bodies.txt"),
)
# Lifted for the benchmark only, by the operator's setting (the default is 60 a minute per address).
NO_LIMIT = "api=1000000000/60"


# -- seeding (runs in a child process, with the server's environment) ----------------------------------


def seed(out: Path, public: int, bulk: int) -> None:
    """Issue ``public`` credentials through recognition requests with two endorsements each, made
    public, and ``bulk`` more (a tenth of them revoked); write the pages to request."""
    import django

    django.setup()
    from datetime import timedelta

    from django.utils import timezone

    from carnet.accounts.models import User
    from carnet.catalogue import services as catalogue
    from carnet.frameworks.models import Competency
    from carnet.issuing import services as issuing
    from carnet.issuing.endorsements import sign_learner_endorsement
    from carnet.organisations.services import create_organisation
    from carnet.portfolio.services import set_visibility
    from carnet.recognition import services as recognition
    from carnet.recognition.models import Endorsement, EndorsementInvitation, RecognitionRequest

    admin = User.objects.create_user("admin@bench.test", "a long bench password", display_name="Admin")
    organisation = create_organisation(
        name="Carrefour jeunesse-emploi du Banc d'essai", kind="community", admin=admin, slug="cje-bench"
    )
    first, second = Competency.objects.filter(framework__status="published").order_by("code")[:2]
    item = catalogue.create_micro_credential(
        organisation=organisation,
        fields={
            "name_fr": "Fiabilité au travail", "name_en": "Reliability at work",
            "description_fr": "Tient ses engagements et prévient quand un imprévu survient.",
            "criteria_fr": "Présent et ponctuel pendant six mois.\nPrévient de ses absences.",
            "learning_contexts": ["work", "volunteering"], "assessment_method": "endorsements",
            "endorsements_required": 2, "validity_months": 24,
        },
        alignments=[(first, first.levels.get(rank=3)), (second, second.levels.get(rank=2))],
    )  # fmt: skip
    version = catalogue.publish_micro_credential(micro_credential=item)
    item.refresh_from_db()
    badges, bodies = [], []
    for number in range(public):
        learner = User.objects.create_user(
            f"learner{number}@bench.test", "a long bench password", display_name=f"Personne {number}"
        )
        request = recognition.open_request(learner=learner, micro_credential=item)
        for name, consent in (("Marie Tremblay", True), ("Jean Roy", False)):
            invitation = EndorsementInvitation.objects.create(
                request=request, name=name, token_hash=f"bench-{number}-{name}", status="completed",
                expires_at=timezone.now() + timedelta(days=30),
            )  # fmt: skip
            endorsement = Endorsement.objects.create(
                invitation=invitation, endorser_name=name, relationship="supervisor",
                context="Banque alimentaire du quartier, le samedi matin", consent_to_be_named=consent,
                observations=[{"criterion": "Présent et ponctuel", "observed": "Jamais en retard en un an."}],
            )  # fmt: skip
            endorsement.document = sign_learner_endorsement(endorsement)
            endorsement.save(update_fields=["document"])
        RecognitionRequest.objects.filter(pk=request.pk).update(status="approved")
        credential = recognition.issue_approved_request(request.pk)
        set_visibility(credential=credential, visibility="public", actor=learner)
        badges.append(f"/badges/{credential.uuid}/")
        bodies.append(json.dumps(credential.document, ensure_ascii=False))
    for number in range(bulk):
        credential = issuing.issue_credential(
            organisation=organisation, version=version, recipient=None,
            recipient_email=f"bulk{number}@bench.test", idempotency_key=f"bench-bulk-{number}",
            source="bulk", actor=admin,
        )  # fmt: skip
        if number % 10 == 0:
            issuing.revoke_credential(credential=credential, reason="Délivrée par erreur", actor=admin)
    (out / "badges.txt").write_text("\n".join(badges) + "\n")
    (out / "bodies.txt").write_text("\n".join(bodies) + "\n")
    (out / "livez.txt").write_text("/livez\n")
    (out / "home.txt").write_text("/\n")


# -- running ------------------------------------------------------------------------------------------


def recreate_database(url: str, *, drop_only: bool = False) -> None:
    import psycopg

    name = urllib.parse.urlsplit(url).path.lstrip("/")
    if "bench" not in name:
        raise SystemExit(f"refusing to drop {name!r}: the benchmark's database name must contain 'bench'")
    maintenance = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            connection.execute(f'CREATE DATABASE "{name}"')


def get(url: str, timeout: float = 10) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def wrk(base: str, mode: str, listing: Path, seconds: float, connections: int) -> dict[str, Any]:
    """One run of wrk; its figures, with ``rate`` in requests per second."""
    command = [
        "wrk", "-t1", f"-c{connections}", f"-d{seconds:g}s", "--timeout", "10s", "-s", str(LUA), base,
        "--", mode, str(listing),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    line = next(line for line in reversed(done.stdout.splitlines()) if line.startswith("{"))
    figures = json.loads(line)
    figures["rate"] = figures["requests"] / (figures["duration_us"] / 1e6)
    if figures["non_2xx"] or figures["socket_errors"]:
        print(
            f"    ! {listing.stem}: {figures['non_2xx']} answers >= 400, {figures['socket_errors']} socket errors"
        )
    return figures


def start_server(
    env: dict[str, str], port: int, workers: int, threads: int, log: Path
) -> subprocess.Popen[bytes]:
    command = [
        sys.executable, "-m", "carnet.cli", "serve", "--no-migrate", "--host", "127.0.0.1",
        "--port", str(port), "--workers", str(workers), "--threads", str(threads),
    ]  # fmt: skip
    server = subprocess.Popen(
        command, env=env, cwd=ROOT, stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server stopped: see {log}")
        try:
            if get(f"http://127.0.0.1:{port}/livez", timeout=2)[0] == 200:
                return server
        except OSError:
            pass
        time.sleep(0.3)
    stop_server(server)
    raise SystemExit(f"the server did not answer within a minute: see {log}")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)  # its own process group: granian and its workers
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def check_pages(base: str, folder: Path) -> None:
    """The server answers what the figures claim: DEBUG off, a valid badge page, a valid report."""
    status, body = get(base + "/bench-no-such-page/")
    if status != 404 or "URLconf" in body:
        raise SystemExit("the server runs with DEBUG on: unset CARNET_DEBUG")
    badge = (folder / "badges.txt").read_text().split()[0]
    status, body = get(base + badge)
    if status != 200 or "Authentique et valide" not in body:
        raise SystemExit(f"the badge page {badge} does not show a valid credential ({status})")
    document = (folder / "bodies.txt").read_text().splitlines()[0].encode()
    request = urllib.request.Request(
        base + "/api/verification", data=document, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        report = json.load(response)
    if not report["valid"] or report["verdict"]["code"] != "valid":
        raise SystemExit(f"the verification API does not find the credential valid: {report['verdict']}")


def spread(values: list[float], scale: float = 1.0, digits: int = 0) -> str:
    median = statistics.median(values) * scale
    low, high = min(values) * scale, max(values) * scale
    return f"{median:,.{digits}f} ({low:,.{digits}f}–{high:,.{digits}f})"


def run_database(label: str, args: argparse.Namespace, database_url: str | None) -> None:
    folder = Path(tempfile.mkdtemp(prefix=f"carnet-bench-pages-{label}-"))
    port = args.port
    env = {key: value for key, value in os.environ.items() if key not in ("CARNET_DEBUG", "DATABASE_URL")}
    env.update(
        PYTHONPATH=str(ROOT), DJANGO_SETTINGS_MODULE="carnet.site.settings", CARNET_DATA_DIR=str(folder),
        CARNET_SITE_URL=f"http://127.0.0.1:{port}", CARNET_VERIFICATION_RATE_LIMITS=NO_LIMIT,
    )  # fmt: skip
    if database_url:
        env["DATABASE_URL"] = database_url
        recreate_database(database_url)
    print(f"== {label}: data folder {folder}")
    started = time.perf_counter()
    manage = [sys.executable, "-m", "carnet.cli", "manage"]
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], env=env, cwd=ROOT, check=True)
    subprocess.run(
        [sys.executable, __file__, "--seed", str(folder), "--public", str(args.public), "--bulk", str(args.bulk)],
        env=env, cwd=ROOT, check=True,
    )  # fmt: skip
    print(f"   migrated and seeded in {time.perf_counter() - started:.0f} s")
    server = start_server(env, port, args.workers, args.threads, folder / "server.log")
    try:
        base = f"http://127.0.0.1:{port}"
        check_pages(base, folder)
        for _name, _what, mode, listing in SCENARIOS:  # warm-up: every worker imports and caches
            wrk(base, mode, folder / listing, args.warmup, args.connections)
        results: dict[str, list[dict[str, Any]]] = {name: [] for name, *_rest in SCENARIOS}
        for _round in range(args.rounds):
            for name, _what, mode, listing in SCENARIOS:
                results[name].append(wrk(base, mode, folder / listing, args.seconds, args.connections))
    finally:
        stop_server(server)
        if database_url and not args.keep:
            recreate_database(database_url, drop_only=True)
    print(
        f"   {args.rounds} rounds of {args.seconds:g} s per scenario, {args.connections} connections, "
        f"granian {args.workers} workers × {args.threads} threads; median (min–max) of the rounds"
    )
    print(f"   {'scenario':<26} {'req/s':>22} {'p50 ms':>18} {'p99 ms':>20}  ratio to ceiling")
    ceiling = [figures["rate"] for figures in results["ceiling"]]
    for name, what, _mode, _listing in SCENARIOS:
        rows = results[name]
        rates = [figures["rate"] for figures in rows]
        ratios = [rate / top for rate, top in zip(rates, ceiling, strict=True)]
        ratio = "" if name == "ceiling" else spread(ratios, digits=2)
        print(
            f"   {what:<26} {spread(rates):>22} {spread([r['p50_us'] for r in rows], 1e-3, 1):>18} "
            f"{spread([r['p99_us'] for r in rows], 1e-3, 1):>20}  {ratio}"
        )
    print("   target: the badge page and the verification API at least 0.50 of the ceiling's throughput")
    shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--databases", default="sqlite,postgres", help="sqlite, postgres or both (comma)")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(
            "CARNET_BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/carnet_bench_pages"
        ),
    )
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each measured run")
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=int(os.environ.get("CARNET_WORKERS", "2")))
    parser.add_argument("--threads", type=int, default=int(os.environ.get("CARNET_THREADS", "4")))
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--public", type=int, default=20, help="public credentials whose pages are requested")
    parser.add_argument("--bulk", type=int, default=300, help="other credentials issued (a tenth revoked)")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database afterwards")
    parser.add_argument("--seed", metavar="FOLDER", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.seed:
        seed(Path(args.seed), args.public, args.bulk)
        return
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk (Debian, Ubuntu), brew install wrk (macOS)")
    print(
        f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at start; Python {sys.version.split()[0]}; "
        "wrk runs on the same machine (1 thread)"
    )
    for label in [name.strip() for name in args.databases.split(",") if name.strip()]:
        if label not in ("sqlite", "postgres"):
            raise SystemExit(f"unknown database {label!r}: sqlite or postgres")
        run_database(label, args, args.postgres_url if label == "postgres" else None)


if __name__ == "__main__":
    main()
