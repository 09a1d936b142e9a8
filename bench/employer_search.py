"""Benchmark of the employers' search of consenting learners (carnet/employers/search.py, the code the
job page runs), on PostgreSQL with 100,000 learners and 1,000,000 issued credentials.

    .venv/bin/python bench/employer_search.py                 # seeds once, then measures
    .venv/bin/python bench/employer_search.py --reseed        # drops and seeds the database again
    .venv/bin/python bench/employer_search.py --learners 10000 --badges 100000 --reseed   # smaller
    .venv/bin/python bench/employer_search.py --no-http       # the search alone, not the page

The database of ``--postgres-url`` (default ``carnet_bench_search`` on 127.0.0.1; its name must
contain ``bench``) is dropped, migrated and seeded when it does not hold a seed of the asked size
or with ``--reseed``; the seeding prints how long it took. The seed, made with COPY and bulk
inserts, with fixed random draws (``--seed``):

* 40 recognising organisations with 10 micro-credentials each, aligned to one to three competencies
  of the default framework (8 competencies, 4 levels): communication and teamwork are the most
  attested, creativity the least; level 2 is the most common, level 4 the rarest; validity of 24 or
  36 months, or none;
* learners holding from 1 to about 60 credentials (log-normal, mean ``badges / learners``), issued
  over the last four years (more of them recently), so that about a fifth of those with a validity
  have expired; 2 % revoked, 0.5 % suspended; 30 % came from a recognition request, half of those
  with a level recognised by the assessor (one above or below the micro-credential's);
* 40 % of learners gave their consent to employers' searches, one in eight of whom withdrew it
  since (about 35 % consenting);
* 200 jobs of an employer, each with 1 to 5 competencies (3 most often) and a minimum level each.

The credentials' documents are short unsigned stubs, not signed Open Badges: the search reads the
rows (recipient, status, dates, version, recognised level), never the documents.

Then each job is searched ``--passes`` times through ``carnet.employers.search.search`` (the first
pass warms the caches and is not counted) and the whole job page is requested over HTTP from
``carnet serve`` (granian, two workers) as a signed-in employer, one request at a time. Prints
p50/p95/p99 latencies. Figures only.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

COMPETENCY_WEIGHTS = {  # how often each competency of the default framework is attested
    "CG-COM": 20, "CG-EQU": 18, "CG-FIA": 15, "CG-RES": 12, "CG-ADA": 10, "CG-ORG": 10, "CG-APP": 8, "CG-CRE": 7,
}  # fmt: skip
RANK_WEIGHTS = {1: 25, 2: 40, 3: 25, 4: 10}
JOB_SIZES = {1: 15, 2: 25, 3: 30, 4: 20, 5: 10}
MINIMUM_WEIGHTS = {1: 20, 2: 45, 3: 28, 4: 7}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(share * len(ordered)) - 1))]


def summary(values: list[float]) -> str:
    return (
        f"p50 {percentile(values, 0.50) * 1000:7.1f} ms   p95 {percentile(values, 0.95) * 1000:7.1f} ms   "
        f"p99 {percentile(values, 0.99) * 1000:7.1f} ms   (n={len(values)}, mean {statistics.mean(values) * 1000:.1f} ms)"
    )


def pick(rng: random.Random, weights: dict[Any, int]) -> Any:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


# -- the database ---------------------------------------------------------------------------------------


def database_name(url: str) -> str:
    name = urllib.parse.urlsplit(url).path.lstrip("/")
    if "bench" not in name:
        raise SystemExit(f"refusing to use {name!r}: the benchmark's database name must contain 'bench'")
    return name


def recreate_database(url: str) -> None:
    import psycopg

    name = database_name(url)
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def seeded_size(url: str) -> tuple[int, int] | None:
    """(learners, badges) of the seed already in the database, or None."""
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=5) as connection:
            row = connection.execute("SELECT value FROM bench_seed WHERE name = 'size'").fetchone()
    except psycopg.Error:
        return None
    return tuple(json.loads(row[0])) if row else None  # type: ignore[return-value]


def seed(args: argparse.Namespace) -> None:
    """Migrate, then fill the database: see the module's docstring."""
    from django.core.management import call_command
    from django.db import connection, transaction

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"   migrated in {time.perf_counter() - started:.0f} s")
    mark = time.perf_counter()
    rng = random.Random(args.seed)
    now = datetime.now(UTC)

    from carnet.accounts.models import User
    from carnet.catalogue.models import Alignment, MicroCredential, MicroCredentialVersion
    from carnet.credentials.status import MIN_SIZE
    from carnet.credentials.status import StatusList as Bitstring
    from carnet.employers.models import Job, JobRequirement
    from carnet.frameworks.models import Competency, Level
    from carnet.issuing.models import StatusList
    from carnet.organisations.models import Membership, Organisation

    competencies = {c.code: c for c in Competency.objects.filter(framework__status="published")}
    levels = {(level.competency_id, level.rank): level for level in Level.objects.all()}
    empty_list = Bitstring(MIN_SIZE).encode()
    with transaction.atomic():
        organisations = Organisation.objects.bulk_create(
            Organisation(slug=f"organisme-{n:02d}", name=f"Organisme {n:02d}",
                         kind=("community", "college", "training")[n % 3])
            for n in range(40)
        )  # fmt: skip
        lists = StatusList.objects.bulk_create(
            StatusList(organisation=o, purpose="revocation", number=1, size=MIN_SIZE, encoded=empty_list)
            for o in organisations
        )
        items = MicroCredential.objects.bulk_create(
            MicroCredential(organisation=o, slug=f"microattestation-{n}", status="published")
            for o in organisations
            for n in range(10)
        )
        versions = MicroCredentialVersion.objects.bulk_create(
            MicroCredentialVersion(
                micro_credential=item,
                number=1,
                name_fr=f"Microattestation {item.organisation.slug} {n}",
                description_fr="Ce qu'elle atteste.",
                criteria_fr="Ce qu'il faut démontrer.",
                learning_contexts=["work"],
                assessment_method="observation",
                published_at=now - timedelta(days=1500),
                validity_months=rng.choice([None, None, 24, 24, 36]),
            )
            for n, item in enumerate(items)
        )
        aligned: dict[int, list[tuple[int, int]]] = {}  # version id → [(competency id, rank)]
        rows = []
        for version in versions:
            codes: list[str] = []
            for _ in range(rng.choices([1, 2, 3], weights=[55, 35, 10])[0]):
                code = pick(rng, COMPETENCY_WEIGHTS)
                if code not in codes:
                    codes.append(code)
            for code in codes:
                competency = competencies[code]
                rank = pick(rng, RANK_WEIGHTS)
                rows.append(
                    Alignment(version=version, competency=competency, level=levels[competency.pk, rank])
                )
                aligned.setdefault(version.pk, []).append((competency.pk, rank))
        Alignment.objects.bulk_create(rows)
        employer_admin = User.objects.create_user("rh@employeur.bench", "a long bench password")
        employer = Organisation.objects.create(
            slug="employeur-bench", name="Employeur du banc", kind="employer"
        )
        Membership.objects.create(organisation=employer, user=employer_admin, role="admin")
        for n in range(args.jobs):
            job = Job.objects.create(organisation=employer, title=f"Poste {n}", created_by=employer_admin)
            chosen: list[str] = []
            for _ in range(pick(rng, JOB_SIZES)):
                code = pick(rng, COMPETENCY_WEIGHTS)
                while code in chosen:
                    code = pick(rng, COMPETENCY_WEIGHTS)
                chosen.append(code)
            JobRequirement.objects.bulk_create(
                JobRequirement(
                    job=job, competency=competencies[code], minimum_rank=pick(rng, MINIMUM_WEIGHTS)
                )
                for code in chosen
            )
    print(f"   catalogue: 40 organisations, {len(versions)} micro-credentials, {len(rows)} alignments")

    # Learners, and how many credentials each holds (log-normal, scaled to the total asked).
    mean = args.badges / args.learners
    raw = [rng.lognormvariate(0, 0.9) for _ in range(args.learners)]
    scale = mean / statistics.mean(raw)
    holdings = [max(1, round(value * scale)) for value in raw]
    excess = sum(holdings) - args.badges
    while excess:
        index = rng.randrange(args.learners)
        if excess > 0 and holdings[index] > 1:
            holdings[index] -= 1
            excess -= 1
        elif excess < 0:
            holdings[index] += 1
            excess += 1
    first_user = (User.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    version_weights = [sum(COMPETENCY_WEIGHTS[c.code] for c in competencies.values() if c.pk in dict(aligned[v.pk]))
                       for v in versions]  # fmt: skip
    version_of = {v.pk: v for v in versions}
    list_of = {sl.organisation_id: sl for sl in lists}
    free_bits = {sl.pk: iter(rng.sample(range(MIN_SIZE), MIN_SIZE)) for sl in lists}
    months = {v.pk: v.validity_months for v in versions}
    level_ids = {(level.competency_id, level.rank): level.pk for level in levels.values()}

    with connection.cursor() as cursor:
        with cursor.copy(
            "COPY accounts_user (id, password, is_superuser, first_name, last_name, is_staff, is_active, "
            "date_joined, email, display_name, preferred_language, consents_to_search) FROM STDIN"
        ) as copy:
            for n in range(args.learners):
                copy.write_row((first_user + n, "!", False, "", "", False, True, now - timedelta(days=1500),
                                f"personne{n}@apprenant.bench", f"Personne {n}", "fr", False))  # fmt: skip
        print(f"   {args.learners:,} learners in {time.perf_counter() - mark:.0f} s")
        consenting = 0
        with cursor.copy("COPY portfolio_searchconsent (user_id, given, created_at) FROM STDIN") as copy:
            for n in range(args.learners):
                if rng.random() < 0.40:
                    given_at = now - timedelta(days=rng.uniform(1, 1400))
                    copy.write_row((first_user + n, True, given_at))
                    if rng.random() < 0.125:
                        copy.write_row(
                            (first_user + n, False, given_at + timedelta(days=rng.uniform(0.1, 30)))
                        )
                    else:
                        consenting += 1
        print(f"   consents: {consenting:,} learners consenting ({consenting / args.learners:.0%})")

        credential_id = 0
        requests = []
        counts = {"revoked": 0, "suspended": 0, "expired": 0}
        with cursor.copy(
            "COPY issuing_issuedcredential (id, uuid, organisation_id, recipient_id, recipient_email, "
            "micro_credential_version_id, document, jwt, issued_at, valid_until, status, status_reason, "
            "status_changed_at, status_list_id, status_index, idempotency_key, source) FROM STDIN"
        ) as copy:
            for n, held in enumerate(holdings):
                learner = first_user + n
                for version in rng.choices(versions, weights=version_weights, k=held):
                    credential_id += 1
                    issued_at = now - timedelta(days=1460 * rng.random() ** 1.6, seconds=rng.randrange(86400))
                    validity = months[version.pk]
                    valid_until = issued_at + timedelta(days=round(validity * 30.44)) if validity else None
                    if valid_until is not None and valid_until < now:
                        counts["expired"] += 1
                    draw = rng.random()
                    status = "revoked" if draw < 0.02 else "suspended" if draw < 0.025 else "active"
                    if status != "active":
                        counts[status] += 1
                    organisation_id = version.micro_credential.organisation_id
                    status_list = list_of[organisation_id]
                    source = "recognition" if rng.random() < 0.30 else "bulk"
                    credential_uuid = uuid.uuid4()
                    copy.write_row((
                        credential_id, credential_uuid, organisation_id, learner, f"personne{n}@apprenant.bench",
                        version.pk, '{"seeded": "an unsigned stub: the search never reads documents"}', "",
                        issued_at, valid_until, status, "Erreur" if status != "active" else "",
                        issued_at + timedelta(days=30) if status != "active" else None, status_list.pk,
                        next(free_bits[status_list.pk]), f"bench-{credential_id}", source,
                    ))  # fmt: skip
                    if source == "recognition":
                        recognised = None
                        if rng.random() < 0.5:
                            competency_id, rank = aligned[version.pk][0]
                            rank = min(4, max(1, rank + rng.choice([-1, 1])))
                            recognised = level_ids[competency_id, rank]
                        requests.append(
                            (credential_uuid, learner, version, recognised, credential_id, issued_at)
                        )
        print(
            f"   {credential_id:,} credentials: {counts['revoked']:,} revoked, {counts['suspended']:,} suspended, "
            f"{counts['expired']:,} expired; {time.perf_counter() - mark:.0f} s so far"
        )
        with cursor.copy(
            "COPY recognition_recognitionrequest (uuid, learner_id, micro_credential_id, version_id, "
            "organisation_id, status, narrative, recognised_level_id, credential_id, created_at, updated_at, "
            "submitted_at, decided_at) FROM STDIN"
        ) as copy:
            for request_uuid, learner, version, recognised, issued_id, issued_at in requests:
                opened = issued_at - timedelta(days=20)
                copy.write_row((request_uuid, learner, version.micro_credential_id, version.pk,
                                version_of[version.pk].micro_credential.organisation_id, "approved", "",
                                recognised, issued_id, opened, issued_at, opened, issued_at))  # fmt: skip
        print(
            f"   {len(requests):,} recognition requests ({sum(1 for r in requests if r[3]):,} with a level)"
        )
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('accounts_user', 'id'), (SELECT max(id) FROM accounts_user)); "
            "SELECT setval(pg_get_serial_sequence('issuing_issuedcredential', 'id'), %s)",
            [credential_id],
        )
        after_seed(cursor)
        cursor.execute("CREATE TABLE bench_seed (name text PRIMARY KEY, value text)")
        cursor.execute(
            "INSERT INTO bench_seed VALUES ('size', %s)", [json.dumps([args.learners, args.badges])]
        )
        cursor.execute("ANALYZE")
    print(
        f"   seeded in {time.perf_counter() - mark:.0f} s ({time.perf_counter() - started:.0f} s with migrations)"
    )


