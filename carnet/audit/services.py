"""Recording audit events. Services call ``record_event`` inside their own transaction.

An event's actor is a person with an account. What a program does with an organisation's API key is
recorded inside :func:`acting_as` (the API wraps each of its writes in it): every event of the block
then names the key in its data (``api_key``: its prefix, ``api_key_name``), and :func:`actor_name`
says it as who acted."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import models
from django.utils.translation import gettext as _

from carnet.audit.models import AuditEvent
from carnet.site.db import insert_rows

_acting: ContextVar[Mapping[str, str] | None] = ContextVar("carnet_audit_acting", default=None)


@contextmanager
def acting_as(facts: Mapping[str, str]) -> Iterator[None]:
    """Every event recorded in the block carries ``facts`` (who acted, when it is no account) in its data."""
    token = _acting.set(dict(facts))
    try:
        yield
    finally:
        _acting.reset(token)


def record_event(
    *,
    verb: str,
    actor: Any = None,
    organisation: Any = None,
    target: models.Model | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Record that ``actor`` did ``verb`` (a dotted name such as ``credential.issued``) to ``target``.
    An ``actor`` that is not a signed-in account is not kept (see :func:`acting_as`)."""
    return AuditEvent.objects.create(
        verb=verb,
        actor=actor if actor is not None and getattr(actor, "is_authenticated", False) else None,
        organisation=organisation,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        data={**(data or {}), **(_acting.get() or {})},
    )


def record_events(
    *,
    verb: str,
    actor: Any = None,
    organisation: Any = None,
    targets: Sequence[tuple[models.Model, dict[str, Any]]],
) -> list[AuditEvent]:
    """:func:`record_event` for many targets at once (bulk issuance): the same rows, one insert.
    ``targets``: each target with its ``data``."""
    events = [
        AuditEvent(
            verb=verb,
            actor=actor if actor is not None and getattr(actor, "is_authenticated", False) else None,
            organisation=organisation,
            target_type=target._meta.label_lower,
            target_id=str(target.pk),
            data={**data, **(_acting.get() or {})},
        )
        for target, data in targets
    ]
    insert_rows(events)
    return events


def actor_name(event: AuditEvent) -> str:
    """Who did it, in words: the account, or the API key ("" when neither: the platform, or a
    person without an account)."""
    if event.actor is not None:
        return str(event.actor)
    data = event.data if isinstance(event.data, dict) else {}
    if data.get("api_key"):
        return _("Clé d'API « %(name)s » (carnet_%(prefix)s_…)") % {
            "name": data.get("api_key_name", ""),
            "prefix": data["api_key"],
        }
    return ""
