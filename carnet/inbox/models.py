"""The in-app inbox: what happened to a person's requests and credentials, beside the emails.

A notification keeps its kind and its facts (names in both languages), not a sentence: it is worded
when it is read, in the reader's language of the moment."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=60)
    data = models.JSONField(default=dict, blank=True)
    link = models.CharField(max_length=300, blank=True)  # a path on this site, without language prefix
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        indexes = [models.Index(fields=["user", "read_at"], name="inbox_unread")]

    def __str__(self) -> str:
        return f"{self.kind} → {self.user_id}"
