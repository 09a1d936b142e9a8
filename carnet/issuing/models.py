"""Issued credentials, the signing keys of the organisations (encrypted at rest) and their status
lists. The documents themselves are built and signed by :mod:`carnet.credentials`; these rows keep
what was signed and what is needed to sign again."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SigningKey(models.Model):
    """An Ed25519 key (Multikey) of an organisation, or of the platform when ``organisation`` is
    empty (the platform signs the endorsements of people without an account). The private part is
    kept only as an envelope encrypted with the key-encryption key from the environment
    (:mod:`carnet.credentials.keystore`). A retired key signs nothing more but stays published in
    the DID document, so that what it signed keeps verifying."""

    organisation = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="signing_keys",
    )
    fragment = models.CharField(max_length=60)  # the key id is <DID>#<fragment>
    public_key_multibase = models.CharField(max_length=100)
    envelope = models.JSONField()  # the encrypted private key (keystore envelope), never the key itself
    created_at = models.DateTimeField(auto_now_add=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["organisation", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "fragment"], name="unique_key_fragment"),
            # One current key per organisation, and one for the platform (NULL would not collide).
            models.UniqueConstraint(
                Coalesce("organisation", 0), condition=models.Q(retired_at=None), name="one_current_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation or 'Carnet'} #{self.fragment}"


class StatusList(models.Model):
    """A Bitstring Status List of an organisation for one purpose, republished as a signed
    ``BitstringStatusListCredential`` every time a bit changes."""

    class Purpose(models.TextChoices):
        REVOCATION = "revocation", _("Révocation")
        SUSPENSION = "suspension", _("Suspension")

    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="status_lists"
    )
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    number = models.PositiveIntegerField()
    size = models.PositiveIntegerField()
    encoded = models.TextField()  # the bitstring as in encodedList: "u" + base64url(GZIP(bits))
    published = models.JSONField(default=dict)  # the signed BitstringStatusListCredential
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["organisation", "purpose", "number"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "purpose", "number"], name="unique_status_list")
        ]

    def __str__(self) -> str:
        return f"{self.organisation} {self.purpose} {self.number}"


class IssuedCredential(models.Model):
    """An ``OpenBadgeCredential`` as it was signed, and its life since (suspension, revocation)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Valide")
        SUSPENDED = "suspended", _("Suspendue")
        REVOKED = "revoked", _("Révoquée")

    class Source(models.TextChoices):
        RECOGNITION = "recognition", _("Demande de reconnaissance")
        BULK = "bulk", _("Délivrance en lot")
        API = "api", _("API")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="issued_credentials"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="issued_credentials",
    )
    recipient_email = models.EmailField()
    # What was issued keeps its version: a published version never changes and cannot be deleted.
    micro_credential_version = models.ForeignKey(
        "catalogue.MicroCredentialVersion", on_delete=models.PROTECT, related_name="issued_credentials"
    )
    document = models.JSONField()  # the signed OpenBadgeCredential
    # The same credential as a VC-JWT, signed at its holder's first request for it and then kept, so
    # that every download gives the same token (empty until then).
    jwt = models.TextField(blank=True, default="")
    issued_at = models.DateTimeField()
    valid_until = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    status_reason = models.TextField(blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    status_list = models.ForeignKey(StatusList, on_delete=models.PROTECT, related_name="credentials")
    status_index = models.PositiveIntegerField()
    idempotency_key = models.CharField(max_length=200, unique=True)
    source = models.CharField(max_length=20, choices=Source.choices)

    class Meta:
        ordering = ["-issued_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["status_list", "status_index"], name="one_credential_per_status_bit"
            )
        ]

    def __str__(self) -> str:
        return f"{self.micro_credential_version} → {self.recipient_email}"

    @property
    def credential_id(self) -> str:
        """The credential's ``id``."""
        return f"urn:uuid:{self.uuid}"

    @property
    def expired(self) -> bool:
        """Past its ``validUntil``: it no longer counts (its holder may ask the issuer to renew it)."""
        return self.valid_until is not None and self.valid_until < timezone.now()


class AttestedLevel(models.Model):
    """One competency a credential attests, at its level (the level the assessor recognised, when
    it is of this competency), with its holder, when it was issued and until when it is valid.
    Written with the credential, for credentials that have a holder; ``active`` follows the
    credential's status (revoked and suspended: False). What :class:`ProvenLevel` is made from, and
    the reasons the employers' search gives."""

    credential = models.ForeignKey(IssuedCredential, on_delete=models.CASCADE, related_name="attested_levels")
    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    competency = models.ForeignKey("frameworks.Competency", on_delete=models.PROTECT, related_name="+")
    rank = models.PositiveSmallIntegerField()  # 0: the alignment names no level
    issued_at = models.DateTimeField()
    valid_until = models.DateTimeField(null=True, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["credential", "competency"], name="one_level_per_credential_competency"
            )
        ]
        indexes = [models.Index(fields=["learner", "competency"], name="attested_levels_of_learner")]

    def __str__(self) -> str:
        return f"{self.credential_id}: {self.competency_id} {self.rank}"


