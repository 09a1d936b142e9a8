"""What went wrong with a delivery, said to the organisation's admins in their language: the
sending stores a stable code and a few details (:class:`carnet.webhooks.sending.Answer`), and the
page turns them into a sentence here, when it is read."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# Why an address is not called (a reason of carnet.webhooks.sending.Refused): the form says it too.
REFUSALS = {
    "scheme": gettext_lazy(
        "Seules les adresses https:// sont appelées : votre récepteur doit être servi en HTTPS."
    ),
    "credentials": gettext_lazy(
        "Retirez le nom d'utilisateur et le mot de passe de l'adresse : vérifiez plutôt la signature "
        "de chaque envoi avec le secret du webhook."
    ),
    "private": gettext_lazy(
        "Cette adresse mène à un réseau privé ou local (par exemple 127.0.0.1, 10.x.x.x ou 192.168.x.x) : "
        "Carnet n'appelle que des adresses publiques d'Internet."
    ),
    "unresolved": gettext_lazy(
        "Carnet ne trouve pas ce nom d'hôte. Vérifiez l'adresse, ou attendez que son nom de domaine "
        "soit publié."
    ),
    "malformed": gettext_lazy(
        "Cette adresse n'est pas valide : écrivez-la en entier, par exemple https://exemple.org/carnet."
    ),
}


def describe(code: str, details: Mapping[str, Any]) -> str:
    """The sentence for ``code`` (with its ``details``), in the active language."""
    detail = {name: str(value) for name, value in (details or {}).items()}
    if code == "timeout":
        return _(
            "Pas de réponse en %(seconds)s secondes : répondez 2xx tout de suite, puis traitez l'envoi."
        ) % {"seconds": detail.get("seconds", "?").removesuffix(".0")}
    if code == "too_slow":
        return _(
            "Réponse trop lente : l'échange a dépassé %(seconds)s secondes et a été coupé. "
            "Répondez 2xx tout de suite, puis traitez l'envoi."
        ) % {"seconds": detail.get("seconds", "?").removesuffix(".0")}
    if code == "http_status":
        return _("Le récepteur a répondu HTTP %(status)s ; seul un statut 2xx accepte l'envoi.") % {
            "status": detail.get("status", "?")
        }
    if code == "redirect":
        return _("Redirection vers « %(location)s » non suivie : indiquez l'adresse finale du récepteur.") % {
            "location": detail.get("location", "")
        }
    if code == "refused_address":
        why = REFUSALS.get(detail.get("reason", ""), REFUSALS["malformed"])
        return _("Adresse non appelée : %(why)s") % {"why": why}
    if code == "connection_refused":
        return _("Connexion refusée : rien n'écoute à cette adresse et à ce port.")
    if code == "connection_failed":
        return _("La connexion a échoué (%(reason)s).") % {"reason": detail.get("reason", "?")}
    if code == "tls_failed":
        return _("La connexion sécurisée a échoué (%(reason)s) : vérifiez le certificat du récepteur.") % {
            "reason": detail.get("reason", "?")
        }
    return _("Échec de l'envoi (%(code)s).") % {"code": code}
