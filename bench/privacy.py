"""Benchmark of privacy (issue #7), in one process, on the database of DATABASE_URL (SQLite in a
fresh temporary folder by default): for a learner holding ``--credentials`` credentials and
``--requests`` requests with three evidence files each,

* making their "download all my data" archive (JSON, evidence files, signed credentials),
* deleting their account (everything erased, the credentials kept and pseudonymised),
* ``apply_retention`` over ``--drafts`` stale drafts.

    .venv/bin/python bench/privacy.py [--credentials 50] [--requests 10] [--drafts 500]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/carnet_bench .venv/bin/python bench/privacy.py

Figures only.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--credentials", type=int, default=50)
    parser.add_argument("--requests", type=int, default=10)
    parser.add_argument("--drafts", type=int, default=500)
    args = parser.parse_args()
    os.environ.setdefault("CARNET_DATA_DIR", tempfile.mkdtemp(prefix="carnet-bench-"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "carnet.site.settings"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone
    from PIL import Image

    if connection.vendor == "postgresql":
        from django.test.utils import setup_databases

        setup_databases(verbosity=0, interactive=False)  # a throwaway test_ database
    else:
        call_command("migrate", verbosity=0)

    from carnet.accounts.models import User
    from carnet.catalogue import services as catalogue
    from carnet.frameworks.models import Competency
    from carnet.issuing import services as issuing
    from carnet.organisations.services import create_organisation
    from carnet.privacy import services
    from carnet.privacy.retention import apply_retention
    from carnet.recognition import services as recognition
    from carnet.recognition.models import RecognitionRequest

    admin = User.objects.create_user("bench-admin@example.test", "a long bench password")
    learner = User.objects.create_user("bench-learner@example.test", "a long bench password")
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
    for number in range(args.credentials):
        issuing.issue_credential(
            organisation=organisation, version=version, recipient=learner, recipient_email=learner.email,
            idempotency_key=f"bench-{number}", source="api", actor=admin,
        )  # fmt: skip
    image = io.BytesIO()
    Image.effect_noise((400, 300), 64).convert("RGB").save(image, format="PNG")  # ~200 kB, incompressible
    for _number in range(args.requests):
        request = RecognitionRequest.objects.create(
            learner=learner, micro_credential=item, version=version, organisation=organisation
        )
        for file_number in range(3):
            recognition.add_evidence_file(
                request=request, name=f"photo{file_number}.png", data=image.getvalue(), title="Photo"
            )
    print(f"database: {connection.vendor}; tasks: {settings.TASKS['default']['BACKEND']}")

    started = time.perf_counter()
    export = services.build_export(services.request_export(user=learner).pk)
    elapsed = time.perf_counter() - started
    assert export is not None and export.state == "ready"
    print(
        f"archive of {args.credentials} credentials, {args.requests * 3} evidence files: "
        f"{elapsed:.2f} s, {export.size / 1024 / 1024:.1f} MB"
    )

    started = time.perf_counter()
    services.delete_account(user=learner)
    print(f"deleting that account: {time.perf_counter() - started:.2f} s")

    old = timezone.now() - timedelta(days=400)
    User.objects.bulk_create(
        User(email=f"draft{number}@example.test", password="!", last_login=timezone.now())  # not "unverified"
        for number in range(args.drafts)
    )
    people = list(User.objects.filter(email__startswith="draft"))
    RecognitionRequest.objects.bulk_create(
        RecognitionRequest(learner=person, micro_credential=item, version=version, organisation=organisation)
        for person in people
    )
    RecognitionRequest.objects.filter(learner__in=people).update(updated_at=old)
    started = time.perf_counter()
    counts = apply_retention()
    print(f"apply_retention, {counts['drafts']} stale drafts: {time.perf_counter() - started:.2f} s")


if __name__ == "__main__":
    main()
