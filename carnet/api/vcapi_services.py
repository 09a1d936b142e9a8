"""Issuing through the W3C VC API (``POST /credentials/issue``): an organisation's program hands
Carnet an unsigned credential, Carnet signs it as that organisation and hands it back.

What is recorded depends on what the credential is:

* An Open Badge whose achievement is one of the organisation's **published micro-credentials** (its
  ``credentialSubject.achievement.id`` is the address of a version of the catalogue, as Carnet
  publishes it) is **delivered** through :func:`carnet.issuing.services.issue_credential` (source
  ``api``), exactly as an approved recognition request is: Carnet builds the document from the
  catalogue (the version's name, description, criteria and alignments, which are authoritative:
  the caller's copies of them are not used), gives it a status entry so that it can be suspended
  or revoked, stores it, records ``credential.issued`` and tells the learner. The learner is named
  by an unhashed email ``IdentityObject`` in ``credentialSubject.identifier``; a caller's
  ``urn:uuid:`` id is kept, and sending the same id again gives back the same credential. A
  catalogue address that is not a published version of the organisation's own is refused: an
  unrevocable look-alike of a catalogue micro-credential must not exist. This holds for a
  credential of any type, and whatever the shape of its ``credentialSubject``: any achievement id
  on Carnet's host (compared as browsers do: case, trailing dot, default port) goes this way.
* **Any other credential** is the caller's own document: Carnet checks it, signs it with the
  organisation's current key (its did:web) and records a ``credential.signed_via_vc_api`` audit
  event (its id, types, proof format, the SHA-256 of what was signed and the API key used), but
  keeps no copy and gives it no status entry: it is not an ``IssuedCredential``, appears in no
  list or carnet, and cannot be revoked through Carnet. It may not point ``credentialStatus`` to
  one of Carnet's own status lists (that bit belongs to another credential).
"""

from __future__ import annotations

import hashlib
import json
import urllib.parse
import uuid
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _

from carnet.api.models import ApiKey
from carnet.audit.services import record_event
from carnet.catalogue.models import MicroCredentialVersion
from carnet.credentials import JsonLdError, ProofError, SchemaError, schema, sign, sign_jwt
from carnet.credentials.contexts import CONTEXTS, VC_V1, VC_V2
from carnet.credentials.dataintegrity import CRYPTOSUITE, document_hash, parse_xsd_datetime
from carnet.credentials.keys import Ed25519Key
from carnet.credentials.rdfc import CanonicalizationLimitError
from carnet.issuing import identity
from carnet.issuing import services as issuing
from carnet.issuing.downloads import credential_jwt
from carnet.issuing.keys import signer
from carnet.issuing.models import IssuedCredential

DATA_INTEGRITY = "data-integrity"
VC_JWT = "vc-jwt"
# The names callers use for each proof format in options.format (not standardised by the VC API).
FORMATS = {
    None: DATA_INTEGRITY, "ldp_vc": DATA_INTEGRITY, "data-integrity": DATA_INTEGRITY,
    "vc-jwt": VC_JWT, "jwt": VC_JWT, "jwt_vc": VC_JWT, "vc+jwt": VC_JWT,
}  # fmt: skip
OB_TYPES = frozenset({"OpenBadgeCredential", "AchievementCredential", "EndorsementCredential"})


