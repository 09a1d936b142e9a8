"""What every page's header needs."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import translate_url
from django.utils.translation import get_language


def other_language(request: HttpRequest) -> dict[str, Any]:
    """The address of this page in the other language: a plain link (the URL says the language),
    so a page carries no form, no token and nothing of the visitor's session for it."""
    current = (get_language() or "fr")[:2]
    other = "en" if current == "fr" else "fr"
    # French is the site's language (LANGUAGE_CODE, fr-ca): its addresses have no prefix.
    target = settings.LANGUAGE_CODE if other == "fr" else other
    return {"other_language": other, "other_language_url": translate_url(request.get_full_path(), target)}
