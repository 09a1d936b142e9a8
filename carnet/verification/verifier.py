"""One verification, whatever was handed over: a pasted text, an uploaded file, the body of an API
request, or the address of a credential. It runs :func:`carnet.credentials.verify` (Open Badges 3.0
§9) with the platform's resolver, which answers the platform's own DIDs and status lists from the
database and fetches anything else only through :mod:`carnet.verification.fetching`; it recognises
Open Badges 2.0 badges first (:mod:`carnet.verification.ob2`), and sums the report up in a verdict
and a sentence for a person. Nothing is stored here (the carnet keeps what it imports, with
:meth:`Outcome.to_record`).

An address may serve a credential as JSON, a VC-JWT as text, a baked PNG or SVG image, or a web
page that links to its credential (``<link rel="alternate" type="application/vc+ld+json">``,
followed once, on the page's own host only). What it served is told apart by content. The
platform's own badge pages and share links are answered from the database, with their visibility.
"""

from __future__ import annotations

import base64
import functools
import html.parser
import io
import json
import re
import struct
import urllib.parse
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import formats
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from carnet.credentials import presentation, verify
from carnet.credentials.errors import CredentialError, FetchError
from carnet.credentials.fetch import JSON_MEDIA_TYPES, Fetched
from carnet.credentials.presentation import PresentationReport
from carnet.credentials.report import Check, Status, VerificationReport
from carnet.issuing import identity
from carnet.trust.recognition import Standing, standing_of
from carnet.verification import claims as claims_module
from carnet.verification import fetching, ob2
from carnet.verification.fetching import MAX_CREDENTIAL_BYTES, Refused

MAX_INPUT_BYTES = 2 * 1024 * 1024  # what a person may paste or upload, and an API request body
PREVIEW_PIXELS = 1024 * 1024  # larger images are not decoded for a preview
PREVIEW_SIZE = 256

# Verdicts that mean "this is not a credential at all" (the API answers 400, or 413).
NOT_A_CREDENTIAL = frozenset({"unreadable", "not_credential"})

VERDICTS = {
    "valid": gettext_lazy("Cette microattestation est authentique et valide."),
    "valid_other": gettext_lazy("Ce justificatif numérique est authentique et valide."),
    "valid_warnings": gettext_lazy(
        "Cette microattestation est authentique et valide, avec des réserves à lire ci-dessous."
    ),
    "revoked": gettext_lazy(
        "Cette microattestation a été révoquée par son émetteur : elle n'est plus valide."
    ),
    "suspended": gettext_lazy(
        "Cette microattestation est suspendue par son émetteur : elle ne compte pas pour le moment."
    ),
    "expired": gettext_lazy(
        "Cette microattestation est authentique, mais elle est expirée depuis le %(date)s."
    ),
    "not_yet": gettext_lazy(
        "Cette microattestation est authentique, mais elle n'entrera en vigueur que le %(date)s."
    ),
    "altered": gettext_lazy(
        "Cette microattestation a été modifiée après sa signature, ou sa signature est fausse : "
        "ne vous y fiez pas."
    ),
    "unsigned": gettext_lazy(
        "Ce document n'est pas signé : rien ne prouve qui l'a émis ni qu'il est intact."
    ),
    "unsupported_proof": gettext_lazy(
        "Ce document est signé d'une façon que Carnet ne sait pas vérifier : son authenticité n'est pas confirmée."
    ),
    "nonconforming": gettext_lazy(
        "Ce document ne respecte pas la norme Open Badges 3.0 : son authenticité ne peut pas être confirmée."
    ),
    "unconfirmed_issuer": gettext_lazy(
        "Impossible de confirmer qui a émis ce document : la clé qui l'a signé n'est pas une clé reconnue "
        "de l'émetteur annoncé, ou elle n'a pas pu être consultée."
    ),
    "unconfirmed_status": gettext_lazy(
        "Impossible de confirmer que ce document n'a pas été révoqué : la liste de révocation de son "
        "émetteur n'est pas fiable."
    ),
    "invalid_dates": gettext_lazy("Les dates de validité de ce document sont illisibles ou incohérentes."),
    "unreadable": gettext_lazy(
        "Ce contenu n'est pas une microattestation lisible : le format n'est pas reconnu."
    ),
    "not_credential": gettext_lazy("Ce document n'est pas une microattestation vérifiable."),
    "too_large": gettext_lazy("Ce document est trop volumineux pour être vérifié (2 Mo au plus)."),
    "ob2": gettext_lazy(
        "Ce badge suit l'ancienne norme Open Badges 2.0 : Carnet en montre le contenu, mais ne peut pas "
        "s'en porter garant."
    ),
}

