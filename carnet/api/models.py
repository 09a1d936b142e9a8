"""API keys of the organisation API: each belongs to one organisation and carries the scopes it was
given. Only a hash of the secret is kept; the whole key is shown once, when it is made."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ApiKey(models.Model):
    class Scope(models.TextChoices):
        ACHIEVEMENTS_READ = "achievements:read", _("Lire les microattestations de l'organisation")
        ACHIEVEMENTS_WRITE = "achievements:write", _("Créer, modifier et publier des microattestations")
        CREDENTIALS_READ = "credentials:read", _("Lire et rechercher les microattestations délivrées")
        CREDENTIALS_ISSUE = "credentials:issue", _("Délivrer des microattestations")
        CREDENTIALS_STATUS = "credentials:status", _("Révoquer, suspendre et rétablir")
        AUDIT_READ = "audit:read", _("Lire le journal d'activité")
        WEBHOOKS_MANAGE = "webhooks:manage", _("Gérer les webhooks")

    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="api_keys"
    )
    name = models.CharField(_("nom"), max_length=100)
    # The key reads carnet_<prefix>_<secret>: the prefix finds the row, the hash proves the secret.
    prefix = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    scopes = models.JSONField(default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["organisation", "-created_at", "-pk"]
        verbose_name = _("clé d'API")

    def __str__(self) -> str:
        return f"{self.organisation} — {self.name} ({self.prefix})"

    def allows(self, scope: str) -> bool:
        return scope in self.scopes

    def audit_facts(self) -> dict[str, str]:
        """What the audit trail keeps of the key that made a change (carnet.audit.services.acting_as)."""
        return {"api_key": self.prefix, "api_key_name": self.name}


class ClientMetadata(models.Model):
    """What an application said of itself when it registered for the Open Badges API (RFC 7591): the
    OAuth application itself is django-oauth-toolkit's; these are the rest of its metadata, shown to
    the learner on the consent page as the application's own claims (never fetched: not its logo,
    not its pages), and the scopes it may ask for."""

    application = models.OneToOneField(
        "oauth2_provider.Application", on_delete=models.CASCADE, related_name="metadata"
    )
    client_uri = models.URLField(max_length=500)
    logo_uri = models.URLField(max_length=500, blank=True)
    tos_uri = models.URLField(max_length=500, blank=True)
    policy_uri = models.URLField(max_length=500, blank=True)
    software_id = models.CharField(max_length=200, blank=True)
    software_version = models.CharField(max_length=100, blank=True)
    contacts = models.JSONField(default=list)
    scopes = models.JSONField(default=list)  # the scopes it registered for, the most it may ask
    registered_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.application_id}: {self.client_uri}"
