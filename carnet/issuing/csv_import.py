"""The rows of a bulk issuance: reading them from a CSV file as people really have them, and checking
them — one check for the organisation API's rows and the CSV file's (:func:`row_errors`).

A file is read as UTF-8 (with or without a byte order mark), UTF-16 with its mark, or else as
Windows-1252 (what Excel writes by default); its delimiter is ``,``, ``;`` (French Excel) or a tab,
whichever the header line has most; its headers are French or English (:data:`COLUMNS`). A file too
big, with too many rows, binary or without an email column is refused as a whole; each row then gets
its own verdict: an error (it will not be issued), a warning (it will be, but look) or nothing.

The CSV files Carnet writes back (the template, the report, the results) go through :func:`safe_cell`:
a spreadsheet would run a cell starting with ``=``, ``+``, ``-`` or ``@`` as a formula."""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.validators import validate_email
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from carnet.catalogue.models import MicroCredentialVersion
from carnet.issuing.models import IssuedCredential

MAX_EMAIL, MAX_NAME, MAX_URL, MAX_TEXT = 254, 200, 2000, 10_000
URL = re.compile(r"^https?://\S+$")

# Each field of a row, and the headers that name it (compared without case, accents, spaces or
# punctuation). The evidence columns describe one piece of evidence, as the API's ``evidence`` items.
COLUMNS: dict[str, tuple[str, ...]] = {
    "email": ("courriel", "email", "e-mail", "mail", "adresse courriel", "adresse électronique",
              "adresse e-mail", "email address", "courriel du destinataire"),
    "name": ("nom", "name", "nom complet", "full name", "prénom et nom", "personne"),
    "narrative": ("récit", "preuve", "preuve récit", "narrative", "evidence", "evidence narrative"),
    "url": ("url", "lien", "preuve url", "lien de la preuve", "evidence url"),
    "evidence_name": ("titre de la preuve", "preuve titre", "preuve nom", "evidence name"),
    "description": ("description", "preuve description", "evidence description"),
    "genre": ("genre", "type de preuve", "preuve genre", "evidence genre"),
}  # fmt: skip
EVIDENCE_FIELDS = {"narrative": "narrative", "url": "url", "evidence_name": "name",
                   "description": "description", "genre": "genre"}  # fmt: skip
TEMPLATE_HEADERS = ["courriel", "nom", "preuve_recit", "preuve_url"]


def _key(header: str) -> str:
    text = unicodedata.normalize("NFKD", header.strip().lower())
    return re.sub(r"[^a-z0-9]", "", "".join(c for c in text if not unicodedata.combining(c)))


HEADERS = {_key(name): column for column, names in COLUMNS.items() for name in names}


class FileRefused(ValueError):
    """The whole file is refused; the message says why and what to do."""


@dataclass
class Row:
    """One row of the file: ``line`` its line in the file (the header is line 1)."""

    line: int
    email: str
    name: str
    evidence: list[dict[str, Any]]
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def fields(self) -> dict[str, Any]:
        """What the job's row keeps: the evidence as keyword arguments of credentials.model.evidence."""
        evidence = [
            {"narrative": e.get("narrative"), "evidence_id": e.get("url"), "name": e.get("name"),
             "description": e.get("description"), "genre": e.get("genre")}
            for e in self.evidence
        ]  # fmt: skip
        return {"email": self.email, "name": self.name, "evidence": evidence, "line": self.line}


@dataclass
class ParsedFile:
    rows: list[Row]
    ignored_columns: list[str]


def max_bytes() -> int:
    return int(settings.BULK_CSV_MAX_BYTES)


def max_rows() -> int:
    return int(settings.BULK_CSV_MAX_ROWS)


