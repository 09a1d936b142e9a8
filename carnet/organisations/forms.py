from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
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


class ApiKeyForm(forms.Form):
    """A new key of the organisation API: what it is for, what it may do, until when."""

    name = forms.CharField(
        label=_("Nom de la clé"),
        max_length=100,
        help_text=_(
            "Pour la reconnaître : le programme qui s'en sert, par exemple « Plateforme de formation »."
        ),
    )
    scopes = forms.MultipleChoiceField(
        label=_("Ce que la clé permet"),
        choices=[],
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Ne cochez que ce dont le programme a besoin."),
    )
    expires_on = forms.DateField(
        label=_("Date d'expiration"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_(
            "Après cette date, la clé ne fonctionne plus. Laissez vide pour une clé sans expiration."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from carnet.api.models import ApiKey

        super().__init__(*args, **kwargs)
        self.fields["scopes"].choices = ApiKey.Scope.choices

    def clean_expires_on(self) -> Any:
        expires_on = self.cleaned_data.get("expires_on")
        if expires_on is not None and expires_on <= timezone.localdate():
            raise forms.ValidationError(_("Choisissez une date à venir."))
        return expires_on
