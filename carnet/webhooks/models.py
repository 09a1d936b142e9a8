"""Webhooks of an organisation: the addresses it asked Carnet to call (endpoints), and each event
sent to one of them (a delivery, retried with backoff until it is delivered or given up)."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from carnet.credentials.keystore import open_bytes, seal_bytes
from carnet.webhooks.errors import describe


class Event(models.TextChoices):
    """The events an endpoint may subscribe to (``ping`` is sent on request only, to every endpoint)."""

    CREDENTIAL_ISSUED = "credential.issued", _("Microattestation délivrée")
    CREDENTIAL_REVOKED = "credential.revoked", _("Microattestation révoquée")
    CREDENTIAL_SUSPENDED = "credential.suspended", _("Microattestation suspendue")
    CREDENTIAL_REINSTATED = "credential.reinstated", _("Microattestation rétablie")
    ENDORSEMENT_RECEIVED = "endorsement.received", _("Endossement reçu pour une demande")


PING = "ping"


def _associated_data(endpoint_uuid: uuid.UUID) -> bytes:
    return f"carnet webhook endpoint {endpoint_uuid}".encode()


def seal_secret(secret: str, endpoint_uuid: uuid.UUID) -> str:
    """``secret`` sealed with the platform's key-encryption key, bound to its endpoint: a sealed
    secret copied to another endpoint does not open (the migrations call it too)."""
    if not secret:
        return ""
    return seal_bytes(
        secret.encode(),
        kek=bytes(settings.KEY_ENCRYPTION_KEY),
        associated_data=_associated_data(endpoint_uuid),
    )


def open_secret(sealed: str, endpoint_uuid: uuid.UUID) -> str:
    """The secret :func:`seal_secret` sealed ("" for none); raises
    :class:`~carnet.credentials.keystore.KeystoreError` with another KEK or endpoint."""
    if not sealed:
        return ""
    return open_bytes(
        sealed, kek=bytes(settings.KEY_ENCRYPTION_KEY), associated_data=_associated_data(endpoint_uuid)
    ).decode()


class Endpoint(models.Model):
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    url = models.CharField(_("adresse"), max_length=2048)
    events = models.JSONField(default=list)  # values of Event
    # whsec_<base64 of 32 random bytes> (Standard Webhooks), sealed with the key-encryption key and
    # bound to ``uuid`` (:func:`seal_secret`); read and set through :attr:`secret`.
    sealed_secret = models.TextField()
    # After a rotation the old secret signs too for a while (Standard Webhooks allows several
    # signatures), so that a receiver can be updated without refusing messages. Sealed likewise.
    sealed_previous_secret = models.TextField(blank=True)
    previous_secret_until = models.DateTimeField(null=True, blank=True)
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Deliveries in a row given up after all their attempts; back to 0 on any success.
    consecutive_failures = models.PositiveIntegerField(default=0)
    disabled_at = models.DateTimeField(null=True, blank=True)  # turned off after too many failures

    class Meta:
        ordering = ["organisation", "-created_at", "-pk"]
        verbose_name = _("webhook")

    def __str__(self) -> str:
        return f"{self.organisation} → {self.url}"

    @property
    def secret(self) -> str:
        """The signing secret, opened for the moment it is used (signing, or shown to an admin)."""
        return open_secret(self.sealed_secret, self.uuid)

    @secret.setter
    def secret(self, value: str) -> None:
        self.sealed_secret = seal_secret(value, self.uuid)

    @property
    def previous_secret(self) -> str:
        return open_secret(self.sealed_previous_secret, self.uuid)

    @previous_secret.setter
    def previous_secret(self, value: str) -> None:
        self.sealed_previous_secret = seal_secret(value, self.uuid)

    def wants(self, event: str) -> bool:
        return event == PING or event in self.events

    def secrets_at(self, moment: datetime) -> list[str]:
        """The secrets that sign at ``moment``: the current one, and the previous one in its grace."""
        if self.sealed_previous_secret and self.previous_secret_until and moment < self.previous_secret_until:
            return [self.secret, self.previous_secret]
        return [self.secret]

    def event_labels(self) -> list[str]:
        return [str(Event(value).label) for value in Event.values if value in self.events]


class Delivery(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("En attente")
        DELIVERED = "delivered", _("Livré")
        FAILED = "failed", _("Abandonné")

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    event_type = models.CharField(max_length=50)
    event_id = models.UUIDField(default=uuid.uuid4)  # the webhook-id: the same on every attempt
    payload = models.JSONField()
    attempts = models.PositiveSmallIntegerField(default=0)
    state = models.CharField(max_length=20, choices=State.choices, default=State.PENDING)
    # When a sender may next try it (while one tries it, a short lease: another sender leaves it be).
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status = models.PositiveSmallIntegerField(null=True, blank=True)  # HTTP status of the last answer
    # What went wrong at the last attempt: a stable code and its details (carnet.webhooks.errors
    # says them in the reader's language). ``last_error`` is the English text of older deliveries.
    last_error_code = models.CharField(max_length=30, blank=True)
    last_error_details = models.JSONField(default=dict, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="webhook_due")]
        verbose_name = _("livraison de webhook")

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id} → {self.endpoint_id} ({self.state})"

    def error_message(self) -> str:
        """What went wrong at the last attempt, in the active language ("" if nothing did)."""
        if self.last_error_code:
            return describe(self.last_error_code, self.last_error_details)
        return self.last_error  # stored as text before the codes
