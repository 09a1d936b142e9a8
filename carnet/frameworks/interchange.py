"""Import and export of competency frameworks, as CSV and as CASE 1.0 JSON.

CSV (UTF-8, a byte-order mark is written and tolerated; comma-separated, first line = the columns
below, in any order). One row per indicator or level; a competency with neither has one row of type
``competency``. The framework columns repeat on every row, and the competency columns on every row
of that competency (they must agree)::

    framework_slug, framework_version, framework_name_fr, framework_name_en,
    framework_description_fr, framework_description_en, framework_publisher,
    competency_code, competency_name_fr, competency_name_en, competency_description_fr,
    competency_description_en, competency_aligned_to, competency_aligned_url,
    row_type            indicator | level | competency (indicateur | niveau | compétence accepted)
    level_rank          1..n, for levels
    level_name_fr, level_name_en
    text_fr, text_en    the indicator's text, or the level's descriptor

Competencies and indicators keep the order of the file. Objects get new identifiers.

CASE 1.0 (IMS Global Competencies and Academic Standards Exchange, JSON binding of ``CFPackage``):
``CFDocument`` is the framework (``title``, ``description``, ``creator`` = publisher, ``version``);
each competency, indicator and level is a ``CFItem`` (``CFItemType`` ``Competency``, ``Indicator`` or
``Level``; a competency's ``humanCodingScheme`` is its code, ``fullStatement`` its name and ``notes``
its description; an indicator's ``fullStatement`` is its text; a level's ``abbreviatedStatement`` is
its name, ``fullStatement`` its descriptor and ``listEnumeration`` its rank). ``isChildOf``
associations join competencies to the document and indicators and levels to their competency; an
``isRelatedTo`` association records a competency's alignment to a public framework. CASE texts are
French; English texts, the slug and the alignment are carried in ``extensions.carnet`` of each
object. Identifiers are the objects' ``uuid``s, and are kept on import.

An import checks the whole file first and reports each problem with its line (CSV) or its path
(CASE), in French and in English; nothing is written unless the file is valid. Whatever the input,
the only exception raised is :class:`ImportFailed`."""

from __future__ import annotations

import csv
import io
import json
import logging
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils.translation import get_language

from carnet.frameworks import services
from carnet.frameworks.models import Competency, Framework, Indicator, Level, framework_data

logger = logging.getLogger(__name__)

MAX_BYTES = 2 * 1024 * 1024
MAX_PROBLEMS = 100

CSV_COLUMNS = (
    "framework_slug", "framework_version", "framework_name_fr", "framework_name_en",
    "framework_description_fr", "framework_description_en", "framework_publisher",
    "competency_code", "competency_name_fr", "competency_name_en", "competency_description_fr",
    "competency_description_en", "competency_aligned_to", "competency_aligned_url",
    "row_type", "level_rank", "level_name_fr", "level_name_en", "text_fr", "text_en",
)  # fmt: skip
ROW_TYPES = {
    "indicator": "indicator", "indicateur": "indicator",
    "level": "level", "niveau": "level",
    "competency": "competency", "compétence": "competency", "competence": "competency",
}  # fmt: skip
MAX_LENGTHS = {
    "slug": 80, "version": 20, "name_fr": 200, "name_en": 200, "publisher": 200, "code": 40,
    "aligned_to": 200, "aligned_url": 200, "level_name_fr": 100, "level_name_en": 100,
}  # fmt: skip
SLUG = re.compile(r"^[-a-zA-Z0-9_]+$")


@dataclass(frozen=True)
class ImportProblem:
    """What is wrong, and where: a CSV line number, a JSON path, or ``None`` for the whole file."""

    where: int | str | None
    message_fr: str
    message_en: str

    @property
    def is_line(self) -> bool:
        return isinstance(self.where, int)

    def message(self, lang: str | None = None) -> str:
        return self.message_en if (lang or get_language() or "fr")[:2] == "en" else self.message_fr


