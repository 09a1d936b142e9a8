"""Forms of the learner's request and of the endorser's answer."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from carnet.catalogue.models import LearningContext, MicroCredential
from carnet.frameworks.models import Competency
from carnet.recognition import files
from carnet.recognition.models import LearningPlace, RecognitionRequest, Relationship, SkillClaim
from carnet.recognition.selectors import ASSIGNED_TO_ME, EVERY_STATUS, PENDING, UNASSIGNED


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
    url = forms.URLField(label=_("Lien"), max_length=500, required=False, assume_scheme="https")
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
        label=_("Son adresse courriel"),
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
    endorser_email = forms.EmailField(label=_("Votre adresse courriel"), required=False)
    endorser_organisation = forms.CharField(
        label=_("Votre organisme ou entreprise"), max_length=200, required=False
    )
    relationship = forms.ChoiceField(label=_("Votre lien avec la personne"), choices=Relationship.choices)
    context = forms.CharField(
        label=_("Dans quel contexte l'avez-vous vue à l'œuvre?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )
    period_start = forms.DateField(
        label=_("Début de la période observée"),
        help_text=_(
            "Depuis quand vous voyez la personne à l'œuvre : un témoignage sur une longue période pèse plus lourd."
        ),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    period_end = forms.DateField(
        label=_("Fin de la période observée"),
        help_text=_("Laissez vide si vous la voyez encore à l'œuvre aujourd'hui."),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    level_observed = forms.TypedChoiceField(
        label=_("Le niveau que vous avez observé"), required=False, coerce=int, empty_value=None
    )
    comment = forms.CharField(
        label=_("Ce que vous voulez ajouter"),
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
        today = timezone.localdate()
        for name in ("period_start", "period_end"):
            if data.get(name) and data[name] > today:
                self.add_error(
                    name, _("Cette date est dans le futur : indiquez ce que vous avez déjà observé.")
                )
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
        label=_("Un mot pour la personne"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        required=False,
    )


# --- review (assessors) ------------------------------------------------------------------------------
class QueueFilterForm(forms.Form):
    etat = forms.ChoiceField(label=_("État"), required=False)
    microattestation = forms.TypedChoiceField(
        label=_("Microattestation"), required=False, coerce=int, empty_value=None
    )
    attribution = forms.ChoiceField(
        label=_("Attribuées à"),
        required=False,
        choices=[("", _("Tout le monde")), (ASSIGNED_TO_ME, _("Moi")), (UNASSIGNED, _("Personne"))],
    )

    def __init__(self, *args: Any, organisation: Any, counts: dict[str, int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["etat"].initial = PENDING
        states = [
            (PENDING, _("À décider")),
            *[(v, label) for v, label in RecognitionRequest.Status.choices if v != "draft"],
            (EVERY_STATUS, _("Toutes")),
        ]
        self.fields["etat"].choices = [(v, f"{label} ({counts.get(v, 0)})") for v, label in states]
        self.micro_credentials = {
            mc.pk: mc
            for mc in MicroCredential.objects.filter(organisation=organisation).prefetch_related("versions")
        }
        self.fields["microattestation"].choices = [
            ("", _("Toutes")),
            *[(pk, self._name(mc)) for pk, mc in self.micro_credentials.items()],
        ]

    @staticmethod
    def _name(micro_credential: MicroCredential) -> str:
        versions = sorted(micro_credential.versions.all(), key=lambda v: v.number, reverse=True)
        published = [v for v in versions if v.published_at]
        version = (published or versions or [None])[0]
        return version.name() if version else micro_credential.slug

    def filters(self) -> dict[str, Any]:
        """What to pass to ``review_queue``: the defaults when a value is missing or unknown."""
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "status": data.get("etat") or PENDING,
            "micro_credential": self.micro_credentials.get(data.get("microattestation")),
            "assignee": data.get("attribution") or "",
        }


class AssignForm(forms.Form):
    assessor = forms.ChoiceField(label=_("Attribuer la demande à"), required=False)

    def __init__(self, *args: Any, assessors: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.people = {str(person.pk): person for person in assessors}
        self.fields["assessor"].choices = [
            ("", _("Personne (retirer l'attribution)")),
            *[(pk, _("Moi") if person.pk == user.pk else str(person)) for pk, person in self.people.items()],
        ]

    def chosen(self) -> Any:
        return self.people.get(self.cleaned_data["assessor"])


class DecisionForm(forms.Form):
    APPROVE, CHANGES, DECLINE = "approve", "changes", "decline"

    decision = forms.ChoiceField(
        label=_("Votre décision"),
        widget=forms.RadioSelect,
        choices=[
            (APPROVE, _("Approuver")),
            (CHANGES, _("Demander des modifications")),
            (DECLINE, _("Refuser")),
        ],
    )
    level = forms.TypedChoiceField(
        label=_("Niveau reconnu"),
        help_text=_("Si vous approuvez : le niveau que la microattestation attestera."),
        required=False,
        coerce=int,
        empty_value=None,
    )
    reasons = forms.CharField(
        label=_("Motifs ou commentaire"),
        help_text=_(
            "Obligatoire pour demander des modifications ou refuser : la personne les recevra. "
            "Facultatif pour approuver."
        ),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=5000,
        required=False,
    )
    seen_status = forms.CharField(widget=forms.HiddenInput, max_length=20)

    def __init__(self, *args: Any, version: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.level_choices = level_choices(version)
        self.fields["level"].choices = self.level_choices or [("", _("Aucun niveau"))]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        decision = data.get("decision")
        if decision in (self.CHANGES, self.DECLINE) and not data.get("reasons", "").strip():
            message = (
                _("Dites à la personne ce qu'elle doit changer.")
                if decision == self.CHANGES
                else _("Expliquez les motifs du refus : la personne les recevra.")
            )
            self.add_error("reasons", message)
        if decision == self.APPROVE and self.level_choices and data.get("level") is None:
            self.add_error("level", _("Choisissez le niveau que vous reconnaissez."))
        return data


# --- self-recognition --------------------------------------------------------------------------------
MAX_SITUATIONS = 3


class SkillClaimForm(forms.Form):
    level = forms.ModelChoiceField(
        label=_("Votre niveau"),
        queryset=None,
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={
            "required": _("Choisissez le niveau qui vous ressemble le plus."),
            "invalid_choice": _("Choisissez un des niveaux proposés pour cette compétence."),
        },
    )
    learning_contexts = forms.MultipleChoiceField(
        label=_("Où l'avez-vous appris?"),
        help_text=_("Cochez tout ce qui s'applique."),
        choices=LearningContext.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args: Any, competency: Competency, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        level = self.fields["level"]
        level.queryset = competency.levels.order_by("rank")  # type: ignore[attr-defined]
        level.label_from_instance = lambda item: f"{item.rank}. {item.name()}"  # type: ignore[attr-defined]
        if not competency.levels.exists():
            level.required = False


class SituationForm(forms.Form):
    context = forms.CharField(
        label=_("La situation"),
        help_text=_("Où étiez-vous, que se passait-il? Par exemple : « Au tournoi de soccer de mon fils, "
                    "l'arbitre n'est pas venu. »"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": _("Décrivez la situation en quelques mots.")},
    )  # fmt: skip
    action = forms.CharField(
        label=_("Ce que vous avez fait"),
        help_text=_("Ce que vous, personnellement, avez fait ou dit."),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": _("Dites ce que vous avez fait.")},
    )
    result = forms.CharField(
        label=_("Le résultat"),
        help_text=_("Ce qui s'est passé ensuite, ce que ça a donné."),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        required=False,
    )
    learning_context = forms.ChoiceField(
        label=_("C'était dans quel cadre?"),
        choices=[("", "—"), *LearningContext.choices],
        error_messages={"required": _("Choisissez le cadre de cette situation.")},
    )


def situation_forms(data: Any = None, claim: SkillClaim | None = None) -> list[SituationForm]:
    """Three blocks, all optional on their own (a blank block is ignored); the view asks for at least
    one. Editing a claim prefills its situations."""
    initial: list[dict[str, Any]] = []
    if data is None and claim is not None:
        initial = [
            {name: getattr(s, name) for name in ("context", "action", "result", "learning_context")}
            for s in claim.situations.all()[:MAX_SITUATIONS]
        ]
    return [
        SituationForm(
            data,
            prefix=f"situation-{number}",
            initial=initial[number] if number < len(initial) else None,
            empty_permitted=True,
            use_required_attribute=False,
        )
        for number in range(MAX_SITUATIONS)
    ]


def filled_situations(forms_: list[SituationForm]) -> list[dict[str, str]] | None:
    """The situations described, once every block is valid; None when a block has errors. With no
    situation at all, the first block says so."""
    if not all([form.is_valid() for form in forms_]):  # validate every block, to show every error
        return None
    filled = [form.cleaned_data for form in forms_ if form.has_changed() and form.cleaned_data]
    if not filled:
        forms_[0].add_error(
            "context", _("Décrivez au moins une situation où vous avez utilisé cette compétence.")
        )
        return None
    return filled
