"""The registry of known issuers. The platform's own organisations are recognised without a row."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

NAME_LENGTH = 200
REASON_LENGTH = 1000


class KnownIssuerQuerySet(models.QuerySet["KnownIssuer"]):
    def active(self) -> KnownIssuerQuerySet:
        return self.filter(withdrawn_at__isnull=True)


class KnownIssuer(models.Model):
    """An issuer the platform's staff recognise: who it is (``name``) and why it is trusted
    (``reason``). A withdrawn entry is kept, for the record; the identifier may be added again."""

    class Origin(models.TextChoices):
        ADDED = "added", _("Ajouté à la main")
        IMPORTED = "imported", _("Importé d'une liste")

    identifier = models.CharField(_("identifiant"), max_length=500)  # identifiers.normalise
    name = models.CharField(_("nom"), max_length=NAME_LENGTH)
    reason = models.TextField(_("raison"), max_length=REASON_LENGTH)
    origin = models.CharField(max_length=20, choices=Origin.choices, default=Origin.ADDED)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    # Any change: what the verification API's kept reports are checked against (reportcache).
    updated_at = models.DateTimeField(auto_now=True)

    objects = KnownIssuerQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("émetteur reconnu")
        verbose_name_plural = _("émetteurs reconnus")
        constraints = [
            models.UniqueConstraint(
                fields=["identifier"], condition=Q(withdrawn_at__isnull=True), name="one_active_known_issuer"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.identifier})"

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None
