"""``carnet manage apply_retention``: delete what the retention settings (``PRIVACY_RETENTION``,
docs/operations.md) say is no longer kept. Idempotent, recorded in the audit trail; ``--dry-run``
counts without deleting. Run it daily (cron, systemd timer)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from carnet.privacy.retention import apply_retention


class Command(BaseCommand):
    help = "Delete what the retention settings no longer keep (--dry-run: only count)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="count what would go, delete nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        counts = apply_retention(dry_run=options["dry_run"])
        verb = "would delete" if options["dry_run"] else "deleted"
        for kind, count in counts.items():
            self.stdout.write(f"{kind}: {count} {verb}")