class Refused(ValueError):
    """A credential Carnet will not sign: ``status`` (400 the request, 422 the credential), ``code``
    for programs, the message for the person, ``details`` in English for developers."""

    def __init__(self, status: int, code: str, message: str, details: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details


def _types(document: dict[str, Any]) -> list[Any]:
    kinds = document.get("type")
    return kinds if isinstance(kinds, list) else [kinds]


def _proof_format(options: Any) -> str:
    if options is None:
        options = {}
    if not isinstance(options, dict):
        raise Refused(400, "options.invalid", _("« options » doit être un objet JSON."))
    cryptosuite = options.get("cryptosuite")
    proof_type = options.get("type", options.get("proofType"))
    if cryptosuite not in (None, CRYPTOSUITE) or proof_type not in (None, "DataIntegrityProof"):
        raise Refused(
            422,
            "options.unsupported",
            _("Carnet signe avec une preuve DataIntegrityProof eddsa-rdfc-2022, ou en VC-JWT."),
            f"cryptosuite {str(cryptosuite)[:100]!r}, type {str(proof_type)[:100]!r}",
        )
    asked = options.get("format")
    if not (asked is None or isinstance(asked, str)) or asked not in FORMATS:
        raise Refused(
            422,
            "options.unsupported",
            _("Format de preuve inconnu : choisissez « data-integrity » (par défaut) ou « vc-jwt »."),
            f"format {str(asked)[:100]!r}",
        )
    return FORMATS[asked]


def _with_issuer(credential: dict[str, Any], did: str, profile: dict[str, Any]) -> dict[str, Any]:
    """The credential with the organisation as its issuer (filled in when absent); Refused when it
    names another issuer (VC API: "The provided value of 'issuer' does not match")."""
    issuer = credential.get("issuer")
    if issuer is None:
        ob = bool(OB_TYPES & {kind for kind in _types(credential) if isinstance(kind, str)})
        return {**credential, "issuer": profile if ob else did}
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    if issuer_id != did:
        raise Refused(
            400,
            "issuer.mismatch",
            _("L'émetteur du justificatif doit être votre organisation, %(did)s (ou être omis).")
            % {"did": did},
            f"issuer {str(issuer_id)[:200]!r}",
        )
    return credential


def _check_shape(credential: dict[str, Any]) -> None:
    """VC Data Model 2.0 §4: what every credential must have, before anything is signed."""
    if "proof" in credential:
        raise Refused(
            422,
            "credential.has_proof",
            _("Ce justificatif porte déjà une preuve : envoyez-le sans « proof »."),
        )
    contexts = credential.get("@context")
    context_list = contexts if isinstance(contexts, list) else [contexts]
    if not context_list or context_list[0] != VC_V2:
        details = f"first context {str(context_list[0] if context_list else None)[:200]!r}"
        if context_list and context_list[0] == VC_V1:
            details += " (VC Data Model 1.1 is verified, not issued)"
        raise Refused(
            422,
            "credential.context",
            _("Le premier contexte (@context) doit être %(url)s : Carnet émet des justificatifs VC 2.0.")
            % {"url": VC_V2},
            details,
        )
    unknown = [c for c in context_list if not isinstance(c, str) or c not in CONTEXTS]
    if unknown:
        raise Refused(
            422,
            "credential.unknown_context",
            _(
                "Ce justificatif utilise un contexte que Carnet ne connaît pas; Carnet n'en télécharge "
                "jamais. Contextes acceptés : %(known)s."
            )
            % {"known": ", ".join(sorted(CONTEXTS))},
            f"unknown context {str(unknown[0])[:200]!r}",
        )
    if "VerifiableCredential" not in _types(credential):
        raise Refused(
            422, "credential.invalid", _("Le type du justificatif doit comprendre « VerifiableCredential ».")
        )
    subject = credential.get("credentialSubject")
    subjects = subject if isinstance(subject, list) else [subject]
    if not subjects or not all(isinstance(item, dict) and item for item in subjects):
        raise Refused(
            422,
            "credential.invalid",
            _("Le justificatif doit avoir un « credentialSubject » : un objet JSON non vide."),
        )
    if "id" in credential and not isinstance(credential["id"], str):
        raise Refused(422, "credential.invalid", _("L'« id » du justificatif doit être une URL (texte)."))
    for name in ("validFrom", "validUntil"):
        if name in credential and parse_xsd_datetime(credential[name]) is None:
            raise Refused(
                422,
                "credential.invalid",
                _("« %(name)s » doit être une date et heure avec fuseau horaire (2026-01-31T09:00:00Z).")
                % {"name": name},
            )


def _check_status_entries(credential: dict[str, Any]) -> None:
    entries = credential.get("credentialStatus")
    for entry in entries if isinstance(entries, list) else [entries] if entries is not None else []:
        url = entry.get("statusListCredential") if isinstance(entry, dict) else None
        if isinstance(url, str) and _on_carnet_site(url):
            raise Refused(
                422,
                "credential.status",
                _(
                    "Un justificatif signé par l'API VC ne peut pas pointer vers une liste d'état de Carnet. "
                    "Pour délivrer une microattestation révocable, nommez dans credentialSubject.achievement.id "
                    "une microattestation publiée de votre catalogue : Carnet lui donne son état."
                ),
            )


def _check_json_ld(credential: dict[str, Any]) -> None:
    """Every term defined by the contexts, and the official schema for Open Badges documents."""
    try:
        if schema.has_schema(credential):
            schema.check(credential)
        document_hash(credential)
    except SchemaError as exc:
        raise Refused(
            422,
            "credential.schema",
            _("Le justificatif ne respecte pas le schéma officiel Open Badges 3.0."),
            "; ".join(f"{path}: {message}" for path, message in exc.problems[:20]),
        ) from None
    except (JsonLdError, CanonicalizationLimitError) as exc:
        raise Refused(
            422,
            "credential.json_ld",
            _(
                "Le justificatif contient un terme que ses contextes ne définissent pas, ou une valeur mal "
                "formée : cette donnée échapperait à la signature."
            ),
            str(exc)[:500],
        ) from None


DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin(url: str) -> tuple[str, str, int]:
    """``url``'s origin as a browser compares it: the scheme, the host lower-cased, percent-decoded
    and without a trailing dot, the port (the scheme's default when not given, -1 when malformed)."""
    address = urllib.parse.urlsplit(url[:2048])
    scheme = address.scheme.lower()
    host = urllib.parse.unquote(address.hostname or "").lower().rstrip(".")
    try:
        port = address.port or DEFAULT_PORTS.get(scheme, -1)
    except ValueError:
        port = -1
    return scheme, host, port


def _on_carnet_site(url: str) -> bool:
    """Whether ``url`` names Carnet's own host (however spelt: case, trailing dot, port or scheme)."""
    return _origin(url)[1] == _origin(identity.site_url())[1]


def _achievement_ids(credential: dict[str, Any]) -> list[str]:
    """Every ``achievement.id`` of the credential's subjects (an object or a list of them)."""
    subject = credential.get("credentialSubject")
    ids = []
    for item in subject if isinstance(subject, list) else [subject]:
        achievements = item.get("achievement") if isinstance(item, dict) else None
        for achievement in achievements if isinstance(achievements, list) else [achievements]:
            found = achievement.get("id") if isinstance(achievement, dict) else achievement
            if isinstance(found, str):
                ids.append(found)
    return ids


def _catalogue_version(credential: dict[str, Any], organisation: Any) -> MicroCredentialVersion | None:
    """The published version of ``organisation``'s catalogue that the credential's achievement
    names; None when no achievement of the credential (of any type) is on Carnet's site. An
    achievement on Carnet's site that is not such a version is refused: an unrevocable look-alike
    of a catalogue micro-credential must not exist."""
    versions = [
        _published_version(achievement_id, organisation)
        for achievement_id in _achievement_ids(credential)
        if _on_carnet_site(achievement_id)
    ]
    if not versions:
        return None
    if len(versions) > 1 or not isinstance(credential.get("credentialSubject"), dict):
        raise Refused(
            422,
            "credential.invalid",
            _(
                "Une microattestation du catalogue se délivre à une seule personne : credentialSubject "
                "doit être un objet, avec une seule achievement."
            ),
        )
    return versions[0]


def _published_version(achievement_id: str, organisation: Any) -> MicroCredentialVersion:
    address = urllib.parse.urlsplit(achievement_id[:2048])
    try:
        match = resolve(address.path)
    except Resolver404:
        match = None
    version = None
    if (
        match is not None
        and match.view_name == "issuing:achievement"
        and not address.query
        and _origin(achievement_id) == _origin(identity.site_url())
    ):
        version = (
            MicroCredentialVersion.objects.select_related("micro_credential__organisation")
            .filter(
                micro_credential__organisation=organisation,
                micro_credential__organisation__slug=match.kwargs["org_slug"],
                micro_credential__slug=match.kwargs["slug"],
                number=match.kwargs["number"],
            )
            .exclude(published_at=None)
            .first()
        )
    if version is None:
        raise Refused(
            422,
            "achievement.unknown",
            _(
                "Cette microattestation n'est pas une version publiée du catalogue de votre organisation : "
                "vérifiez l'adresse de credentialSubject.achievement.id."
            ),
            f"achievement {achievement_id[:300]!r}",
        )
    return version


def _recipient_email(credential: dict[str, Any]) -> str:
    """The email of an unhashed ``emailAddress`` IdentityObject of the credential's subject."""
    subject = credential.get("credentialSubject")
    identifiers = subject.get("identifier") if isinstance(subject, dict) else None
    for item in identifiers if isinstance(identifiers, list) else [identifiers]:
        if (
            isinstance(item, dict)
            and item.get("identityType") == "emailAddress"
            and item.get("hashed") is False
            and isinstance(item.get("identityHash"), str)
        ):
            email = item["identityHash"].strip()
            try:
                validate_email(email)
            except ValidationError:
                break
            return email
    raise Refused(
        422,
        "recipient.email_required",
        _(
            "Pour délivrer une microattestation du catalogue, indiquez le courriel de la personne dans "
            "credentialSubject.identifier : un IdentityObject avec identityType « emailAddress », "
            "hashed false et le courriel dans identityHash."
        ),
    )


def _deliver(
    api_key: ApiKey, credential: dict[str, Any], version: MicroCredentialVersion, proof_format: str
) -> dict[str, Any] | str:
    """Issue ``version`` from the catalogue to the person the credential names."""
    email = _recipient_email(credential)
    given_id = credential.get("id")
    credential_uuid = None
    if isinstance(given_id, str) and given_id.startswith("urn:uuid:"):
        try:
            credential_uuid = uuid.UUID(given_id.removeprefix("urn:uuid:"))
        except ValueError:
            raise Refused(
                422, "credential.invalid", _("L'« id » urn:uuid: du justificatif n'est pas un UUID.")
            ) from None
    request_id = given_id if isinstance(given_id, str) else json.dumps(credential, sort_keys=True)
    digest = hashlib.sha256(request_id.encode("utf-8")).hexdigest()
    recipient = get_user_model().objects.filter(email__iexact=email, is_active=True).first()
    try:
        issued = issuing.issue_credential(
            organisation=api_key.organisation, version=version, recipient=recipient, recipient_email=email,
            idempotency_key=f"vc-api:{api_key.organisation_id}:{digest}", source=IssuedCredential.Source.API,
            credential_uuid=credential_uuid,
        )  # fmt: skip
    except issuing.IssuingError as exc:
        raise Refused(422, "credential.refused", str(exc)) from None
    except IntegrityError:
        raise Refused(
            409,
            "credential.id_taken",
            _("Un autre justificatif porte déjà cet « id » : choisissez-en un autre."),
        ) from None
    if proof_format == VC_JWT:
        try:
            return credential_jwt(issued)
        except ProofError as exc:
            raise Refused(
                422, "credential.unsignable", _("Ce justificatif ne peut pas être signé ainsi."), str(exc)
            ) from None
    return issued.document


@transaction.atomic
def sign_credential(*, api_key: ApiKey, credential: Any, options: Any = None) -> dict[str, Any] | str:
    """``credential`` checked and signed as ``api_key``'s organisation: a credential with a Data
    Integrity proof (eddsa-rdfc-2022), or a VC-JWT (compact JWS) when ``options.format`` asks. A
    micro-credential of the organisation's catalogue is delivered (see the module's docstring);
    anything else is signed as given and ``credential.signed_via_vc_api`` recorded. Raises
    :class:`Refused`."""
    organisation = api_key.organisation
    if not isinstance(credential, dict):
        raise Refused(
            400, "request.invalid", _("« credential » doit être un objet JSON (le justificatif à signer).")
        )
    proof_format = _proof_format(options)
    did = identity.organisation_did(organisation)
    credential = _with_issuer(credential, did, identity.issuer_profile(organisation))
    _check_shape(credential)
    version = _catalogue_version(credential, organisation)
    if version is not None:
        return _deliver(api_key, credential, version, proof_format)
    _check_status_entries(credential)
    _check_json_ld(credential)
    key = signer().key_for(organisation)
    signed: dict[str, Any] | str
    try:
        if proof_format == VC_JWT:
            if not isinstance(key, Ed25519Key):
                raise ProofError("this organisation's key cannot sign a VC-JWT")
            signed = sign_jwt(credential, key)
        else:
            signed = sign(credential, key, validate=False)  # the schema was checked above
    except ProofError as exc:
        raise Refused(
            422, "credential.unsignable", _("Ce justificatif ne peut pas être signé ainsi."), str(exc)
        ) from None
    text = signed if isinstance(signed, str) else json.dumps(signed, sort_keys=True, ensure_ascii=False)
    record_event(
        verb="credential.signed_via_vc_api",
        organisation=organisation,
        target=api_key,
        data={
            "credential_id": str(credential.get("id", ""))[:300],
            "types": [str(kind)[:100] for kind in _types(credential)][:10],
            "format": proof_format,
            "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
            "api_key": api_key.prefix,
        },
    )
    return signed
