"""Benchmark of the similar definitions shown before publishing (catalogue.selectors.similar_definitions,
issue #8 part 1) with 2,000 and 10,000 published definitions, on the database of DATABASE_URL (SQLite in
a fresh temporary folder by default). For each size, the time of one look-up:

* cold: the first in this process (every published version read and tokenised once);
* warm: the next ones, as on each visit of the publish page (only the draft is tokenised);
* after a publication: one more definition published (its vector read, the weights computed again
  from the remembered ones).

    .venv/bin/python bench/similar_definitions.py [--sizes 2000 10000] [--repeat 5]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/carnet_bench .venv/bin/python bench/similar_definitions.py

Figures only (milliseconds, one process).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WORDS = [
    "accueil",
    "animation",
    "atelier",
    "bénévoles",
    "budget",
    "client",
    "collaboration",
    "communication",
    "communauté",
    "conflit",
    "coordination",
    "cuisine",
    "culture",
    "données",
    "écoute",
    "éducation",
    "emploi",
    "entretien",
    "équipe",
    "événement",
    "formation",
    "gestion",
    "hygiène",
    "informatique",
    "inventaire",
    "jeunesse",
    "leadership",
    "logistique",
    "médiation",
    "mentorat",
    "numérique",
    "organisation",
    "planification",
    "projet",
    "prévention",
    "réseau",
    "résolution",
    "santé",
    "sécurité",
    "service",
    "soutien",
    "sport",
    "stratégie",
    "tâche",
    "technique",
    "tutorat",
    "urgence",
    "vente",
    "vérification",
    "bureautique",
    "comptabilité",
    "rédaction",
]


def sentence(rng: random.Random, length: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(length)).capitalize() + "."


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 10000])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("CARNET_DATA_DIR", tempfile.mkdtemp(prefix="carnet-bench-"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "carnet.site.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    if connection.vendor == "postgresql":
        from django.test.utils import setup_databases

        setup_databases(verbosity=0, interactive=False)  # a throwaway test_ database
    else:
        call_command("migrate", verbosity=0)

    from carnet.accounts.models import User
    from carnet.catalogue import selectors
    from carnet.catalogue import services as catalogue
    from carnet.catalogue.models import Alignment, MicroCredential, MicroCredentialVersion
    from carnet.frameworks.models import Competency
    from carnet.organisations.services import create_organisation

    rng = random.Random(8)
    admin = User.objects.create_user("bench-admin@example.test", "a long bench password")
    organisation = create_organisation(name="Banc d'essai", kind="community", admin=admin)
    competencies = list(Competency.objects.filter(framework__status="published").prefetch_related("levels"))
    print(f"database: {connection.vendor}")

    def publish(count: int) -> None:
        """``count`` more published definitions, written in bulk (the services would take minutes)."""
        start = MicroCredential.objects.count()
        items = MicroCredential.objects.bulk_create(
            MicroCredential(organisation=organisation, slug=f"definition-{start + n}", status="published")
            for n in range(count)
        )
        versions = MicroCredentialVersion.objects.bulk_create(
            MicroCredentialVersion(
                micro_credential=item, number=1, name_fr=sentence(rng, 4)[:-1], description_fr=sentence(rng, 15),
                criteria_fr=sentence(rng, 12), purpose_fr=sentence(rng, 12),
                outcomes_fr=[sentence(rng, 5) for _ in range(3)], learning_contexts=["work"],
                assessment_method="observation", published_at=timezone.now(),
            )
            for item in items
        )  # fmt: skip
        Alignment.objects.bulk_create(
            Alignment(version=version, competency=competency, level=competency.levels.all()[1])
            for version in versions
            for competency in rng.sample(competencies, 2)
        )

    draft_item = catalogue.create_micro_credential(
        organisation=organisation,
        fields={"name_fr": "Travail d'équipe en milieu communautaire", "description_fr": sentence(rng, 15),
                "criteria_fr": sentence(rng, 12), "learning_contexts": ["work"],
                "assessment_method": "observation", "endorsements_required": 0},
        alignments=[(competencies[0], competencies[0].levels.all()[1])],
    )  # fmt: skip
    draft = draft_item.current_version()

    def timed(label: str, size: int, runs: int = 1) -> None:
        started = time.perf_counter()
        for _ in range(runs):
            found = selectors.similar_definitions(draft)
        elapsed = (time.perf_counter() - started) / runs
        print(f"{size:>6} published  {label:<28} {elapsed * 1000:9.1f} ms  ({len(found)} similar)")

    published = 0
    for size in args.sizes:
        publish(size - published)
        published = size
        selectors._remembered.clear()  # a new process: nothing remembered
        selectors._corpus = None
        timed("cold (first look-up)", size)
        timed("warm (each next visit)", size, args.repeat)
        publish(1)
        published += 1
        timed("after one more publication", size)
        timed("warm again", size, args.repeat)


if __name__ == "__main__":
    main()