# Verdicts after which the document's own dates are worth telling: its signature, issuer and status held.
VALIDITY_TOLD = frozenset({"valid", "valid_other", "valid_warnings", "expired", "not_yet"})

SEVERITY = {"valid": "ok", "valid_other": "ok", "valid_warnings": "warn", "ob2": "warn"}

CHECKED = {
    "format": gettext_lazy("Si le document se lit, et sous quelle forme il a été fourni."),
    "schema": gettext_lazy("Si sa structure suit le modèle officiel Open Badges 3.0."),
    "contexts": gettext_lazy(
        "Si tous les termes employés sont définis, pour que rien n'échappe à la signature."
    ),
    "proof": gettext_lazy("La signature numérique que l'émetteur a posée sur le document."),
    "binding": gettext_lazy("Si la clé qui a signé appartient bien à l'émetteur nommé dans le document."),
    "status": gettext_lazy("Si l'émetteur l'a révoquée ou suspendue, d'après la liste qu'il publie."),
    "validity": gettext_lazy("Ses dates de début et de fin de validité."),
    "endorsements": gettext_lazy("Les endossements joints : des tiers qui appuient la microattestation."),
}

# What a result means for the person who must decide whether to rely on the credential; by check
# name and status, or by check code first.
MEANINGS = {
    "proof.ok": gettext_lazy(
        "Le contenu affiché (intitulé, description, dates, personne) est bien celui que l'émetteur a signé."
    ),
    "binding.ok": gettext_lazy("Elle vient bien de l'émetteur nommé."),
    "status.ok": gettext_lazy("L'émetteur ne l'a pas retirée."),
    "status.none": gettext_lazy(
        "L'émetteur ne prévoit pas de moyen de la retirer : elle compte tant que ses dates sont valides."
    ),
    "validity.ok": gettext_lazy("Elle compte aujourd'hui."),
    "endorsements.ok": gettext_lazy(
        "Ces appuis ont été vérifiés : ils viennent bien des personnes ou organismes indiqués."
    ),
    "format.ob2": gettext_lazy(
        "Le contenu du badge est montré tel quel : pour vous en assurer, demandez à l'émetteur de confirmer "
        "qu'il l'a bien délivré."
    ),
    "format.failed": gettext_lazy(
        "Impossible d'aller plus loin : vérifiez que vous avez le document complet, tel que vous l'avez reçu."
    ),
    "schema.failed": gettext_lazy(
        "Le document ne suit pas la norme : ne vous y fiez pas sans en parler à son émetteur."
    ),
    "contexts.failed": gettext_lazy(
        "Le document ne suit pas la norme : ne vous y fiez pas sans en parler à son émetteur."
    ),
    "proof.failed": gettext_lazy(
        "Ne vous fiez pas à ce qu'il affirme : le contenu a pu être modifié, ou l'émetteur ne l'a jamais signé."
    ),
    "binding.failed": gettext_lazy("Rien ne prouve que l'émetteur nommé l'a délivrée."),
    "status.revoked": gettext_lazy(
        "Elle ne compte plus : demandez à la personne ou à l'émetteur ce qu'il en est."
    ),
    "status.suspended": gettext_lazy(
        "Elle ne compte pas pour l'instant : demandez à la personne ou à l'émetteur ce qu'il en est."
    ),
    "status.failed": gettext_lazy("Impossible de savoir si elle a été retirée."),
    "validity.failed": gettext_lazy("Elle ne compte pas aujourd'hui."),
    "status.warning": gettext_lazy(
        "On ne sait pas si elle a été retirée : réessayez plus tard, ou renseignez-vous auprès de l'émetteur."
    ),
    "endorsements.warning": gettext_lazy(
        "N'accordez pas de poids aux endossements qui n'ont pas pu être vérifiés ; le reste de la "
        "microattestation n'en est pas touché."
    ),
    "contexts.warning": gettext_lazy(
        "Des termes ne sont pas définis par la norme ; comme tout le document est signé, son contenu "
        "reste garanti."
    ),
    "skipped": gettext_lazy("Ce point n'a pas été vérifié, parce qu'une étape précédente a échoué."),
}

