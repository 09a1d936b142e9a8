"""The recognition journey: a learner's self-assessment (skills profile), their requests for a
micro-credential with evidence and places of learning, the endorsements of people who saw them at
work (no account needed), and the review by the organisation's assessors.

A request is the learner's until they submit it; afterwards only the review changes its status,
one decision at a time (``select_for_update`` on the request and a check of its status)."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from carnet.catalogue.models import LearningContext


class SkillClaim(models.Model):
    """A competency a learner recognises in themselves, at a level, with where they learned it.
    Together, a learner's claims are their skills profile (their self-assessment)."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="skill_claims"
    )
    competency = models.ForeignKey("frameworks.Competency", on_delete=models.CASCADE, related_name="+")
    level = models.ForeignKey(
        "frameworks.Level", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    learning_contexts = models.JSONField(_("où vous l'avez appris"), default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["learner", "competency"], name="one_claim_per_competency")
        ]
        ordering = ["competency__order", "competency__code"]

    def __str__(self) -> str:
        return f"{self.learner} — {self.competency.code}"

    def context_labels(self) -> list[str]:
        labels = dict(LearningContext.choices)
        return [str(labels[c]) for c in self.learning_contexts if c in labels]


class Situation(models.Model):
    """A situation in which the learner used the competency: context, what they did, the result."""

    claim = models.ForeignKey(SkillClaim, on_delete=models.CASCADE, related_name="situations")
    learning_context = models.CharField(_("contexte"), max_length=20, choices=LearningContext.choices)
    context = models.TextField(_("la situation"), max_length=2000)
    action = models.TextField(_("ce que vous avez fait"), max_length=2000)
    result = models.TextField(_("le résultat"), max_length=2000, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["claim", "order", "pk"]

    def __str__(self) -> str:
        return self.context[:60]


class RecognitionRequest(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Brouillon")
        SUBMITTED = "submitted", _("Soumise")
        CHANGES_REQUESTED = "changes_requested", _("Modifications demandées")
        AWAITING_SECOND_REVIEW = "awaiting_second", _("En attente d'une deuxième évaluation")
        APPROVED = "approved", _("Approuvée")
        DECLINED = "declined", _("Refusée")
        WITHDRAWN = "withdrawn", _("Retirée")

    EDITABLE = (Status.DRAFT, Status.CHANGES_REQUESTED)
    IN_REVIEW = (Status.SUBMITTED, Status.AWAITING_SECOND_REVIEW)

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recognition_requests"
    )
    micro_credential = models.ForeignKey(
        "catalogue.MicroCredential", on_delete=models.PROTECT, related_name="recognition_requests"
    )
    version = models.ForeignKey(
        "catalogue.MicroCredentialVersion", on_delete=models.PROTECT, related_name="recognition_requests"
    )
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="recognition_requests"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True)
    narrative = models.TextField(_("votre récit"), max_length=10000, blank=True)
    claimed_level = models.ForeignKey(
        "frameworks.Level", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_requests",
    )
    recognised_level = models.ForeignKey(
        "frameworks.Level", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    credential = models.OneToOneField(
        "issuing.IssuedCredential", on_delete=models.SET_NULL, null=True, blank=True, related_name="request"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True, db_index=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    # Keyed hashes of the learner's network address and browser when they invited endorsers and
    # submitted ({"ip": [...], "device": [...]}, a few each): compared with the endorsers' to warn the
    # assessors of a likely self-endorsement (carnet.recognition.collusion). Never the raw values;
    # cleared after CARNET_RETAIN_COLLUSION_SIGNALS_DAYS.
    learner_signals = models.JSONField(default=dict, blank=True, editable=False)
    # When they were last added to (updated_at does not move when an invitation adds them): their
    # retention counts from here.
    signals_updated_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-updated_at"]
        indexes = [models.Index(fields=["organisation", "status", "submitted_at"], name="review_queue")]

    def __str__(self) -> str:
        return f"{self.learner} — {self.version}"

    def get_absolute_url(self) -> str:
        return reverse("recognition:request", args=[self.uuid])

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE

    @property
    def is_open(self) -> bool:
        """Not decided nor withdrawn: endorsers may still answer, the learner may still withdraw."""
        return self.status in (*self.EDITABLE, *self.IN_REVIEW)

    @property
    def age_days(self) -> int:
        start = self.submitted_at or self.created_at
        return (timezone.now() - start).days

    def criteria(self) -> list[str]:
        """The criteria of the micro-credential, one per line of its text."""
        return criteria_lines(self.version.criteria())

    def completed_endorsements(self) -> models.QuerySet[Endorsement]:
        return Endorsement.objects.filter(invitation__request=self)


def criteria_lines(text: str) -> list[str]:
    lines = [line.strip().lstrip("-•*·").strip() for line in text.splitlines()]
    return [line for line in lines if line] or ([text.strip()] if text.strip() else [])


class LearningPlace(models.Model):
    """Where and when the learner learned or used what the request is about."""

    request = models.ForeignKey(RecognitionRequest, on_delete=models.CASCADE, related_name="places")
    learning_context = models.CharField(_("contexte"), max_length=20, choices=LearningContext.choices)
    name = models.CharField(_("lieu ou organisme"), max_length=200)
    role = models.CharField(_("votre rôle"), max_length=200, blank=True)
    start_date = models.DateField(_("début"), null=True, blank=True)
    end_date = models.DateField(_("fin"), null=True, blank=True)

    class Meta:
        ordering = ["request", "start_date", "pk"]

    def __str__(self) -> str:
        return self.name


def evidence_path(instance: Evidence, filename: str) -> str:
    # Never the uploaded name: a random one, kept under the request's folder.
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"evidence/{instance.request.uuid}/{uuid.uuid4().hex}.{extension[:8]}"


class Evidence(models.Model):
    """Something the learner produced or that shows the work: a file, a link or a description."""

    class Kind(models.TextChoices):
        FILE = "file", _("Fichier")
        LINK = "link", _("Lien")
        TEXT = "text", _("Description")

    request = models.ForeignKey(RecognitionRequest, on_delete=models.CASCADE, related_name="evidence")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    title = models.CharField(_("titre"), max_length=200)
    description = models.TextField(_("description"), max_length=5000, blank=True)
    file = models.FileField(upload_to=evidence_path, blank=True)
    original_name = models.CharField(max_length=200, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)
    url = models.URLField(_("adresse"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["request", "created_at", "pk"]

    def __str__(self) -> str:
        return self.title


class Relationship(models.TextChoices):
    SUPERVISOR = "supervisor", _("Superviseur·e ou patron·ne")
    COLLEAGUE = "colleague", _("Collègue")
    CLIENT = "client", _("Client·e ou usager·ère")
    COACH = "coach", _("Entraîneur·e ou responsable bénévole")
    TEACHER = "teacher", _("Enseignant·e ou formateur·rice")
    PEER = "peer", _("Pair (coéquipier·ère, autre bénévole)")
    OTHER = "other", _("Autre")


class Verification(models.TextChoices):
    """How Carnet knows who the endorser is, from how they arrived (never chosen by the endorser),
    weakest first."""

    LINK = "link", _("lien seulement")
    EMAIL = "email", _("adresse courriel vérifiée")
    EMPLOYER = "employer", _("compte d'employeur (déclaré)")
    STAFF = "staff", _("personnel d'un organisme")


class EndorsementInvitation(models.Model):
    """An invitation for a third party to endorse a request. Only a hash of its token is kept; the link
    works once, expires, and can be cancelled or re-sent (a re-send makes a new link)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("En attente")
        COMPLETED = "completed", _("Endossement reçu")
        DECLINED = "declined", _("Refusée par la personne")
        CANCELLED = "cancelled", _("Annulée")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    request = models.ForeignKey(RecognitionRequest, on_delete=models.CASCADE, related_name="invitations")
    name = models.CharField(_("nom de la personne"), max_length=150)
    email = models.EmailField(_("son adresse courriel"), blank=True)
    relationship = models.CharField(
        _("lien avec vous"), max_length=20, choices=Relationship.choices, blank=True
    )
    token_hash = models.CharField(max_length=64, unique=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    send_count = models.PositiveSmallIntegerField(default=0)
    answered_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.TextField(max_length=1000, blank=True)

    class Meta:
        ordering = ["request", "created_at"]

    def __str__(self) -> str:
        return f"{self.name} → {self.request}"

    @property
    def is_expired(self) -> bool:
        return self.status == self.Status.PENDING and self.expires_at <= timezone.now()

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.PENDING and not self.is_expired

    def state_label(self) -> Any:
        return _("Expirée") if self.is_expired else self.get_status_display()


class Endorsement(models.Model):
    """What an endorser testified, kept as an Open Badges 3.0 EndorsementCredential signed by the platform."""

    invitation = models.OneToOneField(
        EndorsementInvitation, on_delete=models.CASCADE, related_name="endorsement"
    )
    endorser_name = models.CharField(_("votre nom"), max_length=150)
    endorser_email = models.EmailField(_("votre adresse courriel"), blank=True)
    endorser_organisation = models.CharField(_("votre organisme ou entreprise"), max_length=200, blank=True)
    relationship = models.CharField(
        _("votre lien avec la personne"), max_length=20, choices=Relationship.choices
    )
    context = models.TextField(_("dans quel contexte l'avez-vous vue à l'œuvre?"), max_length=2000)
    period_start = models.DateField(_("depuis"), null=True, blank=True)
    period_end = models.DateField(_("jusqu'à"), null=True, blank=True)
    observations = models.JSONField(default=list)  # [{"criterion": ..., "observed": ...}]
    level_observed = models.ForeignKey(
        "frameworks.Level", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    comment = models.TextField(_("ce que vous voulez ajouter"), max_length=5000, blank=True)
    consent_to_be_named = models.BooleanField(_("j'accepte d'être nommé·e"), default=False)
    document = models.JSONField(default=dict)  # the signed EndorsementCredential
    created_at = models.DateTimeField(auto_now_add=True)
    verification = models.CharField(
        _("vérification"), max_length=10, choices=Verification.choices, default=Verification.LINK
    )
    # The endorser's account, when they endorsed signed in (how rings of learners are found).
    endorser_account = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # ``endorser_email`` normalised (case, +tag, Gmail's dots): the same person under variants of
    # one address is one endorser for the collusion warnings.
    endorser_address = models.CharField(max_length=254, blank=True, db_index=True, editable=False)
    # Keyed hashes of the endorser's network address and browser cookie (see learner_signals).
    ip_hash = models.CharField(max_length=64, blank=True, editable=False)
    device_hash = models.CharField(max_length=64, blank=True, editable=False)

    def __str__(self) -> str:
        return f"{self.endorser_name} → {self.invitation.request}"

    @property
    def request(self) -> RecognitionRequest:
        return self.invitation.request

    def shown_name(self) -> Any:
        return (
            self.endorser_name
            if self.consent_to_be_named
            else _("Une personne qui a préféré ne pas être nommée")
        )


class Message(models.Model):
    """The conversation between the learner and the assessors about a request."""

    request = models.ForeignKey(RecognitionRequest, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    body = models.TextField(_("message"), max_length=5000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["request", "created_at", "pk"]

    def __str__(self) -> str:
        return self.body[:60]


class Decision(models.Model):
    class Kind(models.TextChoices):
        CHANGES_REQUESTED = "changes", _("Modifications demandées")
        APPROVED = "approved", _("Approuvée")
        DECLINED = "declined", _("Refusée")

    request = models.ForeignKey(RecognitionRequest, on_delete=models.CASCADE, related_name="decisions")
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    level = models.ForeignKey(
        "frameworks.Level", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reasons = models.TextField(_("motifs"), max_length=5000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["request", "created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.request}"
