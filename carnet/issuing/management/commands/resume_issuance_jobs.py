"""``carnet manage resume_issuance_jobs``: queue again the bulk issuances left unfinished (a worker
that crashed or was stopped, a job that failed). Their rows already issued are not issued again (each
row has its own idempotency key); run it after a restart, or every few minutes from cron. It also
deletes the CSV files' previews never confirmed (settings.BULK_PREVIEW_HOURS)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from carnet.issuing import bulk
from carnet.issuing.models import IssuanceJob
from carnet.issuing.tasks import run_issuance_job


class Command(BaseCommand):
    help = "Queue again the issuance jobs not done that were made more than --minutes ago."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--minutes", type=int, default=10, help="leave younger jobs to their worker")

    def handle(self, *args: Any, **options: Any) -> None:
        before = timezone.now() - timedelta(minutes=options["minutes"])
        unfinished = IssuanceJob.objects.exclude(
            state__in=[
                IssuanceJob.State.DONE,
                IssuanceJob.State.PREVIEW,
            ]  # a preview waits for its confirmation
        ).filter(created_at__lt=before)
        ids = list(unfinished.values_list("pk", flat=True))
        for job_id in ids:
            run_issuance_job.enqueue(job_id)
        self.stdout.write(f"{len(ids)} issuance jobs queued again")
        self.stdout.write(f"{bulk.discard_old_previews()} CSV previews never confirmed deleted")