class ProvenLevel(models.Model):
    """The rows of :class:`AttestedLevel` that the employers' search ranks learners by: of a learner's
    active credentials attesting a competency, those that no other beats both on level and on
    validity, or both on date of issue and on validity. Whatever the moment, the best level and the
    latest issue among the credentials still valid are among these rows, usually one per learner
    and competency. Remade for the learner by issuing at each issue or change of status;
    ``searchable`` follows the learner's consent (set_search_consent)."""

    attested = models.OneToOneField(AttestedLevel, on_delete=models.CASCADE, related_name="proven")
    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    competency = models.ForeignKey("frameworks.Competency", on_delete=models.PROTECT, related_name="+")
    rank = models.PositiveSmallIntegerField()
    issued_at = models.DateTimeField()
    valid_until = models.DateTimeField(null=True, blank=True)
    searchable = models.BooleanField(default=False)

    class Meta:
        indexes = [
            # The search reads only these rows, by competency then learner, from the index alone.
            models.Index(
                fields=["competency", "learner"],
                include=["rank", "issued_at", "valid_until"],
                condition=models.Q(searchable=True),
                name="searchable_levels",
            ),
            models.Index(fields=["learner", "competency"], name="proven_levels_of_learner"),
        ]

    def __str__(self) -> str:
        return f"{self.learner_id}: {self.competency_id} {self.rank}"


class SearchProfile(models.Model):
    """A learner's best valid level of each competency their active credentials attest, and when the
    latest of those credentials was issued, in one row: what the employers' search ranks learners
    by, without grouping their credentials. Remade from :class:`ProvenLevel` by issuing with it; it
    holds until ``refresh_at``, the first end of validity among the credentials it counts (the
    search reads ProvenLevel for the learners whose profile is past it, and ``carnet manage
    refresh_search_profiles`` remakes those). ``searchable`` follows the learner's consent."""

    learner = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    ranks = models.JSONField(default=dict)  # {competency id: best level}
    latest = models.JSONField(default=dict)  # {competency id: latest issue, in microseconds since 1970}
    refresh_at = models.DateTimeField(null=True, blank=True)
    searchable = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(
                fields=["refresh_at"], condition=models.Q(searchable=True), name="searchable_profiles"
            )
        ]

    def __str__(self) -> str:
        return f"{self.learner_id}: {self.ranks}"


class IssuanceJob(models.Model):
    """A bulk issuance asked through the organisation API: one micro-credential version to many
    recipients, issued in the background (Django's tasks API), one row at a time. Each row issues
    with an idempotency key made of the job's id and the row's number, so a job run again after a
    crash issues only what was not issued yet."""

    class State(models.TextChoices):
        # a CSV file checked and shown to its uploader, nothing issued until they confirm
        PREVIEW = "preview", _("À confirmer")
        QUEUED = "queued", _("En attente")
        RUNNING = "running", _("En cours")
        DONE = "done", _("Terminée")
        FAILED = "failed", _("Échouée")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="issuance_jobs"
    )

    class Source(models.TextChoices):
        API = "api", _("API")
        CSV = "csv", _("Fichier CSV")

    requested_by = models.CharField(max_length=100, blank=True)  # who asked, e.g. "api:<key prefix>"
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.API)
    # the staff member who uploaded the file (a CSV job); None for the API or once the account is gone
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    filename = models.CharField(max_length=255, blank=True)  # the uploaded file's name, as given
    micro_credential_version = models.ForeignKey(
        "catalogue.MicroCredentialVersion", on_delete=models.PROTECT, related_name="+"
    )
    language = models.CharField(max_length=8, default="fr")  # of the rows' error messages
    state = models.CharField(max_length=20, choices=State.choices, default=State.QUEUED)
    total = models.PositiveIntegerField(default=0)
    issued = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)  # why the whole job stopped, if it did
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # the last sign of life of the worker running the job: a running job silent for long was cut
    # short (a crash, a restart) and is taken up again
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # the caller's Idempotency-Key: the same request again gives back this job instead of another
    idempotency_key = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001 (NULL: no key, unique)
    # a CSV file's rows left out (errors) or to look at (warnings), as shown in its preview:
    # {"line", "email", "name", "errors": [...], "warnings": [...]}; the rows to issue are ``rows``
    report = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "idempotency_key"], name="issuance_job_idempotency_key_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.uuid} ({self.state}, {self.issued + self.failed}/{self.total})"


class IssuanceJobRow(models.Model):
    """One recipient of a bulk issuance, and what became of it."""

    class State(models.TextChoices):
        PENDING = "pending", _("En attente")
        ISSUED = "issued", _("Délivrée")
        FAILED = "failed", _("Échouée")

    job = models.ForeignKey(IssuanceJob, on_delete=models.CASCADE, related_name="rows")
    number = models.PositiveIntegerField()  # 0 for the first recipient given
    line = models.PositiveIntegerField(null=True, blank=True)  # its line in the CSV file it came from
    email = models.EmailField()
    name = models.CharField(max_length=200, blank=True)
    evidence = models.JSONField(default=list, blank=True)  # keyword arguments of credentials.model.evidence
    state = models.CharField(max_length=20, choices=State.choices, default=State.PENDING)
    credential = models.ForeignKey(
        IssuedCredential, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["job", "number"]
        constraints = [models.UniqueConstraint(fields=["job", "number"], name="one_row_per_number")]

    def __str__(self) -> str:
        return f"{self.job_id}#{self.number} {self.email} ({self.state})"

    @property
    def idempotency_key(self) -> str:
        return f"job:{self.job.uuid}:{self.number}"
