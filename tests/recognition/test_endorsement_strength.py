"""The strength of endorsements: a pure function of the relationship, the verification and the period
observed (no database)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest

from carnet.recognition.strength import endorsement_strength, summarise

GIVEN = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def given(relationship="colleague", verification="link", start=None, end=None):
    return SimpleNamespace(
        relationship=relationship, verification=verification, period_start=start, period_end=end,
        created_at=GIVEN,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("relationship", "verification", "start", "level"),
    [
        ("supervisor", "email", date(2025, 9, 1), "strong"),  # 1 + 2 + 2
        ("teacher", "staff", date(2026, 4, 1), "strong"),  # 2 + 2 + 1
        ("colleague", "employer", date(2025, 1, 1), "strong"),  # 1 + 1 + 2
        ("peer", "employer", date(2025, 1, 1), "moderate"),  # an employer space is self-declared
        ("coach", "link", date(2024, 1, 1), "moderate"),  # 4 points, but only a link
        ("colleague", "link", date(2026, 3, 1), "moderate"),  # 0 + 1 + 1
        ("peer", "email", date(2026, 4, 1), "moderate"),  # 1 + 0 + 1
        ("peer", "link", None, "weak"),
        ("other", "email", date(2026, 5, 20), "weak"),  # under a month
        ("client", "link", None, "weak"),
    ],
)
def test_each_endorsement_gets_a_level_from_its_three_points(relationship, verification, start, level):
    assert endorsement_strength(given(relationship, verification, start)).level == level


def test_an_open_period_ends_when_the_endorsement_was_given():
    assert (
        endorsement_strength(given(start=date(2026, 1, 1))).days == (date(2026, 6, 1) - date(2026, 1, 1)).days
    )


def test_a_period_ending_before_it_starts_counts_as_unknown():
    strength = endorsement_strength(given(start=date(2026, 5, 1), end=date(2026, 1, 1)))
    assert strength.days is None and strength.period_words() == "période non précisée"


def test_an_unknown_relationship_or_verification_scores_nothing():
    assert endorsement_strength(given("boss", "magic", date(2020, 1, 1))).points == 2


def test_the_words_name_the_relationship_the_verification_and_the_months():
    words = endorsement_strength(given("supervisor", "email", date(2025, 10, 1))).words()
    assert words == "un·e superviseur·e (adresse courriel vérifiée, 8 mois observés)"


def test_a_coach_is_named_in_inclusive_french():
    assert endorsement_strength(given("coach")).words().startswith("un·e entraîneur·euse (")


def test_the_summary_says_how_many_people_saw_the_work_strongest_first():
    summary = summarise([given("colleague", "link"), given("supervisor", "email", date(2025, 10, 1))])
    assert summary.sentence() == (
        "Confirmée par 2 personnes qui ont vu le travail : un·e superviseur·e (adresse courriel "
        "vérifiée, 8 mois observés); un·e collègue (lien seulement, période non précisée)."
    )


def test_the_summary_is_strong_with_two_good_endorsements_one_of_them_strong():
    strong = given("supervisor", "email", date(2025, 1, 1))
    moderate = given("colleague", "link", date(2026, 1, 1))
    assert summarise([strong, moderate]).level == "strong"
    assert summarise([strong]).level == "moderate"
    assert summarise([moderate, moderate]).level == "moderate"
    assert summarise([given("peer"), given("other")]).level == "weak"
    assert summarise([]).level == "none"


def test_one_endorsement_is_told_in_the_singular():
    text = summarise([given("peer", "link")]).sentence()
    assert (
        text
        == "Confirmée par 1 personne qui a vu le travail : un·e pair (lien seulement, période non précisée)."
    )
