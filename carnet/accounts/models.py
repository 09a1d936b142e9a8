"""People: one account per email address (no user names)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields: Any) -> User:
        if not email:
            raise ValueError("an account needs an email address")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> User:
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)


class User(AbstractUser):
    username = None  # type: ignore[assignment]
    email = models.EmailField(_("adresse courriel"), unique=True)
    display_name = models.CharField(_("nom affiché"), max_length=150, blank=True)
    preferred_language = models.CharField(
        _("langue préférée"), max_length=5, choices=[("fr", "Français"), ("en", "English")], default="fr"
    )
    # A copy of the person's latest consent to employers' searches (carnet.portfolio.SearchConsent,
    # the record in force), written with it by set_search_consent: issuing reads it, searches too.
    consents_to_search = models.BooleanField(default=False, editable=False)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()  # type: ignore[misc]

    class Meta:
        verbose_name = _("compte")
        verbose_name_plural = _("comptes")

    def __str__(self) -> str:
        return self.display_name or self.email

    @property
    def public_name(self) -> str:
        """How the person is named where others see them (badge pages, public profile, certificate
        pages, employers' searches): the name they chose, never their email; empty without one (the
        page then says "this person"). ``str(user)`` falls back to the email: for their own pages
        and their organisations' staff only."""
        return self.display_name
