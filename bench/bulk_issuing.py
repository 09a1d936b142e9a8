"""Benchmark of bulk issuance end to end: a real issuance job (``create_issuance_job``, then the task
``run_issuance_job`` as the worker runs it: status bits, signatures, storage, audit events, rows'
results, the learners' emails queued), on the database of DATABASE_URL (SQLite in a fresh
temporary folder by default).

    .venv/bin/python bench/bulk_issuing.py [--count 10000] [--workers 2] [--accounts 0.1] [--profile]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/carnet_bench .venv/bin/python bench/bulk_issuing.py

The tasks backend is the site's (CARNET_TASKS_BACKEND=database queues the emails in the database);
with the default immediate backend the bench queues them without running them (the dummy backend),
so that what is measured is the job, not the sending. ``--workers 2`` runs the job in two processes
at once (each takes the chunks the other does not hold). ``--accounts``: the share of recipients
who have a Carnet account (their credentials add attested levels and the stacking check).

Prints the credentials per second of the whole job and of each chunk, the CPU time and the peak
memory (RSS) of each process that ran the job, and of its signing process (CARNET_SIGNING_PROCESSES;
0 signs in the worker). Figures only: on a shared machine they are noisy.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _setup(fresh: bool) -> None:
    os.environ.setdefault("CARNET_DATA_DIR", tempfile.mkdtemp(prefix="carnet-bench-"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "carnet.site.settings"
    import django

    django.setup()
    from django.conf import settings

    if settings.TASKS["default"]["BACKEND"].endswith("ImmediateBackend"):
        from django.test.utils import override_settings

        override_settings(TASKS={"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}).enable()
    if not fresh:
        return
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor == "postgresql":
        from django.test.utils import setup_databases

        setup_databases(verbosity=0, interactive=False)  # a throwaway test_ database
    else:
        call_command("migrate", verbosity=0)


def _peak_kb(pid: int) -> int:
    """The peak memory (VmHWM) of a live process, in kB (0 if it cannot be read)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _run_job(job_id: int, label: str) -> None:
    """Run the job as the worker does, timing each chunk; print the figures of this process."""
    from django.conf import settings

    from carnet.issuing import batch
    from carnet.issuing.tasks import run_issuance_job

    real_rows, real_chunk, counts, chunks = batch._issue_rows, batch.issue_chunk, [], []

    def counted(job, rows, memo):  # type: ignore[no-untyped-def]
        counts.append(len(rows))
        real_rows(job, rows, memo)

    def timed(*args, **kwargs):  # type: ignore[no-untyped-def]
        before, started = len(counts), time.perf_counter()
        taken = real_chunk(*args, **kwargs)  # the chunk's transaction, commit included
        if len(counts) > before:
            chunks.append((counts[-1], time.perf_counter() - started))
        return taken

    batch._issue_rows, batch.issue_chunk = counted, timed  # type: ignore[assignment]
    from carnet.issuing.keys import close_signing_pool, signing_pids

    started, cpu = time.perf_counter(), time.process_time()
    run_issuance_job.call(job_id)
    total, cpu = time.perf_counter() - started, time.process_time() - cpu
    signing_peak = max((_peak_kb(pid) for pid in signing_pids()), default=0) / 1024
    close_signing_pool()  # its CPU is counted once it has ended
    signing = resource.getrusage(resource.RUSAGE_CHILDREN)
    rates = [count / elapsed for count, elapsed in chunks]
    issued = sum(count for count, _ in chunks)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if rates:
        print(
            f"{label}: {issued} rows in {total:.1f} s: {issued / total:.0f}/s; "
            f"{len(rates)} chunks of {settings.ISSUANCE_CHUNK}: min {min(rates):.0f}/s, "
            f"median {sorted(rates)[len(rates) // 2]:.0f}/s, max {max(rates):.0f}/s; "
            f"CPU of this process {cpu:.1f} s ({cpu / issued * 1000:.2f} ms a credential); peak RSS {peak:.0f} MB"
        )
        if settings.SIGNING_PROCESSES:
            signing_cpu = signing.ru_utime + signing.ru_stime
            print(
                f"{label}'s signing process(es), {settings.SIGNING_PROCESSES}: CPU {signing_cpu:.1f} s "
                f"({signing_cpu / issued * 1000:.2f} ms a credential); peak RSS {signing_peak:.0f} MB"
            )
    else:
        print(f"{label}: nothing left to issue; peak RSS {peak:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--accounts", type=float, default=0.0, help="share of recipients with an account")
    parser.add_argument("--profile", action="store_true", help="print where the time goes (one worker)")
    parser.add_argument("--run-job", type=int, help=argparse.SUPPRESS)  # a worker process
    args = parser.parse_args()
    if args.run_job is not None:
        _setup(fresh=False)
        _run_job(args.run_job, f"worker {os.getpid()}")
        return
    _setup(fresh=True)
    from django.conf import settings
    from django.db import connection

    from carnet.accounts.models import User
    from carnet.catalogue import services as catalogue
    from carnet.frameworks.models import Competency
    from carnet.issuing.bulk import create_issuance_job
    from carnet.issuing.keys import ensure_signing_key
    from carnet.issuing.models import IssuanceJob, IssuedCredential
    from carnet.organisations.services import create_organisation

    admin = User.objects.create_user("bench-admin@example.test", "a long bench password")
    organisation = create_organisation(name="Banc d'essai", kind="community", admin=admin)
    competency = Competency.objects.filter(framework__status="published").order_by("code").first()
    item = catalogue.create_micro_credential(
        organisation=organisation,
        fields={"name_fr": "Fiabilité", "name_en": "Reliability", "description_fr": "Tient parole.",
                "criteria_fr": "Présent et ponctuel.", "learning_contexts": ["work"],
                "assessment_method": "observation", "endorsements_required": 0, "validity_months": 24},
        alignments=[(competency, competency.levels.get(rank=2))],
    )  # fmt: skip
    version = catalogue.publish_micro_credential(micro_credential=item)
    ensure_signing_key(organisation)  # made once, at the organisation's first issuance: not measured
    with_account = int(args.count * args.accounts)
    User.objects.bulk_create(
        User(email=f"person{n}@example.test", password="!") for n in range(with_account)
    )  # fmt: skip
    rows = [{"email": f"person{n}@example.test", "name": f"Personne {n}"} for n in range(args.count)]
    job = create_issuance_job(organisation=organisation, version=version, rows=rows, requested_by="bench")
    backend = settings.TASKS["default"]["BACKEND"]
    print(
        f"database: {connection.vendor}; tasks: {backend}; {args.count} rows, {with_account} with an account; "
        f"{args.workers} worker(s)"
    )

    started = time.perf_counter()
    if args.workers == 1 and args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.runcall(_run_job, job.pk, "worker")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    elif args.workers == 1:
        _run_job(job.pk, "worker")
    else:
        env = dict(os.environ)
        if connection.vendor == "postgresql":  # the throwaway database made above
            url = os.environ["DATABASE_URL"]
            env["DATABASE_URL"] = url[: url.rindex("/") + 1] + connection.settings_dict["NAME"]
        connection.close()
        workers = [
            subprocess.Popen([sys.executable, __file__, "--run-job", str(job.pk)], env=env)
            for _ in range(args.workers)
        ]
        for worker in workers:
            worker.wait()
    total = time.perf_counter() - started
    job = IssuanceJob.objects.get(pk=job.pk)
    issued = IssuedCredential.objects.filter(idempotency_key__startswith=f"job:{job.uuid}:").count()
    print(f"job {job.state}: {job.issued} issued, {job.failed} failed, {issued} credentials stored")
    print(f"{args.count} credentials end to end in {total:.1f} s: {args.count / total:.0f}/s")
    if "database" in backend.lower():
        from django_tasks_db.models import DBTaskResult  # type: ignore[import-not-found]

        print(f"tasks queued in the database: {DBTaskResult.objects.count()}")


if __name__ == "__main__":
    main()
