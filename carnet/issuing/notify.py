"""The emails of issuing, to the holder of a credential: in their language first, then in the other
one (people without an account have no known language, and the message must reach them anyway)."""

from __future__ import annotations

import logging
import smtplib
import time
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from carnet.inbox.services import notify, site_path
from carnet.issuing.identity import absolute
from carnet.issuing.models import IssuedCredential
from carnet.site.mail import languages_for, send_templated

logger = logging.getLogger("carnet.issuing")


def credential_changed(credential: IssuedCredential, what: str) -> None:
    """``what``: issued, suspended, active (reinstated) or revoked. By email, then in the inbox of a
    holder who has an account (a task tried again after the mail server was out of reach does not
    notify twice). An address the mail server refuses (:func:`refused`) is logged and not tried
    again: the inbox is notified all the same; any other error of the mail server is raised."""
    version = credential.micro_credential_version
    preferred = getattr(credential.recipient, "preferred_language", None)
    link = absolute(credential.micro_credential_version.micro_credential.get_absolute_url())
    try:
        send_templated(
            "issuing/email/credential",
            credential.recipient_email,
            {"credential": credential, "what": what, "link": link},
            languages=languages_for(preferred),
        )
    except smtplib.SMTPException as exc:
        if not refused(exc):
            raise
        logger.warning(
            "email about credential %s (%s) refused by the mail server (%s): not tried again",
            credential.pk, what, type(exc).__name__,
        )  # fmt: skip
    notify(credential.recipient, f"credential.{what}", link=site_path("issued:mine", credential.uuid),
           title_fr=version.name_fr, title_en=version.name_en or version.name_fr)  # fmt: skip


def refused(exc: smtplib.SMTPException) -> bool:
    """Whether the mail server refused the message for good because of its recipient: the address
    refused with a permanent reply (SMTPRecipientsRefused, 5xx), or the message refused with one
    after it was sent (SMTPDataError, 5xx). Trying again would not help; a refused sender, a failed
    login or a 4xx reply may pass, and are tried again (carnet.site.background)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):  # a 4xx (a full mailbox, greylisting) may pass
        return all(500 <= int(code) < 600 for code, _message in exc.recipients.values())
    return isinstance(exc, smtplib.SMTPDataError) and 500 <= int(exc.smtp_code) < 600


def allowance(wanted: int, *, at: float | None = None) -> int:
    """How many of ``wanted`` emails may go now within ``EMAIL_RATE_PER_MINUTE`` (all of them when
    it is 0), counted in the cache for the current minute: shared by every process when the cache
    is (the default cache counts each process on its own)."""
    rate = int(getattr(settings, "EMAIL_RATE_PER_MINUTE", 0))
    if rate <= 0 or wanted <= 0:
        return max(wanted, 0)
    key = f"carnet:emails:{int((time.time() if at is None else at) // 60)}"
    cache.add(key, 0, timeout=120)
    try:
        total = cache.incr(key, wanted)
    except ValueError:  # the count expired meanwhile
        cache.add(key, wanted, timeout=120)
        total = wanted
    allowed = max(0, min(wanted, rate - (total - wanted)))
    if allowed < wanted:
        cache.decr(key, wanted - allowed)  # what is not sent now does not count
    return allowed


def next_minute() -> datetime:
    """The start of the next minute, when :func:`allowance` counts again."""
    return timezone.now().replace(second=0, microsecond=0) + timedelta(minutes=1)
