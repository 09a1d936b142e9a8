"""The catalogue: micro-credentials an organisation recognises (Open Badges ``Achievement``s), in
versions, and certificates that stack them."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from carnet.frameworks.models import pick
from carnet.organisations.models import Organisation
from carnet.site.files import get_public_storage


class LearningContext(models.TextChoices):
    WORK = "work", _("Travail")
    VOLUNTEERING = "volunteering", _("Bénévolat")
    SPORT = "sport", _("Sport")
    COMMUNITY = "community", _("Vie communautaire")
    TRAINING = "training", _("Formation")
    DAILY_LIFE = "daily_life", _("Vie quotidienne")


class AssessmentMethod(models.TextChoices):
    ENDORSEMENTS = "endorsements", _("Autodéclaration appuyée par des endossements de tiers")
    PORTFOLIO = "portfolio", _("Examen d'un portfolio")
    OBSERVATION = "observation", _("Observation en situation")
    TEST = "test", _("Épreuve ou test")


class Status(models.TextChoices):
    DRAFT = "draft", _("Brouillon")
    PUBLISHED = "published", _("Publiée")
    ARCHIVED = "archived", _("Archivée")


class MicroCredential(models.Model):
    """A micro-credential an organisation recognises; what it says lives in its versions."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="micro_credentials")
    slug = models.SlugField(max_length=80)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    created_at = models.DateTimeField(auto_now_add=True)
    # The yearly review of the definition (is it still what employers and the community need?):
    # set one year after the first publication, moved a year on each time an admin marks it reviewed.
    review_due = models.DateField(_("prochaine révision"), null=True, blank=True)
    review_reminded_for = models.DateField(null=True, blank=True)  # the review_due already reminded of

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "slug"], name="unique_slug_per_organisation")
        ]
        ordering = ["slug"]

    def __str__(self) -> str:
        version = self.current_version()
        return version.name_fr if version else self.slug

    def get_absolute_url(self) -> str:
        return reverse("catalogue:detail", args=[self.organisation.slug, self.slug])

    def current_version(self) -> MicroCredentialVersion | None:
        """The version shown: the newest published one, else the newest draft."""
        prefetched = getattr(self, "_prefetched_objects_cache", {}).get("versions")
        if prefetched is not None:  # prefetch_related("versions"): no query per micro-credential
            versions = sorted(prefetched, key=lambda version: version.number, reverse=True)
            return next(
                (v for v in versions if v.published_at is not None), versions[0] if versions else None
            )
        published = self.versions.filter(published_at__isnull=False).order_by("-number").first()
        return published or self.versions.order_by("-number").first()

    def draft_version(self) -> MicroCredentialVersion | None:
        return self.versions.filter(published_at__isnull=True).order_by("-number").first()

    def review_overdue(self, today: datetime.date | None = None) -> bool:
        """Published and past its review date: the catalogue flags it until an admin reviews it."""
        today = today or timezone.localdate()
        return self.status == Status.PUBLISHED and self.review_due is not None and self.review_due < today


class MicroCredentialVersion(models.Model):
    """One version of what a micro-credential says. A published version never changes: an edit
    makes a new version, and what was issued keeps the version it was issued against."""

    micro_credential = models.ForeignKey(MicroCredential, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    name_fr = models.CharField(_("nom (français)"), max_length=120)
    name_en = models.CharField(_("nom (anglais)"), max_length=120, blank=True)
    description_fr = models.TextField(_("ce que la microattestation atteste (français)"))
    description_en = models.TextField(_("ce que la microattestation atteste (anglais)"), blank=True)
    criteria_fr = models.TextField(_("critères d'obtention (français)"))
    criteria_en = models.TextField(_("critères d'obtention (anglais)"), blank=True)
    evidence_fr = models.TextField(_("preuves attendues (français)"), blank=True)
    evidence_en = models.TextField(_("preuves attendues (anglais)"), blank=True)
    learning_contexts = models.JSONField(_("contextes d'apprentissage acceptés"), default=list)
    assessment_method = models.CharField(
        _("mode d'évaluation"), max_length=20, choices=AssessmentMethod.choices
    )
    endorsements_required = models.PositiveSmallIntegerField(_("endossements requis"), default=0)
    validity_months = models.PositiveSmallIntegerField(_("durée de validité (mois)"), null=True, blank=True)
    # Quality attributes (New Zealand's and eCampusOntario's micro-credential frameworks): why it
    # exists, what a holder can do, how big it is, and who asked for it.
    purpose_fr = models.TextField(_("raison d'être (français)"), blank=True)
    purpose_en = models.TextField(_("raison d'être (anglais)"), blank=True)
    outcomes_fr = models.JSONField(_("résultats d'apprentissage (français)"), default=list, blank=True)
    outcomes_en = models.JSONField(_("résultats d'apprentissage (anglais)"), default=list, blank=True)
    hours = models.PositiveSmallIntegerField(_("heures"), null=True, blank=True)
    credits = models.DecimalField(_("crédits"), max_digits=4, decimal_places=1, null=True, blank=True)
    need_fr = models.TextField(_("qui l'a demandée (français)"), blank=True)
    need_en = models.TextField(_("qui l'a demandée (anglais)"), blank=True)
    image = models.FileField(
        _("image du badge (SVG ou PNG)"), upload_to="badges/", storage=get_public_storage, blank=True
    )
    image_png = models.FileField(
        _("image du badge (PNG)"), upload_to="badges/", storage=get_public_storage, blank=True
    )
    design = models.JSONField(_("conception du badge"), default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["micro_credential", "number"], name="unique_version_number")
        ]
        ordering = ["micro_credential", "-number"]

    def __str__(self) -> str:
        return f"{self.name_fr} (v{self.number})"

    def name(self, language: str | None = None) -> str:
        return pick(self, "name", language)

    def description(self, language: str | None = None) -> str:
        return pick(self, "description", language)

    def criteria(self, language: str | None = None) -> str:
        return pick(self, "criteria", language)

    def evidence(self, language: str | None = None) -> str:
        return pick(self, "evidence", language)

    def purpose(self, language: str | None = None) -> str:
        return pick(self, "purpose", language)

    def need(self, language: str | None = None) -> str:
        return pick(self, "need", language)

    def outcomes(self, language: str | None = None) -> list[str]:
        """The learning outcomes in ``language``, the French ones when there are none in it."""
        english = (language or get_language() or "fr")[:2] == "en"
        return list((self.outcomes_en if english and self.outcomes_en else self.outcomes_fr) or [])

    def context_labels(self) -> list[str]:
        labels = dict(LearningContext.choices)
        return [str(labels[c]) for c in self.learning_contexts if c in labels]


