from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from carnet.issuing.keys import MIN_PASSPHRASE_LENGTH
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


class KeyExportForm(forms.Form):
    """What exporting the signing keys asks: the account's password again (a signed-in session left
    open is not enough), and a passphrase typed twice that locks the file."""

    password = forms.CharField(
        label=_("Votre mot de passe Carnet"),
        help_text=_(
            "Nous vous le redemandons : l'export donne les clés qui signent au nom de l'organisation."
        ),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        strip=False,
    )
    passphrase = forms.CharField(
        label=_("Phrase de passe du fichier"),
        help_text=_(
            "Au moins 12 caractères, que vous n'utilisez nulle part ailleurs (par exemple quatre mots au "
            "hasard). Sans elle, le fichier ne s'ouvre pas : gardez-la dans un coffre de mots de passe, "
            "à part du fichier."
        ),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        strip=False,
    )
    passphrase_again = forms.CharField(
        label=_("La même phrase de passe, encore une fois"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        strip=False,
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password: str = self.cleaned_data["password"]
        if not self.user.has_usable_password():
            raise forms.ValidationError(
                _(
                    "Votre compte n'a pas encore de mot de passe (vous vous connectez par code) : "
                    "choisissez-en un dans les paramètres de votre compte, puis revenez ici."
                )
            )
        if not self.user.check_password(password):
            raise forms.ValidationError(
                _("Ce n'est pas le mot de passe de votre compte. Essayez de nouveau.")
            )
        return password

    def clean_passphrase(self) -> str:
        passphrase: str = self.cleaned_data["passphrase"]
        if len(passphrase) < MIN_PASSPHRASE_LENGTH:
            raise forms.ValidationError(
                _("La phrase de passe doit compter au moins %(count)s caractères.")
                % {"count": MIN_PASSPHRASE_LENGTH}
            )
        if len(set(passphrase)) < MIN_PASSPHRASE_LENGTH // 2:
            raise forms.ValidationError(
                _(
                    "Cette phrase de passe répète trop les mêmes caractères : prenez plutôt quelques mots au hasard."
                )
            )
        validators = [
            *password_validation.get_default_password_validators(),
            password_validation.NumericPasswordValidator(),
        ]
        password_validation.validate_password(passphrase, self.user, password_validators=validators)
        return passphrase

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("passphrase") and cleaned.get("passphrase_again") != cleaned["passphrase"]:
            self.add_error(
                "passphrase_again", _("Les deux phrases de passe diffèrent : tapez la même deux fois.")
            )
        return cleaned
