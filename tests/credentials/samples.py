"""Shared sample documents for the credential tests (not a test module).

:func:`sample_credential` is a realistic Open Badges 3.0 ``OpenBadgeCredential`` (VC Data Model 2.0
+ OB 3.0.3 context) that uses most of the vocabulary an issuer of micro-credentials needs, with
French text (accents, typographic apostrophes, non-breaking spaces) to exercise UTF-8 all the way
through canonicalisation and signing. It expands to about 90 N-Quads.
"""

from __future__ import annotations

from typing import Any

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3P0 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"

CREDENTIAL_ID = "urn:uuid:6f1c2d4e-8a3b-4c5d-9e7f-0a1b2c3d4e5f"
ACHIEVEMENT_ID = "https://badges.univ-exemple.fr/achievements/soudure-tig-niveau-2"
RESULT_DESCRIPTION_ID = "urn:uuid:0b9d8c7a-6e5f-4d3c-8b2a-1f0e9d8c7b6a"
VALID_FROM = "2024-09-16T08:30:00Z"
VALID_UNTIL = "2034-09-16T08:30:00Z"

# Fixed Ed25519 seeds, so that keys, DIDs and signatures are reproducible across runs.
ISSUER_SEED = bytes(range(32))
SUBJECT_SEED = bytes(range(32, 64))
OTHER_SEED = bytes(range(64, 96))


def sample_credential(issuer_did: str, subject_did: str) -> dict[str, Any]:
    """An unsigned OpenBadgeCredential issued by ``issuer_did`` to ``subject_did`` (a fresh copy)."""
    issuer = {
        "id": issuer_did,
        "type": ["Profile"],
        "name": "Université d’Exemple — Faculté des Métiers",
        "url": "https://www.univ-exemple.fr/",
        "email": "badges@univ-exemple.fr",
        "description": "Établissement public d’enseignement supérieur et de formation continue.",
        "image": {
            "id": "https://www.univ-exemple.fr/logo.png",
            "type": "Image",
            "caption": "Logo de l’Université d’Exemple",
        },
    }
    credential: dict[str, Any] = {
        "@context": [VC_V2, OB_V3P0],
        "id": CREDENTIAL_ID,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": "Soudure TIG — niveau 2 : Léa Dupré-Hélie",
        "description": "Badge attestant la maîtrise du soudage TIG sur acier inoxydable et aluminium.",
        "issuer": issuer,
        "validFrom": VALID_FROM,
        "validUntil": VALID_UNTIL,
        "credentialSubject": {
            "id": subject_did,
            "type": ["AchievementSubject"],
            "activityStartDate": "2024-05-13T08:00:00Z",
            "activityEndDate": "2024-07-05T17:00:00Z",
            "creditsEarned": 3.0,
            "achievement": {
                "id": ACHIEVEMENT_ID,
                "type": ["Achievement"],
                "achievementType": "Competency",
                "name": "Soudure TIG — niveau 2",
                "description": (
                    "Réaliser des assemblages soudés en TIG (141) sur tôles et tubes en acier "
                    "inoxydable et en aluminium, en toutes positions, selon un descriptif de mode "
                    "opératoire de soudage (DMOS)."
                ),
                "criteria": {
                    "id": ACHIEVEMENT_ID + "/criteres",
                    "narrative": (
                        "# Critères d’obtention\n\n"
                        "1. Réussir l’épreuve pratique : trois éprouvettes conformes à la norme "
                        "NF EN ISO 9606-1 (contrôle visuel et essai de pliage).\n"
                        "2. Présenter un dossier de fabrication complet et commenté.\n"
                        "3. Respecter les règles d’hygiène, de sécurité et d’environnement « HSE »."
                    ),
                },
                "alignment": [
                    {
                        "type": ["Alignment"],
                        "targetName": "Souder en TIG des assemblages en acier inoxydable",
                        "targetUrl": "https://www.francecompetences.fr/recherche/rncp/37473/",
                        "targetCode": "RNCP37473BC02",
                        "targetFramework": "Répertoire national des certifications professionnelles",
                        "targetType": "ceasn:Competency",
                        "targetDescription": "Bloc de compétences n° 2 du titre de soudeur·euse.",
                    },
                    {
                        "type": ["Alignment"],
                        "targetName": "Welding technician (ESCO)",
                        "targetUrl": (
                            "http://data.europa.eu/esco/occupation/5d4e2a43-9c4c-4d1f-8a36-2c2e1c4cf3c0"
                        ),
                        "targetCode": "7212.1",
                        "targetFramework": "ESCO",
                        "targetType": "ceasn:Competency",
                    },
                ],
                "image": {
                    "id": "https://badges.univ-exemple.fr/images/soudure-tig-niveau-2.png",
                    "type": "Image",
                    "caption": "Badge « Soudure TIG — niveau 2 »",
                },
                "tag": ["soudure", "TIG", "métallerie", "chaudronnerie", "niveau 2"],
                "inLanguage": "fr-FR",
                "humanCode": "STIG-2",
                "fieldOfStudy": "Métallurgie et travail des métaux",
                "creditsAvailable": 3.0,
                "version": "2024.1",
                "resultDescription": [
                    {
                        "id": RESULT_DESCRIPTION_ID,
                        "type": ["ResultDescription"],
                        "name": "Appréciation finale",
                        "resultType": "LetterGrade",
                        "allowedValue": ["A", "B", "C"],
                        "requiredValue": "C",
                    }
                ],
                "creator": {
                    "id": issuer_did,
                    "type": ["Profile"],
                    "name": "Université d’Exemple — Faculté des Métiers",
                    "url": "https://www.univ-exemple.fr/",
                },
            },
            "result": [
                {
                    "type": ["Result"],
                    "resultDescription": RESULT_DESCRIPTION_ID,
                    "value": "A",
                }
            ],
        },
        "evidence": [
            {
                "id": "https://portfolio.exemple.fr/lea-dupre-helie/soudure-tig",
                "type": ["Evidence"],
                "name": "Épreuve pratique du 5 juillet 2024",
                "narrative": "Éprouvettes n° 12, 13 et 14 : conformes (rapport d’essai ci-joint).",
                "description": "Rapport d’évaluation signé par le jury d’examen.",
                "genre": "Rapport d’évaluation",
                "audience": "Employeurs",
            },
            {
                "type": ["Evidence"],
                "name": "Dossier de fabrication",
                "narrative": "Dossier de 18 pages décrivant la préparation, le pointage et le soudage.",
            },
        ],
    }
    return credential