def need_document_path(instance: NeedDocument, filename: str) -> str:
    extension = filename.rsplit(".", 1)[-1][:5] if "." in filename else "bin"
    return f"catalogue/need/{instance.micro_credential_id}/{uuid.uuid4().hex}.{extension}"


class NeedDocument(models.Model):
    """A document that shows the need for a micro-credential (an employer's letter, a sector study,
    a community request). Checked like evidence files; only the organisation's admins open it."""

    micro_credential = models.ForeignKey(
        MicroCredential, on_delete=models.CASCADE, related_name="need_documents"
    )
    file = models.FileField(upload_to=need_document_path)
    name = models.CharField(_("nom du fichier"), max_length=200)
    content_type = models.CharField(max_length=120)
    size = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.name


class Alignment(models.Model):
    """A competency of a framework that a version attests, at a level."""

    version = models.ForeignKey(MicroCredentialVersion, on_delete=models.CASCADE, related_name="alignments")
    competency = models.ForeignKey("frameworks.Competency", on_delete=models.PROTECT, related_name="+")
    level = models.ForeignKey(
        "frameworks.Level", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["version", "competency"], name="one_alignment_per_competency")
        ]

    def __str__(self) -> str:
        return f"{self.version} → {self.competency}"


class Certificate(models.Model):
    """A certificate that stacks micro-credentials (an Open Badges Achievement of type Certificate;
    issued as a CLR 2.0 credential). Its requirements form a tree of groups: "all of" or "N of"."""

    class Issuance(models.TextChoices):
        """What happens when a person holds every micro-credential it asks for (carnet.stacking)."""

        AUTOMATIC = "automatic", _("Délivré automatiquement")
        CONFIRMED = "confirmed", _("Délivré après confirmation par un·e évaluateur·rice")

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="certificates")
    slug = models.SlugField(max_length=80)
    name_fr = models.CharField(_("nom (français)"), max_length=120)
    name_en = models.CharField(_("nom (anglais)"), max_length=120, blank=True)
    description_fr = models.TextField(_("description (français)"))
    description_en = models.TextField(_("description (anglais)"), blank=True)
    hours = models.PositiveIntegerField(_("heures"), null=True, blank=True)
    credits = models.DecimalField(_("crédits"), max_digits=5, decimal_places=1, null=True, blank=True)
    accepts_other_organisations = models.BooleanField(
        _("accepte les microattestations d'autres organismes"), default=False
    )
    issuance = models.CharField(
        _("délivrance"), max_length=20, choices=Issuance.choices, default=Issuance.CONFIRMED
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    root = models.OneToOneField("RequirementGroup", on_delete=models.PROTECT, related_name="certificate")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "slug"], name="unique_certificate_slug")
        ]

    def __str__(self) -> str:
        return self.name_fr

    def get_absolute_url(self) -> str:
        return reverse("catalogue:certificate", args=[self.organisation.slug, self.slug])

    def name(self, language: str | None = None) -> str:
        return pick(self, "name", language)

    def description(self, language: str | None = None) -> str:
        return pick(self, "description", language)

    def progress(self, held: set[int]) -> Progress:
        """What is done and missing given the ids of the micro-credentials a person holds."""
        return self.root.progress(held)


