"""The badge page as rendered for visitors who are not signed in, kept for a minute.

A shared badge page is opened by many people who have no account (an employer, someone who followed
a link on LinkedIn), and its rendering — the credential verified, its endorsements, the page drawn —
costs far more than the request. The page is kept under a key made of everything it shows that can
change: the credential's status and when it last changed, whether it has expired, its visibility,
the names of its holder and of its organisation, and the language. That key is read at each request
by one small query (carnet.site.db.fetch_one: given again without asking while the database is known
not to have changed), so a revocation, a suspension, an expiry or a change of visibility shows at
once: the key changes, and the page is drawn again. What never changes once issued (the signed document,
the catalogue version, the endorsements) is not in the key; the full verification is redone at least
every :data:`SECONDS` (a page is kept no longer).

Only visitors with no session and no pending message get a kept page: a signed-in person's page
shows their own header. Share links are never kept (each opening is recorded), nor the answers to
machines (content negotiation picks them before). A kept page holds the marker of the employer
survey, replaced at each request by the visitor's own (carnet.insights.survey).
"""

from __future__ import annotations

import functools
import hashlib
from datetime import UTC
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import get_language

from carnet.site.db import fetch_one

SECONDS = 60
HEADERS = ("Content-Type", "Cache-Control", "Vary", "X-Robots-Tag", "Content-Language")


_TEMPLATE = """
SELECT c.status, c.status_changed_at, c.valid_until, s.visibility, u.display_name, o.name, c.id, c.organisation_id
FROM {credential} c JOIN {organisation} o ON o.id = c.organisation_id
LEFT JOIN {user} u ON u.id = c.recipient_id LEFT JOIN {sharing} s ON s.credential_id = c.id
WHERE c.uuid = %s
"""


@functools.cache
def _query() -> str:
    """The one query of each request: the parts of the key that can change (tables named from the
    models, so a rename cannot leave it behind)."""
    from carnet.accounts.models import User
    from carnet.issuing.models import IssuedCredential
    from carnet.organisations.models import Organisation
    from carnet.portfolio.models import CredentialSharing

    # Table names from the models' metadata; the one value is a parameter.
    tables = {
        "credential": IssuedCredential._meta.db_table, "organisation": Organisation._meta.db_table,
        "user": User._meta.db_table, "sharing": CredentialSharing._meta.db_table,
    }  # fmt: skip
    return _TEMPLATE.format(**tables)


def applies(request: HttpRequest) -> bool:
    """Whether the visitor sees the page every visitor without an account sees."""
    cookies = request.COOKIES
    return request.method in ("GET", "HEAD") and not (
        settings.SESSION_COOKIE_NAME in cookies or "messages" in cookies
    )


def _row(uuid: Any) -> tuple[str, tuple[Any, ...] | None]:
    # As the UUIDField stores it: a uuid in PostgreSQL, 32 hexadecimal digits in SQLite.
    value = str(uuid) if connection.vendor == "postgresql" else str(uuid).replace("-", "")
    return value, fetch_one(_query(), [value], reuse=True)


def key_for(uuid: Any) -> str | None:
    """The key of the page of credential ``uuid`` in the current language; None when the page is
    not for visitors (no such credential, or private)."""
    return lookup(uuid)[0]


def lookup(uuid: Any) -> tuple[str | None, tuple[int, int] | None]:
    """The page's key (as :func:`key_for`) and, read with it, the ids of the credential and of its
    organisation (for a kept page's verification to be counted: carnet.insights)."""
    value, row = _row(uuid)
    if row is None:
        return None, None
    return _key(value, row), (row[6], row[7])


def _key(value: str, row: tuple[Any, ...]) -> str | None:
    status, changed_at, valid_until, visibility, holder, organisation, _id, _issuer = row
    if visibility not in ("link", "public"):
        return None
    if isinstance(valid_until, str):  # SQLite's raw answer, in UTC
        valid_until = parse_datetime(valid_until)
    if valid_until is not None and timezone.is_naive(valid_until):
        valid_until = valid_until.replace(tzinfo=UTC)
    expired = valid_until is not None and valid_until <= timezone.now()
    parts = (value, get_language(), status, str(changed_at), expired, visibility, holder or "", organisation)
    return "badge-page:" + hashlib.sha256("|".join(str(part) for part in parts).encode()).hexdigest()


def get(key: str) -> HttpResponse | None:
    kept = cache.get(key)
    if kept is None:
        return None
    body, headers = kept
    response = HttpResponse(body)
    for name, value in headers.items():
        response[name] = value
    return response


def put(key: str, response: HttpResponse) -> None:
    if response.status_code == 200 and not response.cookies:
        headers = {name: response[name] for name in HEADERS if response.has_header(name)}
        cache.set(key, (response.content, headers), SECONDS)
