"""What each audit verb means, in the reader's language (the trail stores the verb, never a sentence)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

VERBS = {
    "organisation.created": _("Organisation créée"),
    "member.added": _("Membre ajouté·e"),
    "member.invited": _("Membre invité·e"),
    "member.joined": _("Invitation acceptée"),
    "member.invitation_cancelled": _("Invitation de membre annulée"),
    "member.role_changed": _("Rôle modifié"),
    "member.removed": _("Membre retiré·e"),
    "organisation.settings_changed": _("Paramètres modifiés"),
    "signing_key.created": _("Clé de signature créée"),
    "signing_key.rotated": _("Clé de signature remplacée"),
    "framework.competency_added": _("Compétence ajoutée au référentiel"),
    "framework.competency_changed": _("Compétence modifiée"),
    "framework.competency_removed": _("Compétence retirée du référentiel"),
    "micro_credential.created": _("Microattestation créée"),
    "micro_credential.updated": _("Microattestation modifiée"),
    "micro_credential.published": _("Microattestation publiée"),
    "micro_credential.archived": _("Microattestation archivée"),
    "certificate.created": _("Certificat créé"),
    "certificate.updated": _("Certificat modifié"),
    "certificate.published": _("Certificat publié"),
    "certificate.archived": _("Certificat archivé"),
    "certificate.issued": _("Certificat délivré"),
    "certificate.confirmation_requested": _("Certificat à confirmer"),
    "certificate.declined": _("Certificat non confirmé"),
    "request.opened": _("Demande ouverte"),
    "request.submitted": _("Demande soumise"),
    "request.resubmitted": _("Demande soumise de nouveau"),
    "request.withdrawn": _("Demande retirée"),
    "request.assigned": _("Demande attribuée"),
    "request.message": _("Message"),
    "request.changes_requested": _("Modifications demandées"),
    "request.first_approval": _("Première évaluation favorable"),
    "request.approved": _("Demande approuvée"),
    "request.declined": _("Demande refusée"),
    "evidence.added": _("Preuve ajoutée"),
    "evidence.removed": _("Preuve retirée"),
    "endorsement.invited": _("Endosseur·e invité·e"),
    "endorsement.reinvited": _("Invitation d'endossement renvoyée"),
    "endorsement.invitation_cancelled": _("Invitation d'endossement annulée"),
    "endorsement.received": _("Endossement reçu"),
    "endorsement.declined": _("Endossement décliné"),
    "credential.issued": _("Microattestation délivrée"),
    "credential.suspended": _("Microattestation suspendue"),
    "credential.reinstated": _("Microattestation rétablie"),
    "credential.revoked": _("Microattestation révoquée"),
    "credential.visibility_changed": _("Visibilité d'une microattestation modifiée"),
    "credential.share_link_created": _("Lien de partage créé"),
    "credential.share_link_withdrawn": _("Lien de partage retiré"),
    "profile.changed": _("Profil public modifié"),
    "job.created": _("Poste créé"),
    "contact.sent": _("Message envoyé à une personne"),
    "contact.answered": _("Réponse reçue"),
    "contact.declined": _("Message décliné"),
    "consent.search_given": _("Accord donné à la recherche par les employeurs"),
    "consent.search_withdrawn": _("Accord retiré à la recherche par les employeurs"),
}

# The families a reader filters by (the part of the verb before the dot).
FAMILIES = {
    "request": _("Demandes"),
    "endorsement": _("Endossements"),
    "evidence": _("Preuves"),
    "credential": _("Microattestations délivrées"),
    "micro_credential": _("Catalogue"),
    "certificate": _("Certificats"),
    "member": _("Membres"),
    "organisation": _("Organisation"),
    "signing_key": _("Clés de signature"),
    "framework": _("Référentiels"),
    "job": _("Postes"),
    "contact": _("Messages aux candidat·es"),
}


def label(verb: str) -> str:
    return str(VERBS.get(verb, verb))
