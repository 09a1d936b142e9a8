"""What a person may consent to in Carnet, and the version of the text they were shown.

Each purpose names what the consent is for, in the person's words, and whether it can be withdrawn
from the account's privacy page (the notice read at sign-up cannot: withdrawing it is deleting the
account). A feature that asks for a new consent adds its purpose here and records it through
:func:`carnet.privacy.services.record_consent`. Change ``version`` when the text shown changes: the
records keep the version each person saw."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Purpose:
    label: Any
    description: Any
    version: str
    withdrawable: bool = True


PRIVACY_NOTICE = "privacy_notice"
SEARCH = "search"
EMPLOYER_CONTACT = "employer_contact"
ENDORSEMENT_NAMED = "endorsement_named"

PURPOSES: dict[str, Purpose] = {
    PRIVACY_NOTICE: Purpose(
        _("Politique de confidentialité"),
        _("Vous avez lu la politique de confidentialité en créant votre compte."),
        "2026-12",
        withdrawable=False,
    ),
    SEARCH: Purpose(
        _("Recherche par les employeurs"),
        _(
            "Les employeurs inscrits peuvent vous trouver par vos compétences attestées et vous écrire. "
            "Ils ne voient votre adresse courriel que si vous leur répondez."
        ),
        "2026-12",
    ),
    EMPLOYER_CONTACT: Purpose(
        _("Adresse courriel montrée à un employeur"),
        _("En répondant à un employeur, vous lui avez montré votre adresse courriel."),
        "2026-12",
        withdrawable=False,
    ),
    ENDORSEMENT_NAMED: Purpose(
        _("Nom de l'endosseur·e montré"),
        _("La personne qui endosse accepte que son nom soit montré avec son témoignage."),
        "2026-12",
        withdrawable=False,
    ),
}


def purpose(code: str) -> Purpose:
    return PURPOSES[code]
