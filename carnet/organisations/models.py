"""Organisations (recognising organisations and employers) and their members' roles."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Organisation(models.Model):
    class Kind(models.TextChoices):
        COMMUNITY = "community", _("Organisme communautaire")
        COLLEGE = "college", _("Collège ou cégep")
        TRAINING = "training", _("Organisme de formation")
        EMPLOYER = "employer", _("Employeur")

    slug = models.SlugField(unique=True)
    name = models.CharField(_("nom"), max_length=200)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    description_fr = models.TextField(_("description (français)"), blank=True)
    description_en = models.TextField(_("description (anglais)"), blank=True)
    website = models.URLField(_("site web"), blank=True)
    requires_second_review = models.BooleanField(
        _("exige une deuxième évaluation"),
        default=False,
        help_text=_("Une microattestation n'est délivrée qu'après l'approbation de deux évaluateur·rices."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")

    def __str__(self) -> str:
        return self.name

    @property
    def recognises(self) -> bool:
        """Whether it may define and issue micro-credentials (employers verify and search instead)."""
        return self.kind != self.Kind.EMPLOYER


class Membership(models.Model):
    class Role(models.TextChoices):
        ADMIN = "admin", _("Administrateur·rice de l'organisation")
        ASSESSOR = "assessor", _("Évaluateur·rice")
        MEMBER = "member", _("Membre")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("rôle"), max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "user"], name="one_membership_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.organisation} ({self.role})"


class Invitation(models.Model):
    """An invitation to join an organisation sent to an email address that may have no account yet.
    Only a hash of its token is kept; the link is single-use and expires."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("adresse courriel"))
    role = models.CharField(_("rôle"), max_length=20, choices=Membership.Role.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} → {self.organisation} ({self.role})"

    @property
    def is_pending(self) -> bool:
        from django.utils import timezone

        return self.accepted_at is None and self.cancelled_at is None and self.expires_at > timezone.now()
