"""Benchmark of bulk issuance from a CSV file (issue #7), up to the preview: a file of N people read,
checked (including the two look-ups of who holds the micro-credential already and who has an account)
and kept as a preview job, then its preview page and its report downloaded — in one process through
Django's test client, on the database of DATABASE_URL (SQLite in a fresh temporary folder by default).
Issuing the rows once confirmed is the issuing engine's figure (bench/issuing.py).

    .venv/bin/python bench/bulk_csv.py [--rows 10000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/carnet_bench .venv/bin/python bench/bulk_csv.py

Figures only.
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
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    os.environ.setdefault("CARNET_DATA_DIR", tempfile.mkdtemp(prefix="carnet-bench-"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "carnet.site.settings"
    import django

    django.setup()
    from django.conf import settings
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    settings.ALLOWED_HOSTS = ["*"]
    if connection.vendor == "postgresql":
        from django.test.utils import setup_databases

        setup_databases(verbosity=0, interactive=False)  # a throwaway test_ database
    else:
        call_command("migrate", verbosity=0)

    from carnet.accounts.models import User
    from carnet.catalogue import services as catalogue
    from carnet.frameworks.models import Competency
    from carnet.issuing import csv_import
    from carnet.issuing.models import IssuanceJob
    from carnet.organisations.services import create_organisation

    admin = User.objects.create_user("bench-admin@example.test", "a long bench password")
    organisation = create_organisation(name="Banc d'essai", kind="community", admin=admin, slug="banc")
    competency = Competency.objects.filter(framework__status="published").order_by("code").first()
    item = catalogue.create_micro_credential(
        organisation=organisation,
        fields={"name_fr": "Fiabilité", "name_en": "Reliability", "description_fr": "Tient parole.",
                "criteria_fr": "Présent et ponctuel.", "learning_contexts": ["work"],
                "assessment_method": "observation", "endorsements_required": 0},
        alignments=[(competency, competency.levels.get(rank=2))],
    )  # fmt: skip
    catalogue.publish_micro_credential(micro_credential=item)
    lines = ["Courriel;Nom;Preuve récit"] + [
        f"personne{n}@example.org;Personne {n};A animé l'atelier {n}" for n in range(args.rows)
    ]
    data = ("\r\n".join(lines) + "\r\n").encode("cp1252")
    print(f"database: {connection.vendor}; {args.rows} rows, {len(data) / 1e6:.2f} MB (Windows-1252, ';')")

    started = time.perf_counter()
    parsed = csv_import.parse(data)
    parsed_at = time.perf_counter()
    print(f"{'read (decode, delimiter, headers, rows)':<52} {args.rows / (parsed_at - started):9.0f} rows/s")

    client = Client()
    client.force_login(admin)
    started = time.perf_counter()
    response = client.post(
        "/organisations/banc/delivrance-en-lot/",
        {"micro_credential": item.pk, "file": SimpleUploadedFile("cohorte.csv", data)},
    )
    elapsed = time.perf_counter() - started
    assert response.status_code == 302, response.content[:500]
    job = IssuanceJob.objects.get()
    print(
        f"{'upload → preview kept (read, checked, stored)':<52} {args.rows / elapsed:9.0f} rows/s  ({elapsed:.2f} s)"
    )
    for label, url in [
        ("preview page (first 100 rows to look at)", response["Location"]),
        (
            "preview report, every row (CSV)",
            f"/organisations/banc/delivrance-en-lot/{job.uuid}/resultats.csv",
        ),
        ("progress (JSON)", f"/organisations/banc/delivrance-en-lot/{job.uuid}/progression.json"),
    ]:
        started = time.perf_counter()
        page = client.get(url)
        assert page.status_code == 200
        print(
            f"{label:<52} {(time.perf_counter() - started) * 1000:9.0f} ms  ({len(page.content) / 1e3:.0f} kB)"
        )
    assert len(parsed.rows) == job.total == args.rows


if __name__ == "__main__":
    main()
