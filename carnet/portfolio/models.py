"""The carnet: what a holder chooses to show of the credentials they hold.

Each issued credential starts private. Its holder may make its badge page visible to anyone who has
the link, or public (and, later, listed on their public profile)."""

from __future__ import annotations

import uuid

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


class ImportedBadge(models.Model):
    """A badge its holder earned elsewhere and added to their carnet: the original as they gave it,
    the credential it holds, the outcome of its last verification, and what it says, read once for
    the carnet's lists (the document remains the reference). Private to its holder unless they show
    it (``visibility``)."""

    class Source(models.TextChoices):
        JSON = "json", _("Fichier JSON")
        JWT = "jwt", _("VC-JWT")
        PNG = "png", _("Image PNG")
        SVG = "svg", _("Image SVG")

    class Kind(models.TextChoices):
        OB3 = "ob3", "Open Badges 3.0"
        OB2 = "ob2", "Open Badges 2.0"

    class Recipient(models.TextChoices):
        YOU = "you", _("Décerné à vous")
        OTHER = "other", _("Décerné à une autre adresse")
        UNKNOWN = "unknown", _("Personne non vérifiable")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    holder = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="imported_badges")
    # The credential's id (an Open Badges 2.0 assertion's id), or a hash of the document without one.
    credential_id = models.CharField(max_length=500)
    kind = models.CharField(max_length=3, choices=Kind.choices)
    source = models.CharField(max_length=4, choices=Source.choices)  # the form of the original
    source_url = models.URLField(max_length=2048, blank=True)  # the address given, if one was
    fetched_from = models.URLField(max_length=2048, blank=True)  # where the credential was read
    original = models.BinaryField(max_length=2 * 1024 * 1024)  # the file, text or answer, as given
    document = models.JSONField(default=dict)  # the credential (from a VC-JWT: its payload)
    image_png = models.BinaryField(null=True, blank=True)  # re-encoded from the baked PNG, no metadata
    verdict = models.CharField(max_length=30)  # carnet.verification.verifier.VERDICTS
    report = models.JSONField(default=dict)  # verifier.Outcome.to_record()
    checked_at = models.DateTimeField()
    recipient = models.CharField(max_length=10, choices=Recipient.choices, default=Recipient.UNKNOWN)
    issuer_id = models.CharField(max_length=500, blank=True)
    issuer_name = models.CharField(max_length=300, blank=True)
    name = models.CharField(max_length=300, blank=True)
    description = models.TextField(blank=True)
    criteria = models.TextField(blank=True)
    criteria_url = models.CharField(max_length=500, blank=True)
    valid_from = models.DateTimeField(null=True, blank=True)  # issuedOn for Open Badges 2.0
    valid_until = models.DateTimeField(null=True, blank=True)  # expires for Open Badges 2.0
    alignments = models.JSONField(default=list)  # [{targetName, targetUrl, targetCode, targetFramework}]
    imported_at = models.DateTimeField(auto_now_add=True)  # or when the API last replaced it
    # The client_id of the OAuth application that put it in the carnet through the Open Badges API
    # (upsertCredential): only that application may replace it. '' when the learner imported it.
    added_by_client = models.CharField(max_length=100, blank=True)
    # Who sees its page (badges-importes/<uuid>/) besides its holder; public: on the public profile too.
    visibility = models.CharField(
        max_length=10,
        choices=CredentialSharing.Visibility.choices,
        default=CredentialSharing.Visibility.PRIVATE,
    )

    class Meta:
        ordering = ["-imported_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["holder", "credential_id"], name="one_import_per_credential")
        ]

    def __str__(self) -> str:
        return f"{self.holder_id}: {self.name or self.credential_id}"

    def state(self, now: object = None) -> str:
        """The state to show: the verdict of the last check, never more. A badge valid then whose
        end date has passed since is expired; nothing turns valid without a new check."""
        from django.utils import timezone

        moment = now or timezone.now()
        if self.verdict in ("valid", "valid_warnings") and self.valid_until and self.valid_until <= moment:
            return "expired"
        return self.verdict

    @property
    def expired(self) -> bool:
        return self.state() == "expired"

    @property
    def validity_status(self) -> str | None:
        """What its validity sentence may say (site/_credential_validity.html), as for a document on
        the verification page: by the verdict of the last check."""
        from carnet.verification.verifier import validity_status

        return validity_status(self.verdict)

    def state_label(self) -> str:
        return str(IMPORTED_STATES.get(self.state(), IMPORTED_STATES["altered"])[0])

    def state_severity(self) -> str:
        """ok, warn or bad: how the state is drawn."""
        return IMPORTED_STATES.get(self.state(), IMPORTED_STATES["altered"])[1]


# The states of an imported badge, in a word, and how they are drawn (by verifier verdict).
IMPORTED_STATES = {
    "valid": (_("Authentique et valide"), "ok"),
    "valid_warnings": (_("Valide, avec des réserves"), "warn"),
    "expired": (_("Expiré"), "bad"),
    "not_yet": (_("Pas encore en vigueur"), "warn"),
    "revoked": (_("Révoqué par son émetteur"), "bad"),
    "suspended": (_("Suspendu par son émetteur"), "bad"),
    "ob2": (_("Open Badges 2.0 : non vérifiable"), "warn"),
    "unconfirmed_issuer": (_("Émetteur non confirmé"), "warn"),
    "unconfirmed_status": (_("Révocation non vérifiée"), "warn"),
    "unsupported_proof": (_("Signature non vérifiable"), "warn"),
    "altered": (_("Invalide"), "bad"),
}
