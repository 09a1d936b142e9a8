from __future__ import annotations

import pytest

from carnet.frameworks import services
from carnet.frameworks.models import Framework

COMPETENCIES = [
    {
        "code": "T-1",
        "name_fr": "Écoute",
        "name_en": "Listening",
        "description_fr": "Écouter les autres.",
        "description_en": "Listening to others.",
        "aligned_to": "Compétences pour réussir — Communication",
        "aligned_url": "https://www.canada.ca/fr.html",
        "indicators": [{"text_fr": "Reformule, « avec » des guillemets", "text_en": "Restates, with quotes"}],
        "levels": [
            {
                "rank": 1,
                "name_fr": "Émergent",
                "name_en": "Emerging",
                "descriptor_fr": "Débute",
                "descriptor_en": "Starts",
            },
            {
                "rank": 2,
                "name_fr": "Autonome",
                "name_en": "",
                "descriptor_fr": "Seul;\nsur deux lignes",
                "descriptor_en": "",
            },
        ],
    },
    {
        "code": "T-2",
        "name_fr": "Rigueur",
        "name_en": "",
        "description_fr": "",
        "description_en": "",
        "aligned_to": "",
        "aligned_url": "",
        "indicators": [],
        "levels": [],
    },
]


@pytest.fixture
def default_framework(db) -> Framework:
    return Framework.objects.get(slug="competences-generiques")


@pytest.fixture
def draft(db) -> Framework:
    return services.create_framework(
        fields={
            "slug": "essai",
            "version": "1.0",
            "name_fr": "Référentiel d'essai",
            "name_en": "Test framework",
            "description_fr": "Pour les tests.",
            "description_en": "For tests.",
            "publisher": "Carnet",
        },
        competencies=COMPETENCIES,
    )
