"""Benchmark of the figures pages (carnet/insights) of a large organisation, on SQLite and on
PostgreSQL: how long the organisation's page, the platform's page and the CSV take to draw.

    .venv/bin/python bench/insights.py                               # SQLite, then PostgreSQL
    .venv/bin/python bench/insights.py --databases sqlite --credentials 20000
    .venv/bin/python bench/insights.py --postgres-url postgres://postgres@127.0.0.1:5432/carnet_bench_insights

For each database (a fresh SQLite file; for PostgreSQL the database of ``--postgres-url``, whose name
must contain ``bench``, dropped and made anew, dropped at the end): ``migrate``, then a seed made
with bulk inserts over the last 13 months — one large organisation holding ``--credentials``
issued credentials (2 % revoked), as many verifications by employers (a fifth with survey answers),
as many share link openings, a fifth as many recognition requests (each decided, with a decision
row and an endorsement, half of them issued), skills profiles, and employers' searches; four other
organisations with a tenth of that each. The credentials' documents are stubs: the figures read
rows, never documents.

Then each page is requested ``--passes`` times through Django's test client as the organisation's
admin (or the staff), the first pass not counted; prints the median and the slowest. Figures only.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def seed(size: int, rng: random.Random) -> None:
    from django.db import transaction

    from carnet.accounts.models import User
    from carnet.catalogue.models import Alignment, MicroCredential, MicroCredentialVersion
    from carnet.credentials.status import MIN_SIZE
    from carnet.credentials.status import StatusList as Bitstring
    from carnet.employers.models import Job
    from carnet.frameworks.models import Competency
    from carnet.insights.models import EmployerSearch, Verification
    from carnet.issuing.models import IssuedCredential, StatusList
    from carnet.organisations.models import Membership, Organisation
    from carnet.portfolio.models import ShareLink, ShareLinkOpening
    from carnet.recognition.models import (
        Decision,
        Endorsement,
        EndorsementInvitation,
        RecognitionRequest,
        SkillClaim,
    )  # fmt: skip

    now = datetime.now(UTC)
    span = 395 * 86400  # 13 months, in seconds

    def moment() -> datetime:
        return now - timedelta(seconds=rng.random() ** 0.8 * span)  # more of them recently

    competencies = list(Competency.objects.filter(framework__status="published"))
    empty = Bitstring(MIN_SIZE).encode()
    with transaction.atomic():
        admin = User.objects.create_user("admin@grand.bench", "a long bench password")
        User.objects.create_user("staff@carnet.bench", "a long bench password", is_staff=True)
        employer = Organisation.objects.create(slug="employeur", name="Employeur", kind="employer")
        job = Job.objects.create(organisation=employer, title="Poste")
        for n, share in enumerate((1.0, 0.1, 0.1, 0.1, 0.1)):
            count = int(size * share)
            org = Organisation.objects.create(slug=f"org-{n}", name=f"Organisme {n}", kind="community")
            if n == 0:
                Membership.objects.create(organisation=org, user=admin, role="admin")
            status_list = StatusList.objects.create(
                organisation=org, purpose="revocation", number=1, size=MIN_SIZE, encoded=empty
            )
            item = MicroCredential.objects.create(organisation=org, slug="m", status="published")
            version = MicroCredentialVersion.objects.create(
                micro_credential=item, number=1, name_fr="M", description_fr="D", criteria_fr="C",
                learning_contexts=["work"], assessment_method="observation", published_at=now - timedelta(days=500),
            )  # fmt: skip
            Alignment.objects.create(version=version, competency=competencies[n % len(competencies)])
            learners = User.objects.bulk_create(
                User(email=f"l{n}-{k}@x.bench", password="!") for k in range(max(count // 5, 1))
            )
            credentials = []
            for k in range(count):
                issued = moment()
                revoked = rng.random() < 0.02
                credentials.append(IssuedCredential(
                    organisation=org, recipient=learners[k % len(learners)], recipient_email="x@x.bench",
                    micro_credential_version=version, document={}, issued_at=issued, source="bulk",
                    status="revoked" if revoked else "active",
                    status_changed_at=issued + timedelta(days=3) if revoked else None,
                    status_list=status_list, status_index=k, idempotency_key=f"{n}-{k}",
                ))  # fmt: skip
            credentials = IssuedCredential.objects.bulk_create(credentials, batch_size=2000)
            links = ShareLink.objects.bulk_create(
                (
                    ShareLink(credential=c, token_hash=f"{n}-{k}")
                    for k, c in enumerate(credentials[: count // 5])
                ),
                batch_size=2000,
            )
            ShareLinkOpening.objects.bulk_create(
                (ShareLinkOpening(link=links[k % len(links)]) for k in range(count)), batch_size=5000
            )
            Verification.objects.bulk_create(
                (
                    Verification(
                        credential=credentials[k], organisation=org, channel="page", token_hash=f"{n}-{k}",
                        employer=employer if k % 2 else None,
                        survey="answered" if k % 5 == 0 else "", useful="a_lot" if k % 5 == 0 else "",
                        interview="maybe" if k % 5 == 0 else "",
                    )
                    for k in range(count)
                ),
                batch_size=5000,
            )  # fmt: skip
            requests = RecognitionRequest.objects.bulk_create(
                (
                    RecognitionRequest(
                        learner=learners[k % len(learners)], micro_credential=item, version=version, organisation=org,
                        status="approved" if k % 2 else "declined", submitted_at=moment(),
                        credential=credentials[k] if k % 2 else None,
                    )
                    for k in range(count // 5)
                ),
                batch_size=2000,
            )  # fmt: skip
            for request in requests:
                request.decided_at = request.submitted_at + timedelta(hours=rng.expovariate(1 / 100))
            RecognitionRequest.objects.bulk_update(requests, ["decided_at"], batch_size=2000)
            Decision.objects.bulk_create(
                (Decision(request=r, kind=r.status) for r in requests), batch_size=5000
            )
            invitations = EndorsementInvitation.objects.bulk_create(
                (EndorsementInvitation(request=r, name="E", token_hash=f"{n}-{r.pk}", status="completed",
                                       expires_at=now) for r in requests),
                batch_size=5000,
            )  # fmt: skip
            Endorsement.objects.bulk_create(
                (
                    Endorsement(invitation=i, endorser_name="E", relationship="colleague", context="C")
                    for i in invitations
                ),
                batch_size=5000,
            )
            SkillClaim.objects.bulk_create(
                SkillClaim(learner=learner, competency=competencies[n % len(competencies)])
                for learner in learners
            )
        searches = EmployerSearch.objects.bulk_create(
            EmployerSearch(employer=employer, job=job) for _ in range(size // 10)
        )
        through = EmployerSearch.competencies.through
        through.objects.bulk_create(
            (
                through(employersearch=s, competency=competencies[k % len(competencies)])
                for k, s in enumerate(searches)
            ),
            batch_size=5000,
        )
    # Spread the automatic dates over the period too.
    from django.db.models import F

    for model, field in ((Verification, "created_at"), (ShareLinkOpening, "opened_at"), (EmployerSearch, "created_at"),
                         (Decision, "created_at"), (Endorsement, "created_at"), (SkillClaim, "updated_at")):  # fmt: skip
        ids = list(model.objects.values_list("pk", flat=True))
        for start in range(0, len(ids), 5000):
            chunk = ids[start : start + 5000]
            offset = timedelta(seconds=rng.random() * span)
            model.objects.filter(pk__in=chunk).update(**{field: F(field) - offset})


def child(args: argparse.Namespace) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    settings.ALLOWED_HOSTS = ["*"]
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    mark = time.perf_counter()
    seed(args.credentials, random.Random(1))
    print(
        f"   migrated in {mark - started:.0f} s, seeded {args.credentials:,} credentials in {time.perf_counter() - mark:.0f} s"
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    from carnet.accounts.models import User

    client = Client()
    pages = [
        ("organisation, 30 days by week", "admin@grand.bench", reverse("insights:organisation", args=["org-0"]), {}),
        ("organisation, 12 months by month", "admin@grand.bench", reverse("insights:organisation", args=["org-0"]),
         {"periode": "12m"}),
        ("organisation CSV, 12 months", "admin@grand.bench", reverse("insights:organisation_csv", args=["org-0"]),
         {"periode": "12m"}),
        ("platform, 12 months by week", "staff@carnet.bench", reverse("insights:platform"),
         {"periode": "12m", "pas": "week"}),
    ]  # fmt: skip
    for name, email, url, query in pages:
        client.force_login(User.objects.get(email=email))
        times = []
        for _ in range(args.passes + 1):
            begin = time.perf_counter()
            response = client.get(url, query)
            times.append((time.perf_counter() - begin) * 1000)
            assert response.status_code == 200, response.status_code
        counted = times[1:]
        print(f"   {name:<36} median {statistics.median(counted):7.1f} ms, slowest {max(counted):7.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--databases", nargs="+", default=["sqlite", "postgres"], choices=["sqlite", "postgres"]
    )
    parser.add_argument("--postgres-url", default="postgres://postgres@127.0.0.1:5432/carnet_bench_insights")
    parser.add_argument("--credentials", type=int, default=100_000)
    parser.add_argument("--passes", type=int, default=5)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
    for database in args.databases:
        with tempfile.TemporaryDirectory() as folder:
            if database == "sqlite":
                url = f"sqlite:///{folder}/bench.sqlite3"
            else:
                url = args.postgres_url
                name = url.rsplit("/", 1)[-1]
                if "bench" not in name:
                    sys.exit("The PostgreSQL database's name must contain 'bench' (it is dropped).")
                _recreate(url)
            env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "carnet.site.settings",
                   "PYTHONPATH": str(ROOT), "CARNET_DATA_DIR": folder}  # fmt: skip
            print(f"{database}:")
            command = [sys.executable, __file__, "--child", "--credentials", str(args.credentials),
                       "--passes", str(args.passes)]  # fmt: skip
            try:
                subprocess.run(command, env=env, check=True, cwd=ROOT)
            finally:
                if database == "postgres":
                    _drop(url)


def _recreate(url: str) -> None:
    _drop(url)
    import psycopg

    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{url.rsplit("/", 1)[-1]}"')


def _drop(url: str) -> None:
    import psycopg

    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[-1]}"')


if __name__ == "__main__":
    main()