def after_seed(cursor: Any) -> None:
    """What the platform keeps beside the rows written above: the copy of each learner's consent
    and the search index, filled in by the migrations' own statements (they ran before the seed)."""
    import importlib

    started = time.perf_counter()
    for module, count, label in (
        ("carnet.accounts.migrations.0002_user_consents_to_search", 1, "consents copied to the accounts"),
        ("carnet.issuing.migrations.0005_search_index", 2, "search index filled in"),
    ):
        try:
            migration = importlib.import_module(module).Migration
        except ImportError:  # a tree from before the search index
            continue
        for operation in migration.operations[-count:]:
            cursor.execute(operation.sql)
        print(f"   {label} in {time.perf_counter() - started:.0f} s")
    try:
        profiles = importlib.import_module("carnet.issuing.migrations.0006_search_profiles")
    except ImportError:
        return
    from django.apps import apps

    profiles.fill_in(apps, None)
    print(f"   search profiles made in {time.perf_counter() - started:.0f} s")


def vacuum(url: str) -> None:
    """What autovacuum does after large writes: statistics for the planner, and the visibility map
    that lets the search read its index alone."""
    import psycopg

    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")
    print(f"   VACUUM ANALYZE in {time.perf_counter() - started:.0f} s")


# -- measuring ------------------------------------------------------------------------------------------


