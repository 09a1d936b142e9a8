"""Forms of the pages where an organisation manages what it issued."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from carnet.issuing.models import IssuedCredential


class CredentialFilterForm(forms.Form):
    q = forms.CharField(label=_("Personne (nom ou courriel)"), required=False, max_length=200)
    status = forms.ChoiceField(
        label=_("État"), required=False, choices=[("", _("Tous")), *list(IssuedCredential.Status.choices)]
    )
    micro_credential = forms.ChoiceField(label=_("Microattestation"), required=False)

    def __init__(self, *args: object, micro_credentials: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["micro_credential"].choices = [("", _("Toutes")), *micro_credentials]  # type: ignore[attr-defined]


class StatusChangeForm(forms.Form):
    ACTIONS = [("suspend", _("Suspendre")), ("revoke", _("Révoquer")), ("reinstate", _("Rétablir"))]

    action = forms.ChoiceField(choices=ACTIONS, widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Motif (la personne le recevra)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    confirm = forms.BooleanField(
        label=_("Je comprends qu'une révocation est définitive."),
        required=False,
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("action") == "revoke" and not data.get("confirm"):
            self.add_error(
                "confirm", _("Cochez cette case pour confirmer la révocation : elle est définitive.")
            )
        return data
