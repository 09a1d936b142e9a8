"""Writing to and reading from a person's inbox."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone, translation

from carnet.inbox.messages import SENTENCES
from carnet.inbox.models import Notification


def notify(user: Any, kind: str, *, link: str = "", **data: Any) -> Notification | None:
    """Put a notification of ``kind`` in ``user``'s inbox (nobody to tell when ``user`` is None).
    ``link`` is a path without language prefix; names come as ``title_fr``/``title_en`` pairs."""
    if user is None or not getattr(user, "pk", None):
        return None
    if kind not in SENTENCES:
        raise ValueError(f"unknown notification kind {kind!r}")
    return Notification.objects.create(user=user, kind=kind, link=link, data=data)


def site_path(name: str, *args: Any) -> str:
    """The path of view ``name`` without language prefix (what ``notify`` keeps as a link)."""
    with translation.override(settings.LANGUAGE_CODE):
        return reverse(name, args=args)


def in_language(path: str, language: str) -> str:
    """``path`` (without prefix) as the page in ``language``; unchanged if it is no page of ours."""
    with translation.override(settings.LANGUAGE_CODE):
        try:
            match = resolve(path)
        except Resolver404:
            return path
    with translation.override(language):
        return reverse(match.view_name, args=match.args, kwargs=match.kwargs)


def unread(user: Any) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user, read_at=None)


def mark_read(user: Any, notification: Notification | None = None) -> int:
    """Mark one notification of ``user``'s, or all of them, as read; returns how many changed."""
    pending = unread(user)
    if notification is not None:
        pending = pending.filter(pk=notification.pk)
    return pending.update(read_at=timezone.now())
