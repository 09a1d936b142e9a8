"""Benchmark of issuing on the platform: ``issue_credential`` end to end (status bit, signature,
storage, audit event, email task queued), one process, on the database of DATABASE_URL (SQLite in a
fresh temporary folder by default).

    .venv/bin/python bench/issuing.py [--count 2000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/carnet_bench .venv/bin/python bench/issuing.py

Prints credentials per second for each tenth of the run, so that a cost growing with the number
already issued shows (each tenth should take as long as the first). Figures only.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=2000)
    args = parser.parse_args()
    os.environ.setdefault("CARNET_DATA_DIR", tempfile.mkdtemp(prefix="carnet-bench-"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "carnet.site.settings"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, transaction

    if connection.vendor == "postgresql":
        from django.test.utils import setup_databases

        setup_databases(verbosity=0, interactive=False)  # a throwaway test_ database
    else:
        call_command("migrate", verbosity=0)

    from carnet.accounts.models import User
    from carnet.catalogue import services as catalogue
    from carnet.frameworks.models import Competency
    from carnet.issuing import services
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
    print(f"database: {connection.vendor}; email backend: {settings.MAILERS['default']['BACKEND']}")
    print(f"tasks: {settings.TASKS['default']['BACKEND']}")

    step = max(args.count // 10, 1)
    started = time.perf_counter()
    mark = started
    for number in range(args.count):
        with transaction.atomic():
            services.issue_credential(
                organisation=organisation, version=version, recipient=None,
                recipient_email=f"person{number}@example.test", idempotency_key=f"bench-{number}",
                source="bulk", actor=admin,
            )  # fmt: skip
        if (number + 1) % step == 0:
            now = time.perf_counter()
            print(f"{number + 1:>7} issued: {step / (now - mark):7.0f}/s in this tenth")
            mark = now
    total = time.perf_counter() - started
    print(f"{args.count} credentials in {total:.1f} s: {args.count / total:.0f}/s")


if __name__ == "__main__":
    main()
