"""The verification report: each check passed, failed, warned or skipped, with a message for a
person in French (Québec) and in English.

Messages are looked up by code in :data:`MESSAGES`; ``details`` carries the technical reason (in
English, for developers and logs). The order of checks follows Open Badges 3.0 §9 "Verification":
structure and schema, contexts, proof and key binding, status, validity period, endorsements.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    WARNING = "warning"
    SKIPPED = "skipped"


CHECK_NAMES: dict[str, tuple[str, str]] = {
    "format": ("Format du document", "Document format"),
    "schema": ("Structure (schéma Open Badges 3.0)", "Structure (Open Badges 3.0 schema)"),
    "contexts": ("Vocabulaires (contextes JSON-LD)", "Vocabularies (JSON-LD contexts)"),
    "proof": ("Signature numérique", "Digital signature"),
    "binding": ("Clé de l'émetteur", "Issuer's key"),
    "status": ("Révocation et suspension", "Revocation and suspension"),
    "validity": ("Période de validité", "Validity period"),
    "endorsements": ("Endossements", "Endorsements"),
}

# The checks of a verifiable presentation besides format, contexts and proof
# (carnet.credentials.presentation).
PRESENTATION_CHECK_NAMES: dict[str, tuple[str, str]] = {
    "holder": ("Détenteur", "Holder"),
    "challenge": ("Défi (challenge)", "Challenge"),
    "domain": ("Domaine", "Domain"),
    "credentials": ("Justificatifs présentés", "Presented credentials"),
}

# code -> (French, English). Placeholders are filled from the check's parameters.
MESSAGES: dict[str, tuple[str, str]] = {
    "format.json": (
        "Le document est un justificatif JSON lisible.",
        "The document is a readable JSON credential.",
    ),
    "format.jwt": (
        "Le document est un justificatif au format VC-JWT.",
        "The document is a VC-JWT credential.",
    ),
    "format.baked": (
        "Le justificatif a été extrait de l'image {image_format}.",
        "The credential was extracted from the {image_format} image.",
    ),
    "format.unreadable": (
        "Ce contenu n'est pas un justificatif lisible. Vérifiez que vous avez collé ou téléversé "
        "le fichier complet (JSON, VC-JWT, ou image PNG ou SVG contenant un badge).",
        "This is not a readable credential. Check that you pasted or uploaded the whole file "
        "(JSON, VC-JWT, or a PNG or SVG image holding a badge).",
    ),
    "format.too_large": (
        "Le document est trop volumineux ({size} octets; maximum {limit}).",
        "The document is too large ({size} bytes; at most {limit}).",
    ),
    "format.not_credential": (
        "Ce document n'est pas un justificatif vérifiable (il lui manque @context, type ou issuer).",
        "This document is not a verifiable credential (it lacks @context, type or issuer).",
    ),
    "format.ob2": (
        "Ce badge suit l'ancienne norme Open Badges 2.0 : il n'est pas signé à la manière d'Open Badges 3.0 "
        "et ne peut pas être vérifié ici sans interroger son émetteur.",
        "This badge follows the older Open Badges 2.0 standard: it is not signed the Open Badges 3.0 way "
        "and cannot be verified here without contacting its issuer.",
    ),
    "schema.ok": (
        "La structure respecte le schéma officiel {schema}.",
        "The structure follows the official {schema} schema.",
    ),
    "schema.failed": (
        "La structure ne respecte pas le schéma officiel ({count} problème(s)) : {problems}",
        "The structure does not follow the official schema ({count} problem(s)): {problems}",
    ),
    "schema.none": (
        "Aucun schéma Open Badges ne s'applique à ce type de justificatif ({types}) : sa structure n'est "
        "pas vérifiée.",
        "No Open Badges schema applies to this kind of credential ({types}): its structure is not checked.",
    ),
    "contexts.ok": (
        "Tous les vocabulaires utilisés sont connus et vérifiés.",
        "Every vocabulary used is known and checked.",
    ),
    "contexts.failed": (
        "Le document utilise un vocabulaire inconnu ou des termes non définis. Des données "
        "non signées pourraient s'y glisser; il est refusé.",
        "The document uses an unknown vocabulary or undefined terms. Unsigned data could ride "
        "along; it is refused.",
    ),
    "proof.ok": (
        "La signature est valide : le contenu n'a pas été modifié depuis l'émission.",
        "The signature is valid: the content has not changed since it was issued.",
    ),
    "proof.missing": (
        "Le justificatif n'est pas signé.",
        "The credential is not signed.",
    ),
    "proof.failed": (
        "La signature n'est pas valide : le contenu a été modifié après la signature, ou la signature ne "
        "correspond pas. Ne vous fiez pas à ce justificatif.",
        "The signature is not valid: the content was changed after signing, or the signature does not "
        "match. Do not rely on this credential.",
    ),
    "proof.unsupported": (
        "Cette forme de preuve n'est pas prise en charge ou est mal formée.",
        "This kind of proof is not supported or is malformed.",
    ),
    "binding.ok": (
        "La clé qui a signé appartient bien à l'émetteur {issuer} et est autorisée à émettre.",
        "The signing key belongs to the issuer {issuer} and is authorised to issue.",
    ),
    "binding.failed": (
        "La clé qui a signé n'est pas une clé d'émission de l'émetteur annoncé.",
        "The signing key is not an issuing key of the stated issuer.",
    ),
    "binding.skipped": (
        "La clé n'a pas pu être vérifiée faute de signature valide.",
        "The key could not be checked without a valid signature.",
    ),
    "status.none": (
        "L'émetteur ne publie pas d'état de révocation pour ce justificatif.",
        "The issuer publishes no revocation status for this credential.",
    ),
    "status.ok": (
        "Le justificatif n'est ni révoqué ni suspendu.",
        "The credential is neither revoked nor suspended.",
    ),
    "status.revoked": (
        "L'émetteur a révoqué ce justificatif : il n'est plus valide.",
        "The issuer has revoked this credential: it is no longer valid.",
    ),
    "status.suspended": (
        "L'émetteur a suspendu ce justificatif pour le moment.",
        "The issuer has suspended this credential for now.",
    ),
    "status.unavailable": (
        "L'état de révocation n'a pas pu être consulté : la liste publiée par l'émetteur est inaccessible ou d'un type inconnu.",
        "The revocation status could not be read: the list the issuer publishes is out of reach or of an unknown kind.",
    ),
    "status.invalid": (
        "La liste d'état publiée par l'émetteur n'est pas fiable (signature, émetteur ou format).",
        "The status list the issuer published cannot be trusted (signature, issuer or format).",
    ),
    "validity.ok": (
        "Le justificatif est en vigueur (valide depuis le {valid_from}{until}).",
        "The credential is in force (valid since {valid_from}{until}).",
    ),
    "validity.not_yet": (
        "Le justificatif n'est pas encore en vigueur : il le sera le {valid_from}.",
        "The credential is not yet in force: it will be on {valid_from}.",
    ),
    "validity.expired": (
        "Le justificatif a expiré le {valid_until}.",
        "The credential expired on {valid_until}.",
    ),
    "validity.invalid": (
        "Les dates de validité sont illisibles ou incohérentes.",
        "The validity dates are unreadable or inconsistent.",
    ),
    "endorsements.none": (
        "Aucun endossement n'accompagne ce justificatif.",
        "No endorsement comes with this credential.",
    ),
    "endorsements.ok": (
        "{count} endossement(s) vérifié(s).",
        "{count} endorsement(s) verified.",
    ),
    "endorsement.elsewhere": (
        "Cet endossement porte sur autre chose ({subject}) que ce qui le contient : il n'en dit rien.",
        "This endorsement is about something else ({subject}) than what carries it: it says nothing of it.",
    ),
    "endorsements.failed": (
        "{failed} endossement(s) sur {count} n'ont pas pu être vérifiés : ne leur accordez pas de poids.",
        "{failed} of {count} endorsement(s) could not be verified: give them no weight.",
    ),
    "presentation.ok": (
        "Le document est une présentation vérifiable lisible.",
        "The document is a readable verifiable presentation.",
    ),
    "presentation.not_presentation": (
        "Ce document n'est pas une présentation vérifiable (il lui manque @context, ou le type "
        "VerifiablePresentation).",
        "This document is not a verifiable presentation (it lacks @context, or the type "
        "VerifiablePresentation).",
    ),
    "presentation.enveloped": (
        "Les présentations enveloppées (VP-JWT) ne sont pas prises en charge : envoyez une présentation "
        "signée par une preuve Data Integrity.",
        "Enveloped presentations (VP-JWT) are not supported: send a presentation signed with a Data "
        "Integrity proof.",
    ),
    "presentation.unsigned": (
        "La présentation n'est pas signée par son détenteur.",
        "The presentation is not signed by its holder.",
    ),
    "presentation.proof_ok": (
        "La signature du détenteur est valide : la présentation n'a pas été modifiée.",
        "The holder's signature is valid: the presentation has not been changed.",
    ),
    "presentation.proof_failed": (
        "La signature de la présentation n'est pas valide : elle a été modifiée après la signature, ou "
        "la preuve est mal formée.",
        "The presentation's signature is not valid: it was changed after signing, or the proof is malformed.",
    ),
    "holder.ok": (
        "La clé qui a signé appartient bien au détenteur {holder}.",
        "The signing key belongs to the holder {holder}.",
    ),
    "holder.none": (
        "La présentation ne nomme pas son détenteur : on sait seulement quelle clé l'a signée.",
        "The presentation does not name its holder: only the key that signed it is known.",
    ),
    "holder.failed": (
        "La clé qui a signé n'est pas une clé d'authentification du détenteur annoncé.",
        "The signing key is not an authentication key of the stated holder.",
    ),
    "holder.skipped": (
        "Le détenteur n'a pas pu être vérifié faute de signature valide.",
        "The holder could not be checked without a valid signature.",
    ),
    "challenge.ok": (
        "La signature porte le défi attendu : ce n'est pas une présentation rejouée.",
        "The signature carries the expected challenge: the presentation is not replayed.",
    ),
    "challenge.failed": (
        "La signature ne porte pas le défi attendu : la présentation a pu être faite pour quelqu'un "
        "d'autre, ou rejouée.",
        "The signature does not carry the expected challenge: the presentation may have been made for "
        "someone else, or replayed.",
    ),
    "challenge.not_asked": (
        "Aucun défi n'a été demandé : rien n'empêche de rejouer cette présentation.",
        "No challenge was asked: nothing prevents this presentation from being replayed.",
    ),
    "domain.ok": (
        "La signature est destinée au domaine attendu.",
        "The signature is meant for the expected domain.",
    ),
    "domain.failed": (
        "La signature n'est pas destinée au domaine attendu.",
        "The signature is not meant for the expected domain.",
    ),
    "domain.not_asked": (
        "Aucun domaine n'a été demandé.",
        "No domain was asked.",
    ),
    "credentials.none": (
        "La présentation ne contient aucun justificatif.",
        "The presentation holds no credential.",
    ),
    "credentials.ok": (
        "{count} justificatif(s) présenté(s), tous vérifiés.",
        "{count} credential(s) presented, all verified.",
    ),
    "credentials.failed": (
        "{failed} justificatif(s) sur {count} ne sont pas valides.",
        "{failed} of {count} credential(s) are not valid.",
    ),
    "credentials.too_many": (
        "La présentation contient trop de justificatifs ({count}; au plus {limit}).",
        "The presentation holds too many credentials ({count}; at most {limit}).",
    ),
    "skipped.previous": (
        "Non vérifié : une étape précédente a échoué.",
        "Not checked: an earlier step failed.",
    ),
}


@dataclass(frozen=True, slots=True)
class Check:
    """One check of a report."""

    name: str
    status: Status
    code: str
    params: dict[str, Any] = field(default_factory=dict)
    details: str = ""

    def title(self, language: str = "fr") -> str:
        french, english = CHECK_NAMES.get(self.name) or PRESENTATION_CHECK_NAMES.get(
            self.name, (self.name, self.name)
        )
        return english if language == "en" else french

    def message(self, language: str = "fr") -> str:
        french, english = MESSAGES[self.code]
        template = english if language == "en" else french
        try:
            return template.format(**self.params)
        except (KeyError, IndexError):
            return template

    def to_dict(self, language: str = "fr") -> dict[str, Any]:
        return {
            "check": self.name,
            "status": self.status.value,
            "title": self.title(language),
            "message": self.message(language),
            "code": self.code,
            "details": self.details,
        }


@dataclass(slots=True)
class VerificationReport:
    """What :func:`carnet.credentials.verify` found. ``valid`` is True when no check failed."""

    checks: list[Check] = field(default_factory=list)
    credential: dict[str, Any] | None = None
    source_format: str = "json"
    endorsement_reports: list[VerificationReport] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return bool(self.checks) and all(check.status != Status.FAILED for check in self.checks)

    @property
    def warnings(self) -> list[Check]:
        return [check for check in self.checks if check.status == Status.WARNING]

    def check(self, name: str) -> Check | None:
        for check in self.checks:
            if check.name == name:
                return check
        return None

    def failed(self) -> list[str]:
        return [check.name for check in self.checks if check.status == Status.FAILED]

    @property
    def issuer_id(self) -> str | None:
        issuer = (self.credential or {}).get("issuer")
        if isinstance(issuer, dict):
            issuer = issuer.get("id")
        return issuer if isinstance(issuer, str) else None

    def summary(self, language: str = "fr") -> str:
        if self.valid:
            if self.warnings:
                return (
                    "Valid, with warnings to read."
                    if language == "en"
                    else "Valide, avec des avertissements à lire."
                )
            return "Valid." if language == "en" else "Valide."
        return "Not valid." if language == "en" else "Non valide."

    def to_dict(self, language: str = "fr") -> dict[str, Any]:
        return {
            "valid": self.valid,
            "summary": self.summary(language),
            "format": self.source_format,
            "issuer": self.issuer_id,
            "credentialId": (self.credential or {}).get("id") if self.credential else None,
            "checks": [check.to_dict(language) for check in self.checks],
            "endorsements": [report.to_dict(language) for report in self.endorsement_reports],
        }

    def to_text(self, language: str = "fr") -> str:
        marks = {Status.PASSED: "✔", Status.FAILED: "✘", Status.WARNING: "!", Status.SKIPPED: "–"}
        lines = [self.summary(language)]
        for check in self.checks:
            detail_label = "detail" if language == "en" else "détail"
            details = (
                f"\n      ({detail_label}: {check.details.splitlines()[0][:200]})"
                if check.details
                and check.status in (Status.FAILED, Status.WARNING)
                and check.name != "schema"
                else ""
            )
            separator = " : " if language == "fr" else ": "
            lines.append(
                f"  {marks[check.status]} {check.title(language)}{separator}{check.message(language)}{details}"
            )
        return "\n".join(lines)
