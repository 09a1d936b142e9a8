from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from carnet.organisations.models import Membership


class AddMemberForm(forms.Form):
    email = forms.EmailField(
        label=_("Adresse courriel de la personne"),
        help_text=_("Si elle n'a pas encore de compte Carnet, elle reçoit une invitation par courriel."),
    )
    role = forms.ChoiceField(label=_("Rôle"), choices=Membership.Role.choices)


class EmployerForm(forms.Form):
    name = forms.CharField(label=_("Nom de l'entreprise ou de l'organisme"), max_length=200)
    website = forms.URLField(label=_("Site web"), required=False, assume_scheme="https")
