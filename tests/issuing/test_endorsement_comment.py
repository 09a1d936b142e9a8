"""What a learner's EndorsementCredential says of its endorser: how Carnet knows who they are and
how long they watched, in the words of the badge page's strength (carnet.recognition.strength)."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

from carnet.issuing.endorsements import endorsement_comment


def endorsement(**fields):
    values = {
        "endorser_name": "Marie Tremblay", "consent_to_be_named": True, "relationship": "supervisor",
        "context": "Banque alimentaire", "period_start": None, "period_end": None, "observations": [],
        "level_observed": None, "comment": "", "verification": "email", "created_at": None,
        "request": SimpleNamespace(version=SimpleNamespace(name=lambda language: "Travail d'équipe")),
        "get_relationship_display": lambda: "superviseur·e",
    }  # fmt: skip
    return SimpleNamespace(**{**values, **fields})


def test_it_says_how_carnet_knows_the_endorser():
    assert "Comment Carnet sait qui endosse : adresse courriel vérifiée" in endorsement_comment(endorsement())
    assert "lien seulement" in endorsement_comment(endorsement(verification="link"))


def test_an_employer_account_is_said_to_be_self_declared():
    assert "compte d'employeur (déclaré)" in endorsement_comment(endorsement(verification="employer"))


def test_the_period_says_how_long_it_was_watched():
    text = endorsement_comment(endorsement(period_start=date(2025, 1, 1), period_end=date(2025, 9, 1)))
    assert "Période observée : 2025-01-01 – 2025-09-01 (8 mois observés)" in text
