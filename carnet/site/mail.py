"""Emails written from templates, in the reader's language. ``template`` names a pair of templates,
``<template>_subject.txt`` and ``<template>.txt``; each is rendered once per language asked for: one
language when we know the reader's, several (the first one leading) when we do not, such as an
endorser or an invitee without an account."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation

BOTH = ("fr", "en")


def languages_for(preferred: str | None) -> tuple[str, ...]:
    """The reader's language first, then the other one (for a message that must reach them anyway)."""
    first = preferred if preferred in BOTH else "fr"
    return (first, *(code for code in BOTH if code != first))


def send_templated(
    template: str, to: str | Sequence[str], context: Mapping[str, Any], *, languages: Sequence[str]
) -> None:
    subjects, bodies = [], []
    for language in languages:
        with translation.override(language):
            subjects.append(" ".join(render_to_string(f"{template}_subject.txt", dict(context)).split()))
            bodies.append(render_to_string(f"{template}.txt", dict(context)).strip())
    send_mail(
        subject=" / ".join(dict.fromkeys(subjects)),
        message="\n\n----------\n\n".join(bodies) + "\n",
        from_email=None,
        recipient_list=[to] if isinstance(to, str) else list(to),
    )
