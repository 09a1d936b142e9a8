"""JSON Schema validation of Open Badges 3.0 / CLR 2.0 documents, offline, against 1EdTech's schemas.

The schema is chosen from the document's ``type``:

=====================================================  ============================================
``type`` contains                                      validated against
=====================================================  ============================================
``OpenBadgeCredential`` or ``AchievementCredential``   ``ob_v3p0_achievementcredential_schema.json``
``EndorsementCredential``                              ``#/$defs/EndorsementCredential`` of that
                                                       same official file (no registry package
                                                       ships the standalone endorsement schema)
``ClrCredential``                                      no registry package ships the CLR 2.0
                                                       schema: the envelope's required properties
                                                       (CLR 2.0 §B.1) are checked here, its issuer
                                                       against the Profile schema; every
                                                       AchievementCredential in
                                                       ``credentialSubject.verifiableCredential``
                                                       is checked against the OB 3.0 schema
``Profile``                                            ``ob_v3p0_profile_schema.json``
=====================================================  ============================================

Any other ``type`` gives a single problem that names the supported types. The schemas are the
bundled files of :mod:`carnet.credentials.schemas`, pinned by SHA-256. A ``$ref`` to any other
resource is refused, and nothing is ever fetched from the network. Formats (``date-time``,
``date``) are asserted, as 1EdTech's validators do. The validators are compiled once, on first
use, and shared.

Every problem is reported, not only the first. Each problem has a JSONPath-like ``path`` (``$``,
``$.issuer.name``, ``$['@context'][1]``, ``$.credentialSubject.result[0]``) and a message for a
person. A missing required property is reported at the path the property would have, for example
``$.credentialSubject.achievement.criteria``. When a value matches none of the alternatives that
the schema allows (``oneOf``/``anyOf``), the alternative that the value most nearly fits is
explained, rather than all of them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum
from functools import cache, lru_cache
from typing import Any

import jsonschema_rs

from carnet.credentials.errors import SchemaError
from carnet.credentials.schemas import OB_ACHIEVEMENT_CREDENTIAL, OB_PROFILE, SCHEMAS, schema_document

__all__ = ["SUPPORTED_TYPES", "SchemaProblem", "check", "schema_for", "schema_name", "validate"]

SUPPORTED_TYPES: tuple[str, ...] = (
    "OpenBadgeCredential",
    "AchievementCredential",
    "EndorsementCredential",
    "ClrCredential",
    "Profile",
)

_DRAFT_2019_09 = "https://json-schema.org/draft/2019-09/schema"
_ENDORSEMENT_CREDENTIAL = OB_ACHIEVEMENT_CREDENTIAL + "#/$defs/EndorsementCredential"

PathPart = str | int
Path = tuple[PathPart, ...]


@dataclass(frozen=True, slots=True)
class SchemaProblem:
    """One way in which a document does not conform to its schema."""

    path: str  # JSONPath-like: "$", "$.issuer.name", "$['@context'][1]"
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class _Kind(Enum):
    ACHIEVEMENT_CREDENTIAL = "Open Badges 3.0 AchievementCredential"
    ENDORSEMENT_CREDENTIAL = "Open Badges 3.0 EndorsementCredential"
    CLR_CREDENTIAL = "Open Badges 3.0 AchievementCredential (CLR 2.0 contents)"
    PROFILE = "Open Badges 3.0 Profile"


# The schema that each kind of document is validated against, as a whole.
_SCHEMA_URL: dict[_Kind, str] = {
    _Kind.ACHIEVEMENT_CREDENTIAL: OB_ACHIEVEMENT_CREDENTIAL,
    _Kind.ENDORSEMENT_CREDENTIAL: _ENDORSEMENT_CREDENTIAL,
    _Kind.PROFILE: OB_PROFILE,
}


def validate(document: dict[str, Any]) -> list[SchemaProblem]:
    """Every problem of ``document`` against the schema of its ``type``, sorted by path.

    An empty list means that the document conforms. Never raises on bad input: a document that
    is not a JSON object, or has no supported ``type``, gives a problem.
    """
    if not isinstance(document, dict):
        return [SchemaProblem("$", f"must be a JSON object (got {_json_type(document)})")]
    kind = _kind_of(document)
    if kind is None:
        return [_unsupported_type(document)]
    if kind is _Kind.CLR_CREDENTIAL:
        found = _clr_problems(document)
    else:
        found = _problems(_validator(kind), document, ())
    return _sorted(found)


def check(document: dict[str, Any]) -> None:
    """Raise :class:`~carnet.credentials.errors.SchemaError` unless ``document`` conforms."""
    problems = validate(document)
    if problems:
        raise SchemaError([(p.path, p.message) for p in problems])


def has_schema(document: Any) -> bool:
    """Whether an Open Badges 3.0 / CLR 2.0 schema applies to ``document`` (by its ``type``).

    Other verifiable credentials, such as a ``BitstringStatusListCredential``, have none.
    """
    return isinstance(document, dict) and _kind_of(document) is not None


def schema_for(document: dict[str, Any]) -> str | None:
    """The URL of the schema that :func:`validate` applies to ``document`` as a whole.

    The URL may end in a fragment, such as ``…#/$defs/EndorsementCredential``. The result is
    ``None`` for a ``ClrCredential``, whose envelope has no bundled schema, and for an
    unsupported type.
    """
    kind = _kind_of(document) if isinstance(document, dict) else None
    return None if kind is None else _SCHEMA_URL.get(kind)


def schema_name(document: dict[str, Any]) -> str:
    """A short name of what :func:`validate` checks ``document`` against, for a report.

    For example ``"Open Badges 3.0 AchievementCredential"``. For a ``ClrCredential``, it is
    ``"Open Badges 3.0 AchievementCredential (CLR 2.0 contents)"``: only the credentials that
    the record holds are checked. For an unsupported type, it is ``"none"``.
    """
    kind = _kind_of(document) if isinstance(document, dict) else None
    name: str = "none" if kind is None else kind.value
    return name


# --- choosing the schema ----------------------------------------------------------------------


def _types(document: dict[str, Any]) -> list[str]:
    value = document.get("type")
    values = value if isinstance(value, list) else [value]
    return [v for v in values if isinstance(v, str)]


def _kind_of(document: dict[str, Any]) -> _Kind | None:
    types = set(_types(document))
    if "ClrCredential" in types:
        return _Kind.CLR_CREDENTIAL
    if types & {"OpenBadgeCredential", "AchievementCredential"}:
        return _Kind.ACHIEVEMENT_CREDENTIAL
    if "EndorsementCredential" in types:
        return _Kind.ENDORSEMENT_CREDENTIAL
    if "Profile" in types:
        return _Kind.PROFILE
    return None


def _unsupported_type(document: dict[str, Any]) -> SchemaProblem:
    supported = ", ".join(SUPPORTED_TYPES)
    if "type" not in document:
        return SchemaProblem("$.type", f"is missing, so no schema applies (supported types: {supported})")
    return SchemaProblem(
        "$.type",
        f"no schema for type {_show(document['type'])}: the supported types are {supported}",
    )


def _clr_envelope_problems(document: dict[str, Any]) -> list[_Found]:
    """The required properties of a ClrCredential and its ClrSubject (CLR 2.0 §B.1.1, §B.1.2).

    No registry package ships the official CLR 2.0 JSON Schema, so these few rules are written
    here from the specification; the issuer is checked against the official Profile schema.
    """
    found: list[_Found] = []
    for name in ("@context", "id", "type", "issuer", "validFrom", "name", "credentialSubject"):
        if name not in document:
            found.append(_Found((name,), "is required by CLR 2.0"))
    types = _types(document)
    if "VerifiableCredential" not in types:
        found.append(_Found(("type",), 'must include "VerifiableCredential"'))
    issuer = document.get("issuer")
    if isinstance(issuer, dict):
        found += _problems(_validator(_Kind.PROFILE), issuer, ("issuer",))
    elif "issuer" in document and not isinstance(issuer, str):
        found.append(_Found(("issuer",), "must be a Profile object or an IRI", got=_json_type(issuer)))
    subject = document.get("credentialSubject")
    if "credentialSubject" in document and not isinstance(subject, dict):
        found.append(_Found(("credentialSubject",), "must be a ClrSubject object", got=_json_type(subject)))
    elif isinstance(subject, dict):
        if "ClrSubject" not in _types(subject):
            found.append(_Found(("credentialSubject", "type"), 'must include "ClrSubject"'))
        credentials = subject.get("verifiableCredential")
        if not isinstance(credentials, list) or not credentials:
            found.append(
                _Found(("credentialSubject", "verifiableCredential"), "must list at least one credential")
            )
    return found


def _clr_problems(document: dict[str, Any]) -> list[_Found]:
    """The problems of a ClrCredential: its envelope, and the AchievementCredentials inside it."""
    found: list[_Found] = _clr_envelope_problems(document)
    subject = document.get("credentialSubject")
    subjects: Iterable[tuple[Path, Any]]
    if isinstance(subject, list):
        subjects = ((("credentialSubject", i), s) for i, s in enumerate(subject))
    else:
        subjects = ((("credentialSubject",), subject),)
    validator = _validator(_Kind.ACHIEVEMENT_CREDENTIAL)
    for subject_path, each in subjects:
        if not isinstance(each, dict):
            continue
        credentials = each.get("verifiableCredential")
        if isinstance(credentials, dict):
            found += _problems(validator, credentials, (*subject_path, "verifiableCredential"))
        elif isinstance(credentials, list):
            for i, credential in enumerate(credentials):
                if isinstance(credential, dict):
                    found += _problems(validator, credential, (*subject_path, "verifiableCredential", i))
    return found


# --- compiled validators (once, shared) -------------------------------------------------------


def _refuse(uri: str) -> Any:
    raise LookupError(f"{uri} is not a bundled schema and is never fetched")


@cache
def _registry() -> jsonschema_rs.Registry:
    return jsonschema_rs.Registry([(url, schema_document(url)) for url in SCHEMAS], retriever=_refuse)


@cache
def _validator(kind: _Kind) -> jsonschema_rs.Validator:
    url = _SCHEMA_URL[kind]  # KeyError for the ClrCredential envelope: no bundled schema
    # A definition inside an official file ("…#/$defs/…") is used by reference: {"$ref": url}.
    schema = {"$schema": _DRAFT_2019_09, "$ref": url} if "#" in url else schema_document(url)
    return jsonschema_rs.Draft201909Validator(
        schema,
        registry=_registry(),
        validate_formats=True,
        offline=True,
    )


# --- turning validation errors into problems for a person ---------------------------------


@dataclass(frozen=True, slots=True)
class _Found:
    path: Path
    message: str
    got: str | None = None  # the offending value or its type, shown after the message
    # When the value at ``path`` itself has the wrong shape: the shapes the schema wanted.
    wanted: frozenset[str] | None = None

    @property
    def text(self) -> str:
        return self.message if self.got is None else f"{self.message} (got {self.got})"


def _problems(validator: jsonschema_rs.Validator, instance: dict[str, Any], prefix: Path) -> list[_Found]:
    found: list[_Found] = []
    for error in validator.iter_errors(instance):
        found += _explain(error, prefix)
    return found


def _sorted(found: Iterable[_Found]) -> list[SchemaProblem]:
    unique = {(f.path, f.text) for f in found}
    ordered = sorted(unique, key=lambda item: (_path_key(item[0]), item[1]))
    return [SchemaProblem(_format_path(path), message) for path, message in ordered]


def _explain(error: jsonschema_rs.ValidationError, prefix: Path) -> list[_Found]:
    kind = error.kind
    path: Path = (*prefix, *error.instance_path)
    K = jsonschema_rs.ValidationErrorKind
    if isinstance(kind, K.OneOfNotValid | K.AnyOf):
        return _explain_alternatives(error, path, prefix, kind.context)
    if isinstance(kind, K.Required):
        return [_Found((*path, kind.property), "is required but missing")]
    if isinstance(kind, K.Type):
        wanted = frozenset(_shape(t, error) for t in kind.types)
        return [_Found(path, f"must be {_either(wanted)}", _json_type(error.instance), wanted)]
    if isinstance(kind, K.PropertyNames):
        # Only the language maps of the JSON-LD adaptation constrain property names: a value that
        # fails here is an object that is not a language map.
        wanted = frozenset({"a language map"})
        return [_Found(path, "must be a language map", _json_type(error.instance), wanted)]
    if isinstance(kind, K.Format):
        return [_Found(path, _format_message(kind.format, error.instance))]
    if isinstance(kind, K.Contains):
        return [_Found(path, _contains_message(error))]
    if isinstance(kind, K.Enum):
        return [_Found(path, f"must be one of {_show_all(kind.options)}", _show(error.instance))]
    if isinstance(kind, K.Constant):
        return [_Found(path, f"must be {_show(kind.expected_value)}", _show(error.instance))]
    if isinstance(kind, K.Pattern):
        return [_Found(path, f"must match the pattern {kind.pattern}", _show(error.instance))]
    if isinstance(kind, K.MinItems):
        count = len(error.instance) if isinstance(error.instance, list) else 0
        return [_Found(path, f"must have at least {_items(kind.limit)}", str(count))]
    if isinstance(kind, K.MaxItems):
        count = len(error.instance) if isinstance(error.instance, list) else 0
        return [_Found(path, f"must have at most {_items(kind.limit)}", str(count))]
    if isinstance(kind, K.AdditionalProperties):
        return [_Found((*path, name), "is not allowed here") for name in kind.unexpected]
    if isinstance(kind, K.OneOfMultipleValid):
        return [_Found(path, "matches more than one of the forms allowed, and must match exactly one")]
    return [_Found(path, error.message)]


def _explain_alternatives(
    error: jsonschema_rs.ValidationError,
    path: Path,
    prefix: Path,
    branches: Sequence[Sequence[jsonschema_rs.ValidationError]],
) -> list[_Found]:
    """Explain a value that fits none of the alternatives of a ``oneOf`` or ``anyOf``.

    An alternative that rejects the very shape of the value (a string where an object is wanted)
    is a poor explanation when another one accepts the shape and only objects to details: the
    alternative with the fewest such details is reported. When every alternative rejects the
    shape, the shapes they accept are listed instead.
    """
    explained = [[f for e in branch for f in _explain(e, prefix)] for branch in branches]

    def rejects_shape(found: list[_Found]) -> bool:
        return any(f.wanted is not None and f.path == path for f in found)

    fitting = [found for found in explained if found and not rejects_shape(found)]
    if len(fitting) > 1 and all(len(found) == 1 and found[0].path == path for found in fitting):
        # Several alternatives accept the shape and each objects to the value itself, such as an
        # enumeration that may be extended with "ext:" terms: all of them are the explanation.
        return [_Found(path, ", or ".join(found[0].message for found in fitting), fitting[0][0].got)]
    if fitting:
        return min(fitting, key=len)
    wanted = frozenset(
        shape
        for found in explained
        for f in found
        if f.wanted is not None and f.path == path
        for shape in f.wanted
    )
    if wanted:
        return [_Found(path, f"must be {_either(wanted)}", _json_type(error.instance), wanted)]
    return [_Found(path, error.message)]


def _format_message(fmt: str, value: Any) -> str:
    if fmt == "date-time":
        example = "2024-01-31T09:00:00Z"
        return f"{_show(value)} is not a valid date-time: use RFC 3339 with a time zone, like {example}"
    if fmt == "date":
        return f"{_show(value)} is not a valid date: use YYYY-MM-DD, like 2024-01-31"
    return f"{_show(value)} is not a valid {fmt}"


def _contains_message(error: jsonschema_rs.ValidationError) -> str:
    subschema = _subschema(error.absolute_keyword_location)
    if isinstance(subschema, dict):
        options = subschema.get("enum")
        if "const" in subschema:
            options = [subschema["const"]]
        if isinstance(options, list) and len(options) == 1:
            return f"must include {_show(options[0])}"
        if isinstance(options, list) and options:
            return f"must include one of {_show_all(options)}"
    return "must include an item of the kind the schema requires"


def _shape(json_type: str, error: jsonschema_rs.ValidationError) -> str:
    if json_type == "object":
        # In the JSON-LD adaptation, an object with constrained property names is a language map.
        location = error.absolute_keyword_location
        parent = _subschema(location.rsplit("/", 1)[0]) if location else None
        if isinstance(parent, dict) and "propertyNames" in parent:
            return "a language map"
        return "an object"
    return {
        "string": "a string",
        "array": "an array",
        "number": "a number",
        "integer": "an integer",
        "boolean": "true or false",
        "null": "null",
    }.get(json_type, json_type)


@lru_cache(maxsize=512)
def _subschema(location: str | None) -> Any:
    """The part of a bundled schema at an absolute keyword location (``url#/json/pointer``)."""
    if not location or "#" not in location:
        return None
    base, _, pointer = location.partition("#")
    if base not in SCHEMAS:
        return None
    node: Any = schema_document(base)
    for raw in pointer.split("/")[1:]:
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return None
    return node


# --- small helpers ----------------------------------------------------------------------------

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _format_path(path: Path) -> str:
    parts = ["$"]
    for part in path:
        if isinstance(part, int):
            parts.append(f"[{part}]")
        elif _IDENTIFIER.match(part):
            parts.append(f".{part}")
        else:
            escaped = part.replace("\\", "\\\\").replace("'", "\\'")
            parts.append(f"['{escaped}']")
    return "".join(parts)


def _path_key(path: Path) -> tuple[tuple[int, int, str], ...]:
    return tuple((0, part, "") if isinstance(part, int) else (1, 0, part) for part in path)


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list | tuple):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


_SHAPE_ORDER = (
    "a string",
    "a number",
    "an integer",
    "true or false",
    "an object",
    "a language map",
    "an array",
)


def _either(shapes: Iterable[str]) -> str:
    ordered = sorted(
        shapes, key=lambda s: (_SHAPE_ORDER.index(s) if s in _SHAPE_ORDER else len(_SHAPE_ORDER), s)
    )
    if len(ordered) == 1:
        return ordered[0]
    return ", ".join(ordered[:-1]) + " or " + ordered[-1]


def _show(value: Any, limit: int = 80) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _show_all(values: Iterable[Any]) -> str:
    return ", ".join(_show(v) for v in values)


def _items(count: int) -> str:
    return f"{count} item" if count == 1 else f"{count} items"