STATUS_LABELS = {
    Status.PASSED: gettext_lazy("Réussi"),
    Status.FAILED: gettext_lazy("Échoué"),
    Status.WARNING: gettext_lazy("À lire"),
    Status.SKIPPED: gettext_lazy("Non vérifié"),
}


def report_language() -> str:
    """The language of the report's built-in messages: English on English pages, French otherwise."""
    return "en" if (get_language() or "fr").startswith("en") else "fr"


@dataclass
class Row:
    """One check, as the page shows it."""

    name: str
    status: str
    status_label: str
    title: str
    message: str
    checked: str
    meaning: str
    details: str


def _meaning(check: Check) -> str:
    if check.status == Status.SKIPPED:
        return "" if check.name == "schema" else str(MEANINGS["skipped"])
    for key in (check.code, f"{check.name}.{check.status.value}"):
        if key in MEANINGS:
            return str(MEANINGS[key])
    return ""


def validity_status(verdict: str) -> str | None:
    """What a document's own validity sentence may say after the verdict ``verdict``
    (site/_credential_validity.html): "revoked" or "suspended" (of no effect whatever its dates),
    "active" once its signature, issuer and status are confirmed, None when they are not: then its
    dates mean nothing. Also for imported badges, by the verdict of their last check."""
    if verdict in ("revoked", "suspended"):
        return verdict
    return "active" if verdict in VALIDITY_TOLD else None


def proven_standing(report: VerificationReport) -> Standing | None:
    """Whether the platform recognises the issuer (carnet.trust), once the report proved that the
    key which signed belongs to the issuer the document names; None before that: a known name
    copied into a forged document is no one's. A warning to read, never a failure: the verdict
    does not change. The verification page, ``/api/verification`` and the VC API all ask here."""
    binding = report.check("binding")
    issuer = report.issuer_id
    if binding is None or binding.status != Status.PASSED or issuer is None:
        return None
    return standing_of(issuer)


@dataclass
class Outcome:
    """A verification's report, its verdict, and what the document claims."""

    report: VerificationReport
    verdict: str
    claims: claims_module.Claims | None = None
    old_badge: ob2.Ob2Badge | None = None
    preview: str | None = None  # a data: URI of the badge image, re-encoded as PNG
    # Whether anything was read from another site to reach it (its report then depends on them).
    fetched: bool = False

    @functools.cached_property
    def issuer_standing(self) -> Standing | None:
        """:func:`proven_standing` of the report (None for an Open Badges 2.0 badge)."""
        return None if self.old_badge is not None else proven_standing(self.report)

    @property
    def is_credential(self) -> bool:
        return self.verdict not in NOT_A_CREDENTIAL and self.verdict != "too_large"

    @property
    def validity_status(self) -> str | None:
        """What the document's own validity sentence may say (site/_credential_validity.html):
        "revoked" or "suspended" (of no effect whatever its dates), "active" once its signature,
        issuer and status are confirmed, None when they are not: then its dates mean nothing."""
        return validity_status(self.verdict)

    @property
    def severity(self) -> str:
        return SEVERITY.get(self.verdict, "bad")

    def verdict_message(self) -> str:
        message = str(VERDICTS[self.verdict])
        if self.verdict in ("expired", "not_yet"):
            check = self.report.check("validity")
            when = (check.params if check else {}).get(
                "valid_until" if self.verdict == "expired" else "valid_from"
            )
            try:
                shown = formats.date_format(date.fromisoformat(str(when)), "j F Y")
            except ValueError:
                shown = str(when)
            message = message % {"date": shown}
        return message

    def rows(self) -> list[Row]:
        language = report_language()
        return [
            Row(
                name=check.name,
                status=check.status.value,
                status_label=str(STATUS_LABELS[check.status]),
                title=check.title(language),
                message=check.message(language),
                checked=str(CHECKED.get(check.name, "")),
                meaning=_meaning(check),
                details=check.details[:2000] if check.status in (Status.FAILED, Status.WARNING) else "",
            )
            for check in self.report.checks
        ]

    def error_message(self) -> str:
        """For input that is not a credential: the verdict, and the report's own explanation."""
        check = self.report.check("format")
        explanation = check.message(report_language()) if check else ""
        return f"{self.verdict_message()} {explanation}".strip()

    def to_record(self) -> dict[str, Any]:
        """The outcome as JSON data to keep: the verdict, every check with its parameters, the
        endorsements' reports and what an Open Badges 2.0 badge said (the credential is kept
        beside it). :meth:`from_record` gives it back, to be shown again as it was."""
        return {
            "verdict": self.verdict,
            "report": _report_record(self.report, with_credential=False),
            "ob2": self.old_badge.to_record() if self.old_badge is not None else None,
        }

    @classmethod
    def from_record(cls, record: dict[str, Any], credential: dict[str, Any] | None) -> Outcome:
        report = _report_from_record(record.get("report") or {})
        if credential and record.get("ob2") is None:
            report.credential = credential
        old_badge = ob2.Ob2Badge.from_record(record["ob2"]) if record.get("ob2") else None
        claims = claims_module.read(report.credential, report) if report.credential is not None else None
        return cls(report, str(record.get("verdict") or "unreadable"), claims, old_badge)

    def to_dict(self, language: str) -> dict[str, Any]:
        data = self.report.to_dict(language)
        data["lang"] = language
        data["verdict"] = {"code": self.verdict, "message": self.verdict_message()}
        if self.old_badge is not None:
            data["openBadges2"] = self.old_badge.to_dict()
        standing = self.issuer_standing
        data["issuerRecognition"] = standing.to_dict() if standing is not None else None
        return data


