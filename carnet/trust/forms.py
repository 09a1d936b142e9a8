from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from carnet.trust.identifiers import MAX_LENGTH
from carnet.trust.interchange import MAX_BYTES
from carnet.trust.models import NAME_LENGTH, REASON_LENGTH


class KnownIssuerForm(forms.Form):
    identifier = forms.CharField(
        label=_("Identifiant de l'émetteur"),
        max_length=MAX_LENGTH,
        help_text=_(
            "Son DID (did:web:… ou did:key:…) ou l'adresse https de son profil d'émetteur, tel qu'il "
            "figure dans ses badges, au champ « issuer »."
        ),
    )
    name = forms.CharField(
        label=_("Nom"),
        max_length=NAME_LENGTH,
        help_text=_("Le nom sous lequel la vérification le présentera."),
    )
    reason = forms.CharField(
        label=_("Raison"),
        max_length=REASON_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Pourquoi la plateforme le reconnaît : qui l'a confirmé, et comment. Visible du personnel seulement."
        ),
    )


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Liste à importer (JSON)"),
        help_text=_("256 Ko et 1000 émetteurs au plus. Rien n'est importé avant que vous confirmiez."),
    )
    reason = forms.CharField(
        label=_("Raison de l'import"),
        max_length=REASON_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("D'où vient cette liste. Elle sert de raison aux émetteurs qui n'en donnent pas."),
    )

    def content(self) -> bytes:
        # One byte more than allowed: enough for the import to report the file as too large.
        return bytes(self.cleaned_data["file"].read(MAX_BYTES + 1))
