"""Issued credentials, the organisations' signing keys (encrypted at rest) and their status lists."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SigningKey(models.Model):
    """An Ed25519 key of an organisation. The private part is sealed with the key-encryption key from
    the environment (carnet.credentials.keystore); retired keys stay published so that what they
    signed still verifies."""

    # None: the platform's own key (it signs the endorsements of people without an account)
    organisation = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="signing_keys",
    )
    fragment = models.CharField(max_length=60)
    public_key_multibase = models.CharField(max_length=100)
    sealed = models.TextField()  # the encrypted envelope (JSON)
    created_at = models.DateTimeField(auto_now_add=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["organisation", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "fragment"], name="one_fragment_per_organisation"
            ),
            models.UniqueConstraint(
                fields=["organisation"], condition=models.Q(retired_at=None), name="one_current_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} #{self.fragment}"


class StatusList(models.Model):
    """A Bitstring Status List of an organisation (revocation), published as a signed credential."""

    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="status_lists"
    )
    purpose = models.CharField(max_length=20, default="revocation")
    number = models.PositiveIntegerField(default=1)
    encoded = models.TextField()  # the bitstring, GZIP + base64url as in the credential
    used = models.PositiveIntegerField(default=0)
    size = models.PositiveIntegerField()
    published = models.JSONField(default=dict)  # the signed BitstringStatusListCredential
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "purpose", "number"], name="one_list_number")
        ]

    def __str__(self) -> str:
        return f"{self.organisation} {self.purpose} {self.number}"


class IssuedCredential(models.Model):
    class State(models.TextChoices):
        ACTIVE = "active", _("Valide")
        SUSPENDED = "suspended", _("Suspendue")
        REVOKED = "revoked", _("Révoquée")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="issued_credentials"
    )
    version = models.ForeignKey(
        "catalogue.MicroCredentialVersion", on_delete=models.PROTECT, related_name="issued_credentials"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="credentials"
    )
    recipient_email = models.EmailField()
    document = models.JSONField()  # the signed OpenBadgeCredential
    idempotency_key = models.CharField(max_length=200, unique=True)
    source = models.CharField(max_length=20, default="recognition")
    issued_at = models.DateTimeField(auto_now_add=True)
    valid_until = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=20, choices=State.choices, default=State.ACTIVE)
    state_reason = models.TextField(blank=True)
    state_changed_at = models.DateTimeField(null=True, blank=True)
    status_list = models.ForeignKey(StatusList, on_delete=models.PROTECT, related_name="+")
    status_index = models.PositiveIntegerField()

    class Meta:
        ordering = ["-issued_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["status_list", "status_index"], name="one_credential_per_status_bit"
            )
        ]

    def __str__(self) -> str:
        return f"{self.version} → {self.recipient_email}"