def _report_record(report: VerificationReport, *, with_credential: bool) -> dict[str, Any]:
    record: dict[str, Any] = {
        "format": report.source_format,
        "checks": [
            {
                "name": check.name,
                "status": check.status.value,
                "code": check.code,
                # JSON all through (parameters are texts and numbers; anything else is kept as text)
                "params": json.loads(json.dumps(check.params, default=str)),
                "details": check.details,
            }
            for check in report.checks
        ],
        "endorsements": [
            _report_record(endorsement, with_credential=True) for endorsement in report.endorsement_reports
        ],
    }
    if with_credential:
        record["credential"] = report.credential
    return record


def _report_from_record(record: dict[str, Any]) -> VerificationReport:
    checks = []
    for item in record.get("checks") or []:
        try:
            status = Status(item.get("status"))
        except ValueError:
            continue
        checks.append(
            Check(str(item.get("name")), status, str(item.get("code")), dict(item.get("params") or {}),
                  str(item.get("details") or ""))
        )  # fmt: skip
    return VerificationReport(
        checks=checks,
        credential=record.get("credential"),
        source_format=str(record.get("format") or "json"),
        endorsement_reports=[_report_from_record(item) for item in record.get("endorsements") or []],
    )


def verdict_of(report: VerificationReport) -> str:
    """The one word for the whole report, most serious first."""
    failed = {check.name: check for check in report.checks if check.status == Status.FAILED}
    if "format" in failed:
        return {
            "format.too_large": "too_large",
            "format.not_credential": "not_credential",
            "format.ob2": "ob2",
        }.get(failed["format"].code, "unreadable")
    if "proof" in failed:
        return {"proof.missing": "unsigned", "proof.unsupported": "unsupported_proof"}.get(
            failed["proof"].code, "altered"
        )
    if "schema" in failed or "contexts" in failed:
        return "nonconforming"
    if "binding" in failed:
        return "unconfirmed_issuer"
    if "status" in failed:
        return {"status.revoked": "revoked", "status.suspended": "suspended"}.get(
            failed["status"].code, "unconfirmed_status"
        )
    if "validity" in failed:
        return {"validity.expired": "expired", "validity.not_yet": "not_yet"}.get(
            failed["validity"].code, "invalid_dates"
        )
    kinds = (report.credential or {}).get("type")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    if not {"OpenBadgeCredential", "AchievementCredential"} & {k for k in kinds if isinstance(k, str)}:
        return "valid_other"
    return "valid_warnings" if report.warnings else "valid"


def _failed_format(code: str, **params: Any) -> VerificationReport:
    return VerificationReport(checks=[Check("format", Status.FAILED, code, params)])


def too_large(size: int) -> Outcome:
    return Outcome(_failed_format("format.too_large", size=size, limit=MAX_INPUT_BYTES), "too_large")


