"""``carnet manage send_review_reminders``: email the organisations' admins about the micro-credentials
whose yearly review is due soon (``CARNET_REVIEW_REMINDER_DAYS``) or overdue, once per review date.
Run it daily (cron, systemd timer); a second run the same day sends nothing more."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from carnet.catalogue.services import send_review_reminders


class Command(BaseCommand):
    help = "Remind organisation admins of the micro-credential reviews that are due soon or overdue."

    def handle(self, *args: Any, **options: Any) -> None:
        count = send_review_reminders()
        self.stdout.write(f"review reminders: {count} micro-credential(s)")
