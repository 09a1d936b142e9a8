"""The carnet: what a holder chooses to show of the credentials they hold.

Each issued credential starts private. Its holder may make its badge page visible to anyone who has
the link, or public (and, later, listed on their public profile)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CredentialSharing(models.Model):
    class Visibility(models.TextChoices):
        PRIVATE = "private", _("Privée : vous seul·e la voyez")
        LINK = "link", _("Visible par lien : les personnes à qui vous donnez le lien")
        PUBLIC = "public", _("Publique : tout le monde, et votre profil public")

    credential = models.OneToOneField(
        "issuing.IssuedCredential", on_delete=models.CASCADE, related_name="sharing"
    )
    visibility = models.CharField(max_length=10, choices=Visibility.choices, default=Visibility.PRIVATE)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.credential_id}: {self.visibility}"


class ShareLink(models.Model):
    """A link to one credential's badge page that its holder gives to someone (an employer, say):
    it works even while the credential is private, until it expires or the holder withdraws it.
    Only the token's hash is kept; the link is shown once, when it is made."""

    credential = models.ForeignKey(
        "issuing.IssuedCredential", on_delete=models.CASCADE, related_name="share_links"
    )
    label = models.CharField(_("pour qui (pour vous en souvenir)"), max_length=120, blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.credential_id}: {self.label or self.pk}"

    def is_open(self, now: object = None) -> bool:
        from django.utils import timezone

        moment = now or timezone.now()
        return self.withdrawn_at is None and (self.expires_at is None or self.expires_at > moment)


class ShareLinkOpening(models.Model):
    """When a share link was opened (the moment only: nothing about who opened it)."""

    link = models.ForeignKey(ShareLink, on_delete=models.CASCADE, related_name="openings")
    opened_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-opened_at"]

    def __str__(self) -> str:
        return f"{self.link_id} @ {self.opened_at:%Y-%m-%d %H:%M}"


class PublicProfile(models.Model):
    """A learner's public page: their name, a line about them, and the credentials they made public."""

    user = models.OneToOneField("accounts.User", on_delete=models.CASCADE, related_name="public_profile")
    slug = models.SlugField(_("adresse de votre profil"), max_length=60, unique=True)
    enabled = models.BooleanField(_("mon profil public est en ligne"), default=False)
    headline = models.CharField(_("une phrase sur vous"), max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.slug


class SearchConsent(models.Model):
    """Each time a learner gives or withdraws their consent to appear in employers' searches: the
    record of consent the law asks for (Québec's Law 25). The latest row is the one in force."""

    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="search_consents")
    given = models.BooleanField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.user_id}: {'given' if self.given else 'withdrawn'} {self.created_at:%Y-%m-%d}"
