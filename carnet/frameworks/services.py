"""Writes about competency frameworks: each a function named by its domain verb, atomic.

A framework moves draft → published → archived. A published framework is never changed in place
(micro-credentials point to its levels): editing it makes a new draft version, a copy whose
``previous`` is the published one; publishing that draft archives the version it replaces."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from django.apps import apps as global_apps
from django.db import transaction
from django.utils.translation import gettext as _

from carnet.frameworks.models import (
    COMPETENCY_FIELDS,
    FRAMEWORK_FIELDS,
    LEVEL_FIELDS,
    Framework,
    framework_data,
)

DEFAULT_FRAMEWORK_FILE = Path(__file__).parent / "data" / "generic-competencies.json"


class FrameworkError(Exception):
    """A change that cannot be made; the message is for the person who asked for it."""


def _framework_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    return {name: fields[name] for name in FRAMEWORK_FIELDS if name in fields}


def _write_competencies(framework: Any, competencies: Sequence[Mapping[str, Any]], apps: Any) -> None:
    """Creates the competencies, indicators and levels of ``framework``; objects that carry a
    ``uuid`` keep it. ``apps`` lets the data migration use its historical models."""
    Competency = apps.get_model("frameworks", "Competency")
    Indicator = apps.get_model("frameworks", "Indicator")
    Level = apps.get_model("frameworks", "Level")
    for order, item in enumerate(competencies):
        competency = Competency.objects.create(
            framework=framework,
            order=order,
            **_with_uuid(item),
            **{name: item.get(name, "") for name in COMPETENCY_FIELDS},
        )
        Indicator.objects.bulk_create(
            Indicator(
                competency=competency,
                order=position,
                text_fr=indicator["text_fr"],
                text_en=indicator.get("text_en", ""),
                **_with_uuid(indicator),
            )
            for position, indicator in enumerate(item.get("indicators", ()))
        )
        Level.objects.bulk_create(
            Level(competency=competency, **_with_uuid(level), **{n: level.get(n, "") for n in LEVEL_FIELDS})
            for level in item.get("levels", ())
        )


def _with_uuid(item: Mapping[str, Any]) -> dict[str, Any]:
    return {"uuid": uuid.UUID(str(item["uuid"]))} if item.get("uuid") else {}


@transaction.atomic
def create_framework(
    *,
    fields: Mapping[str, Any],
    competencies: Sequence[Mapping[str, Any]] = (),
    previous: Framework | None = None,
) -> Framework:
    """A new draft framework. ``fields`` holds the framework's own fields (and may hold a ``uuid``);
    ``competencies`` is plain data as :func:`carnet.frameworks.models.framework_data` gives it."""
    if Framework.objects.filter(slug=fields["slug"], version=fields.get("version", "1.0")).exists():
        raise FrameworkError(_("Un référentiel avec cet identifiant court et cette version existe déjà."))
    framework = Framework.objects.create(
        previous=previous, status=Framework.Status.DRAFT, **_with_uuid(fields), **_framework_fields(fields)
    )
    _write_competencies(framework, competencies, global_apps)
    return framework


def next_version(version: str) -> str:
    """``1.0`` → ``1.1``, ``2`` → ``3``, ``2024-a`` → ``2024-a.1``."""
    head, _dot, last = version.rpartition(".")
    if last.isdigit():
        return f"{head}{_dot}{int(last) + 1}"
    return f"{version}.1"


@transaction.atomic
def update_framework(
    *,
    framework: Framework,
    fields: Mapping[str, Any],
    competencies: Sequence[Mapping[str, Any]] | None = None,
) -> Framework:
    """Changes a draft in place. A published framework stays as it is: the change goes to its next
    version (made now as a copy, or the draft already made), which is returned. ``competencies``,
    when given, replaces the whole content."""
    if framework.status == Framework.Status.ARCHIVED:
        raise FrameworkError(_("Un référentiel archivé ne peut plus être modifié."))
    if framework.status == Framework.Status.PUBLISHED:
        draft = framework.next_versions.filter(status=Framework.Status.DRAFT).first()
        if draft is None:
            copy = framework_data(framework)
            version = fields.get("version") or framework.version
            if version == framework.version:
                version = next_version(framework.version)
            return create_framework(
                fields={**copy, **_framework_fields(fields), "slug": framework.slug, "version": version},
                competencies=copy["competencies"] if competencies is None else competencies,
                previous=framework,
            )
        framework = draft
    changes = _framework_fields(fields)
    if framework.previous_id:
        changes.pop("slug", None)  # the versions of one framework share its slug
    if (
        Framework.objects.filter(
            slug=changes.get("slug", framework.slug), version=changes.get("version", framework.version)
        )
        .exclude(pk=framework.pk)
        .exists()
    ):
        raise FrameworkError(_("Un référentiel avec cet identifiant court et cette version existe déjà."))
    for name, value in changes.items():
        setattr(framework, name, value)
    framework.save(update_fields=[*changes, "updated_at"])
    if competencies is not None:
        framework.competencies.all().delete()
        _write_competencies(framework, competencies, global_apps)
    return framework


@transaction.atomic
def publish_framework(*, framework: Framework) -> Framework:
    """Publishes a draft; the version it replaces, if published, is archived."""
    if framework.status != Framework.Status.DRAFT:
        raise FrameworkError(_("Seul un brouillon peut être publié."))
    if not framework.competencies.exists():
        raise FrameworkError(_("Ajoutez au moins une compétence avant de publier."))
    Framework.objects.filter(slug=framework.slug, status=Framework.Status.PUBLISHED).update(
        status=Framework.Status.ARCHIVED
    )
    framework.status = Framework.Status.PUBLISHED
    framework.save(update_fields=["status", "updated_at"])
    return framework


@transaction.atomic
def archive_framework(*, framework: Framework) -> Framework:
    """Takes a framework out of the public list; what already points to it keeps working."""
    framework.status = Framework.Status.ARCHIVED
    framework.save(update_fields=["status", "updated_at"])
    return framework


def default_framework_data() -> dict[str, Any]:
    """The default generic-competencies framework, with identifiers that are the same on every
    installation (so that its CASE export names the same items everywhere)."""
    data = json.loads(DEFAULT_FRAMEWORK_FILE.read_text(encoding="utf-8"))
    base = f"https://carnet.example/frameworks/{data['slug']}/{data['version']}"
    data["uuid"] = str(uuid.uuid5(uuid.NAMESPACE_URL, base))
    for competency in data["competencies"]:
        code = f"{base}/{competency['code']}"
        competency["uuid"] = str(uuid.uuid5(uuid.NAMESPACE_URL, code))
        for position, indicator in enumerate(competency["indicators"]):
            indicator["uuid"] = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{code}/indicator/{position + 1}"))
        for level in competency["levels"]:
            level["uuid"] = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{code}/level/{level['rank']}"))
    return data


@transaction.atomic
def install_default_framework(*, apps: Any = global_apps) -> Any:
    """Installs and publishes the default framework unless it is already there (in any status).
    The data migration passes its historical ``apps``."""
    data = default_framework_data()
    model = apps.get_model("frameworks", "Framework")
    existing = model.objects.filter(slug=data["slug"], version=data["version"]).first()
    if existing is not None:
        return existing
    framework = model.objects.create(
        uuid=uuid.UUID(data["uuid"]), status="published", **_framework_fields(data)
    )
    _write_competencies(framework, data["competencies"], apps)
    return framework
