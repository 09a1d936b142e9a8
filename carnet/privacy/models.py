"""Privacy (Québec's Law 25, PIPEDA): the record of every consent a person gives or withdraws, and
the archives of "download all my data"."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ConsentRecord(models.Model):
    """One consent given or withdrawn: to what (``purpose`` and the version of the text shown), when,
    how (``source``: the page or form) and by whom. Rows are only added: the latest row of a person
    and purpose is the one in force. A person without an account (an endorser) is named by
    ``subject`` instead of ``user``; once an account is deleted its rows keep only a reference
    (``subject`` = ``deleted:<reference>``), the minimal proof that consent was asked."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="consent_records",
    )
    subject = models.CharField(max_length=100, blank=True)
    purpose = models.CharField(max_length=40)  # carnet.privacy.consents.PURPOSES
    given = models.BooleanField()
    text_version = models.CharField(max_length=20)
    source = models.CharField(max_length=100)
    detail = models.JSONField(default=dict, blank=True)  # e.g. {"organisation": slug}
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "purpose", "-created_at"], name="consents_of_user")]
        verbose_name = _("consentement")

    def __str__(self) -> str:
        who = self.user_id or self.subject
        return f"{who}: {self.purpose} {'given' if self.given else 'withdrawn'} {self.created_at:%Y-%m-%d}"


def export_path(instance: DataExport, filename: str) -> str:
    return f"exports/{instance.uuid.hex}/{uuid.uuid4().hex}.zip"


class DataExport(models.Model):
    """An archive of everything Carnet holds about a person, made in the background and offered to
    them for a limited time (``expires_at``), then deleted with its file."""

    class State(models.TextChoices):
        PENDING = "pending", _("En préparation")
        READY = "ready", _("Prête")
        FAILED = "failed", _("Échouée")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="data_exports")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    file = models.FileField(upload_to=export_path, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    omitted = models.JSONField(default=list, blank=True)  # evidence files left out (size cap)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    ready_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.state} {self.created_at:%Y-%m-%d %H:%M}"

    def is_available(self, now: object = None) -> bool:
        from django.utils import timezone

        moment = now or timezone.now()
        return (
            self.state == self.State.READY
            and bool(self.file)
            and (self.expires_at is None or self.expires_at > moment)
        )
