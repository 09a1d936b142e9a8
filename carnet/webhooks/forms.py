from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from carnet.webhooks import sending
from carnet.webhooks.errors import REFUSALS
from carnet.webhooks.models import Event


class EndpointForm(forms.Form):
    url = forms.CharField(
        label=_("Adresse de votre récepteur"),
        max_length=sending.MAX_URL_LENGTH,
        help_text=_("Une adresse https:// publique, qui répond 2xx quand elle accepte un envoi."),
        widget=forms.URLInput(attrs={"placeholder": "https://", "autocomplete": "url", "inputmode": "url"}),
    )
    events = forms.MultipleChoiceField(
        label=_("Évènements à recevoir"),
        choices=Event.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=Event.values,
    )

    def clean_url(self) -> str:
        url: str = self.cleaned_data["url"].strip()
        try:
            sending.check_address(url)
        except sending.Refused as exc:
            raise forms.ValidationError(REFUSALS[exc.reason], code=exc.reason) from None
        return url
