"""Emails of privacy, in the person's language."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from carnet.site.mail import languages_for, send_templated


def export_ready(export: Any) -> None:
    """Tell the person their archive is ready, with the page to download it from (never the file:
    the download asks them to be signed in)."""
    user = export.user
    with translation.override(user.preferred_language):
        path = reverse("privacy:mine")
    send_templated(
        "privacy/email/export_ready",
        user.email,
        {"link": settings.SITE_URL.rstrip("/") + path, "expires_at": export.expires_at},
        languages=languages_for(user.preferred_language)[:1],
    )
