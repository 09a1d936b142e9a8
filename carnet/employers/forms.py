"""Forms of the employer workspace."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from carnet.frameworks.models import Competency

ROWS = 5  # requirements on the job form
RANKS = [("", "—"), ("1", "1"), ("2", "2"), ("3", "3"), ("4", "4"), ("5", "5")]


class JobForm(forms.Form):
    title = forms.CharField(label=_("Intitulé du poste"), max_length=150)
    description = forms.CharField(
        label=_("Description"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        competencies = Competency.objects.filter(framework__status="published").select_related("framework")
        for row in range(ROWS):
            self.fields[f"competency_{row}"] = forms.ModelChoiceField(
                queryset=competencies, required=False, label=_("Compétence %(number)s") % {"number": row + 1},
            )  # fmt: skip
            self.fields[f"rank_{row}"] = forms.TypedChoiceField(
                choices=RANKS, coerce=int, empty_value=None, required=False,
                label=_("Niveau minimal %(number)s") % {"number": row + 1},
            )  # fmt: skip

    def rows(self) -> list[tuple[Any, Any]]:
        return [(self[f"competency_{row}"], self[f"rank_{row}"]) for row in range(ROWS)]

    def requirements(self) -> list[tuple[Any, int]]:
        chosen: dict[int, tuple[Any, int]] = {}
        for row in range(ROWS):
            competency = self.cleaned_data.get(f"competency_{row}")
            if competency is not None:
                chosen[competency.pk] = (competency, self.cleaned_data.get(f"rank_{row}") or 1)
        return list(chosen.values())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not any(data.get(f"competency_{row}") for row in range(ROWS)):
            raise forms.ValidationError(_("Indiquez au moins une compétence recherchée."))
        return data


class ContactForm(forms.Form):
    message = forms.CharField(
        label=_("Votre message"), max_length=3000, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Présentez le poste et votre entreprise. La personne choisit de répondre ; son adresse courriel vous est donnée avec sa réponse."),
    )  # fmt: skip


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Votre réponse"), max_length=3000, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("L'employeur verra votre réponse et votre adresse courriel."),
    )  # fmt: skip
