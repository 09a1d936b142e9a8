"""Forms of the carnet."""

from __future__ import annotations

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
