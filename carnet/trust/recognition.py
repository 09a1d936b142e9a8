"""Whether an issuer is one the platform recognises: one of its own organisations (or the platform
itself, which signs endorsements), or an active entry of the registry. Asked only about an issuer a
verification proved the signature to be from: naming a known issuer in a document proves nothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from carnet.trust import identifiers
from carnet.trust.models import KnownIssuer


@dataclass(frozen=True)
class Standing:
    """What the platform knows of an issuer. ``source``: ``platform``, ``organisation`` or
    ``registry`` when recognised, "" otherwise; ``name``: the name the platform knows it by (never
    the name the document gives itself)."""

    identifier: str
    name: str = ""
    source: str = ""

    @property
    def recognised(self) -> bool:
        return bool(self.source)

    def message(self) -> str:
        if self.source == "platform":
            return _("Émetteur reconnu : la plateforme Carnet elle-même.")
        if self.source == "organisation":
            return _("Émetteur reconnu : %(name)s, un organisme de cette plateforme.") % {"name": self.name}
        if self.source == "registry":
            return _(
                "Émetteur reconnu : %(name)s, inscrit à la liste des émetteurs reconnus de cette plateforme."
            ) % {"name": self.name}
        return _(
            "Émetteur inconnu : la signature est valide, mais cette plateforme ne connaît pas cet émetteur. "
            "Inconnu ne veut pas dire faux : renseignez-vous sur lui avant d'accorder du poids au document."
        )

    def to_dict(self) -> dict[str, Any]:
        """The API's ``issuerRecognition`` (docs/api.md)."""
        return {
            "status": "recognised" if self.recognised else "unknown",
            "warning": not self.recognised,
            "name": self.name or None,
            "source": self.source or None,
            "message": self.message(),
        }


def own_issuer(identifier: str) -> Standing | None:
    """The platform or one of its recognising organisations, by its did:web; None otherwise."""
    from carnet.issuing import identity
    from carnet.organisations.models import Organisation

    platform = identity.platform_did()
    if identifier == platform:
        return Standing(identifier, "Carnet", "platform")
    if not identifier.startswith(platform + ":"):
        return None
    slug = identifier.rsplit(":", 1)[-1]
    organisation = Organisation.objects.filter(slug=slug).first()
    if (
        organisation is None
        or not organisation.recognises
        or identity.organisation_did(organisation) != identifier
    ):
        return None
    return Standing(identifier, organisation.name, "organisation")


def registered(identifier: str) -> KnownIssuer | None:
    """The active registry entry of ``identifier`` (in the registry's form)."""
    return KnownIssuer.objects.active().filter(identifier=identifier).first()


def standing_of(identifier: str) -> Standing:
    """What the platform knows of the issuer ``identifier`` (as a credential names it)."""
    own = own_issuer(identifier)
    if own is not None:
        return own
    form = identifiers.lookup_form(identifier)
    entry = registered(form) if form is not None else None
    if entry is not None:
        return Standing(identifier, entry.name, "registry")
    return Standing(identifier)
