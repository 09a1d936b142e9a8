from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from carnet.organisations.models import Membership


class AddMemberForm(forms.Form):
    email = forms.EmailField(
        label=_("Adresse courriel de la personne"), help_text=_("Elle doit déjà avoir un compte Carnet.")
    )
    role = forms.ChoiceField(label=_("Rôle"), choices=Membership.Role.choices)
