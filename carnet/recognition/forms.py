"""Forms of the learner's request and of the endorser's answer."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from carnet.recognition import files
from carnet.recognition.models import LearningPlace, Relationship


def level_choices(version: Any) -> list[tuple[str, str]]:
    """The levels of the competencies a micro-credential version is aligned to."""
    choices = []
    for alignment in version.alignments.select_related("competency").prefetch_related("competency__levels"):
        for level in alignment.competency.levels.all():
            choices.append((str(level.pk), f"{alignment.competency.name()} — {level.rank}. {level.name()}"))
    return choices


class NarrativeForm(forms.Form):
    narrative = forms.CharField(
        label=_("Votre récit"),
        help_text=_(
            "Racontez une ou deux situations : le contexte, ce que vous avez fait, le résultat, ce que vous en avez appris."
        ),
        widget=forms.Textarea(attrs={"rows": 10}),
        max_length=10000,
        required=False,
    )
    claimed_level = forms.TypedChoiceField(
        label=_("Le niveau que vous pensez avoir"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args: Any, version: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["claimed_level"].choices = [("", _("Je ne sais pas")), *level_choices(version)]


class PlaceForm(forms.ModelForm):
    class Meta:
        model = LearningPlace
        fields = ("learning_context", "name", "role", "start_date", "end_date")
        widgets = {
            "start_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "end_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("La fin doit suivre le début."))
        return data


PlaceFormSet = forms.formset_factory(PlaceForm, extra=1, max_num=10, absolute_max=10, can_delete=True)


class EvidenceFileForm(forms.Form):
    file = forms.FileField(
        label=_("Fichier"),
        help_text=_("PDF, image, document Word, LibreOffice ou texte; %(size)s Mo au plus.")
        % {"size": files.MAX_FILE_BYTES // (1024 * 1024)},
    )
    title = forms.CharField(label=_("Titre"), max_length=200, required=False)
    description = forms.CharField(
        label=_("Ce que ce fichier montre"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        required=False,
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > files.MAX_FILE_BYTES:
            raise forms.ValidationError(
                _("Ce fichier dépasse %(size)s Mo.") % {"size": files.MAX_FILE_BYTES // (1024 * 1024)}
            )
        return upload


class EvidenceNoteForm(forms.Form):
    title = forms.CharField(label=_("Titre"), max_length=200)
    url = forms.URLField(label=_("Lien (facultatif)"), max_length=500, required=False, assume_scheme="https")
    description = forms.CharField(
        label=_("Description de ce que vous avez produit"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000,
        required=False,
    )  # fmt: skip

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        if url and not url.lower().startswith(("https://", "http://")):
            raise forms.ValidationError(_("Donnez une adresse web qui commence par https://."))
        return url


class InviteForm(forms.Form):
    name = forms.CharField(label=_("Nom de la personne"), max_length=150)
    email = forms.EmailField(
        label=_("Son adresse courriel (facultatif)"),
        required=False,
        help_text=_("Sans adresse, vous recevez un lien à lui transmettre vous-même."),
    )
    relationship = forms.ChoiceField(
        label=_("Son lien avec vous"), choices=[("", "—"), *Relationship.choices], required=False
    )


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Votre message"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000
    )


class EndorsementForm(forms.Form):
    endorser_name = forms.CharField(label=_("Votre nom"), max_length=150)
    endorser_email = forms.EmailField(label=_("Votre adresse courriel (facultatif)"), required=False)
    endorser_organisation = forms.CharField(
        label=_("Votre organisme ou entreprise (facultatif)"), max_length=200, required=False
    )
    relationship = forms.ChoiceField(label=_("Votre lien avec la personne"), choices=Relationship.choices)
    context = forms.CharField(
        label=_("Dans quel contexte l'avez-vous vue à l'œuvre?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )
    period_start = forms.DateField(
        label=_("Depuis (facultatif)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    period_end = forms.DateField(
        label=_("Jusqu'à (facultatif)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    level_observed = forms.TypedChoiceField(
        label=_("Le niveau que vous avez observé"), required=False, coerce=int, empty_value=None
    )
    comment = forms.CharField(
        label=_("Ce que vous voulez ajouter (facultatif)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        required=False,
    )
    consent_to_be_named = forms.BooleanField(
        label=_(
            "J'accepte que mon nom figure dans la microattestation et soit vu par les personnes à qui elle est montrée."
        ),
        required=False,
    )
    confirm = forms.BooleanField(
        label=_("Je confirme que ce témoignage est sincère et fondé sur ce que j'ai vu.")
    )

    def __init__(self, *args: Any, invitation: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = invitation.request
        self.criteria = request.criteria()
        for number, criterion in enumerate(self.criteria):
            self.fields[f"criterion_{number}"] = forms.CharField(
                label=criterion,
                help_text=_("Ce que vous avez vu à ce sujet (laissez vide si vous ne l'avez pas observé)."),
                widget=forms.Textarea(attrs={"rows": 2}),
                max_length=2000,
                required=False,
            )
        self.fields["level_observed"].choices = [("", _("Je ne sais pas")), *level_choices(request.version)]
        if not self.is_bound:
            self.initial.setdefault("endorser_name", invitation.name)
            self.initial.setdefault("endorser_email", invitation.email)
            self.initial.setdefault("relationship", invitation.relationship)

    def criterion_fields(self) -> list[Any]:
        return [self[f"criterion_{number}"] for number in range(len(self.criteria))]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", _("La fin doit suivre le début."))
        observed = [data.get(f"criterion_{n}", "").strip() for n in range(len(self.criteria))]
        if self.criteria and not any(observed):
            self.add_error(None, _("Décrivez ce que vous avez vu pour au moins un des critères."))
        return data

    def observations(self) -> list[dict[str, str]]:
        return [
            {"criterion": criterion, "observed": self.cleaned_data.get(f"criterion_{n}", "").strip()}
            for n, criterion in enumerate(self.criteria)
            if self.cleaned_data.get(f"criterion_{n}", "").strip()
        ]


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Un mot pour la personne (facultatif)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        required=False,
    )