def reencoded_png(data: bytes) -> bytes | None:
    """A small PNG re-encoded by Pillow from the pixels of a PNG (never the file itself: the baked
    credential, text chunks and any other metadata stay out); None when it cannot be made safely."""
    if not data.startswith(b"\x89PNG\r\n\x1a\n") or len(data) < 24 or data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", data[16:24])
    if not 0 < width * height <= PREVIEW_PIXELS:
        return None
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data), formats=["PNG"]) as image:
            image.load()
            picture = image.convert("RGBA")
        picture.thumbnail((PREVIEW_SIZE, PREVIEW_SIZE))
        out = io.BytesIO()
        picture.save(out, format="PNG", optimize=True)
    except Exception:  # Pillow raises many kinds of errors on damaged files: then no preview
        return None
    return out.getvalue()


def _preview(data: bytes) -> str | None:
    """The re-encoded PNG of an uploaded PNG as a data: URI; None when it cannot be made safely."""
    png = reencoded_png(data)
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii") if png else None


def _suspended_here(report: VerificationReport) -> bool:
    """Whether a credential reported revoked is one of the platform's own, only suspended: its one
    status entry (revocation) is set by a suspension too, and the platform knows which it was."""
    from carnet.issuing.models import IssuedCredential

    credential_id = (report.credential or {}).get("id")
    if not isinstance(credential_id, str) or not credential_id.startswith("urn:uuid:"):
        return False
    try:
        found = IssuedCredential.objects.filter(uuid=credential_id.removeprefix("urn:uuid:")).first()
    except ValidationError:
        return False
    return (
        found is not None
        and found.status == IssuedCredential.Status.SUSPENDED
        and (found.document.get("issuer") or {}).get("id") == report.issuer_id
    )


def _told_suspended(report: VerificationReport) -> str:
    """The report's verdict, a "revoked" one of the platform's suspended credentials told as such."""
    verdict = verdict_of(report)
    if verdict == "revoked" and _suspended_here(report):
        report.checks = [
            Check("status", Status.FAILED, "status.suspended", {}, check.details)
            if check.name == "status"
            else check
            for check in report.checks
        ]
        verdict = "suspended"
    return verdict


def _verify(data: Any) -> Outcome:
    fetcher = fetching.open_fetcher()
    resolver = identity.resolver(fetcher=fetcher)
    report = verify(data, resolver=resolver)
    verdict = _told_suspended(report)
    claims = claims_module.read(report.credential, report) if report.credential is not None else None
    # Nothing read elsewhere: fetching off, or an open fetcher that asked nothing (any other fetcher
    # may have answered from anywhere).
    quiet = isinstance(fetcher, fetching.NoFetcher) or getattr(fetcher, "fetched", None) == []
    return Outcome(report, verdict, claims, fetched=not quiet)


def _old_badge(payload: dict[str, Any] | str, source: str, fetched_from: str | None = None) -> Outcome:
    badge = ob2.explain(payload, source, fetching.open_fetcher(), fetched_from=fetched_from)
    report = VerificationReport(
        checks=[Check("format", Status.FAILED, "format.ob2")], source_format=f"ob2-{source}"
    )
    return Outcome(report, "ob2", old_badge=badge, fetched=True)  # its hosted copy may have been read


def verify_data(data: bytes | str) -> Outcome:
    """Verify what a person pasted or uploaded, or what a program posted."""
    size = len(data.encode("utf-8", "surrogatepass")) if isinstance(data, str) else len(data)
    if size > MAX_INPUT_BYTES:
        return too_large(size)
    if not (data.strip() if isinstance(data, str) else data.strip(b" \t\r\n\xef\xbb\xbf")):
        return Outcome(_failed_format("format.unreadable", reason="empty"), "unreadable")
    found = ob2.detect(data)
    outcome = _old_badge(*found) if found is not None else _verify(data)
    if isinstance(data, bytes) and outcome.claims is not None:
        outcome.preview = _preview(data)
    return outcome


def verify_document(data: dict[str, Any] | str) -> Outcome:
    """Verify a credential a program sent already parsed (a JSON object) or as a VC-JWT, as
    :func:`verify_data` does (the W3C VC API's ``POST /credentials/verify``)."""
    return _verify(data)


