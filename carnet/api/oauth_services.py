"""Writes of the Open Badges API's OAuth side: registering an application (RFC 7591), recording
that a learner allowed one, withdrawing its access, and the learner's name changed through the API.
Each atomic, each in the audit trail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.models import (
    get_access_token_model,
    get_application_model,
    get_grant_model,
    get_refresh_token_model,
)

from carnet.api.models import ClientMetadata
from carnet.api.oauth import SCOPES
from carnet.api.registration import Registration
from carnet.audit.models import AuditEvent
from carnet.audit.services import record_event

Application = get_application_model()
AccessToken = get_access_token_model()
RefreshToken = get_refresh_token_model()
Grant = get_grant_model()


@transaction.atomic
def register_client(*, registration: Registration) -> tuple[Any, str]:
    """A new confidential application for the authorization code grant, with its metadata; returns
    it and its client secret (shown once: the database keeps only its hash)."""
    secret = generate_client_secret()
    application = Application.objects.create(
        name=registration.client_name,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=" ".join(registration.redirect_uris),
        client_secret=secret,
        skip_authorization=False,
    )
    ClientMetadata.objects.create(
        application=application, client_uri=registration.client_uri, logo_uri=registration.logo_uri,
        tos_uri=registration.tos_uri, policy_uri=registration.policy_uri,
        software_id=registration.software_id, software_version=registration.software_version,
        contacts=registration.contacts, scopes=registration.scopes,
    )  # fmt: skip
    record_event(verb="oauth_app.registered", target=application,
                 data={"name": application.name, "client_uri": registration.client_uri})  # fmt: skip
    return application, secret


@transaction.atomic
def record_consent(*, user: Any, application: Any, scopes: list[str]) -> None:
    """The learner allowed ``application`` the ``scopes`` (on the consent page)."""
    record_event(verb="oauth_app.allowed", actor=user, target=application,
                 data={"name": application.name, "scopes": [s for s in SCOPES if s in scopes]})  # fmt: skip


@transaction.atomic
def withdraw_access(*, user: Any, application: Any) -> int:
    """``application`` loses at once every access the learner gave it: its access and refresh
    tokens are revoked, its unused authorization codes deleted. Returns how many tokens were live."""
    revoked = 0
    for refresh in RefreshToken.objects.filter(user=user, application=application, revoked__isnull=True):
        refresh.revoke()
        revoked += 1
    for access in AccessToken.objects.filter(user=user, application=application):
        access.revoke()
        revoked += 1
    Grant.objects.filter(user=user, application=application).delete()
    record_event(verb="oauth_app.withdrawn", actor=user, target=application,
                 data={"name": application.name, "tokens": revoked})  # fmt: skip
    return revoked


@transaction.atomic
def change_name(*, user: Any, name: str, application: Any) -> None:
    """The learner's display name, changed by ``application`` through ``PUT /profile``."""
    if user.display_name != name:
        user.display_name = name
        user.save(update_fields=["display_name"])
        record_event(verb="oauth_app.profile_changed", actor=user, target=application,
                     data={"name": application.name})  # fmt: skip


# -- reads -----------------------------------------------------------------------------------------


@dataclass
class Connected:
    """An application the learner allowed and that still holds a live token."""

    application: Any
    scopes: list[str]
    allowed_at: datetime | None


def connected_applications(user: Any) -> list[Connected]:
    """The applications that may still reach the learner's things, newest consent first."""
    now = timezone.now()
    live: dict[int, set[str]] = {}
    for application_id, scope in AccessToken.objects.filter(user=user, expires__gt=now).values_list(
        "application_id", "scope"
    ):
        live.setdefault(application_id, set()).update(scope.split())
    refresh_tokens = RefreshToken.objects.filter(user=user, revoked__isnull=True).select_related(
        "access_token"
    )
    for refresh in refresh_tokens:
        scope = refresh.access_token.scope if refresh.access_token is not None else ""
        live.setdefault(refresh.application_id, set()).update(scope.split())
    applications = Application.objects.filter(pk__in=live).select_related("metadata")
    consents: dict[str, datetime] = {}
    for target_id, created_at in AuditEvent.objects.filter(
        Q(verb="oauth_app.allowed"), actor=user, target_id__in=[str(pk) for pk in live]
    ).values_list("target_id", "created_at"):
        consents[target_id] = max(created_at, consents.get(target_id, created_at))
    found = [
        Connected(
            application, [s for s in SCOPES if s in live[application.pk]], consents.get(str(application.pk))
        )
        for application in applications
    ]
    return sorted(found, key=lambda c: c.allowed_at or now, reverse=True)


def connected_application(user: Any, application_id: Any) -> Any:
    """An application the learner allowed (with a live token), or None."""
    for connected in connected_applications(user):
        if str(connected.application.pk) == str(application_id):
            return connected.application
    return None
