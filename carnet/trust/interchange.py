"""Lists of known issuers, in and out: the JSON file staff import (a list another body publishes,
or one another Carnet platform exported), and the file Carnet exports. The format (docs/roles/staff.md)::

    {"issuers": [{"id": "did:web:exemple.org", "name": "Exemple", "reason": "Pourquoi on le reconnaît"}]}

Carnet's export adds ``format``, ``version``, ``platform`` and ``exportedAt`` at the top and
``addedAt`` to each entry; an import accepts them and ignores their values. Any other member is
refused: a list is read exactly or not at all. Nothing here fetches anything: a list is uploaded.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from carnet.credentials import jsonsafe
from carnet.trust import identifiers
from carnet.trust.models import NAME_LENGTH, REASON_LENGTH, KnownIssuer
from carnet.trust.recognition import own_issuer

FORMAT = "carnet-known-issuers"
VERSION = 1
MAX_BYTES = 256 * 1024
MAX_ENTRIES = 1000
TOP_MEMBERS = frozenset({"issuers", "format", "version", "platform", "exportedAt"})
ENTRY_MEMBERS = frozenset({"id", "name", "reason", "addedAt"})

ADD, SKIP, REFUSE = "add", "skip", "refuse"
OWN = gettext_lazy("C'est un organisme de cette plateforme : il est déjà reconnu.")


class FileRefused(ValueError):
    """The file as a whole cannot be read; nothing of it is imported. The message is for staff."""


@dataclass
class Line:
    """One entry of the file and what an import does with it."""

    position: int
    identifier: str
    name: str
    reason: str
    action: str
    note: str = ""


@dataclass
class Preview:
    lines: list[Line] = field(default_factory=list)

    def of(self, action: str) -> list[Line]:
        return [line for line in self.lines if line.action == action]

    @property
    def to_add(self) -> list[Line]:
        return self.of(ADD)

    @property
    def skipped(self) -> list[Line]:
        return self.of(SKIP)

    @property
    def refused(self) -> list[Line]:
        return self.of(REFUSE)


def clean_text(value: Any, limit: int, *, required: bool) -> str:
    """A name or a reason: text, without control characters, within ``limit``. Raises ValueError
    with a message for staff."""
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise ValueError(_("doit être du texte"))
    text = " ".join(value.split())
    if any(unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co") for char in text):
        raise ValueError(_("contient des caractères invisibles ou de contrôle"))
    if required and not text:
        raise ValueError(_("est vide"))
    if len(text) > limit:
        raise ValueError(_("dépasse %(limit)s caractères") % {"limit": limit})
    return text


def read(content: bytes) -> list[Any]:
    """The entries of the file; raises :class:`FileRefused`."""
    if len(content) > MAX_BYTES:
        raise FileRefused(_("Ce fichier est trop volumineux : 256 Ko au plus."))
    try:
        document = jsonsafe.loads(content, max_bytes=MAX_BYTES, max_depth=4)
    except ValueError as exc:
        raise FileRefused(
            _("Ce fichier n'est pas un JSON valide : %(reason)s") % {"reason": str(exc)[:200]}
        ) from None
    if not isinstance(document, dict) or not isinstance(document.get("issuers"), list):
        raise FileRefused(
            _('Le fichier doit être un objet JSON avec une liste « issuers » : {"issuers": [ … ]}.')
        )
    unknown = sorted(set(document) - TOP_MEMBERS)
    if unknown:
        raise FileRefused(
            _("Le fichier contient des membres inconnus : %(names)s. Seuls %(known)s sont admis.")
            % {"names": ", ".join(name[:40] for name in unknown[:5]), "known": ", ".join(sorted(TOP_MEMBERS))}
        )
    if document.get("format", FORMAT) != FORMAT:
        raise FileRefused(_("Ce fichier n'est pas une liste d'émetteurs reconnus (format inconnu)."))
    if len(document["issuers"]) > MAX_ENTRIES:
        raise FileRefused(_("Ce fichier contient trop d'émetteurs : 1000 au plus."))
    entries: list[Any] = document["issuers"]
    return entries


def _line(position: int, entry: Any, default_reason: str) -> tuple[Line, str | None]:
    """The entry as a line, and its identifier in the registry's form (None when refused)."""
    if not isinstance(entry, dict):
        return Line(position, "", "", "", REFUSE, _("Cette entrée n'est pas un objet JSON.")), None
    shown_id = str(entry.get("id", ""))[:200]
    shown_name = str(entry.get("name", ""))[:200]
    unknown = sorted(set(entry) - ENTRY_MEMBERS)
    if unknown:
        note = _("Membres inconnus : %(names)s.") % {"names": ", ".join(name[:40] for name in unknown[:5])}
        return Line(position, shown_id, shown_name, "", REFUSE, note), None
    if not isinstance(entry.get("id"), str):
        return Line(position, shown_id, shown_name, "", REFUSE, _("L'identifiant « id » manque.")), None
    if own_issuer(entry["id"].strip()) is not None:
        return Line(position, shown_id, shown_name, "", SKIP, str(OWN)), None
    try:
        identifier = identifiers.normalise(entry["id"])
    except identifiers.Invalid as exc:
        return Line(position, shown_id, shown_name, "", REFUSE, str(exc)), None
    try:
        name = clean_text(entry.get("name"), NAME_LENGTH, required=True)
    except ValueError as exc:
        return Line(
            position, identifier, shown_name, "", REFUSE, _("Le nom %(problem)s.") % {"problem": exc}
        ), None
    try:
        reason = clean_text(entry.get("reason"), REASON_LENGTH, required=False) or default_reason
    except ValueError as exc:
        return Line(
            position, identifier, name, "", REFUSE, _("La raison %(problem)s.") % {"problem": exc}
        ), None
    return Line(position, identifier, name, reason, ADD), identifier


def preview(content: bytes, *, default_reason: str) -> Preview:
    """What importing ``content`` would do, entry by entry: add it, skip it (already recognised, or
    twice in the file) or refuse it (and why). Raises :class:`FileRefused`."""
    entries = read(content)
    result = Preview()
    seen: set[str] = set()
    active = set(KnownIssuer.objects.active().values_list("identifier", flat=True))
    for position, entry in enumerate(entries, start=1):
        line, identifier = _line(position, entry, default_reason)
        if identifier is not None:
            if identifier in seen:
                line.action, line.note = SKIP, _("Déjà plus haut dans le fichier.")
            elif identifier in active:
                line.action, line.note = SKIP, _("Déjà dans la liste des émetteurs reconnus.")
            seen.add(identifier)
        result.lines.append(line)
    return result


def export_document(site: str) -> dict[str, Any]:
    """The active registry as a file another Carnet platform can import."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "platform": site,
        "exportedAt": timezone.now().replace(microsecond=0).isoformat(),
        "issuers": [
            {
                "id": entry.identifier,
                "name": entry.name,
                "reason": entry.reason,
                "addedAt": entry.added_at.date().isoformat(),
            }
            for entry in KnownIssuer.objects.active().order_by("name", "pk")
        ],
    }
