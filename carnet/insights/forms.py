from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from carnet.insights.figures import Period

LONGEST = timedelta(days=3 * 366)
# The dates a period may take: nothing was counted before, and far-off dates would overflow the
# calendar's arithmetic (the period's weeks and months).
EARLIEST = date(2000, 1, 1)


class PeriodForm(forms.Form):
    periode = forms.ChoiceField(
        label=_("Période"),
        choices=[
            ("30j", _("30 derniers jours")),
            ("12m", _("12 derniers mois")),
            ("dates", _("Entre deux dates")),
        ],
        required=False,
    )
    pas = forms.ChoiceField(
        label=_("Compter par"), choices=[("", _("Automatique")), ("week", _("Semaine")), ("month", _("Mois"))],
        required=False,
    )  # fmt: skip
    du = forms.DateField(label=_("Du"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    au = forms.DateField(label=_("Au"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("periode") == "dates":
            start, end = data.get("du"), data.get("au")
            if not (start and end):
                raise forms.ValidationError(
                    _("Donnez les deux dates de la période, ou choisissez une période toute faite.")
                )
            first, last = EARLIEST, timezone.localdate() + timedelta(days=366)
            if start < first or end > last:
                raise forms.ValidationError(
                    _("Choisissez des dates entre le %(first)s et le %(last)s.")
                    % {"first": date_format(first), "last": date_format(last)}
                )
            if start > end:
                raise forms.ValidationError(_("La première date doit venir avant la seconde."))
            if end - start > LONGEST:
                raise forms.ValidationError(_("Choisissez une période de trois ans au plus."))
        return data

    def period(self) -> Period:
        """The period asked for (the last 30 days when the form is not valid)."""
        data = self.cleaned_data if self.is_valid() else {}
        today = timezone.localdate()
        choice = data.get("periode") or "30j"
        if choice == "dates":
            start, end = data["du"], data["au"]
        elif choice == "12m":
            start, end = (today.replace(day=1) - timedelta(days=335)).replace(day=1), today
        else:
            start, end = today - timedelta(days=29), today
        granularity = data.get("pas") or ("week" if (end - start).days <= 92 else "month")
        return Period(start=start, end=end, granularity=granularity)
