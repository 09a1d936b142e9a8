"""What the figures need and nothing else records: when a credential was verified by someone other
than its holder (with the employer's short survey about it), and when an employer searched for
candidates. No person is named: a verification keeps the credential, its issuer, the employer
organisation of a signed-in verifier, and the answers; a search keeps the employer, its job and the
competencies asked for."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Verification(models.Model):
    """Someone other than its holder saw a credential's verification result: its badge page (public,
    by link, from an employer's search) or the verification page given the credential."""

    class Channel(models.TextChoices):
        PAGE = "page", _("Page du badge")
        LINK = "link", _("Lien de partage")
        SEARCH = "search", _("Recherche d'un employeur")
        VERIFIER = "verifier", _("Page de vérification")

    class Survey(models.TextChoices):
        OFFERED = "", _("Proposée")
        ANSWERED = "answered", _("Répondue")
        DISMISSED = "dismissed", _("Refusée")

    class Useful(models.TextChoices):
        A_LOT = "a_lot", _("Oui, beaucoup")
        A_LITTLE = "a_little", _("Un peu")
        NO = "no", _("Non")
        UNKNOWN = "unknown", _("Je ne sais pas")

    class Interview(models.TextChoices):
        YES = "yes", _("Oui")
        MAYBE = "maybe", _("Peut-être")
        NO = "no", _("Non")
        UNKNOWN = "unknown", _("Je ne sais pas")

    credential = models.ForeignKey("issuing.IssuedCredential", on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey(  # the issuer, kept here so that its figures need no join
        "organisations.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    employer = models.ForeignKey(
        "organisations.Organisation", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    # The survey of this verification: the hash of the secret its form carries (answered once).
    token_hash = models.CharField(max_length=64, unique=True)
    survey = models.CharField(max_length=10, choices=Survey.choices, blank=True, default="")
    useful = models.CharField(max_length=10, choices=Useful.choices, blank=True)
    interview = models.CharField(max_length=10, choices=Interview.choices, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["organisation", "created_at"], name="verifications_by_issuer"),
            models.Index(fields=["created_at"], name="verifications_by_date"),
        ]

    def __str__(self) -> str:
        return f"{self.credential_id} {self.channel} {self.created_at:%Y-%m-%d %H:%M}"


class EmployerSearch(models.Model):
    """An employer looked for candidates for one of its jobs (its page shows the ranked learners)."""

    employer = models.ForeignKey("organisations.Organisation", on_delete=models.CASCADE, related_name="+")
    job = models.ForeignKey("employers.Job", on_delete=models.SET_NULL, null=True, related_name="+")
    competencies = models.ManyToManyField("frameworks.Competency", related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name_plural = "employer searches"

    def __str__(self) -> str:
        return f"{self.employer_id} {self.created_at:%Y-%m-%d %H:%M}"
