"""Forms of the catalogue (labels in French, the source language; English through translations)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from carnet.catalogue.models import LearningContext, MicroCredentialVersion, PartnerEndorsement
from carnet.frameworks.models import Level

MAX_CREDITS = 40  # New Zealand's ceiling for a micro-credential (5 to 40 credits)
MAX_HOURS = 1000  # beyond this, a program rather than a micro-credential
MAX_OUTCOMES = 15


class OutcomesField(forms.CharField):
    """Learning outcomes typed one a line; kept as a list."""

    widget = forms.Textarea(attrs={"rows": 4})

    def to_python(self, value: Any) -> Any:
        if isinstance(value, list):  # the organisation API sends a list: blank items are dropped alike
            return [line for line in (str(item).strip() for item in value) if line]
        lines = [line.strip(" \t-•*") for line in str(value or "").splitlines()]
        return [line for line in lines if line]

    def prepare_value(self, value: Any) -> Any:
        return "\n".join(value) if isinstance(value, list) else value

    def validate(self, value: Any) -> None:
        if self.required and not value:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        if len(value) > MAX_OUTCOMES:
            raise forms.ValidationError(
                _("Au plus %(count)s résultats d'apprentissage : regroupez-en.") % {"count": MAX_OUTCOMES}
            )
        if any(len(line) > 300 for line in value):
            raise forms.ValidationError(
                _("Un résultat d'apprentissage tient en une phrase de 300 caractères au plus.")
            )


class MicroCredentialForm(forms.ModelForm):  # type: ignore[type-arg]
    purpose_fr = forms.CharField(
        label=_("Raison d'être (français)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Pourquoi cette microattestation existe : à qui elle sert et ce qu'elle permet de faire."
        ),
    )
    purpose_en = forms.CharField(
        label=_("Raison d'être (anglais)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    outcomes_fr = OutcomesField(
        label=_("Résultats d'apprentissage (français)"),
        required=False,
        help_text=_(
            "Ce que la personne sait faire quand elle l'obtient, un résultat par ligne, par exemple : "
            "« Planifier le travail d'une équipe de bénévoles »."
        ),
    )
    outcomes_en = OutcomesField(label=_("Résultats d'apprentissage (anglais)"), required=False)
    hours = forms.IntegerField(
        label=_("Taille : heures d'apprentissage (facultatif)"),
        min_value=1,
        max_value=MAX_HOURS,
        required=False,
        help_text=_("Le temps qu'il faut en moyenne pour acquérir la compétence, évaluation comprise."),
    )
    credits = forms.DecimalField(
        label=_("Taille : crédits (facultatif)"),
        min_value=0.5,
        max_value=MAX_CREDITS,
        max_digits=4,
        decimal_places=1,
        required=False,
        help_text=_(
            "Si un établissement la crédite : 40 crédits au plus (une microattestation reste courte)."
        ),
    )
    need_fr = forms.CharField(
        label=_("Qui l'a demandée (français)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Les employeurs, secteurs ou besoins de la communauté qui ont demandé cette compétence. "
            "Vous pouvez joindre leurs lettres ou études après l'enregistrement. "
            "Ce texte paraît au catalogue public ; les documents joints, non."
        ),
    )
    need_en = forms.CharField(
        label=_("Qui l'a demandée (anglais)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
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
            "endorsements_required", "validity_months", "purpose_fr", "purpose_en", "outcomes_fr",
            "outcomes_en", "hours", "credits", "need_fr", "need_en",
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


class NeedDocumentForm(forms.Form):
    document = forms.FileField(
        label=_("Document qui montre le besoin"),
        help_text=_(
            "Une lettre d'employeur, une étude de secteur, une demande d'un groupe : PDF, image, document Word, LibreOffice ou texte, 10 Mo au plus."
        ),
    )


class ReviewForm(forms.Form):
    next_review = forms.DateField(
        label=_("Prochaine révision (facultatif)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Laissez vide pour la prévoir dans un an."),
    )


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
    issuance = forms.TypedChoiceField(
        label=_("Quand une personne a toutes les microattestations exigées"),
        choices=[
            (
                "confirmed",
                _("Un·e évaluateur·rice de l'organisation confirme, puis le certificat est délivré"),
            ),
            ("automatic", _("Le certificat est délivré automatiquement")),
        ],
        initial="confirmed",
        empty_value="confirmed",
        required=False,
        widget=forms.RadioSelect,
        help_text=_(
            "Le certificat est délivré à la personne sous deux formes signées : un relevé CLR 2.0 qui "
            "regroupe ses microattestations, et un badge Open Badges 3.0."
        ),
    )


class RequirementGroupForm(forms.Form):
    """One group of a certificate's requirements; the first of the list is the main group."""

    label_fr = forms.CharField(label=_("Libellé (français, facultatif)"), max_length=120, required=False)
    label_en = forms.CharField(label=_("Libellé (anglais, facultatif)"), max_length=120, required=False)
    rule = forms.ChoiceField(
        label=_("Ce qui est exigé"),
        choices=[
            ("all", _("Tous les éléments du groupe")),
            ("n_of", _("Un nombre minimal d'éléments du groupe")),
        ],
        initial="all",
    )
    minimum = forms.IntegerField(
        label=_("Nombre minimal"),
        min_value=1,
        required=False,
        help_text=_("Seulement pour « un nombre minimal » : combien d'éléments du groupe sont exigés."),
    )
    parent = forms.TypedChoiceField(label=_("Compris dans"), coerce=int, initial="0")
    micro_credentials = forms.ModelMultipleChoiceField(
        label=_("Microattestations du groupe"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(
        self, *args: Any, group_count: int, queryset: Any, labels: dict[int, str], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parent"].choices = [(str(i), group_name(i)) for i in range(group_count)]
        self.fields["micro_credentials"].queryset = queryset
        self.fields["micro_credentials"].label_from_instance = lambda item: labels.get(item.pk) or str(item)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("rule") == "n_of" and data.get("minimum") is None and "minimum" not in self.errors:
            self.add_error("minimum", _("Indiquez combien d'éléments de ce groupe sont exigés."))
        return data


def group_name(index: int) -> str:
    return str(_("Groupe principal")) if index == 0 else str(_("Groupe %(number)s") % {"number": index + 1})


class BaseRequirementGroupFormSet(forms.BaseFormSet):  # type: ignore[type-arg]
    def __init__(self, *args: Any, queryset: Any, labels: dict[int, str], **kwargs: Any) -> None:
        self.queryset, self.labels = queryset, labels
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {"group_count": self.total_form_count(), "queryset": self.queryset, "labels": self.labels}

    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        if index == 0:  # the main group holds the others and is never removed
            del form.fields["parent"]
            del form.fields["DELETE"]
        else:
            form.fields["DELETE"].label = _("Retirer ce groupe")


RequirementGroupFormSet = forms.formset_factory(
    RequirementGroupForm,
    formset=BaseRequirementGroupFormSet,
    extra=2,
    min_num=1,
    max_num=20,
    validate_max=True,
    can_delete=True,
)


class CertificateEditor:
    """The certificate form and its requirement groups (a formset; each group names the group that
    holds it), validated together: each problem of the tree is shown beside the field it is about.
    Used both to create and to edit a certificate."""

    prefix = "groupes"

    def __init__(self, data: Any = None, *, organisation: Any, certificate: Any = None) -> None:
        from django.db.models import Case, Q, Value, When

        from carnet.catalogue.models import MicroCredential
        from carnet.catalogue.selectors import current_versions

        self.organisation, self.certificate = organisation, certificate
        self.adding_group = bool(data is not None and data.get("add_group"))
        if self.adding_group:  # one more empty row, nothing saved, nothing lost
            data = data.copy()
            total = data.get(f"{self.prefix}-TOTAL_FORMS", "")
            data[f"{self.prefix}-TOTAL_FORMS"] = str(min(int(total) + 1, 20) if total.isdigit() else total)
        initial_fields, initial_groups = self._initial() if certificate is not None else ({}, None)
        in_tree = [pk for group in initial_groups or () for pk in group["micro_credentials"]]
        queryset = (
            MicroCredential.objects.filter(Q(status="published") | Q(pk__in=in_tree))
            .select_related("organisation")
            .annotate(own=Case(When(organisation=organisation, then=Value(0)), default=Value(1)))
            .order_by("own", "organisation__name", "slug")
        )
        names = dict(
            current_versions()
            .filter(micro_credential__in=queryset)
            .values_list("micro_credential", "name_fr")
        )
        labels = {item.pk: f"{names.get(item.pk) or item} — {item.organisation.name}" for item in queryset}
        self.form = CertificateForm(data, initial=initial_fields)
        self.groups = RequirementGroupFormSet(
            data, initial=initial_groups, prefix=self.prefix, queryset=queryset, labels=labels
        )

    def _initial(self) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """What the certificate says now; its groups from the top down, each naming its parent."""
        from carnet.catalogue.models import RequirementGroup
        from carnet.catalogue.services import CERTIFICATE_FIELDS

        certificate = self.certificate
        fields = {name: getattr(certificate, name) for name in CERTIFICATE_FIELDS}
        groups, index, level = [], {}, [certificate.root]
        while level:
            for group in level:
                index[group.pk] = len(groups)
                groups.append({
                    "label_fr": group.label_fr, "label_en": group.label_en, "rule": group.rule,
                    "minimum": group.minimum, "parent": str(index.get(group.parent_id, "")),
                    "micro_credentials": [item.pk for item in group.micro_credentials.all()],
                })  # fmt: skip
            level = list(
                RequirementGroup.objects.filter(parent__in=level)
                .order_by("pk")
                .prefetch_related("micro_credentials")
            )
        return fields, groups

    def is_valid(self) -> bool:
        if self.adding_group:
            return False
        valid = self.form.is_valid()
        valid = self.groups.is_valid() and valid
        if not valid:
            return False
        from carnet.catalogue.services import check_requirements

        problems = check_requirements(
            organisation=self.organisation,
            groups=self.requirements(),
            accepts_other_organisations=self.form.cleaned_data["accepts_other_organisations"],
        )
        self.add_problems(problems)
        return not problems

    @property
    def show_errors(self) -> bool:
        return self.form.is_bound and not self.adding_group

    def fields(self) -> dict[str, Any]:
        return dict(self.form.cleaned_data)

    def requirements(self) -> list[Any]:
        """The groups typed, without the empty rows and those the admin removes."""
        from carnet.catalogue.services import RequirementSpec

        specs = []
        for index, form in enumerate(self.groups.forms):
            data = form.cleaned_data
            if not data or data.get("DELETE"):
                continue
            specs.append(
                RequirementSpec(
                    key=index,
                    parent=None if index == 0 else data["parent"],
                    rule=data["rule"],
                    minimum=data["minimum"],
                    label_fr=data["label_fr"],
                    label_en=data["label_en"],
                    micro_credentials=tuple(data["micro_credentials"]),
                )
            )
        return specs

    def add_problems(self, problems: list[Any]) -> None:
        for problem in problems:
            if problem.key is None:
                self.form.add_error(None, problem.message)
            else:
                form = self.groups.forms[problem.key]
                form.add_error(problem.field if problem.field in form.fields else None, problem.message)


class PartnerRequestForm(forms.ModelForm):  # type: ignore[type-arg]
    """An organisation asks a partner to endorse a published definition."""

    class Meta:
        model = PartnerEndorsement
        fields = ["partner_name", "partner_kind", "contact_name", "contact_email", "message"]
        labels = {
            "partner_name": _("Organisme partenaire (employeur, comité sectoriel…)"),
            "partner_kind": _("Type de partenaire"),
            "contact_name": _("Personne à qui écrire"),
            "contact_email": _("Son adresse courriel"),
            "message": _("Message au partenaire"),
        }
        widgets = {"message": forms.Textarea(attrs={"rows": 3, "maxlength": 1000})}


class PartnerAnswerForm(forms.Form):
    """The partner's answer: endorse with a comment, or decline (``action``)."""

    endorser_name = forms.CharField(label=_("Votre nom"), max_length=150, required=False)
    endorser_role = forms.CharField(
        label=_("Votre fonction dans l'organisme"), max_length=150, required=False
    )
    comment = forms.CharField(
        label=_("Votre commentaire : pourquoi cette microattestation compte pour votre milieu"),
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": 2000}),
        max_length=2000,
        required=False,
    )
    reason = forms.CharField(
        label=_("Si vous refusez : un mot pour l'organisme"),
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": 1000}),
        max_length=1000,
        required=False,
    )
    action = forms.ChoiceField(choices=[("endorse", "endorse"), ("decline", "decline")])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") == "endorse":
            if not (data.get("endorser_name") or "").strip():
                self.add_error("endorser_name", _("Écrivez votre nom : il accompagne l'endossement."))
            if not (data.get("comment") or "").strip():
                self.add_error("comment", _("Écrivez un commentaire : il dit pourquoi vous endossez."))
        return data
