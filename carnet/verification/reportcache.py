"""Reports of the verification API kept for a minute, for the same credential sent again.

The same badge is verified again and again — by each recruiter who opens a candidate's file, by an
applicant tracking system at each step — and its full verification (its proofs, its endorsements'
proofs, its issuer's keys, its status list) costs far more than the request. A report is kept under
the exact bytes sent and the language, with:

* the *generation* of the platform's public documents it was made from: the latest change of any
  status list, of any signing key and of the registry of known issuers (carnet.trust), read by one
  small query before the verification and again at each reuse (carnet.site.db.fetch_one: given
  again without asking while the database is known not to have changed) — a revocation, a
  suspension, a reinstatement, a key rotated or retired, an issuer added to the registry or
  withdrawn from it makes every kept report stale at once;
* the moment it stops holding: a minute at most, and never past a date the credential or its
  endorsements name (``validFrom``, ``validUntil``), when a "valid" becomes "expired".

A report whose verification read anything from another site (an issuer's DID document, a status
list elsewhere, a hosted Open Badges 2.0 assertion) is never kept: nothing says when those change.
"""

from __future__ import annotations

import functools
import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.utils import timezone

from carnet.site.db import fetch_one

SECONDS = 60
DATE_FIELDS = frozenset({"validFrom", "validUntil", "issuanceDate", "expirationDate"})

_TEMPLATE = """
SELECT (SELECT MAX(updated_at) FROM {status_lists}), (SELECT COUNT(*) FROM {keys}),
       (SELECT MAX(created_at) FROM {keys}), (SELECT MAX(retired_at) FROM {keys}),
       (SELECT COUNT(*) FROM {known}), (SELECT MAX(updated_at) FROM {known})
"""


@functools.cache
def _query() -> str:
    from carnet.issuing.models import SigningKey, StatusList
    from carnet.trust.models import KnownIssuer

    return _TEMPLATE.format(
        status_lists=StatusList._meta.db_table,
        keys=SigningKey._meta.db_table,
        known=KnownIssuer._meta.db_table,
    )


def generation() -> str:
    """The state of the platform's status lists, signing keys and known issuers, as one string (one query)."""
    row = fetch_one(_query(), reuse=True)
    assert row is not None  # an aggregate query has one row
    return "|".join(str(value) for value in row)


def key_for(body: bytes, language: str) -> str:
    return f"verification-report:{language}:{hashlib.sha256(body).hexdigest()}"


def get(key: str, current: str) -> bytes | None:
    """The kept report, if it was made from the ``current`` generation and still holds."""
    kept = cache.get(key)
    if kept is None:
        return None
    made_from, until, body = kept
    if made_from != current or timezone.now() >= until:
        return None
    return body


def put(key: str, made_from: str, document: Any, body: bytes) -> None:
    """Keep ``body`` (the report of ``document``), made from generation ``made_from``."""
    now = timezone.now()
    until = min([now + timedelta(seconds=SECONDS), *(moment for moment in _dates(document) if moment > now)])
    if until > now:
        cache.set(key, (made_from, until, body), SECONDS)


def _dates(document: Any, depth: int = 0) -> list[datetime]:
    """The moments of the document's validity fields, and of those of the documents it embeds."""
    found: list[datetime] = []
    if depth > 16:
        return found
    if isinstance(document, dict):
        for name, value in document.items():
            if name in DATE_FIELDS and isinstance(value, str):
                try:
                    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
                except ValueError:
                    continue
                found.append(moment if moment.tzinfo else moment.replace(tzinfo=UTC))
            else:
                found += _dates(value, depth + 1)
    elif isinstance(document, list):
        for item in document:
            found += _dates(item, depth + 1)
    return found
