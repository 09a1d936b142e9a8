"""The ``data`` of each webhook event: what an organisation's systems need to act, and no more
personal data than the organisation already holds (docs/api.md, "Webhooks", shows each one).

* ``credential.issued``: the credential, its achievement, and the email it was issued to (the
  organisation issued it to that address: its systems match it to their own records);
* ``credential.revoked`` / ``credential.suspended`` / ``credential.reinstated``: the credential (with
  the reason the organisation gave) and its achievement, without the recipient: the id is enough;
* ``endorsement.received``: the request (its id, as on the reviewers' pages) and its achievement;
  of the endorsement only what weighs it (carnet.recognition.strength): the endorser's relationship
  with the learner, how Carnet knows who they are, the period observed; nothing that names the
  endorser (name, email, testimony are read on the request's page, where the endorser's consent to
  be named is honoured).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from carnet.catalogue.models import MicroCredentialVersion
from carnet.issuing.achievements import achievement_url
from carnet.issuing.models import IssuedCredential
from carnet.recognition.models import Endorsement


def _time(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z") if moment else None


def _day(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _achievement(version: MicroCredentialVersion) -> dict[str, Any]:
    return {
        "id": achievement_url(version),
        "name": {"fr": version.name_fr, "en": version.name_en or version.name_fr},
    }


def credential_data(credential: IssuedCredential, *, with_recipient: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "credential": {
            "id": credential.credential_id,
            "status": credential.status,
            "issuedAt": _time(credential.issued_at),
            "validUntil": _time(credential.valid_until),
        },
        "achievement": _achievement(credential.micro_credential_version),
    }
    if credential.status_reason:
        data["credential"]["reason"] = credential.status_reason
    if with_recipient:
        data["recipient"] = {"email": credential.recipient_email}
    return data


def endorsement_data(endorsement: Endorsement) -> dict[str, Any]:
    request = endorsement.invitation.request
    return {
        "request": {"id": str(request.uuid), "status": request.status},
        "endorsement": {
            "receivedAt": _time(endorsement.created_at),
            "relationship": endorsement.relationship,
            "verification": endorsement.verification,
            "periodStart": _day(endorsement.period_start),
            "periodEnd": _day(endorsement.period_end),
        },
        "achievement": _achievement(request.version),
    }
