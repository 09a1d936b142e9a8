"""``carnet manage resume_issuance_jobs``: queue again the bulk issuances left unfinished (a worker
that crashed or was stopped, a job that failed). Their rows already issued are not issued again (each
row has its own idempotency key). ``carnet worker`` takes up the stalled ones by itself (the same
code: carnet.issuing.recovery); run this after a restart with another queue, or to try failed jobs again."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from carnet.issuing.recovery import resume_stalled_jobs


class Command(BaseCommand):
    help = "Queue again the issuance jobs not done whose worker was silent for more than --minutes."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--minutes", type=int, default=10, help="leave younger jobs to their worker")

    def handle(self, *args: Any, **options: Any) -> None:
        ids = resume_stalled_jobs(after=timedelta(minutes=options["minutes"]), include_failed=True)
        self.stdout.write(f"{len(ids)} issuance jobs queued again")
