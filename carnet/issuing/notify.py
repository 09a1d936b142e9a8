"""The emails of issuing, to the holder of a credential: in their language first, then in the other
one (people without an account have no known language, and the message must reach them anyway)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation

from carnet.issuing.identity import absolute
from carnet.issuing.models import IssuedCredential

LANGUAGES = ("fr", "en")


def credential_changed(credential: IssuedCredential, what: str) -> None:
    """``what``: issued, suspended, active (reinstated) or revoked."""
    preferred = getattr(credential.recipient, "preferred_language", "") or "fr"
    languages = [preferred, *(code for code in LANGUAGES if code != preferred)]
    version = credential.micro_credential_version
    parts = []
    for language in languages:
        with translation.override(language):
            context = {
                "credential": credential,
                "what": what,
                "name": version.name(language),
                "link": absolute(version.micro_credential.get_absolute_url()),
            }
            if not parts:
                subject = render_to_string("issuing/email/credential_subject.txt", context)
            parts.append(render_to_string("issuing/email/credential.txt", context).strip())
    send_mail(
        subject=" ".join(subject.split()),
        message="\n\n----------\n\n".join(parts) + "\n",
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[credential.recipient_email],
    )
