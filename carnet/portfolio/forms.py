"""Forms of the carnet."""

from __future__ import annotations

from typing import Any

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


class ProfileForm(forms.Form):
    enabled = forms.BooleanField(label=_("Mettre mon profil public en ligne"), required=False)
    slug = forms.SlugField(
        label=_("Adresse de votre profil"), max_length=60,
        help_text=_("Des lettres sans accents, des chiffres et des traits d'union."),
    )  # fmt: skip
    headline = forms.CharField(
        label=_("Une phrase sur vous"), max_length=200, required=False,
        help_text=_("Par exemple : « Commis d'entrepôt, bénévole au club de hockey depuis cinq ans »."),
    )  # fmt: skip


class ConsentForm(forms.Form):
    search = forms.BooleanField(
        label=_("J'accepte que les employeurs inscrits sur Carnet me trouvent par mes compétences"),
        help_text=_(
            "Ils voient votre nom et vos microattestations valides, jamais votre adresse courriel : "
            "ils vous écrivent par Carnet, et vous choisissez de répondre. Vous pouvez retirer votre "
            "accord à tout moment ; il cesse aussitôt."
        ),
        required=False,
    )


class CvForm(forms.Form):
    """What goes in the PDF of the carnet. The choices are the signed-in holder's own credentials
    and certificates: anything else is refused as an invalid choice."""

    LANGUAGES = [("fr", "Français"), ("en", "English")]
    PAPERS = [
        ("letter", _("Lettre (21,6 × 27,9 cm) : l'usage au Canada et aux États-Unis")),
        ("a4", _("A4 (21 × 29,7 cm) : l'usage en Europe et presque partout ailleurs")),
    ]

    name = forms.CharField(label=_("Votre nom, tel qu'il paraîtra en haut du PDF"), max_length=150)
    headline = forms.CharField(
        label=_("Une phrase sous votre nom"), max_length=200, required=False,
        help_text=_("Par exemple : « Commis d'entrepôt, bénévole au club de hockey depuis cinq ans »."),
    )  # fmt: skip
    credentials = forms.MultipleChoiceField(label=_("Microattestations"), required=False)
    certificates = forms.MultipleChoiceField(label=_("Certificats"), required=False)
    language = forms.ChoiceField(label=_("Langue du PDF"), choices=LANGUAGES)
    paper = forms.ChoiceField(label=_("Format du papier"), choices=PAPERS)
    days = forms.TypedChoiceField(
        label=_("Les liens « CV PDF » des microattestations privées fonctionnent pendant"),
        choices=ShareLinkForm.DURATIONS,
        coerce=int, empty_value=None, required=False,
    )  # fmt: skip

    def __init__(self, *args: Any, credentials: list[Any], certificates: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["credentials"].choices = [(str(c.uuid), str(c.uuid)) for c in credentials]  # type: ignore[attr-defined]
        self.fields["certificates"].choices = [(str(c.uuid), str(c.uuid)) for c in certificates]  # type: ignore[attr-defined]

    @property
    def selected(self) -> dict[str, set[str]]:
        """The boxes to show checked, by group: as sent, or the defaults."""
        groups = ("credentials", "certificates")
        if self.is_bound:
            return {name: set(self.data.getlist(name)) for name in groups}
        return {name: set(self.initial.get(name, ())) for name in groups}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors and not data.get("credentials") and not data.get("certificates"):
            raise forms.ValidationError(
                _("Choisissez au moins une microattestation ou un certificat à mettre dans le PDF.")
            )
        return data
