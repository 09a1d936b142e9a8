"""What every page's header needs."""

from __future__ import annotations

import urllib.parse
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse, translate_url
from django.utils.translation import get_language


def other_language(request: HttpRequest) -> dict[str, Any]:
    """The address of this page in the other language: a plain link (the URL says the language),
    so a page carries no form, no token and nothing of the visitor's session for it."""
    current = (get_language() or "fr")[:2]
    other = "en" if current == "fr" else "fr"
    # French is the site's language (LANGUAGE_CODE, fr-ca): its addresses have no prefix.
    target = settings.LANGUAGE_CODE if other == "fr" else other
    here = request.get_full_path()
    there = translate_url(here, target)
    if there == here:
        # A page whose address carries no language (the OAuth consent page, outside the prefixes):
        # its language comes from the cookie, which the switch sets before coming back here.
        there = reverse("switch_language", args=[other]) + "?" + urllib.parse.urlencode({"next": here})
    return {"other_language": other, "other_language_url": there}
