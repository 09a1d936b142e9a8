"""What identifies an issuer in the registry: a DID (did:web or did:key, the two Carnet verifies) or
the https address of its issuer profile. Each is checked strictly and written one way only, so that
the issuer named in a credential is found by plain equality."""

from __future__ import annotations

import re
import urllib.parse

from django.utils.translation import gettext as _

from carnet.credentials.did import ResolutionError, did_key_document, did_web_url

MAX_LENGTH = 500
_DID_WEB = re.compile(r"^did:web:[A-Za-z0-9.%-]+(?::[A-Za-z0-9._~%-]+)*$")
# A domain name (never an IP address: its last label has a letter).
_HOST = re.compile(
    r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*(?=[a-z0-9-]*[a-z])[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$"
)


class Invalid(ValueError):
    """The identifier cannot be registered; the message says why, for the person who typed it."""


def normalise(identifier: str) -> str:
    """``identifier`` written the one way the registry keeps it; raises :class:`Invalid`."""
    value = identifier.strip()
    if not value:
        raise Invalid(
            _("Donnez l'identifiant de l'émetteur : un DID (did:web ou did:key) ou une adresse https.")
        )
    if len(value) > MAX_LENGTH:
        raise Invalid(_("Cet identifiant est trop long (500 caractères au plus)."))
    if value.startswith("did:web:"):
        return _did_web(value)
    if value.startswith("did:key:"):
        return _did_key(value)
    if value.startswith("did:"):
        raise Invalid(
            _(
                "Carnet ne vérifie que les DID did:web et did:key : un émetteur d'une autre méthode ne peut pas être reconnu."
            )
        )
    return _https(value)


def _did_web(value: str) -> str:
    if not _DID_WEB.match(value):
        raise Invalid(
            _(
                "Ce did:web est mal formé : écrivez-le did:web:domaine.exemple ou did:web:domaine.exemple:chemin."
            )
        )
    try:
        did_web_url(value)
    except ResolutionError:
        raise Invalid(
            _(
                "Ce did:web est mal formé : écrivez-le did:web:domaine.exemple ou did:web:domaine.exemple:chemin."
            )
        ) from None
    head, _sep, rest = value.removeprefix("did:web:").partition(":")
    host = urllib.parse.unquote(head).lower()
    if not _HOST.match(host.split(":", 1)[0]):
        raise Invalid(_("Le domaine de ce did:web n'est pas un nom de domaine valide."))
    # The host is case-insensitive; the path is not.
    return "did:web:" + head.lower().replace("%3a", "%3A") + (":" + rest if rest else "")


def _did_key(value: str) -> str:
    try:
        did_key_document(value)
    except ResolutionError:
        raise Invalid(_("Ce did:key n'est pas une clé Ed25519 lisible (did:key:z6Mk…).")) from None
    return value


def _https(value: str) -> str:
    if any(ord(char) < 33 or ord(char) == 127 for char in value):
        raise Invalid(_("Une adresse ne contient ni espace ni caractère de contrôle."))
    try:
        parsed = urllib.parse.urlsplit(value)
        port = parsed.port
    except ValueError:
        raise Invalid(_("Cette adresse est mal formée.")) from None
    if parsed.scheme.lower() != "https":
        raise Invalid(_("Donnez un DID (did:web:… ou did:key:…) ou une adresse qui commence par https://."))
    host = (parsed.hostname or "").lower()
    if parsed.username is not None or parsed.password is not None or not _HOST.match(host):
        raise Invalid(_("L'adresse doit nommer un domaine (sans identifiant ni mot de passe)."))
    if parsed.fragment:
        raise Invalid(_("Retirez la partie après le # : l'identifiant d'un émetteur n'en a pas."))
    netloc = host if port in (None, 443) else f"{host}:{port}"
    return urllib.parse.urlunsplit(("https", netloc, parsed.path or "/", parsed.query, ""))


def lookup_form(identifier: str) -> str | None:
    """The registry's form of an identifier read in a credential; None when it could not be registered."""
    try:
        return normalise(identifier)
    except Invalid:
        return None
