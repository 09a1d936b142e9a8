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


class SettingsForm(forms.Form):
    requires_second_review = forms.BooleanField(
        label=_("Exiger une deuxième évaluation avant de délivrer une microattestation"),
        help_text=_(
            "Chaque approbation doit alors être confirmée par une autre personne de l'organisation "
            "(administrateur·rice ou évaluateur·rice) : la microattestation n'est délivrée qu'ensuite."
        ),
        required=False,
    )
