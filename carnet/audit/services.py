"""Recording audit events. Services call ``record_event`` inside their own transaction."""

from __future__ import annotations

from typing import Any

from django.db import models

from carnet.audit.models import AuditEvent


def record_event(
    *,
    verb: str,
    actor: Any = None,
    organisation: Any = None,
    target: models.Model | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Record that ``actor`` did ``verb`` (a dotted name such as ``credential.issued``) to ``target``."""
    return AuditEvent.objects.create(
        verb=verb,
        actor=actor if actor is not None and getattr(actor, "is_authenticated", False) else None,
        organisation=organisation,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        data=data or {},
    )
