"""Benchmark of the PDF of a carnet: a learner holding ``--badges`` micro-credentials (each with a
designed badge picture, half of them private so that the PDF makes a share link for each), the PDF
made as the holder downloads it (``make_cv``: share links, live verification of each credential,
QR codes, WeasyPrint), on the database of DATABASE_URL (SQLite in a fresh temporary folder by
default).

    .venv/bin/python bench/cv_pdf.py [--badges 20] [--runs 5]

Prints how long each PDF took, and how that time divides between building the page (verifying each
credential, drawing the QR codes) and WeasyPrint's layout and PDF writing. Figures only.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--badges", type=int, default=20)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("CARNET_DATA_DIR", tempfile.mkdtemp(prefix="carnet-bench-"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "carnet.site.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor == "postgresql":
        from django.test.utils import setup_databases

        setup_databases(verbosity=0, interactive=False)  # a throwaway test_ database
    else:
        call_command("migrate", verbosity=0)

    from carnet.accounts.models import User
    from carnet.catalogue import images
    from carnet.catalogue import services as catalogue
    from carnet.frameworks.models import Competency
    from carnet.issuing import services
    from carnet.organisations.services import create_organisation
    from carnet.portfolio import cv, selectors
    from carnet.portfolio.services import make_cv, set_visibility

    admin = User.objects.create_user("bench-admin@example.test", "a long bench password")
    learner = User.objects.create_user("bench-learner@example.test", "a long bench password")
    organisation = create_organisation(name="Banc d'essai", kind="community", admin=admin)
    competencies = list(Competency.objects.filter(framework__status="published").order_by("code"))
    for number in range(args.badges):
        competency = competencies[number % len(competencies)]
        name = f"Compétence pratique {number + 1}"
        item = catalogue.create_micro_credential(
            organisation=organisation,
            fields={"name_fr": name, "name_en": f"Practical skill {number + 1}",
                    "description_fr": "Contribue à un objectif commun avec d'autres personnes, partage "
                                      "l'information et aide à régler les désaccords.",
                    "criteria_fr": "Coordonne ou partage le travail d'un groupe.\nAide à régler un désaccord.",
                    "learning_contexts": ["work"], "assessment_method": "observation",
                    "endorsements_required": 0, "validity_months": 24},
            alignments=[(competency, competency.levels.get(rank=2))],
        )  # fmt: skip
        design = images.BadgeDesign(
            shape="hexagon", background="#0b5394", border="#f1c232", text_colour="#ffffff", icon="people",
            title=f"Pratique {number + 1}", subtitle="Banc",
        )  # fmt: skip
        catalogue.set_badge_image(
            micro_credential=item, image=images.render_svg(design), image_name="badge.svg",
            png=images.render_png(design), design={},
        )  # fmt: skip
        version = catalogue.publish_micro_credential(micro_credential=item)
        credential = services.issue_credential(
            organisation=organisation, version=version, recipient=learner, recipient_email=learner.email,
            idempotency_key=f"bench-{number}", source="bulk", actor=admin,
        )  # fmt: skip
        if number % 2:
            set_visibility(credential=credential, visibility="public", actor=learner)

    choices = selectors.cv_choices(learner)
    print(
        f"database: {connection.vendor}; {len(choices.credentials)} micro-credentials, half of them private"
    )

    def one(language: str) -> bytes:
        return make_cv(
            holder=learner, name="Personne Banc", headline="Une phrase sous le nom",
            credentials=choices.credentials, certificates=[], days=90, language=language, paper="letter",
        )  # fmt: skip

    one("fr")  # the first loads fonts and templates
    totals = []
    for run in range(args.runs):
        started = time.perf_counter()
        pdf = one("fr" if run % 2 == 0 else "en")
        totals.append(time.perf_counter() - started)
        print(f"run {run + 1}: {totals[-1]:.2f} s, {len(pdf) / 1024:.0f} KiB")
    print(
        f"a PDF of {args.badges} micro-credentials: median {statistics.median(totals):.2f} s over {args.runs} runs"
    )

    # Where the time goes: the page (verification, QR codes, template) against WeasyPrint.
    originals = cv.render_to_string, cv.badge_entry
    spent = {"entries": 0.0}

    def timed_entry(*a: object, **k: object) -> object:
        started = time.perf_counter()
        try:
            return originals[1](*a, **k)  # type: ignore[arg-type]
        finally:
            spent["entries"] += time.perf_counter() - started

    cv.badge_entry = timed_entry  # type: ignore[assignment]
    started = time.perf_counter()
    one("fr")
    total = time.perf_counter() - started
    cv.badge_entry = originals[1]
    print(
        f"of {total:.2f} s: {spent['entries']:.2f} s verifying the credentials and drawing their QR codes, "
        f"{total - spent['entries']:.2f} s the rest (share links, template, WeasyPrint)"
    )


if __name__ == "__main__":
    main()
