"""Translations are complete: every French string of the interface has its English text, compiled."""

from __future__ import annotations

import ast
import gettext
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

LOCALE = Path(__file__).resolve().parents[1] / "carnet" / "locale"
PO = LOCALE / "en" / "LC_MESSAGES" / "django.po"


def entries(po: Path) -> list[tuple[str, str]]:
    """(msgid, msgstr) pairs of a .po file, obsolete entries and the header left out."""
    found: list[tuple[str, str]] = []
    current: dict[str, str] = {}
    field = None
    for line in [*po.read_text(encoding="utf-8").split("\n"), ""]:
        if line.startswith(("msgid ", "msgstr ", "msgid_plural ", "msgstr[0] ")):
            field, _, value = line.partition(" ")
            field = {"msgstr[0]": "msgstr"}.get(field, field)
            current[field] = ast.literal_eval(value)
        elif line.startswith("msgstr["):
            field = None  # further plural forms: the first is enough to tell it is translated
        elif line.startswith('"') and field:
            current[field] += ast.literal_eval(line)
        elif not line.strip():
            if current.get("msgid"):
                found.append((current["msgid"], current.get("msgstr", "")))
            current, field = {}, None
    return found


def test_every_english_string_is_translated():
    assert len(entries(PO)) > 30
    assert [msgid for msgid, msgstr in entries(PO) if not msgstr] == []


def test_the_compiled_catalogue_matches_the_sources():
    with (LOCALE / "en" / "LC_MESSAGES" / "django.mo").open("rb") as mo:
        catalogue = gettext.GNUTranslations(mo)
    for msgid, msgstr in entries(PO):
        assert catalogue.gettext(msgid) == msgstr, msgid


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext (xgettext) is not installed")
def test_every_string_of_the_sources_is_in_the_catalogue(tmp_path):
    """`makemessages` on the sources finds no string that the catalogue lacks: a string marked for
    translation and never added to django.po would show in French on the English pages."""
    copy = tmp_path / "carnet"
    shutil.copytree(LOCALE.parent, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo", "static"))
    env = {
        **os.environ,
        "PYTHONPATH": str(LOCALE.parents[1]),
        "DJANGO_SETTINGS_MODULE": "carnet.site.settings",
    }
    subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-l", "en", "--no-obsolete"],
        cwd=copy, env=env, check=True, capture_output=True,
    )  # fmt: skip
    known = {msgid for msgid, _msgstr in entries(PO)}
    found = {msgid for msgid, _msgstr in entries(copy / "locale" / "en" / "LC_MESSAGES" / "django.po")}
    assert sorted(found - known) == []


FRENCH = LOCALE / "fr" / "LC_MESSAGES" / "django.po"


def test_every_plural_string_has_its_french_forms():
    """French is the source language, but a plural string with no French entry follows gettext's
    default rule (n != 1): "0 certificats". French says "0 certificat"."""
    with (FRENCH.with_suffix(".mo")).open("rb") as mo:
        french = gettext.GNUTranslations(mo)
    plurals = plural_msgids(PO)
    assert len(plurals) > 10
    for msgid, msgid_plural in plurals:
        assert french.ngettext(msgid, msgid_plural, 0) == msgid, msgid
        assert french.ngettext(msgid, msgid_plural, 2) == msgid_plural, msgid


def plural_msgids(po: Path) -> list[tuple[str, str]]:
    """(msgid, msgid_plural) of the plural entries of a .po file."""
    found: list[tuple[str, str]] = []
    field, current = None, {}
    for line in [*po.read_text(encoding="utf-8").split("\n"), ""]:
        if line.startswith(("msgid ", "msgid_plural ")):
            field, _, value = line.partition(" ")
            current[field] = ast.literal_eval(value)
        elif line.startswith('"') and field:
            current[field] += ast.literal_eval(line)
        elif line.startswith("msgstr"):
            field = None
        elif not line.strip():
            if current.get("msgid") and "msgid_plural" in current:
                found.append((current["msgid"], current["msgid_plural"]))
            current, field = {}, None
    return found


def test_zero_takes_the_singular_in_french():
    from django.utils import translation
    from django.utils.translation import ngettext

    with translation.override("fr-ca"):
        assert ngettext("%(counter)s certificat délivré", "%(counter)s certificats délivrés", 0) == (
            "%(counter)s certificat délivré"
        )
    with translation.override("en"):
        assert ngettext("%(counter)s certificat délivré", "%(counter)s certificats délivrés", 0) == (
            "%(counter)s certificates issued"
        )
