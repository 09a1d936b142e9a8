"""Forms of the frameworks pages (labels in French, the source language)."""

from __future__ import annotations

import copy
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from carnet.frameworks.interchange import MAX_BYTES
from carnet.frameworks.models import COMPETENCY_FIELDS, FRAMEWORK_FIELDS, LEVEL_FIELDS, Competency, Framework

RESERVED_SLUGS = {"gestion"}
MAX_ROWS = 30  # indicators or levels of one competency


class FrameworkForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Framework
        fields = list(FRAMEWORK_FIELDS)
        widgets = {
            "description_fr": forms.Textarea(attrs={"rows": 4}),
            "description_en": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "slug": _("Lettres non accentuées, chiffres et tirets; il paraît dans l'adresse de la page."),
            "version": _(
                "Modifier un référentiel publié crée une nouvelle version, numérotée automatiquement."
            ),
        }

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        instance = self.instance
        if instance.pk and (instance.previous_id or instance.status != Framework.Status.DRAFT):
            self.fields["slug"].disabled = True  # the versions of one framework share their slug

    def clean_slug(self) -> str:
        slug: str = self.cleaned_data["slug"]
        if slug in RESERVED_SLUGS:
            raise forms.ValidationError(_("Cet identifiant court est réservé. Choisissez-en un autre."))
        return slug


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Fichier CSV ou CASE (JSON)"),
        help_text=_("2 Mo au plus. Le format est reconnu automatiquement."),
    )

    def content(self) -> bytes:
        # One byte more than allowed: enough for the import to report the file as too large.
        return bytes(self.cleaned_data["file"].read(MAX_BYTES + 1))


class CompetencyForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Competency
        fields = [*COMPETENCY_FIELDS, "order"]
        widgets = {
            "description_fr": forms.Textarea(attrs={"rows": 3}),
            "description_en": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {"order": _("Position dans le référentiel")}
        help_texts = {
            "code": _("Court et unique dans ce référentiel, par exemple COM-1."),
            "order": _("Les compétences sont présentées de la plus petite position à la plus grande."),
        }

    def __init__(self, *args: Any, taken_codes: set[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.taken_codes = taken_codes
        self.fields["order"].required = False

    def clean_code(self) -> str:
        code = str(self.cleaned_data["code"]).strip()
        if code in self.taken_codes:
            raise forms.ValidationError(
                _("Ce code est déjà celui d'une autre compétence de ce référentiel. Choisissez-en un autre.")
            )
        return code


class IndicatorForm(forms.Form):
    id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    text_fr = forms.CharField(label=_("Texte (français)"), widget=forms.Textarea(attrs={"rows": 2}))
    text_en = forms.CharField(
        label=_("Texte (anglais)"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class LevelForm(forms.Form):
    id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    rank = forms.IntegerField(label=_("Rang"), min_value=1, max_value=MAX_ROWS)
    name_fr = forms.CharField(label=_("Nom (français)"), max_length=100)
    name_en = forms.CharField(label=_("Nom (anglais)"), max_length=100, required=False)
    descriptor_fr = forms.CharField(
        label=_("Descripteur (français)"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    descriptor_en = forms.CharField(
        label=_("Descripteur (anglais)"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class BaseRowFormSet(forms.BaseFormSet):  # type: ignore[type-arg]
    delete_label = _("Retirer")

    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        if "DELETE" in form.fields:  # only the rows already saved: a blank row is just left blank
            form.fields["DELETE"].label = self.delete_label

    def rows(self) -> list[dict[str, Any]]:
        """What was typed, without the blank rows and those removed."""
        return [
            {name: value for name, value in form.cleaned_data.items() if name != "DELETE"}
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]


class BaseIndicatorFormSet(BaseRowFormSet):
    delete_label = _("Retirer cet indicateur")


class BaseLevelFormSet(BaseRowFormSet):
    delete_label = _("Retirer ce niveau")

    def clean(self) -> None:
        """Ranks run from 1 to the number of levels, without gaps or duplicates; each problem is
        shown beside the rank it is about."""
        if any(self.errors):
            return
        kept = [form for form in self.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")]
        seen: set[int] = set()
        problem = False
        for form in kept:
            rank = form.cleaned_data["rank"]
            if rank in seen:
                form.add_error("rank", _("Un autre niveau a déjà ce rang."))
                problem = True
            elif rank > len(kept):
                form.add_error(
                    "rank",
                    _("Il y a %(count)s niveaux : leurs rangs vont de 1 à %(count)s.") % {"count": len(kept)},
                )
                problem = True
            seen.add(rank)
        if problem:
            raise forms.ValidationError(
                _("Numérotez les niveaux de 1 au nombre de niveaux, sans trou ni doublon.")
            )


class CompetencyEditor:
    """A competency with its indicators and levels, edited on one page and validated together.
    Buttons add blank rows without saving anything (and without JavaScript)."""

    def __init__(
        self, data: Any = None, *, framework: Framework, competency: Competency | None = None
    ) -> None:
        adding_row = {
            prefix for prefix in (INDICATORS, LEVELS) if data is not None and data.get(f"add_{prefix}")
        }
        if adding_row:  # one more blank row, nothing saved, nothing lost
            data = data.copy()
            for prefix in adding_row:
                total = data.get(f"{prefix}-TOTAL_FORMS", "")
                data[f"{prefix}-TOTAL_FORMS"] = str(
                    min(int(total) + 1, MAX_ROWS) if total.isdigit() else total
                )
        self.adding_row = bool(adding_row)
        others = framework.competencies.exclude(pk=competency.pk if competency else None)
        if competency is None:
            competency = Competency(framework=framework)
            indicators: list[dict[str, Any]] = []
            levels: list[dict[str, Any]] = []
        else:
            competency = copy.copy(competency)  # the form must not change a published competency
            indicators = [
                {"id": row.pk, "text_fr": row.text_fr, "text_en": row.text_en}
                for row in competency.indicators.all()
            ]
            levels = [
                {"id": row.pk, **{name: getattr(row, name) for name in LEVEL_FIELDS}}
                for row in competency.levels.all()
            ]
        self.form = CompetencyForm(
            data, instance=competency, taken_codes=set(others.values_list("code", flat=True))
        )
        self.indicators = _row_formset(IndicatorForm, BaseIndicatorFormSet, extra=1 if indicators else 3)(
            data, initial=indicators, prefix=INDICATORS
        )
        self.levels = _row_formset(LevelForm, BaseLevelFormSet, extra=1 if levels else 4)(
            data, initial=levels, prefix=LEVELS
        )

    def is_valid(self) -> bool:
        if self.adding_row:
            return False
        valid = self.form.is_valid()
        valid = self.indicators.is_valid() and valid
        return self.levels.is_valid() and valid

    @property
    def show_errors(self) -> bool:
        return self.form.is_bound and not self.adding_row

    def fields(self) -> dict[str, Any]:
        return dict(self.form.cleaned_data)

    def add_error(self, error: Any) -> None:
        """Shows a refusal of the service beside the field it is about."""
        field = getattr(error, "field", None)
        self.form.add_error(field if field in self.form.fields else None, str(error))


INDICATORS, LEVELS = "indicateurs", "niveaux"


def _row_formset(form: type[forms.Form], formset: type[BaseRowFormSet], *, extra: int) -> Any:
    return forms.formset_factory(
        form,
        formset=formset,
        extra=extra,
        can_delete=True,
        can_delete_extra=False,
        max_num=MAX_ROWS,
        validate_max=True,
    )
