"""How much the endorsements of a request weigh, in plain words: what an assessor reads beside them
and an employer on the badge page. A pure function of what each endorsement says (the endorser's
relationship with the learner, how Carnet knows who they are, how long they watched); it never reads
the database and never names anybody.

Each endorsement scores 0 to 2 on each of three points:

- how the endorser was verified: link only 0, email confirmed or employer account 1 (anyone signed in
  may open an employer space: it proves an account, not an employer), organisation staff 2 (an
  organisation's admin made them a member);
- their relationship: a peer or another person 0, a colleague or a client 1, a supervisor, a coach or
  a teacher 2 (they are used to judging the work);
- the period observed: unknown or under a month 0, a month or more 1, six months or more 2.

Strong: 4 or more, and more than a link (the link could have been forwarded to anyone); moderate: 2
or more; weak otherwise. The request is strong with two endorsements at least moderate and one
strong, moderate with one at least moderate, weak otherwise."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from carnet.recognition.models import Relationship, Verification

WEAK, MODERATE, STRONG, NONE = "weak", "moderate", "strong", "none"
RANK = {WEAK: 0, MODERATE: 1, STRONG: 2}

VERIFICATION_POINTS: dict[str, int] = {Verification.LINK: 0, Verification.EMAIL: 1, Verification.EMPLOYER: 1,
                       Verification.STAFF: 2}  # fmt: skip
RELATIONSHIP_POINTS: dict[str, int] = {
    Relationship.SUPERVISOR: 2, Relationship.COACH: 2, Relationship.TEACHER: 2,
    Relationship.COLLEAGUE: 1, Relationship.CLIENT: 1, Relationship.PEER: 0, Relationship.OTHER: 0,
}  # fmt: skip
LONG_DAYS, SHORT_DAYS = 182, 30


def _relationship_noun(relationship: str) -> str:
    """The endorser named by their relationship, as in "confirmée par un·e collègue"."""
    nouns: dict[str, str] = {
        Relationship.SUPERVISOR: _("un·e superviseur·e"),
        Relationship.COLLEAGUE: _("un·e collègue"),
        Relationship.CLIENT: _("un·e client·e"),
        Relationship.COACH: _("un·e entraîneur·euse"),
        Relationship.TEACHER: _("un·e enseignant·e"),
        Relationship.PEER: _("un·e pair"),
    }
    return nouns.get(relationship, _("une autre personne"))


def level_label(level: str) -> str:
    return {
        STRONG: _("solide"), MODERATE: _("moyenne"), WEAK: _("faible"), NONE: _("aucun endossement"),
    }[level]  # fmt: skip


@dataclass(frozen=True)
class EndorsementStrength:
    relationship: str
    verification: str
    days: int | None  # the length of the period observed; None when the endorser did not say

    @property
    def points(self) -> int:
        period = (
            0 if self.days is None else 2 if self.days >= LONG_DAYS else 1 if self.days >= SHORT_DAYS else 0
        )
        return (
            VERIFICATION_POINTS.get(self.verification, 0)
            + RELATIONSHIP_POINTS.get(self.relationship, 0)
            + period
        )

    @property
    def level(self) -> str:
        if self.points >= 4 and self.verification != Verification.LINK:
            return STRONG
        return MODERATE if self.points >= 2 else WEAK

    def level_label(self) -> str:
        return level_label(self.level)

    def verification_label(self) -> str:
        return str(Verification(self.verification).label) if self.verification in Verification.values else ""

    def period_words(self) -> str:
        if self.days is None:
            return _("période non précisée")
        months = self.days // 30
        if months == 0:
            return _("moins d'un mois observé")
        return ngettext("%(count)s mois observé", "%(count)s mois observés", months) % {"count": months}

    def words(self) -> str:
        """For example: "un·e superviseur·e (adresse courriel vérifiée, 8 mois observés)"."""
        return _("%(who)s (%(verification)s, %(period)s)") % {
            "who": _relationship_noun(self.relationship),
            "verification": self.verification_label(),
            "period": self.period_words(),
        }


def _day(value: date | datetime | None) -> date | None:
    return value.date() if isinstance(value, datetime) else value


def endorsement_strength(endorsement: Any, *, today: date | None = None) -> EndorsementStrength:
    """The strength of one endorsement (anything with relationship, verification, period_start,
    period_end and created_at). An open period ends when the endorsement was given."""
    start = _day(endorsement.period_start)
    end = (
        _day(endorsement.period_end)
        or _day(getattr(endorsement, "created_at", None))
        or today
        or timezone.localdate()
    )
    days = (end - start).days if start is not None and end >= start else None
    return EndorsementStrength(endorsement.relationship, endorsement.verification, days)


@dataclass(frozen=True)
class StrengthSummary:
    items: list[EndorsementStrength]

    @property
    def level(self) -> str:
        if not self.items:
            return NONE
        at_least_moderate = [item for item in self.items if item.level != WEAK]
        if len(at_least_moderate) >= 2 and any(item.level == STRONG for item in self.items):
            return STRONG
        return MODERATE if at_least_moderate else WEAK

    def level_label(self) -> str:
        return level_label(self.level)

    def sentence(self) -> str:
        """For example: "Confirmée par 2 personnes qui ont vu le travail : un·e superviseur·e (…); …"."""
        if not self.items:
            return _("Aucune personne n'a témoigné du travail.")
        ordered = sorted(self.items, key=lambda item: (-RANK[item.level], -item.points))
        return ngettext(
            "Confirmée par %(count)s personne qui a vu le travail : %(who)s.",
            "Confirmée par %(count)s personnes qui ont vu le travail : %(who)s.",
            len(self.items),
        ) % {"count": len(self.items), "who": "; ".join(item.words() for item in ordered)}


def summarise(endorsements: Iterable[Any], *, today: date | None = None) -> StrengthSummary:
    return StrengthSummary([endorsement_strength(e, today=today) for e in endorsements])