def decode(data: bytes) -> str:
    """The text of an uploaded file: UTF-8 (mark or not), UTF-16 with a mark, else Windows-1252."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise FileRefused(_("Ce fichier n'est pas un fichier CSV lisible.")) from exc
        if "\x00" not in text:  # a NUL character, whatever the encoding, which no database keeps
            return text
    if b"\x00" in data:
        raise FileRefused(
            _(
                "Ce fichier n'est pas un fichier CSV : enregistrez votre tableau au format « CSV » et réessayez."
            )
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise FileRefused(
            _(
                "Ce fichier n'est pas un fichier CSV lisible : enregistrez-le au format « CSV UTF-8 » et réessayez."
            )
        ) from exc


def parse(data: bytes) -> ParsedFile:
    """The rows of a CSV file, each with its line; raises FileRefused for a file that can't be used."""
    if len(data) > max_bytes():
        raise FileRefused(
            _("Ce fichier dépasse %(size)s Mo : découpez-le en plusieurs fichiers.")
            % {"size": f"{max_bytes() / 1_000_000:g}"}
        )
    text = decode(data)
    first_line = text.lstrip("\r\n").split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        records = [
            (number, record)
            for number, record in enumerate(reader, start=1)
            if any(c.strip() for c in record)
        ]
        # enumerate counts records; a quoted cell over several lines is one record, as a spreadsheet shows it
    except csv.Error as exc:
        raise FileRefused(_("Ce fichier CSV est mal formé (%(error)s).") % {"error": exc}) from exc
    if not records:
        raise FileRefused(_("Ce fichier est vide."))
    header = records[0][1]
    columns = [HEADERS.get(_key(name)) for name in header]
    if "email" not in columns:
        raise FileRefused(
            _(
                "Aucune colonne « courriel » (ou « email ») dans la première ligne : ajoutez-la, comme dans le modèle."
            )
        )
    ignored = [
        name.strip() for name, column in zip(header, columns, strict=True) if column is None and name.strip()
    ]
    body = records[1:]
    if not body:
        raise FileRefused(_("Ce fichier n'a aucune ligne après celle des titres de colonnes."))
    if len(body) > max_rows():
        raise FileRefused(
            _("Ce fichier a %(rows)s lignes ; %(max)s au plus : découpez-le en plusieurs fichiers.")
            % {"rows": len(body), "max": max_rows()}
        )
    rows = []
    for line, record in body:
        values: dict[str, str] = {}
        for column, cell in zip(columns, record, strict=False):
            if column and column not in values:
                values[column] = cell.strip()
        evidence = {EVIDENCE_FIELDS[k]: v for k, v in values.items() if k in EVIDENCE_FIELDS and v}
        rows.append(Row(line=line, email=values.get("email", ""), name=values.get("name", ""),
                        evidence=[evidence] if evidence else []))  # fmt: skip
    return ParsedFile(rows=rows, ignored_columns=ignored)


# -- checking rows: one check for the API's rows and the file's --------------------------------------


def email_error(email: str) -> str:
    try:
        if len(email.strip()) > MAX_EMAIL:
            raise ValueError(email)
        validate_email(email.strip())
    except Exception:
        return _("Cette adresse courriel n'est pas valide.")
    return ""


def evidence_errors(items: Iterable[Mapping[str, Any]]) -> list[tuple[int, str]]:
    """Each piece of evidence needs a narrative or an http(s) address."""
    errors = []
    for number, item in enumerate(items):
        url = (item.get("url") or "").strip()
        if not (item.get("narrative") or "").strip() and not url:
            errors.append((number, _("Une preuve a besoin d'un récit (narrative) ou d'une adresse (url).")))
        elif url and (len(url) > MAX_URL or not URL.match(url)):
            errors.append(
                (number, _("L'adresse de la preuve doit commencer par https:// (ou http://), sans espace."))
            )
        elif any(len(str(item.get(k) or "")) > MAX_TEXT for k in ("narrative", "description")):
            errors.append(
                (
                    number,
                    _("Le récit de la preuve est trop long (%(max)s caractères au plus).")
                    % {"max": MAX_TEXT},
                )
            )
    return errors  # fmt: skip


