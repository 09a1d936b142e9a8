"""Forms of the pages where an organisation manages what it issued."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
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


class BulkUploadForm(forms.Form):
    """A CSV file of people to issue one of the organisation's published micro-credentials to."""

    micro_credential = forms.TypedChoiceField(label=_("Microattestation à délivrer"), coerce=int)
    file = forms.FileField(
        label=_("Fichier CSV"),
        help_text=_(
            "Une ligne par personne : une colonne « courriel » (obligatoire), « nom » et, si vous le voulez, "
            "une preuve (« preuve_recit », « preuve_url »). Séparateur virgule ou point-virgule ; UTF-8 ou "
            "le CSV d'Excel. Rien n'est délivré avant que vous confirmiez."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def __init__(self, *args: Any, micro_credentials: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["micro_credential"].choices = [("", _("Choisissez…")), *micro_credentials]  # type: ignore[attr-defined]

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        name = (upload.name or "").lower()
        if not name.endswith((".csv", ".txt")):
            raise forms.ValidationError(
                _(
                    "Choisissez un fichier .csv : dans Excel, « Enregistrer sous » puis « CSV UTF-8 » ou « CSV (séparateur : point-virgule) »."
                )
            )
        if upload.size > settings.BULK_CSV_MAX_BYTES:
            raise forms.ValidationError(
                _("Ce fichier dépasse %(size)s Mo : découpez-le en plusieurs fichiers.")
                % {"size": f"{settings.BULK_CSV_MAX_BYTES / 1_000_000:g}"}
            )
        return upload