class RequirementGroup(models.Model):
    class Rule(models.TextChoices):
        ALL = "all", _("Toutes")
        N_OF = "n_of", _("Un nombre minimal")

    parent = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True, related_name="groups")
    rule = models.CharField(max_length=10, choices=Rule.choices, default=Rule.ALL)
    minimum = models.PositiveSmallIntegerField(default=1)
    label_fr = models.CharField(max_length=120, blank=True)
    label_en = models.CharField(max_length=120, blank=True)
    micro_credentials = models.ManyToManyField(MicroCredential, blank=True, related_name="requirement_groups")

    def __str__(self) -> str:
        return self.label_fr or f"{self.get_rule_display()} ({self.pk})"

    def progress(self, held: set[int], depth: int = 0) -> Progress:
        if depth > 8:
            raise ValueError("requirement groups nest too deeply")
        parts: list[tuple[bool, Any]] = [(mc.pk in held, mc) for mc in self.micro_credentials.all()]
        parts += [(child.progress(held, depth + 1).complete, child) for child in self.groups.all()]
        satisfied = sum(1 for ok, _item in parts if ok)
        needed = len(parts) if self.rule == self.Rule.ALL else min(self.minimum, len(parts))
        return Progress(
            complete=satisfied >= needed,
            satisfied=satisfied,
            needed=needed,
            missing=[item for ok, item in parts if not ok],
        )


class Progress:
    """Progress towards a requirement group: complete or not, and what is missing."""

    def __init__(self, *, complete: bool, satisfied: int, needed: int, missing: list[Any]) -> None:
        self.complete, self.satisfied, self.needed, self.missing = complete, satisfied, needed, missing


class PartnerEndorsement(models.Model):
    """A partner (employer, sector body…) asked to endorse one published version of a definition,
    and their answer. Only a hash of the link's token is kept; the link works once and expires. An
    endorsement is kept as an Open Badges 3.0 ``EndorsementCredential`` about the version's
    ``Achievement``, signed by the platform, which attests what the partner told it."""

    class Kind(models.TextChoices):
        EMPLOYER = "employer", _("Employeur")
        SECTOR = "sector", _("Comité sectoriel ou association sectorielle")
        PROFESSIONAL = "professional", _("Ordre ou association professionnelle")
        COMMUNITY = "community", _("Organisme communautaire")
        EDUCATION = "education", _("Établissement d'enseignement")
        OTHER = "other", _("Autre")

    class Status(models.TextChoices):
        PENDING = "pending", _("En attente")
        ENDORSED = "endorsed", _("Endossée")
        DECLINED = "declined", _("Refusée par le partenaire")
        CANCELLED = "cancelled", _("Demande annulée")
        WITHDRAWN = "withdrawn", _("Endossement retiré")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    version = models.ForeignKey(
        MicroCredentialVersion, on_delete=models.CASCADE, related_name="partner_endorsements"
    )
    partner_name = models.CharField(_("organisme partenaire"), max_length=200)
    partner_kind = models.CharField(_("type de partenaire"), max_length=20, choices=Kind.choices)
    # The employer organisation on Carnet of the contact's confirmed address when the request was
    # made (informative only: answering from a workspace needs the contact's confirmed address).
    partner_organisation = models.ForeignKey(
        Organisation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    contact_name = models.CharField(_("personne à joindre"), max_length=150)
    contact_email = models.EmailField(_("son adresse courriel"))
    message = models.TextField(_("message au partenaire"), max_length=1000, blank=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    send_count = models.PositiveSmallIntegerField(default=0)
    answered_at = models.DateTimeField(null=True, blank=True)
    # The answer: who answered (name, role), what they said, and the account when signed in.
    endorser_name = models.CharField(_("votre nom"), max_length=150, blank=True)
    endorser_role = models.CharField(_("votre fonction"), max_length=150, blank=True)
    comment = models.TextField(_("votre commentaire"), max_length=2000, blank=True)
    decline_reason = models.TextField(_("raison (facultatif)"), max_length=1000, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # How the answer reached Carnet: the emailed single-use link, or the employer workspace of a
    # signed-in account whose confirmed address is the contact's (``answered_in``: that workspace).
    answered_via = models.CharField(max_length=10, blank=True)
    answered_in = models.ForeignKey(
        Organisation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    document = models.JSONField(default=dict, blank=True)  # the signed EndorsementCredential
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["version", "status"], name="partner_version_status")]

    def __str__(self) -> str:
        return f"{self.partner_name} → {self.version}"

    @property
    def is_expired(self) -> bool:
        return self.status == self.Status.PENDING and self.expires_at <= timezone.now()

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.PENDING and not self.is_expired

    def state_label(self) -> Any:
        return _("Lien expiré") if self.is_expired else self.get_status_display()

    def get_json_url(self) -> str:
        item = self.version.micro_credential
        return reverse("catalogue:partner_endorsement", args=[item.organisation.slug, item.slug, self.uuid])
