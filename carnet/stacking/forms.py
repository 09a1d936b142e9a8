"""Forms of stacking (labels in French, the source language; English through translations)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif du refus (la personne le recevra)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        error_messages={"required": _("Indiquez le motif du refus : la personne le recevra.")},
    )


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif (la personne le recevra)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": _("Indiquez le motif de la révocation : la personne le recevra.")},
    )
    confirm = forms.BooleanField(
        label=_("Je comprends qu'une révocation est définitive."),
        error_messages={
            "required": _("Cochez cette case pour confirmer la révocation : elle est définitive.")
        },
    )
