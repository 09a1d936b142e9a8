from __future__ import annotations

from typing import Any

from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.urls import reverse_lazy
from django.utils.functional import lazy
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _


def _notice_label() -> Any:
    link = format_html(
        '<a href="{}">{}</a>', reverse_lazy("privacy:policy"), _("politique de confidentialité")
    )
    return format_html(escape(_("J'ai lu la %(policy)s et je l'accepte.")).replace("%(policy)s", "{}"), link)


class SignupForm(AllauthSignupForm):
    """allauth's sign-up, with the privacy notice to read and accept (recorded as a consent)."""

    privacy_notice = forms.BooleanField(
        label=lazy(_notice_label, SafeString)(),
        error_messages={
            "required": _("Pour créer un compte, lisez et acceptez la politique de confidentialité.")
        },
    )


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label=_("Votre mot de passe"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        required=False,
    )
    understood = forms.BooleanField(
        label=_("Je comprends que mon compte et mes données seront supprimés pour de bon."),
        error_messages={"required": _("Cochez la case pour confirmer que vous comprenez.")},
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        if not user.has_usable_password():
            del self.fields["password"]

    def clean_password(self) -> str:
        password = self.cleaned_data.get("password", "")
        if not self.user.check_password(password):
            raise forms.ValidationError(_("Ce n'est pas votre mot de passe. Essayez de nouveau."))
        return password