class ImportFailed(Exception):
    def __init__(self, problems: list[ImportProblem]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems[:MAX_PROBLEMS]


# ---------------------------------------------------------------------------------------- import


def import_framework(*, content: bytes) -> Framework:
    """A new draft framework from a CSV or CASE JSON file (told apart by their first character)."""
    try:
        data = read_file(content)
        problems = check(data)
        if problems:
            raise ImportFailed(problems)
        with transaction.atomic():
            return services.create_framework(fields=data, competencies=data["competencies"])
    except ImportFailed:
        raise
    except (services.FrameworkError, IntegrityError) as exc:  # the same file imported twice at once
        raise ImportFailed(
            [
                _problem(
                    None,
                    "Ce référentiel existe déjà dans cette version.",
                    "This framework version already exists.",
                )
            ]
        ) from exc
    except Exception as exc:  # hostile input must never surface as anything else
        logger.warning("framework import failed unexpectedly", exc_info=True)
        raise ImportFailed([_problem(None, "Fichier illisible.", "Unreadable file.")]) from exc


def read_file(content: bytes) -> dict[str, Any]:
    if len(content) > MAX_BYTES:
        raise ImportFailed(
            [
                _problem(
                    None,
                    f"Le fichier dépasse {MAX_BYTES // 1024 // 1024} Mo.",
                    f"The file is larger than {MAX_BYTES // 1024 // 1024} MB.",
                )
            ]
        )
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFailed(
            [
                _problem(
                    None,
                    "Le fichier n'est pas encodé en UTF-8. Enregistrez-le en « CSV UTF-8 » et réessayez.",
                    "The file is not UTF-8 encoded. Save it as “CSV UTF-8” and try again.",
                )
            ]
        ) from exc
    if text.lstrip().startswith(("{", "[")):
        return read_case(text)
    return read_csv(text)


def read_csv(text: str) -> dict[str, Any]:
    try:
        rows = list(_csv_rows(text))
    except csv.Error as exc:
        raise ImportFailed([_problem(None, f"CSV mal formé : {exc}", f"Malformed CSV: {exc}")]) from exc
    if not rows:
        raise ImportFailed([_problem(None, "Le fichier est vide.", "The file is empty.")])
    header_line, header = rows[0]
    header = [name.strip() for name in header]
    missing = [name for name in CSV_COLUMNS if name not in header]
    unknown = [name for name in header if name not in CSV_COLUMNS]
    if missing or unknown or len(set(header)) != len(header):
        problems = []
        if missing:
            names = ", ".join(missing)
            problems.append(
                _problem(header_line, f"Colonnes manquantes : {names}", f"Missing columns: {names}")
            )
        if unknown:
            names = ", ".join(unknown[:10])
            problems.append(
                _problem(header_line, f"Colonnes inconnues : {names}", f"Unknown columns: {names}")
            )
        if not problems:
            problems.append(_problem(header_line, "Une colonne est en double.", "A column appears twice."))
        raise ImportFailed(problems)

    problems: list[ImportProblem] = []
    data: dict[str, Any] | None = None
    competencies: dict[str, dict[str, Any]] = {}
    for line, values in rows[1:]:
        if not any(value.strip() for value in values):
            continue
        if len(values) != len(header):
            problems.append(
                _problem(
                    line,
                    f"{len(values)} valeurs au lieu de {len(header)}.",
                    f"{len(values)} values instead of {len(header)}.",
                )
            )
            continue
        row = {name: value.strip() for name, value in zip(header, values, strict=True)}
        framework = {name.removeprefix("framework_"): row[name] for name in CSV_COLUMNS[:7]}
        if data is None:
            data = {**framework, "where": line, "competencies": []}
        elif any(data[name] != value for name, value in framework.items()):
            problems.append(
                _problem(
                    line,
                    "Les colonnes du référentiel (framework_…) diffèrent de celles de la première ligne.",
                    "The framework columns (framework_…) differ from those of the first row.",
                )
            )
        fields = {name.removeprefix("competency_"): row[name] for name in CSV_COLUMNS[7:14]}
        competency = competencies.get(fields["code"])
        if competency is None:
            competency = {**fields, "where": line, "indicators": [], "levels": []}
            competencies[fields["code"]] = competency
            data["competencies"].append(competency)
        elif any(competency[name] != value for name, value in fields.items()):
            problems.append(
                _problem(
                    line,
                    f"Les colonnes de la compétence {fields['code']} diffèrent de celles de sa première ligne.",
                    f"The columns of competency {fields['code']} differ from those of its first row.",
                )
            )
        kind = ROW_TYPES.get(row["row_type"].lower())
        if kind == "indicator":
            competency["indicators"].append(
                {"text_fr": row["text_fr"], "text_en": row["text_en"], "where": line}
            )
        elif kind == "level":
            competency["levels"].append(
                {
                    "rank": row["level_rank"],
                    "name_fr": row["level_name_fr"],
                    "name_en": row["level_name_en"],
                    "descriptor_fr": row["text_fr"],
                    "descriptor_en": row["text_en"],
                    "where": line,
                }
            )
        elif kind is None:
            problems.append(
                _problem(
                    line,
                    "row_type doit valoir indicator, level ou competency.",
                    "row_type must be indicator, level or competency.",
                )
            )
    if problems:
        raise ImportFailed(problems)
    if data is None:
        raise ImportFailed(
            [_problem(None, "Aucune compétence dans le fichier.", "No competency in the file.")]
        )
    return data


def _csv_rows(text: str) -> Iterable[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    line = 1
    for values in reader:
        yield line, values
        line = reader.line_num + 1


def read_case(text: str) -> dict[str, Any]:
    try:
        package = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ImportFailed(
            [_problem(None, f"JSON invalide : {exc}", f"Invalid JSON: {exc}")]
            if isinstance(exc, ValueError)
            else [_problem(None, "JSON trop imbriqué.", "JSON nested too deeply.")]
        ) from exc
    problems: list[ImportProblem] = []
    if not isinstance(package, dict) or not isinstance(package.get("CFDocument"), dict):
        raise ImportFailed([_problem("CFDocument", "CFDocument manquant.", "CFDocument is missing.")])
    items = package.get("CFItems", [])
    associations = package.get("CFAssociations", [])
    if not isinstance(items, list) or not isinstance(associations, list):
        raise ImportFailed(
            [
                _problem(
                    None,
                    "CFItems et CFAssociations doivent être des listes.",
                    "CFItems and CFAssociations must be lists.",
                )
            ]
        )
    document = package["CFDocument"]
    extra = _extension(document)
    data: dict[str, Any] = {
        "uuid": _text(document.get("identifier")),
        "slug": _text(extra.get("slug")) or _slug(_text(document.get("title"))),
        "version": _text(document.get("version")) or "1.0",
        "name_fr": _text(document.get("title")),
        "name_en": _text(extra.get("name_en")),
        "description_fr": _text(document.get("description")),
        "description_en": _text(extra.get("description_en")),
        "publisher": _text(document.get("creator")),
        "where": "CFDocument",
        "competencies": [],
    }
    by_id: dict[str, tuple[str, dict[str, Any]]] = {}
    for index, item in enumerate(items):
        path = f"CFItems[{index}]"
        if not isinstance(item, dict) or not _text(item.get("identifier")):
            problems.append(_problem(path, "Élément sans identifiant.", "Item without an identifier."))
            continue
        by_id[_text(item["identifier"])] = (path, item)
    children: dict[str, list[tuple[float, str]]] = {}
    for index, association in enumerate(associations):
        path = f"CFAssociations[{index}]"
        if not isinstance(association, dict):
            problems.append(_problem(path, "Association invalide.", "Invalid association."))
            continue
        if association.get("associationType") != "isChildOf":
            continue
        origin, destination = association.get("originNodeURI"), association.get("destinationNodeURI")
        if not isinstance(origin, dict) or not isinstance(destination, dict):
            problems.append(
                _problem(
                    path,
                    "originNodeURI ou destinationNodeURI manquant.",
                    "originNodeURI or destinationNodeURI is missing.",
                )
            )
            continue
        child, parent = _text(origin.get("identifier")), _text(destination.get("identifier"))
        if child not in by_id or (parent not in by_id and parent != data["uuid"]):
            problems.append(
                _problem(
                    path, "L'association relie un élément inconnu.", "The association links an unknown item."
                )
            )
            continue
        sequence = association.get("sequenceNumber")
        order = (
            float(sequence) if isinstance(sequence, int | float) and not isinstance(sequence, bool) else 0.0
        )
        children.setdefault(parent, []).append((order, child))
    for parent in children:
        children[parent].sort(key=lambda pair: pair[0])
    placed: set[str] = set()
    for _order, identifier in children.get(data["uuid"], []):
        path, item = by_id[identifier]
        placed.add(identifier)
        extra = _extension(item)
        competency = {
            "uuid": identifier,
            "code": _text(item.get("humanCodingScheme")),
            "name_fr": _text(item.get("fullStatement")),
            "name_en": _text(extra.get("name_en")),
            "description_fr": _text(item.get("notes")),
            "description_en": _text(extra.get("description_en")),
            "aligned_to": _text(extra.get("aligned_to")),
            "aligned_url": _text(extra.get("aligned_url")),
            "where": path,
            "indicators": [],
            "levels": [],
        }
        for _order, child_id in children.get(identifier, []):
            child_path, child = by_id[child_id]
            placed.add(child_id)
            child_extra = _extension(child)
            kind = _text(child.get("CFItemType")).lower()
            if kind in ("level", "proficiency level", "niveau"):
                competency["levels"].append(
                    {
                        "uuid": child_id,
                        "rank": _text(child.get("listEnumeration")),
                        "name_fr": _text(child.get("abbreviatedStatement")),
                        "name_en": _text(child_extra.get("name_en")),
                        "descriptor_fr": _text(child.get("fullStatement")),
                        "descriptor_en": _text(child_extra.get("descriptor_en")),
                        "where": child_path,
                    }
                )
            else:
                competency["indicators"].append(
                    {
                        "uuid": child_id,
                        "text_fr": _text(child.get("fullStatement")),
                        "text_en": _text(child_extra.get("text_en")),
                        "where": child_path,
                    }
                )
        data["competencies"].append(competency)
    for identifier, (path, _item) in by_id.items():
        if identifier not in placed:
            problems.append(
                _problem(
                    path,
                    "Élément rattaché ni au document ni à une compétence (association isChildOf).",
                    "Item attached neither to the document nor to a competency (isChildOf association).",
                )
            )
    if problems:
        raise ImportFailed(problems)
    return data


def _extension(obj: dict[str, Any]) -> dict[str, Any]:
    extensions = obj.get("extensions")
    carnet = extensions.get("carnet") if isinstance(extensions, dict) else None
    return carnet if isinstance(carnet, dict) else {}


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return ""


def _slug(title: str) -> str:
    from django.utils.text import slugify

    return slugify(title)[:80]


def _problem(where: int | str | None, fr: str, en: str) -> ImportProblem:
    return ImportProblem(where, fr, en)


def check(data: dict[str, Any]) -> list[ImportProblem]:
    """Every problem of ``data`` (as :func:`read_csv` or :func:`read_case` give it)."""
    problems: list[ImportProblem] = []
    where = data.get("where")

    def require(obj: dict[str, Any], name: str, label_fr: str, label_en: str) -> None:
        if not obj.get(name):
            problems.append(
                _problem(obj.get("where"), f"{label_fr} est obligatoire.", f"{label_en} is required.")
            )

    def limit(obj: dict[str, Any], name: str, key: str | None = None) -> None:
        maximum = MAX_LENGTHS[key or name]
        if len(str(obj.get(name, ""))) > maximum:
            problems.append(
                _problem(
                    obj.get("where"),
                    f"{name} dépasse {maximum} caractères.",
                    f"{name} is longer than {maximum} characters.",
                )
            )

    require(data, "slug", "L'identifiant court du référentiel", "The framework's slug")
    require(data, "name_fr", "Le nom français du référentiel", "The framework's French name")
    require(data, "version", "La version du référentiel", "The framework's version")
    for name in ("slug", "version", "name_fr", "name_en", "publisher"):
        limit(data, name)
    if data.get("slug") and not SLUG.match(data["slug"]):
        problems.append(
            _problem(
                where,
                "L'identifiant court ne peut contenir que des lettres non accentuées, des chiffres et des tirets.",
                "The slug may only hold unaccented letters, digits and hyphens.",
            )
        )
    if Framework.objects.filter(slug=data.get("slug", ""), version=data.get("version", "")).exists():
        problems.append(
            _problem(
                where,
                f"Le référentiel {data.get('slug')} existe déjà en version {data.get('version')}. Changez la version pour importer une nouvelle version.",
                f"Framework {data.get('slug')} already exists in version {data.get('version')}. Change the version to import a new one.",
            )
        )
    if not data.get("competencies"):
        problems.append(
            _problem(where, "Le référentiel n'a aucune compétence.", "The framework has no competency.")
        )
    codes: set[str] = set()
    for competency in data.get("competencies", []):
        at = competency.get("where")
        require(competency, "code", "Le code de la compétence", "The competency's code")
        require(competency, "name_fr", "Le nom français de la compétence", "The competency's French name")
        for name in ("code", "name_fr", "name_en", "aligned_to", "aligned_url"):
            limit(competency, name)
        code = competency.get("code", "")
        if code and code in codes:
            problems.append(_problem(at, f"Le code {code} est en double.", f"Code {code} appears twice."))
        codes.add(code)
        if competency.get("aligned_url"):
            try:
                URLValidator(schemes=["http", "https"])(competency["aligned_url"])
            except ValidationError:
                problems.append(
                    _problem(
                        at,
                        "L'adresse de la correspondance n'est pas une adresse web valide.",
                        "The alignment address is not a valid web address.",
                    )
                )
        for indicator in competency.get("indicators", []):
            require(indicator, "text_fr", "Le texte français de l'indicateur", "The indicator's French text")
        ranks = []
        for level in competency.get("levels", []):
            require(level, "name_fr", "Le nom français du niveau", "The level's French name")
            limit(level, "name_fr", "level_name_fr")
            limit(level, "name_en", "level_name_en")
            rank = str(level.get("rank", ""))
            if not rank.isdigit() or len(rank) > 3:
                problems.append(
                    _problem(
                        level.get("where"),
                        "Le rang du niveau doit être un nombre entier.",
                        "The level's rank must be a whole number.",
                    )
                )
                continue
            level["rank"] = int(rank)
            ranks.append(level["rank"])
        if ranks and sorted(ranks) != list(range(1, len(ranks) + 1)):
            problems.append(
                _problem(
                    at,
                    f"Les rangs des niveaux de {code} doivent aller de 1 à {len(ranks)}, sans trou ni doublon.",
                    f"The level ranks of {code} must run from 1 to {len(ranks)}, with no gap or repeat.",
                )
            )
        competency["levels"].sort(key=lambda level: level["rank"] if isinstance(level["rank"], int) else 0)
    problems.extend(_check_uuids(data))
    return problems


def _check_uuids(data: dict[str, Any]) -> list[ImportProblem]:
    """CASE identifiers must be UUIDs, each used once, by nothing already in the database."""
    problems: list[ImportProblem] = []
    objects = [(data, Framework)]
    for competency in data.get("competencies", []):
        objects.append((competency, Competency))
        objects += [(indicator, Indicator) for indicator in competency.get("indicators", [])]
        objects += [(level, Level) for level in competency.get("levels", [])]
    seen: set[uuid.UUID] = set()
    for obj, model in objects:
        if not obj.get("uuid"):
            continue
        try:
            value = uuid.UUID(str(obj["uuid"]))
        except ValueError:
            problems.append(
                _problem(
                    obj.get("where"), "L'identifiant n'est pas un UUID.", "The identifier is not a UUID."
                )
            )
            continue
        if value in seen or model.objects.filter(uuid=value).exists():
            problems.append(
                _problem(
                    obj.get("where"),
                    f"L'identifiant {value} est déjà utilisé.",
                    f"Identifier {value} is already in use.",
                )
            )
        seen.add(value)
    return problems


# ---------------------------------------------------------------------------------------- export


def write_csv(framework: Framework) -> str:
    """The framework as CSV, with a byte-order mark so that spreadsheets read it as UTF-8."""
    data = framework_data(framework)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    head = [data[name.removeprefix("framework_")] for name in CSV_COLUMNS[:7]]
    for competency in data["competencies"]:
        row = head + [competency[name.removeprefix("competency_")] for name in CSV_COLUMNS[7:14]]
        for indicator in competency["indicators"]:
            writer.writerow([*row, "indicator", "", "", "", indicator["text_fr"], indicator["text_en"]])
        for level in competency["levels"]:
            writer.writerow(
                [
                    *row,
                    "level",
                    level["rank"],
                    level["name_fr"],
                    level["name_en"],
                    level["descriptor_fr"],
                    level["descriptor_en"],
                ]
            )
        if not competency["indicators"] and not competency["levels"]:
            writer.writerow([*row, "competency", "", "", "", "", ""])
    return "\ufeff" + out.getvalue()


def write_case(framework: Framework) -> dict[str, Any]:
    """The framework as a CASE 1.0 ``CFPackage``."""
    data = framework_data(framework, with_uuids=True)
    changed = framework.updated_at.isoformat(timespec="seconds")

    def link(title: str, identifier: str) -> dict[str, str]:
        return {"title": title, "identifier": identifier, "uri": f"urn:uuid:{identifier}"}

    document_link = link(data["name_fr"], data["uuid"])
    document = {
        "identifier": data["uuid"],
        "uri": f"urn:uuid:{data['uuid']}",
        "creator": data["publisher"] or "Carnet",
        "title": data["name_fr"],
        "description": data["description_fr"],
        "version": data["version"],
        "language": "fr",
        "adoptionStatus": {"draft": "Draft", "published": "Adopted", "archived": "Deprecated"}[
            framework.status
        ],
        "lastChangeDateTime": changed,
        "CFPackageURI": link(data["name_fr"], data["uuid"]),
        "extensions": {
            "carnet": {
                "slug": data["slug"],
                "name_en": data["name_en"],
                "description_en": data["description_en"],
            }
        },
    }
    items: list[dict[str, Any]] = []
    associations: list[dict[str, Any]] = []

    def add(item: dict[str, Any], parent: dict[str, str], sequence: int) -> None:
        item.update(
            uri=f"urn:uuid:{item['identifier']}",
            CFDocumentURI=document_link,
            language="fr",
            lastChangeDateTime=changed,
        )
        items.append(item)
        associations.append(
            _association(
                "isChildOf",
                link(item["fullStatement"][:60], item["identifier"]),
                parent,
                sequence,
                document_link,
                changed,
            )
        )

    for position, competency in enumerate(data["competencies"], start=1):
        extra = {
            name: competency[name] for name in ("name_en", "description_en", "aligned_to", "aligned_url")
        }
        add(
            {
                "identifier": competency["uuid"],
                "CFItemType": "Competency",
                "humanCodingScheme": competency["code"],
                "fullStatement": competency["name_fr"],
                "notes": competency["description_fr"],
                "extensions": {"carnet": extra},
            },
            document_link,
            position,
        )
        parent = link(competency["name_fr"], competency["uuid"])
        if competency["aligned_url"]:
            target = str(uuid.uuid5(uuid.NAMESPACE_URL, competency["aligned_url"]))
            associations.append(
                _association(
                    "isRelatedTo",
                    parent,
                    {
                        "title": competency["aligned_to"],
                        "identifier": target,
                        "uri": competency["aligned_url"],
                    },
                    None,
                    document_link,
                    changed,
                )
            )
        for sequence, indicator in enumerate(competency["indicators"], start=1):
            add(
                {
                    "identifier": indicator["uuid"],
                    "CFItemType": "Indicator",
                    "fullStatement": indicator["text_fr"],
                    "extensions": {"carnet": {"text_en": indicator["text_en"]}},
                },
                parent,
                sequence,
            )
        for level in competency["levels"]:
            add(
                {
                    "identifier": level["uuid"],
                    "CFItemType": "Level",
                    "abbreviatedStatement": level["name_fr"],
                    "fullStatement": level["descriptor_fr"] or level["name_fr"],
                    "listEnumeration": str(level["rank"]),
                    "extensions": {
                        "carnet": {"name_en": level["name_en"], "descriptor_en": level["descriptor_en"]}
                    },
                },
                parent,
                100 + level["rank"],
            )
    return {"CFDocument": document, "CFItems": items, "CFAssociations": associations}


def _association(
    kind: str,
    origin: dict[str, str],
    destination: dict[str, str],
    sequence: int | None,
    document: dict[str, str],
    changed: str,
) -> dict[str, Any]:
    identifier = str(uuid.uuid5(uuid.UUID(origin["identifier"]), f"{kind}:{destination['identifier']}"))
    association: dict[str, Any] = {
        "identifier": identifier,
        "uri": f"urn:uuid:{identifier}",
        "associationType": kind,
        "originNodeURI": origin,
        "destinationNodeURI": destination,
        "CFDocumentURI": document,
        "lastChangeDateTime": changed,
    }
    if sequence is not None:
        association["sequenceNumber"] = sequence
    return association