def measure_search(passes: int, max_jobs: int | None = None) -> None:
    from carnet.employers import search
    from carnet.employers.models import Job

    jobs = list(
        Job.objects.filter(organisation__slug="employeur-bench")
        .order_by("pk")
        .prefetch_related("requirements")
    )[:max_jobs]
    timings: list[float] = []
    by_size: dict[int, list[float]] = {}
    found = []
    for number in range(passes):
        for job in jobs:
            started = time.perf_counter()
            candidates = search.search(job)
            elapsed = time.perf_counter() - started
            if number:
                timings.append(elapsed)
                by_size.setdefault(len(job.requirements.all()), []).append(elapsed)
            else:
                found.append(len(candidates))
    print(f"   search.search(job), {len(jobs)} jobs × {passes - 1} passes (after one to warm up):")
    print(f"     {'all jobs':<18} {summary(timings)}")
    for size in sorted(by_size):
        label = f"{size} competenc{'y' if size == 1 else 'ies'}"
        print(f"     {label:<18} {summary(by_size[size])}")
    print(f"     candidates shown per job: median {statistics.median(found):.0f}, min {min(found)}")


def measure_page(args: argparse.Namespace, env: dict[str, str]) -> None:
    from django.test import Client
    from django.urls import reverse

    from carnet.accounts.models import User
    from carnet.employers.models import Job

    client = Client()
    client.force_login(User.objects.get(email="rh@employeur.bench"))  # a session row the server reads
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    paths = [
        reverse("employers:job", args=["employeur-bench", pk])
        for pk in Job.objects.filter(organisation__slug="employeur-bench").values_list("pk", flat=True)
    ]
    command = [
        sys.executable, "-m", "carnet.cli", "serve", "--no-migrate", "--host", "127.0.0.1", "--port", str(args.port),
    ]  # fmt: skip
    log = Path(tempfile.mkdtemp(prefix="carnet-bench-search-")) / "server.log"
    server = subprocess.Popen(
        command, env=env, cwd=ROOT, stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True
    )
    base = f"http://127.0.0.1:{args.port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/livez", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit(f"the server did not start: see {log}") from None
                time.sleep(0.3)
        timings = []
        for number in range(2):
            for path in paths:
                request = urllib.request.Request(base + path, headers={"Cookie": cookie})
                started = time.perf_counter()
                with urllib.request.urlopen(request, timeout=60) as response:
                    body = response.read()
                if number:
                    timings.append(time.perf_counter() - started)
                if response.status != 200 or b"Personnes correspondantes" not in body:
                    raise SystemExit(f"{path} did not answer the job page ({response.status})")
        print(f"   GET the job page over HTTP, {len(paths)} jobs, one at a time (after a pass to warm up):")
        print(f"     {'whole page':<18} {summary(timings)}")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(
            "CARNET_BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/carnet_bench_search"
        ),
    )
    parser.add_argument("--learners", type=int, default=100_000)
    parser.add_argument("--badges", type=int, default=1_000_000)
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument(
        "--passes", type=int, default=4, help="searches of each job (the first is not counted)"
    )
    parser.add_argument("--max-jobs", type=int, help="search only the first jobs (all by default)")
    parser.add_argument("--seed", type=int, default=5, help="of the random draws")
    parser.add_argument("--reseed", action="store_true", help="drop the database and seed it again")
    parser.add_argument("--no-http", action="store_true", help="do not measure the page over HTTP")
    parser.add_argument("--port", type=int, default=8766)
    args = parser.parse_args()

    database_name(args.postgres_url)
    data = tempfile.mkdtemp(prefix="carnet-bench-search-data-")
    env = {key: value for key, value in os.environ.items() if key != "CARNET_DEBUG"}
    env.update(
        PYTHONPATH=str(ROOT), DJANGO_SETTINGS_MODULE="carnet.site.settings", DATABASE_URL=args.postgres_url,
        CARNET_DATA_DIR=data, SECRET_KEY="bench-search-secret-key-" + "x" * 40,
    )  # fmt: skip
    os.environ.update(env)
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}; database {args.postgres_url}")
    size = seeded_size(args.postgres_url)
    if args.reseed or size != (args.learners, args.badges):
        print(f"== seeding {args.learners:,} learners and {args.badges:,} credentials")
        recreate_database(args.postgres_url)
        import django

        django.setup()
        seed(args)
    else:
        print(
            f"== using the seed already there ({size[0]:,} learners, {size[1]:,} credentials; --reseed to redo)"
        )
        import django

        django.setup()
        from django.core.management import call_command

        started = time.perf_counter()
        call_command("migrate", verbosity=0)  # the tree's own migrations (a seed made before them)
        print(f"   migrations applied in {time.perf_counter() - started:.0f} s")
    vacuum(args.postgres_url)
    measure_search(args.passes, args.max_jobs)
    if not args.no_http:
        measure_page(args, env)


if __name__ == "__main__":
    main()
