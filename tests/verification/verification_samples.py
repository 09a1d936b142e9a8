"""Documents and helpers of the verification tests (not a test module): credentials from another
issuer, Open Badges 2.0 assertions, images, and a fetcher that answers from a map."""

from __future__ import annotations

import io
import json
import struct
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from PIL import Image

from carnet.credentials import Ed25519Key
from carnet.credentials import model as ob
from carnet.credentials.errors import FetchError
from carnet.credentials.fetch import Fetched, is_json_media_type, media_type_matches, media_type_of
from carnet.verification import fetching

OB2_CONTEXT = "https://w3id.org/openbadges/v2"
ASSERTION_URL = "https://badges.exemple.org/assertions/42"
BADGE_URL = "https://badges.exemple.org/badges/secourisme"
ISSUER_URL = "https://badges.exemple.org/organisation"


@dataclass
class Served:
    """An answer of :class:`MapFetcher` other than JSON: bytes and the Content-Type said."""

    body: bytes
    content_type: str


class MapFetcher:
    """A fetcher that answers from ``documents`` after the verifier's own address checks, and
    records what it was asked. A value that is an exception is raised; a :class:`Served` is served
    as it is (to ``get_bytes``, or to ``get_json`` if its type is JSON); anything else as JSON."""

    def __init__(self, documents: dict[str, Any] | None = None) -> None:
        self.documents = dict(documents or {})
        self.asked: list[str] = []
        self.accepts: list[str | None] = []

    def _answer(self, url: str) -> Served:
        fetching.check_address(url)
        self.asked.append(url)
        found = self.documents.get(url)
        if isinstance(found, Exception):
            raise found
        if found is None:
            raise FetchError(f"{url} answered HTTP 404 Not Found")
        if isinstance(found, Served):
            return found
        return Served(json.dumps(found).encode(), "application/json")

    def get_json(self, url: str, *, max_bytes: int | None = None) -> Any:
        served = self._answer(url)
        if not is_json_media_type(served.content_type):
            raise FetchError(f"{url} answered {served.content_type}, not JSON")
        return json.loads(served.body)

    def get_bytes(
        self,
        url: str,
        *,
        media_types: tuple[str, ...],
        max_bytes: int | None = None,
        accept: str | None = None,
    ) -> Fetched:
        served = self._answer(url)
        self.accepts.append(accept)
        if not media_type_matches(served.content_type, media_types):
            raise FetchError(f"{url} answered {served.content_type}, not one of {', '.join(media_types)}")
        if max_bytes is not None and len(served.body) > max_bytes:
            raise FetchError(f"{url} answered more than {max_bytes} bytes: refused")
        return Fetched(url, media_type_of(served.content_type), None, served.body)


def altered(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` with one character of its achievement's description changed."""
    changed = json.loads(json.dumps(document))
    achievement = changed["credentialSubject"]["achievement"]
    achievement["description"] = achievement["description"].replace("engagements", "engagementz")
    return changed


def other_credential(key: Ed25519Key, *, name: str = "Secourisme en milieu de travail", **extra: Any):
    """An unsigned OpenBadgeCredential issued by ``key``'s did:key (another issuer than the platform)."""
    issuer = ob.profile(key.controller, "Centre de formation Exemple", url="https://formation.exemple.org/")
    achievement = ob.achievement(
        "https://formation.exemple.org/badges/secourisme",
        name,
        "Donne les premiers soins en attendant les secours.",
        ob.criteria("Réussir la mise en situation évaluée par un formateur agréé."),
        achievement_type="MicroCredential",
    )
    subject = ob.achievement_subject(achievement, identifiers=[ob.identity_object("alex@example.org")])
    now = datetime.now(UTC).replace(microsecond=0)
    fields = {"valid_from": now - timedelta(days=1), **extra}
    return ob.open_badge_credential(issuer=issuer, subject=subject, name=name, **fields)


# -- images ----------------------------------------------------------------------------------------


def small_png(colour: str = "#0b5394") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 64), colour).save(out, format="PNG")
    return out.getvalue()


def png_with_text_chunk(keyword: bytes, text: str) -> bytes:
    """A PNG with an uncompressed iTXt chunk ``keyword`` holding ``text`` (as Open Badges 2.0 bakes)."""
    png = small_png()
    body = keyword + b"\x00\x00\x00\x00\x00" + text.encode("utf-8")
    chunk = (
        struct.pack(">I", len(body))
        + b"iTXt"
        + body
        + struct.pack(">I", zlib.crc32(body, zlib.crc32(b"iTXt")))
    )
    first_idat = png.index(b"IDAT") - 4
    return png[:first_idat] + chunk + png[first_idat:]


# -- Open Badges 2.0 -------------------------------------------------------------------------------


def ob2_assertion(**changes: Any) -> dict[str, Any]:
    assertion = {
        "@context": OB2_CONTEXT,
        "type": "Assertion",
        "id": ASSERTION_URL,
        "recipient": {
            "type": "email",
            "hashed": True,
            "salt": "sel",
            "identity": "sha256$c7ef86405ba71b85acd8e2e95166c4b111448089f2e1599f42fe1bba46e865c5",
        },
        "issuedOn": "2021-03-15T10:00:00Z",
        "badge": {
            "type": "BadgeClass",
            "id": BADGE_URL,
            "name": "Secourisme de base",
            "description": "Connaît les gestes qui sauvent.",
            "criteria": {"narrative": "Avoir suivi la formation de huit heures."},
            "issuer": {
                "type": "Profile",
                "id": ISSUER_URL,
                "name": "Croix de l'Exemple",
                "url": "https://badges.exemple.org/",
            },
        },
        "verification": {"type": "hosted"},
        "evidence": [{"narrative": "Mise en situation réussie le 12 mars."}],
    }
    assertion.update(changes)
    return assertion
