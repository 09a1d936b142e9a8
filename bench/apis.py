"""Benchmark of the APIs of issue #6, in one process through Django's test client (no HTTP server, no
network: what the API layer costs on top of the services it calls), on the database of DATABASE_URL
(SQLite in a fresh temporary folder by default):

* issuing through the organisation API (``POST /api/v1/credentials``, one request per credential,
  each with its ``Idempotency-Key``) beside ``issue_credential`` called directly;
* a bulk job of the organisation API (``POST /api/v1/issuance-jobs``: rows checked, job queued, rows
  issued by the task — at once with the immediate tasks backend);
* verifying through the W3C VC API (``POST /credentials/verify``) beside Carnet's own verification
  API (``POST /api/verification``, which keeps the report of a body it has seen: the second figure
  is its kept answer), with a credential Carnet issued;
* a wallet reading a learner's badges through the Open Badges API (``GET /ims/ob/v3p0/credentials``,
  pages of 50, OAuth token).

    .venv/bin/python bench/apis.py [--count 300] [--rows 1000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/carnet_bench .venv/bin/python bench/apis.py

Figures only (requests or credentials per second, one process).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def rate(label: str, count: int, run: Callable[[int], None]) -> float:
    started = time.perf_counter()
    for number in range(count):
        run(number)
    elapsed = time.perf_counter() - started
    print(f"{label:<66} {count / elapsed:8.0f}/s  ({count} in {elapsed:.2f} s)")
    return count / elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--rows", type=int, default=1000)
    args = parser.parse_args()
    os.environ.setdefault("CARNET_DATA_DIR", tempfile.mkdtemp(prefix="carnet-bench-"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "carnet.site.settings"
    os.environ.setdefault("CARNET_VERIFICATION_RATE_LIMITS", "page=off,api=off")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import Client
    from django.utils import timezone

    settings.ALLOWED_HOSTS = ["*"]
    if connection.vendor == "postgresql":
        from django.test.utils import setup_databases

        setup_databases(verbosity=0, interactive=False)  # a throwaway test_ database
    else:
        call_command("migrate", verbosity=0)

    from oauth2_provider.models import AccessToken, Application

    from carnet.accounts.models import User
    from carnet.api.keys import create_api_key
    from carnet.catalogue import services as catalogue
    from carnet.frameworks.models import Competency
    from carnet.issuing import services
    from carnet.organisations.services import create_organisation

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
    _key, token = create_api_key(
        organisation=organisation, name="bench", scopes=["credentials:issue", "credentials:read"], actor=admin
    )
    api = Client(headers={"authorization": f"Bearer {token}"})
    anyone = Client()
    print(f"database: {connection.vendor}; tasks: {settings.TASKS['default']['BACKEND']}")

    def direct(number: int) -> None:
        with transaction.atomic():
            services.issue_credential(
                organisation=organisation, version=version, recipient=None,
                recipient_email=f"direct{number}@example.test", idempotency_key=f"direct-{number}",
                source="api", actor=admin,
            )  # fmt: skip

    def through_api(number: int) -> None:
        response = api.post(
            "/api/v1/credentials",
            {"micro_credential": item.slug, "recipient_email": f"api{number}@example.test"},
            content_type="application/json",
            headers={"idempotency-key": f"bench-{number}"},
        )
        assert response.status_code == 201, response.content

    rate("issue_credential, called directly", args.count, direct)
    rate("POST /api/v1/credentials (organisation API)", args.count, through_api)

    rows = [{"email": f"bulk{number}@example.test"} for number in range(args.rows)]
    started = time.perf_counter()
    response = api.post(
        "/api/v1/issuance-jobs",
        {"micro_credential": item.slug, "recipients": rows},
        content_type="application/json",
        headers={"idempotency-key": "bench-job"},
    )
    elapsed = time.perf_counter() - started
    job = json.loads(api.get(response["Location"]).content)
    print(
        f"{'POST /api/v1/issuance-jobs, ' + str(args.rows) + ' rows (checked, queued, issued)':<66} "
        f"{args.rows / elapsed:8.0f}/s  (status {response.status_code}, job {job.get('state')}, "
        f"{elapsed:.2f} s)"
    )

    credential = services.issue_credential(
        organisation=organisation, version=version, recipient=learner, recipient_email=learner.email,
        idempotency_key="held", source="api", actor=admin,
    )  # fmt: skip
    body = json.dumps({"verifiableCredential": credential.document, "options": {}})
    raw = json.dumps(credential.document)

    def vc_verify(number: int) -> None:
        response = anyone.post("/credentials/verify", body, content_type="application/json")
        assert response.status_code == 200, response.content

    def own_verify(number: int) -> None:
        response = anyone.post("/api/verification", raw, content_type="application/json")
        assert response.status_code == 200, response.content

    rate("POST /credentials/verify (W3C VC API)", args.count, vc_verify)
    rate("POST /api/verification (Carnet's API, report kept after the first)", args.count, own_verify)

    for number in range(200):
        services.issue_credential(
            organisation=organisation, version=version, recipient=learner, recipient_email=learner.email,
            idempotency_key=f"held-{number}", source="api", actor=admin,
        )  # fmt: skip
    application = Application.objects.create(
        name="Portefeuille", client_type="confidential", authorization_grant_type="authorization-code",
        redirect_uris="https://wallet.example/cb",
    )  # fmt: skip
    AccessToken.objects.create(
        user=learner, application=application, token="bench-wallet-token",
        scope=settings.OB_SCOPE + "credential.readonly", expires=timezone.now() + timedelta(hours=1),
    )  # fmt: skip
    wallet = Client(headers={"authorization": "Bearer bench-wallet-token"})

    def pull(number: int) -> None:
        response = wallet.get("/ims/ob/v3p0/credentials", {"limit": 50, "offset": 50 * (number % 4)})
        assert response.status_code == 200, response.content

    rate("GET /ims/ob/v3p0/credentials, pages of 50 of 201 (OB API)", max(args.count // 3, 10), pull)


if __name__ == "__main__":
    main()
