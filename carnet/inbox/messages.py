"""How each kind of notification reads, in the reader's language (the facts come from ``data``)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from carnet.inbox.models import Notification

SENTENCES = {
    "request.submitted": _("Nouvelle demande à examiner : « %(title)s », de %(person)s."),
    "request.message_to_assessor": _("%(person)s a écrit au sujet de sa demande « %(title)s »."),
    "request.message_to_learner": _("Nouveau message de l'organisation au sujet de « %(title)s »."),
    "request.changes": _("« %(title)s » : l'organisation vous demande des modifications."),
    "request.awaiting_second": _("« %(title)s », de %(person)s, attend une deuxième évaluation."),
    "request.declined": _("« %(title)s » : votre demande n'a pas été retenue."),
    "endorsement.received": _("%(person)s a endossé votre demande « %(title)s »."),
    "endorsement.declined": _("%(person)s a décliné votre invitation à endosser « %(title)s »."),
    "credential.issued": _("Votre microattestation « %(title)s » est délivrée."),
    "credential.suspended": _("Votre microattestation « %(title)s » est suspendue."),
    "credential.active": _("Votre microattestation « %(title)s » est rétablie."),
    "credential.revoked": _("Votre microattestation « %(title)s » est révoquée."),
    "certificate.issued": _("Votre certificat « %(title)s » est délivré."),
    "certificate.to_confirm": _("Certificat à confirmer : « %(title)s », pour %(person)s."),
    "certificate.declined": _("« %(title)s » : l'organisation n'a pas confirmé votre certificat."),
    "certificate.revoked": _("Votre certificat « %(title)s » est révoqué."),
    "contact.received": _("%(organisation)s vous a écrit au sujet d'un poste."),
    "contact.answered": _("%(person)s a répondu à votre message."),
}


def sentence(notification: Notification) -> str:
    """The notification worded in the active language; names fall back to French."""
    english = (get_language() or "fr").startswith("en")
    facts: dict[str, Any] = {}
    for key, value in notification.data.items():
        if key.endswith("_fr"):
            base = key[:-3]
            facts[base] = (english and notification.data.get(base + "_en")) or value
        elif not key.endswith("_en"):
            facts[key] = value
    template = SENTENCES.get(notification.kind)
    if template is None:
        return str(_("Nouvelle activité."))
    try:
        return str(template) % facts
    except (KeyError, TypeError, ValueError):
        return str(_("Nouvelle activité."))
