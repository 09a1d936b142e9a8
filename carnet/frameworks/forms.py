"""Forms of the frameworks pages (labels in French, the source language)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from carnet.frameworks.interchange import MAX_BYTES
from carnet.frameworks.models import FRAMEWORK_FIELDS, Framework

RESERVED_SLUGS = {"gestion"}


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
