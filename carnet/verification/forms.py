"""The three ways to hand over a credential on the page: paste it, upload a file, or give its address.
Each is its own form with its own button, so that what one typed in another stays as it was."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from carnet.verification.verifier import MAX_INPUT_BYTES


class PasteForm(forms.Form):
    credential = forms.CharField(
        label=_("Microattestation à vérifier (JSON ou VC-JWT)"),
        strip=False,
        widget=forms.Textarea(
            attrs={"rows": 8, "spellcheck": "false", "autocomplete": "off", "maxlength": MAX_INPUT_BYTES}
        ),
    )


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Fichier : image de badge PNG ou SVG, ou document JSON"),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".png,.svg,.json,.jwt,image/png,image/svg+xml,application/json"}
        ),
    )


class AddressForm(forms.Form):
    url = forms.CharField(
        label=_("Adresse de la microattestation (https://…)"),
        max_length=2048,
        widget=forms.URLInput(attrs={"autocomplete": "off", "inputmode": "url", "spellcheck": "false"}),
    )


FORMS: dict[str, type[forms.Form]] = {"coller": PasteForm, "fichier": UploadForm, "adresse": AddressForm}
