"""Who may manage frameworks: platform staff only. Every staff view starts with one of these."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.shortcuts import get_object_or_404

from carnet.frameworks.models import Competency, Framework


def access_framework_admin(user: Any) -> None:
    """Nothing for platform staff; 404 for everyone else (they learn nothing about drafts)."""
    if not (user.is_authenticated and user.is_active and user.is_staff):
        raise Http404


def access_framework_to_manage(user: Any, framework_uuid: Any) -> Framework:
    access_framework_admin(user)
    return get_object_or_404(Framework, uuid=framework_uuid)


def access_competency_to_manage(
    user: Any, framework_uuid: Any, competency_uuid: Any
) -> tuple[Framework, Competency]:
    framework = access_framework_to_manage(user, framework_uuid)
    return framework, get_object_or_404(Competency, uuid=competency_uuid, framework=framework)


def access_published_framework(slug: str) -> Framework:
    """The published version of ``slug``, for anyone."""
    framework = (
        Framework.objects.filter(slug=slug, status=Framework.Status.PUBLISHED).order_by("-created_at").first()
    )
    if framework is None:
        raise Http404
    return framework
