"""The employer workspace: jobs described by the competencies and levels they need, and contacts
with learners who agreed to be found (their email stays hidden until they answer)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Job(models.Model):
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="jobs"
    )
    title = models.CharField(_("intitulé du poste"), max_length=150)
    description = models.TextField(_("description"), max_length=5000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title


class JobRequirement(models.Model):
    """A competency the job needs, at least at ``minimum_rank`` of its levels."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="requirements")
    competency = models.ForeignKey("frameworks.Competency", on_delete=models.PROTECT, related_name="+")
    minimum_rank = models.PositiveSmallIntegerField(_("niveau minimal"), default=1)

    class Meta:
        ordering = ["job", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["job", "competency"], name="one_requirement_per_competency")
        ]

    def __str__(self) -> str:
        return f"{self.competency.code} ≥ {self.minimum_rank}"


class Contact(models.Model):
    """An employer's message to a learner found in a search. The employer sees the learner's email
    only once the learner answers."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="contacts"
    )
    job = models.ForeignKey(Job, on_delete=models.SET_NULL, null=True, blank=True, related_name="contacts")
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="employer_contacts"
    )
    message = models.TextField(_("votre message"), max_length=3000)
    created_at = models.DateTimeField(auto_now_add=True)
    answer = models.TextField(_("votre réponse"), max_length=3000, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    declined_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.organisation_id} → {self.learner_id}"