def verify_presentation(
    data: dict[str, Any], *, challenge: str | None, domain: str | None
) -> PresentationReport:
    """Verify a verifiable presentation (:func:`carnet.credentials.verify_presentation`) with the
    platform's resolver, and each credential inside it as :func:`verify_document` does."""
    resolver = identity.resolver(fetcher=fetching.open_fetcher())

    def verify_credential(item: Any) -> VerificationReport:
        report = verify(item, resolver=resolver)
        _told_suspended(report)
        return report

    return presentation.verify_presentation(
        data, resolver=resolver, challenge=challenge, domain=domain, verify_credential=verify_credential
    )


class AddressError(Exception):
    """The address could not be used: ``code`` is ``refused`` (not a public https address),
    ``unavailable`` (it answered nothing usable), ``no_link`` (a web page that links to no
    credential) or ``other_host`` (a web page that links to a credential on another host, which is
    not followed); ``details`` says why, in English."""

    def __init__(self, code: str, details: str) -> None:
        super().__init__(details)
        self.code = code
        self.details = details

    @property
    def refused(self) -> bool:
        """Whether the address was refused (the caller's input), rather than unusable."""
        return self.code in ("refused", "other_host")

    def message(self) -> str:
        if self.code == "refused":
            return _(
                "Cette adresse n'a pas été consultée : Carnet ne consulte que des adresses https publiques "
                "(pas d'adresse IP, de réseau privé ni de port particulier). Téléchargez plutôt le document "
                "et téléversez-le."
            )
        if self.code == "no_link":
            return _(
                "Cette page web ne mène à aucune microattestation : elle n'indique pas l'adresse de son "
                "document. Donnez l'adresse du document lui-même, ou téléchargez-le et téléversez-le."
            )
        if self.code == "other_host":
            return _(
                "Cette page web renvoie à un document sur un autre site : Carnet ne suit ce lien que vers "
                "le site de la page elle-même. Donnez directement l'adresse du document."
            )
        return _(
            "Cette adresse n'a pas donné de microattestation : elle ne répond pas, ou ne sert ni "
            "microattestation (JSON ou VC-JWT), ni image de badge, ni page qui y mène. Donnez l'adresse "
            "du document lui-même, ou téléchargez-le et téléversez-le."
        )


# What an address a person gives may serve; what it is, is then told by content. (A server often
# says application/octet-stream for a .jwt or a .png file.)
ADDRESS_MEDIA_TYPES = (
    "application/json", "application/*+json", "application/jwt", "application/*+jwt", "text/plain",
    "image/png", "image/svg+xml", "text/html", "application/xhtml+xml", "application/octet-stream",
)  # fmt: skip
ADDRESS_ACCEPT = (
    "application/vc+ld+json, application/ld+json;q=0.9, application/json;q=0.9, application/vc+jwt;q=0.8, "
    "application/jwt;q=0.8, image/png;q=0.7, image/svg+xml;q=0.7, text/html;q=0.5, */*;q=0.1"
)
LINKED_TYPES = ("application/vc+ld+json", "application/ld+json")  # in this order of preference
_HTML_TYPES = ("text/html", "application/xhtml+xml")


@dataclass(frozen=True)
class Retrieved:
    """What an address gave: the credential's bytes as served, the address they came from (the
    linked document's, after a web page), the page that linked to it, and whether the platform
    answered from its own database."""

    data: bytes
    url: str
    via: str | None = None
    own: bool = False


def _own_site(url: str) -> bool:
    try:
        return urllib.parse.urlsplit(url).netloc == urllib.parse.urlsplit(identity.site_url()).netloc
    except ValueError:
        return False


def _own_badge_path() -> re.Pattern[str]:
    from django.conf import settings

    languages = "|".join(re.escape(code) for code, _name in settings.LANGUAGES)
    return re.compile(
        rf"^/(?:(?:{languages})/)?(?:badges/(?P<uuid>[0-9a-fA-F-]{{32,36}})|partage/(?P<token>[A-Za-z0-9_-]{{1,100}}))"
        r"(?:/|\.json)$"
    )


def _own_document(url: str) -> dict[str, Any]:
    """A credential or public document of the platform, from the database: a badge page (``/badges/
    <uuid>/``, its ``.json``, with or without a language prefix) only when its holder shared it, a
    share link only while it works; any other public document (DID, profile, status list) as the
    resolver gives it. Raises :class:`AddressError` (the same whether it does not exist or is
    private: a private credential's address reveals nothing)."""
    from carnet.portfolio.services import shared_document

    path = urllib.parse.urlsplit(url).path
    match = _own_badge_path().match(path)
    if match is not None:
        document = shared_document(uuid=match["uuid"], token=match["token"])
        if document is None:
            raise AddressError("unavailable", "no credential is shared at this address of the platform")
        return document
    try:
        document = identity.resolver().resolve(url)
    except CredentialError as exc:
        raise AddressError("unavailable", str(exc)) from None
    if not isinstance(document, dict):
        raise AddressError("unavailable", "the platform publishes no such document")
    return document


