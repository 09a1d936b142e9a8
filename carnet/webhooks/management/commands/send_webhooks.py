"""``carnet manage send_webhooks``: send the webhook deliveries that are due (run it every minute)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from carnet.webhooks.services import send_due


class Command(BaseCommand):
    help = (
        "Send the webhook deliveries that are due: first attempts the tasks backend did not run and "
        "retries whose wait is over. Safe to run from cron every minute, and from several machines."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--limit", type=int, default=500, help="at most this many deliveries per run")

    def handle(self, *args: Any, **options: Any) -> None:
        counts = send_due(limit=options["limit"])
        self.stdout.write(
            "delivered {delivered}, to retry {retry}, given up {failed}, taken by another sender "
            "{skipped}".format(**counts)
        )