def row_errors(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Every problem that keeps a row from being issued: ``row`` (its place, from 0), ``field``
    (``email``, ``name`` or ``evidence/<n>``) and ``message``. Rows: ``email``, ``name``, ``evidence``
    (mappings with ``narrative``, ``url``, ``name``, ``description``, ``genre``); ``line`` if given
    names a duplicate's first line, else its place."""
    errors: list[dict[str, Any]] = []
    seen: dict[str, Any] = {}
    for number, row in enumerate(rows):
        email = (row.get("email") or "").strip().lower()
        message = email_error(row.get("email") or "")
        if not message and email in seen:
            message = _("Cette adresse est déjà à la ligne %(row)s.") % {"row": seen[email]}
        if message:
            errors.append({"row": number, "field": "email", "message": message})
        seen.setdefault(email, row.get("line", number))
        if len(row.get("name") or "") > MAX_NAME:
            errors.append({"row": number, "field": "name",
                           "message": _("Ce nom est trop long (%(max)s caractères au plus).") % {"max": MAX_NAME}})  # fmt: skip
        for index, text in evidence_errors(row.get("evidence") or []):
            errors.append({"row": number, "field": f"evidence/{index}", "message": text})
        errors.extend(
            {"row": number, "field": field, "message": message} for field, message in _nul_errors(row)
        )
    return errors


def _nul_errors(row: Mapping[str, Any]) -> list[tuple[str, str]]:
    """A NUL character (which the database refuses) in a row's name or evidence (an address with
    one is not valid already)."""
    message = _("Ce texte contient un caractère nul (invisible) : retirez-le et réessayez.")
    errors = [("name", message)] if "\x00" in str(row.get("name") or "") else []
    for index, item in enumerate(row.get("evidence") or []):
        if any("\x00" in str(value or "") for value in item.values()):
            errors.append((f"evidence/{index}", message))
    return errors


def check(rows: list[Row], version: MicroCredentialVersion) -> None:
    """Give each row its errors (not issued) and warnings (issued, but look): whether the person
    already holds this micro-credential, whether they have a Carnet account yet."""
    for error in row_errors(
        [{"email": r.email, "name": r.name, "evidence": r.evidence, "line": r.line} for r in rows]
    ):
        rows[error["row"]].errors.append(error["message"])
    emails = {r.email.strip().lower() for r in rows if not r.errors}
    holders, accounts = set(), set()
    chunk = 500
    listed = sorted(emails)
    for start in range(0, len(listed), chunk):
        part = listed[start : start + chunk]
        holders |= set(
            IssuedCredential.objects.annotate(lowered=Lower("recipient_email"))
            .filter(lowered__in=part, micro_credential_version__micro_credential=version.micro_credential_id,
                    status=IssuedCredential.Status.ACTIVE)
            .values_list("lowered", flat=True)
        )  # fmt: skip
        accounts |= set(
            get_user_model().objects.annotate(lowered=Lower("email")).filter(lowered__in=part)
            .values_list("lowered", flat=True)
        )  # fmt: skip
    for row in rows:
        if row.errors:
            continue
        email = row.email.strip().lower()
        if email in holders:
            row.warnings.append(
                _("Cette personne détient déjà cette microattestation : elle en recevra une deuxième.")
            )
        if email not in accounts:
            row.warnings.append(_("Pas encore de compte Carnet : la personne recevra sa microattestation par courriel, avec une invitation à créer son compte."))  # fmt: skip


# -- writing CSV back --------------------------------------------------------------------------------


def safe_cell(value: Any) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula (OWASP's CSV injection advice)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def write(rows: Iterable[Sequence[Any]]) -> str:
    """CSV text (UTF-8 with a byte order mark, so that Excel reads the accents), every cell safe."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return out.getvalue()


def template() -> str:
    return write(
        [
            TEMPLATE_HEADERS,
            ["alex.tremblay@example.org", "Alex Tremblay", "A animé trois ateliers de groupe.", ""],
            ["sam.roy@example.org", "Sam Roy", "", "https://example.org/portfolio/sam"],
        ]
    )
