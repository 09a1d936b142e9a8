"""Certificates issued to the people who completed them, and the completions waiting for an
assessor's confirmation. The documents are built and signed by :mod:`carnet.credentials`; these rows
keep what was signed."""

from __future__ import annotations

from uuid import uuid4

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class IssuedCertificate(models.Model):
    """A certificate as it was issued: an Open Badges 3.0 ``OpenBadgeCredential`` whose achievement
    is the certificate, and a CLR 2.0 ``ClrCredential`` bundling the signed micro-credentials that
    satisfied it. Both point to the same bit of the organisation's revocation list."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Valide")
        REVOKED = "revoked", _("Révoqué")

    class Visibility(models.TextChoices):
        """Who may open its public page (its holder's choice, as for each badge)."""

        PRIVATE = "private", _("Privé : vous seul·e le voyez")
        LINK = "link", _("Visible par lien : les personnes à qui vous donnez le lien")
        PUBLIC = "public", _("Public : tout le monde, et votre profil public")

    uuid = models.UUIDField(default=uuid4, unique=True, editable=False)
    certificate = models.ForeignKey(
        "catalogue.Certificate", on_delete=models.PROTECT, related_name="issued_certificates"
    )
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="issued_certificates"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="issued_certificates",
    )
    recipient_email = models.EmailField()
    document = models.JSONField()  # the signed OpenBadgeCredential of the certificate
    clr = models.JSONField()  # the signed ClrCredential
    clr_uuid = models.UUIDField(default=uuid4, unique=True, editable=False)
    credentials = models.ManyToManyField(
        "issuing.IssuedCredential", related_name="certificates", blank=True
    )  # what it bundles
    issued_at = models.DateTimeField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    status_reason = models.TextField(blank=True)  # why it was revoked, as the holder was told
    status_changed_at = models.DateTimeField(null=True, blank=True)
    visibility = models.CharField(max_length=10, choices=Visibility.choices, default=Visibility.PRIVATE)
    status_list = models.ForeignKey(
        "issuing.StatusList", on_delete=models.PROTECT, related_name="certificates"
    )
    status_index = models.PositiveIntegerField()
    idempotency_key = models.CharField(max_length=200, unique=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )  # empty when issued automatically

    class Meta:
        ordering = ["-issued_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["certificate", "recipient"], name="one_certificate_per_person"),
            models.UniqueConstraint(
                fields=["status_list", "status_index"], name="one_certificate_per_status_bit"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.certificate} → {self.recipient_email}"

    @property
    def credential_id(self) -> str:
        """The ``id`` of the OpenBadgeCredential."""
        return f"urn:uuid:{self.uuid}"

    @property
    def clr_id(self) -> str:
        """The ``id`` of the ClrCredential."""
        return f"urn:uuid:{self.clr_uuid}"


class Confirmation(models.Model):
    """A person completed a certificate whose organisation issues it after an assessor's
    confirmation: it waits in the organisation's queue until an admin or assessor confirms it
    (the certificate is issued) or declines it with a reason (the person is told)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("À confirmer")
        CONFIRMED = "confirmed", _("Confirmé")
        DECLINED = "declined", _("Refusé")

    certificate = models.ForeignKey(
        "catalogue.Certificate", on_delete=models.PROTECT, related_name="confirmations"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="certificate_confirmations"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.TextField(blank=True)  # why it was declined, for the person
    issued = models.OneToOneField(
        IssuedCertificate, on_delete=models.SET_NULL, null=True, blank=True, related_name="confirmation"
    )

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["certificate", "recipient"],
                condition=models.Q(status="pending"),
                name="one_pending_confirmation",
            )
        ]

    def __str__(self) -> str:
        return f"{self.certificate} → {self.recipient} ({self.status})"