def _fetch(fetcher: Any, url: str, media_types: tuple[str, ...], accept: str) -> Fetched:
    try:
        fetched: Fetched = fetcher.get_bytes(
            url, media_types=media_types, max_bytes=MAX_CREDENTIAL_BYTES, accept=accept
        )
    except Refused as exc:
        raise AddressError("refused", str(exc)) from None
    except FetchError as exc:
        code = "refused" if str(exc).startswith("refused") else "unavailable"
        raise AddressError(code, str(exc)) from None
    return fetched


def _is_web_page(fetched: Fetched) -> bool:
    head = fetched.body[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype html", b"<html")):
        return True
    return fetched.media_type in _HTML_TYPES and not head.startswith((b"<svg", b"<?xml"))


class _LinkFinder(html.parser.HTMLParser):
    """The ``href`` of each ``<link rel="alternate">`` of a credential type, by type."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "link":
            return
        values = {name.lower(): (value or "").strip() for name, value in attrs}
        kind = values.get("type", "").split(";", 1)[0].strip().lower()
        if (
            "alternate" in values.get("rel", "").lower().split()
            and kind in LINKED_TYPES
            and values.get("href")
        ):
            self.found.setdefault(kind, values["href"])


def _credential_link(fetched: Fetched) -> str:
    """The absolute address a web page gives for its credential. Raises :class:`AddressError`."""
    finder = _LinkFinder()
    try:
        finder.feed(fetched.body.decode(fetched.charset or "utf-8", errors="replace"))
        finder.close()
    except LookupError:  # a charset Python does not know
        finder.feed(fetched.body.decode("utf-8", errors="replace"))
    link = next((finder.found[kind] for kind in LINKED_TYPES if kind in finder.found), None)
    if link is None:
        raise AddressError("no_link", f"{fetched.url[:200]} has no <link rel=alternate> to a credential")
    absolute = urllib.parse.urljoin(fetched.url, link[:2048])
    page_host = (urllib.parse.urlsplit(fetched.url).hostname or "").lower()
    try:
        link_host = (urllib.parse.urlsplit(absolute).hostname or "").lower()
    except ValueError:
        link_host = ""
    if link_host != page_host:
        raise AddressError(
            "other_host", f"{fetched.url[:200]} links to {absolute[:200]}, on another host: not followed"
        )
    return absolute


def retrieve(url: str) -> Retrieved:
    """What ``url`` serves, as the credential's bytes: fetched through the guarded fetcher (or read
    from the database for the platform's own addresses), following a web page's link to its
    credential once. Raises :class:`AddressError` when nothing usable was found."""
    url = url.strip()
    if _own_site(url):
        document = _own_document(url)
        return Retrieved(json.dumps(document, ensure_ascii=False).encode("utf-8"), url, own=True)
    fetcher = fetching.open_fetcher()
    fetched = _fetch(fetcher, url, ADDRESS_MEDIA_TYPES, ADDRESS_ACCEPT)
    if not _is_web_page(fetched):
        return Retrieved(fetched.body, url)
    link = _credential_link(fetched)
    linked = _fetch(fetcher, link, JSON_MEDIA_TYPES, ", ".join(LINKED_TYPES) + ", application/json;q=0.9")
    return Retrieved(linked.body, link, via=url)


def verify_retrieved(retrieved: Retrieved) -> Outcome:
    """Verify what :func:`retrieve` found. An Open Badges 2.0 assertion served as JSON at its own
    address has had its hosted check in that very fetch."""
    found = ob2.detect(retrieved.data)
    if found is not None and found[1] == "json":
        return _old_badge(found[0], "url", fetched_from=retrieved.url)
    return verify_data(retrieved.data)


def verify_address(url: str) -> Outcome:
    """Verify the credential found at ``url`` (see :func:`retrieve`). Raises :class:`AddressError`
    when nothing usable was found."""
    return verify_retrieved(retrieve(url))
