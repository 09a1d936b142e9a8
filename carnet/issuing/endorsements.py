"""The endorsements of people without an account, kept as Open Badges 3.0 ``EndorsementCredential``s
signed by the platform (did:web of the site): the platform attests what the endorser told it through
a single-use link. Their subject is the credential the request will become (its id is fixed from the
start: ``urn:uuid:<request uuid>``)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from carnet.credentials import model as ob
from carnet.credentials import sign
from carnet.issuing.identity import platform_profile
from carnet.issuing.keys import signer
from carnet.recognition.strength import endorsement_strength


def endorsed_credential_id(request: Any) -> str:
    return f"urn:uuid:{request.uuid}"


def endorsement_comment(endorsement: Any) -> str:
    """What the endorser testified, as plain text (the credential's ``endorsementComment``)."""
    request = endorsement.request
    with translation.override("fr"):
        who = endorsement.endorser_name if endorsement.consent_to_be_named else _("Une personne non nommée")
        lines = [
            _("%(who)s (%(relationship)s) endosse « %(title)s ».")
            % {"who": who, "relationship": endorsement.get_relationship_display(),
               "title": request.version.name("fr")},
            _("Contexte : %(context)s") % {"context": endorsement.context},
        ]  # fmt: skip
        # How much it weighs, in the badge page's words (carnet.recognition.strength).
        strength = endorsement_strength(endorsement)
        lines.append(_("Comment Carnet sait qui endosse : %(verification)s") % {
            "verification": strength.verification_label()})  # fmt: skip
        if endorsement.period_start or endorsement.period_end:
            period = " – ".join(str(d) for d in (endorsement.period_start, endorsement.period_end) if d)
            lines.append(
                _("Période observée : %(period)s (%(length)s)")
                % {"period": period, "length": strength.period_words()}
            )
        for item in endorsement.observations:
            lines.append(f"{item['criterion']} — {item['observed']}")
        if endorsement.level_observed is not None:
            lines.append(_("Niveau observé : %(level)s") % {"level": endorsement.level_observed.name("fr")})
        if endorsement.comment:
            lines.append(endorsement.comment)
    return "\n".join(lines)


def sign_learner_endorsement(endorsement: Any) -> dict[str, Any]:
    request = endorsement.request
    document = ob.endorsement_credential(
        issuer=platform_profile(),
        endorsed_id=endorsed_credential_id(request),
        valid_from=timezone.now(),
        name=f"Endossement : {request.version.name('fr')}",
        comment=endorsement_comment(endorsement),
    )
    return sign(document, signer().key_for(None))


def partner_comment(endorsement: Any) -> str:
    """What a partner (employer, sector body…) said of a definition, as plain text naming the
    partner organisation, the person who answered and their role."""
    with translation.override("fr"):
        who = endorsement.endorser_name
        if endorsement.endorser_role:
            who += f" ({endorsement.endorser_role})"
        lines = [
            _("%(partner)s (%(kind)s) endosse la définition de « %(title)s », version %(number)s.")
            % {"partner": endorsement.partner_name, "kind": endorsement.get_partner_kind_display(),
               "title": endorsement.version.name("fr"), "number": endorsement.version.number},
            _("Au nom de l'organisme : %(who)s") % {"who": who},
            endorsement.comment,
            answer_channel(endorsement),
        ]  # fmt: skip
    return "\n".join(lines)


def answer_channel(endorsement: Any) -> str:
    """How the answer reached Carnet, truthfully: what Carnet checked of who answered (in French,
    inside ``translation.override``). Only the domain of the contact's address is said."""
    if endorsement.answered_via == "workspace" and endorsement.answered_in is not None:
        return _(
            "Réponse donnée depuis l'espace employeur de %(workspace)s par un compte à l'adresse confirmée de la personne jointe."
        ) % {"workspace": endorsement.answered_in.name}  # fmt: skip
    domain = endorsement.contact_email.rpartition("@")[2]
    return _(
        "Réponse reçue par un lien à usage unique envoyé à une adresse de %(domain)s ; Carnet n'a pas vérifié l'identité de la personne."
    ) % {"domain": domain}  # fmt: skip


def sign_partner_endorsement(endorsement: Any) -> dict[str, Any]:
    """A partner's endorsement of a micro-credential version: an EndorsementCredential about the
    version's Achievement, signed by the platform (the partner has no key: the platform attests
    what the partner told it through its single-use link or its workspace)."""
    from carnet.issuing.achievements import achievement_url

    version = endorsement.version
    document = ob.endorsement_credential(
        issuer=platform_profile(),
        endorsed_id=achievement_url(version),
        valid_from=timezone.now(),
        name=f"Endossement de {endorsement.partner_name} : {version.name('fr')}",
        comment=partner_comment(endorsement),
        credential_id=f"urn:uuid:{endorsement.uuid}",
    )
    return sign(document, signer().key_for(None))
