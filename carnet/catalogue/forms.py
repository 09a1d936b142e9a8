"""Forms of the catalogue (labels in French, the source language; English through translations)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from carnet.catalogue.models import LearningContext, MicroCredentialVersion
from carnet.frameworks.models import Level


class MicroCredentialForm(forms.ModelForm):  # type: ignore[type-arg]
    learning_contexts = forms.MultipleChoiceField(
        label=_("Contextes d'apprentissage acceptés"),
        choices=LearningContext.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    levels = forms.ModelMultipleChoiceField(
        label=_("Compétences et niveaux attestés"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Choisissez un niveau par compétence."),
    )

    class Meta:
        model = MicroCredentialVersion
        fields = [
            "name_fr", "name_en", "description_fr", "description_en", "criteria_fr", "criteria_en",
            "evidence_fr", "evidence_en", "learning_contexts", "assessment_method",
            "endorsements_required", "validity_months",
        ]  # fmt: skip
        widgets = {
            name: forms.Textarea(attrs={"rows": 3})
            for name in (
                "description_fr",
                "description_en",
                "criteria_fr",
                "criteria_en",
                "evidence_fr",
                "evidence_en",
            )
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["levels"].queryset = (
            Level.objects.filter(competency__framework__status="published")
            .select_related("competency")
            .order_by("competency__code", "rank")
        )
        self.fields["levels"].label_from_instance = lambda level: (
            f"{level.competency.code} — {level.competency.name()} : {level.rank}. {level.name()}"
        )

    def clean_levels(self) -> Any:
        levels = self.cleaned_data["levels"]
        competencies = [level.competency_id for level in levels]
        if len(set(competencies)) != len(competencies):
            raise forms.ValidationError(_("Choisissez un seul niveau par compétence."))
        return levels

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("assessment_method") == "endorsements" and not data.get("endorsements_required"):
            self.add_error(
                "endorsements_required",
                _("Une autodéclaration appuyée par des endossements demande au moins un endossement."),
            )
        return data

    def alignments(self) -> list[tuple[Any, Any]]:
        return [(level.competency, level) for level in self.cleaned_data["levels"]]

    def version_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class BadgeDesignForm(forms.Form):
    title = forms.CharField(label=_("Texte du badge"), max_length=40)
    subtitle = forms.CharField(label=_("Sous-titre (facultatif)"), max_length=40, required=False)
    shape = forms.ChoiceField(label=_("Forme"))
    icon = forms.ChoiceField(label=_("Icône"))
    background = forms.CharField(
        label=_("Couleur de fond"), initial="#0b5394", widget=forms.TextInput(attrs={"type": "color"})
    )
    border = forms.CharField(
        label=_("Couleur de la bordure"), initial="#f1c232", widget=forms.TextInput(attrs={"type": "color"})
    )
    text_colour = forms.CharField(
        label=_("Couleur du texte"), initial="#ffffff", widget=forms.TextInput(attrs={"type": "color"})
    )

    SHAPE_LABELS = {
        "circle": _("Cercle"), "hexagon": _("Hexagone"), "shield": _("Écusson"), "square": _("Carré"), "ribbon": _("Ruban"),
    }  # fmt: skip

    def __init__(self, *args: Any, language: str = "fr", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from carnet.catalogue import images

        self.fields["shape"].choices = [(s, self.SHAPE_LABELS.get(s, s)) for s in images.SHAPES]
        index = 1 if language == "en" else 0
        self.fields["icon"].choices = [(i, images.ICON_LABELS[i][index]) for i in images.ICONS]
        self.language = language
        self.design: Any = None

    def clean(self) -> dict[str, Any]:
        from carnet.catalogue import images

        data = super().clean() or {}
        if self.errors:
            return data
        try:
            self.design = images.BadgeDesign(
                shape=data["shape"], background=data["background"], border=data["border"],
                text_colour=data["text_colour"], icon=data["icon"], title=data["title"], subtitle=data.get("subtitle", ""),
            )  # fmt: skip
        except images.BadgeImageError as exc:
            raise forms.ValidationError(exc.message(self.language)) from None
        return data


class BadgeUploadForm(forms.Form):
    image = forms.FileField(
        label=_("Image PNG ou SVG"), help_text=_("PNG jusqu'à 2 Mo, ou SVG jusqu'à 512 Ko.")
    )

    def __init__(self, *args: Any, language: str = "fr", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.language = language
        self.checked: tuple[bytes, str, bytes | None] | None = None

    def clean_image(self) -> Any:
        from carnet.catalogue import images

        upload = self.cleaned_data["image"]
        if upload.size > 2 * 1024 * 1024:
            raise forms.ValidationError(_("Le fichier dépasse 2 Mo."))
        data = upload.read()
        try:
            if data.startswith(b"\x89PNG"):
                images.validate_png(data)
                self.checked = (data, "image.png", data)
            else:
                self.checked = (images.sanitise_svg(data), "image.svg", None)
        except images.BadgeImageError as exc:
            raise forms.ValidationError(exc.message(self.language)) from None
        return upload


class CertificateForm(forms.Form):
    name_fr = forms.CharField(label=_("Nom (français)"), max_length=120)
    name_en = forms.CharField(label=_("Nom (anglais)"), max_length=120, required=False)
    description_fr = forms.CharField(
        label=_("Description (français)"), widget=forms.Textarea(attrs={"rows": 3})
    )
    description_en = forms.CharField(
        label=_("Description (anglais)"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    hours = forms.IntegerField(label=_("Heures (facultatif)"), min_value=0, required=False)
    credits = forms.DecimalField(
        label=_("Crédits (facultatif)"), min_value=0, max_digits=5, decimal_places=1, required=False
    )
    accepts_other_organisations = forms.BooleanField(
        label=_("Accepter les microattestations équivalentes d'autres organismes"), required=False
    )
    required = forms.ModelMultipleChoiceField(
        label=_("Microattestations toutes exigées"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    choose_from = forms.ModelMultipleChoiceField(
        label=_("Microattestations au choix"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    choose_at_least = forms.IntegerField(
        label=_("Nombre minimal à obtenir parmi celles au choix"), min_value=0, initial=0
    )

    def __init__(self, *args: Any, organisation: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from carnet.catalogue.models import MicroCredential

        published = MicroCredential.objects.filter(status="published").select_related("organisation")
        for name in ("required", "choose_from"):
            self.fields[name].queryset = published
            self.fields[name].label_from_instance = lambda item: f"{item} — {item.organisation.name}"
        self.organisation = organisation
