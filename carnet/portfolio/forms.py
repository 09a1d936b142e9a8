"""Forms of the carnet."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class ShareLinkForm(forms.Form):
    DURATIONS = [
        ("7", _("7 jours")),
        ("30", _("30 jours")),
        ("90", _("90 jours")),
        ("", _("Jusqu'à ce que je le retire")),
    ]

    label = forms.CharField(
        label=_("Pour qui (pour vous en souvenir)"), max_length=120, required=False,
        help_text=_("Par exemple : « Quincaillerie Tremblay, poste de commis »."),
    )  # fmt: skip
    days = forms.TypedChoiceField(
        label=_("Le lien fonctionne pendant"), choices=DURATIONS, coerce=int, empty_value=None, required=False,
        initial="30",
    )  # fmt: skip
