from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from carnet.webhooks import sending
from carnet.webhooks.models import Event

REFUSALS = {
    "scheme": _("Seules les adresses https:// sont appelées : votre récepteur doit être servi en HTTPS."),
    "credentials": _(
        "Retirez le nom d'utilisateur et le mot de passe de l'adresse : vérifiez plutôt la signature "
        "de chaque envoi avec le secret du webhook."
    ),
    "private": _(
        "Cette adresse mène à un réseau privé ou local (par exemple 127.0.0.1, 10.x.x.x ou 192.168.x.x) : "
        "Carnet n'appelle que des adresses publiques d'Internet."
    ),
    "unresolved": _(
        "Carnet ne trouve pas ce nom d'hôte. Vérifiez l'adresse, ou attendez que son nom de domaine "
        "soit publié."
    ),
    "malformed": _(
        "Cette adresse n'est pas valide : écrivez-la en entier, par exemple https://exemple.org/carnet."
    ),
}


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
