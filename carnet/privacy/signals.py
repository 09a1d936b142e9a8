"""The consent to the privacy notice, given by signing up (the sign-up form asks for it)."""

from __future__ import annotations

from typing import Any

from allauth.account.signals import user_signed_up
from django.dispatch import receiver

from carnet.privacy import consents


@receiver(user_signed_up)
def record_notice_consent(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    from carnet.privacy.services import record_consent

    record_consent(user=user, purpose=consents.PRIVACY_NOTICE, given=True, source="account_signup")
