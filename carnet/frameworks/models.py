"""Competency frameworks (référentiels de compétences): competencies, their observable indicators and
their proficiency levels, in French and English (French is the reference, English falls back to it).

A framework is edited as a draft, then published; editing a published framework makes a new draft
version that points to it through ``previous``. Each object has a ``uuid`` that stays the same for its
whole life: it is its CASE identifier."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import models
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


def pick(obj: Any, field: str, lang: str | None = None) -> str:
    """``obj.<field>_en`` in English when it is filled in, ``obj.<field>_fr`` otherwise."""
    lang = (lang or get_language() or "fr")[:2]
    value = getattr(obj, f"{field}_en", "") if lang == "en" else ""
    return str(value or getattr(obj, f"{field}_fr"))


class Framework(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Brouillon")
        PUBLISHED = "published", _("Publié")
        ARCHIVED = "archived", _("Archivé")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    slug = models.SlugField(_("identifiant court"), max_length=80)
    name_fr = models.CharField(_("nom (français)"), max_length=200)
    name_en = models.CharField(_("nom (anglais)"), max_length=200, blank=True)
    description_fr = models.TextField(_("description (français)"), blank=True)
    description_en = models.TextField(_("description (anglais)"), blank=True)
    publisher = models.CharField(_("éditeur"), max_length=200, blank=True)
    version = models.CharField(_("version"), max_length=20, default="1.0")
    status = models.CharField(_("statut"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    previous = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="next_versions"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["slug", "-created_at"]
        verbose_name = _("référentiel de compétences")
        verbose_name_plural = _("référentiels de compétences")
        constraints = [models.UniqueConstraint(fields=["slug", "version"], name="one_framework_version")]

    def __str__(self) -> str:
        return f"{self.name_fr} ({self.version})"

    def get_absolute_url(self) -> str:
        return reverse("frameworks:detail", args=[self.slug])

    def name(self, lang: str | None = None) -> str:
        return pick(self, "name", lang)

    def description(self, lang: str | None = None) -> str:
        return pick(self, "description", lang)


class Competency(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="competencies")
    code = models.CharField(_("code"), max_length=40)
    name_fr = models.CharField(_("nom (français)"), max_length=200)
    name_en = models.CharField(_("nom (anglais)"), max_length=200, blank=True)
    description_fr = models.TextField(_("description (français)"), blank=True)
    description_en = models.TextField(_("description (anglais)"), blank=True)
    aligned_to = models.CharField(
        _("correspondance"),
        max_length=200,
        blank=True,
        help_text=_(
            "Compétence d'un référentiel public qui lui correspond, par exemple Compétences pour réussir."
        ),
    )
    aligned_url = models.URLField(_("adresse de la correspondance"), blank=True)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["framework", "order", "code"]
        verbose_name = _("compétence")
        verbose_name_plural = _("compétences")
        constraints = [models.UniqueConstraint(fields=["framework", "code"], name="one_code_per_framework")]

    def __str__(self) -> str:
        return f"{self.code} — {self.name_fr}"

    def name(self, lang: str | None = None) -> str:
        return pick(self, "name", lang)

    def description(self, lang: str | None = None) -> str:
        return pick(self, "description", lang)


class Indicator(models.Model):
    """Something one can observe when a person holds the competency."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    competency = models.ForeignKey(Competency, on_delete=models.CASCADE, related_name="indicators")
    text_fr = models.TextField(_("texte (français)"))
    text_en = models.TextField(_("texte (anglais)"), blank=True)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["competency", "order", "pk"]
        verbose_name = _("indicateur")
        verbose_name_plural = _("indicateurs")

    def __str__(self) -> str:
        return self.text_fr

    def text(self, lang: str | None = None) -> str:
        return pick(self, "text", lang)


class Level(models.Model):
    """A proficiency level of a competency; ranks run from 1 to n."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    competency = models.ForeignKey(Competency, on_delete=models.CASCADE, related_name="levels")
    rank = models.PositiveSmallIntegerField(_("rang"))
    name_fr = models.CharField(_("nom (français)"), max_length=100)
    name_en = models.CharField(_("nom (anglais)"), max_length=100, blank=True)
    descriptor_fr = models.TextField(_("descripteur (français)"), blank=True)
    descriptor_en = models.TextField(_("descripteur (anglais)"), blank=True)

    class Meta:
        ordering = ["competency", "rank"]
        verbose_name = _("niveau")
        verbose_name_plural = _("niveaux")
        constraints = [models.UniqueConstraint(fields=["competency", "rank"], name="one_level_per_rank")]

    def __str__(self) -> str:
        return f"{self.competency.code} {self.rank}. {self.name_fr}"

    def name(self, lang: str | None = None) -> str:
        return pick(self, "name", lang)

    def descriptor(self, lang: str | None = None) -> str:
        return pick(self, "descriptor", lang)


def framework_data(framework: Framework, *, with_uuids: bool = False) -> dict[str, Any]:
    """Everything ``framework`` says, as plain data: what exports write, imports read and a new
    version copies. With ``with_uuids``, each object keeps its identifier."""

    def maybe_uuid(obj: models.Model) -> dict[str, str]:
        return {"uuid": str(obj.uuid)} if with_uuids else {}  # type: ignore[attr-defined]

    competencies = framework.competencies.prefetch_related("indicators", "levels").order_by("order", "code")
    return {
        **maybe_uuid(framework),
        **{name: getattr(framework, name) for name in FRAMEWORK_FIELDS},
        "competencies": [
            {
                **maybe_uuid(competency),
                **{name: getattr(competency, name) for name in COMPETENCY_FIELDS},
                "indicators": [
                    {**maybe_uuid(indicator), "text_fr": indicator.text_fr, "text_en": indicator.text_en}
                    for indicator in competency.indicators.all()
                ],
                "levels": [
                    {**maybe_uuid(level), **{name: getattr(level, name) for name in LEVEL_FIELDS}}
                    for level in competency.levels.all()
                ],
            }
            for competency in competencies
        ],
    }


FRAMEWORK_FIELDS = ("slug", "version", "name_fr", "name_en", "description_fr", "description_en", "publisher")
COMPETENCY_FIELDS = (
    "code", "name_fr", "name_en", "description_fr", "description_en", "aligned_to", "aligned_url",
)  # fmt: skip
LEVEL_FIELDS = ("rank", "name_fr", "name_en", "descriptor_fr", "descriptor_en")
