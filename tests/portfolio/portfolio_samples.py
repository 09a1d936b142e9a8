"""Badges of the import tests (not a test module): Open Badges 3.0 credentials from another issuer,
made for a given person, and Open Badges 2.0 assertions awarded to an email address."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

from carnet.credentials import Ed25519Key, sign
from carnet.credentials import model as ob

ISSUER_SITE = "https://formation.exemple.org"
LEARNER = "learner@example.test"


def badge_for(
    key: Ed25519Key,
    email: str | None = LEARNER,
    *,
    name: str = "Secourisme en milieu de travail",
    alignments: list[dict[str, Any]] | None = None,
    hashed: bool = True,
    subject_id: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """An unsigned OpenBadgeCredential issued by ``key``'s did:key to ``email`` (hashed by default)."""
    issuer = ob.profile(key.controller, "Centre de formation Exemple", url=ISSUER_SITE + "/")
    achievement = ob.achievement(
        f"{ISSUER_SITE}/badges/secourisme",
        name,
        "Donne les premiers soins en attendant les secours.",
        ob.criteria("Réussir la mise en situation évaluée par un formateur agréé."),
        achievement_type="MicroCredential",
        alignments=alignments or [],
    )
    identifiers = []
    if email is not None:
        identity = ob.identity_object(email)
        if not hashed:
            identity = {"type": "IdentityObject", "identityHash": email, "identityType": "emailAddress",
                        "hashed": False}  # fmt: skip
        identifiers.append(identity)
    subject = ob.achievement_subject(achievement, identifiers=identifiers, subject_id=subject_id)
    fields = {"valid_from": datetime.now(UTC).replace(microsecond=0) - timedelta(days=1), **extra}
    return ob.open_badge_credential(issuer=issuer, subject=subject, name=name, **fields)


def signed_badge(key: Ed25519Key, email: str | None = LEARNER, **options: Any) -> dict[str, Any]:
    return sign(badge_for(key, email, **options), key)


def ob2_assertion_for(email: str, *, salt: str = "sel-de-mer", **changes: Any) -> dict[str, Any]:
    """An Open Badges 2.0 hosted assertion awarded to ``email`` (hashed with ``salt``)."""
    from verification_samples import ob2_assertion

    digest = hashlib.sha256((email + salt).encode()).hexdigest()
    return ob2_assertion(
        recipient={"type": "email", "hashed": True, "salt": salt, "identity": f"sha256${digest}"}, **changes
    )
