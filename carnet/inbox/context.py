"""The unread count in the header of every page of a signed-in person (one small indexed query)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from carnet.inbox.services import unread


def inbox(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"inbox_unread": unread(user).count()}
