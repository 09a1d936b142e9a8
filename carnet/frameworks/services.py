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
from django.db.models import F, ProtectedError
from django.utils.translation import gettext as _

from carnet.audit.services import record_event
from carnet.frameworks.models import (
    COMPETENCY_FIELDS,
    FRAMEWORK_FIELDS,
    LEVEL_FIELDS,
    Competency,
    Framework,
    Indicator,
    Level,
    framework_data,
)

DEFAULT_FRAMEWORK_FILE = Path(__file__).parent / "data" / "generic-competencies.json"


class FrameworkError(Exception):
    """A change that cannot be made; the message is for the person who asked for it. ``field``
    names the form field the message is about, when there is one."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


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


def _draft_to_change(framework: Framework) -> Framework:
    """Where a change to ``framework``'s content goes: the framework itself when it is a draft;
    for a published one, its next draft version (the one in progress, or a copy made now)."""
    if framework.status == Framework.Status.DRAFT:
        return framework
    return update_framework(framework=framework, fields={})


def _same_competency(draft: Framework, competency: Competency) -> Competency:
    """``competency`` as it is in ``draft`` (a copy of its framework has the same codes)."""
    if competency.framework_id == draft.pk:
        return competency
    found = draft.competencies.filter(code=competency.code).first()
    if found is None:
        raise FrameworkError(
            _(
                "La compétence %(code)s n'existe plus dans la version %(version)s, en brouillon. "
                "Modifiez ce brouillon directement."
            )
            % {"code": competency.code, "version": draft.version}
        )
    return found


def _check_competency(
    draft: Framework,
    competency: Competency | None,
    fields: Mapping[str, Any],
    indicators: Sequence[Mapping[str, Any]],
    levels: Sequence[Mapping[str, Any]],
) -> None:
    """The rules the form checks already, checked again where the change goes (the draft of a
    published framework may differ from what the form was checked against)."""
    code = str(fields.get("code") or "").strip()
    if not code:
        raise FrameworkError(_("Indiquez le code de la compétence."), field="code")
    others = draft.competencies.exclude(pk=competency.pk if competency else None)
    if others.filter(code=code).exists():
        raise FrameworkError(
            _("Le code %(code)s est déjà celui d'une autre compétence de ce référentiel.") % {"code": code},
            field="code",
        )
    if not str(fields.get("name_fr") or "").strip():
        raise FrameworkError(_("Indiquez le nom de la compétence en français."), field="name_fr")
    if any(not str(row.get("text_fr") or "").strip() for row in indicators):
        raise FrameworkError(_("Chaque indicateur a besoin d'un texte en français."))
    if any(not str(row.get("name_fr") or "").strip() for row in levels):
        raise FrameworkError(_("Chaque niveau a besoin d'un nom en français."))
    if sorted(int(row["rank"]) for row in levels) != list(range(1, len(levels) + 1)):
        raise FrameworkError(_("Les rangs des niveaux vont de 1 au nombre de niveaux, sans trou ni doublon."))


def _with_ids(rows: Sequence[Mapping[str, Any]], ids: Mapping[Any, Any]) -> list[dict[str, Any]]:
    """``rows`` naming, through ``ids``, other objects than those they named (the others are new)."""
    return [{**row, "id": ids.get(row.get("id"))} for row in rows]


def _write_indicators(competency: Competency, rows: Sequence[Mapping[str, Any]]) -> None:
    """The indicators of ``competency`` become ``rows``, in that order; a row with the ``id`` of an
    indicator changes it (its identifier stays), the others are new, and what is not listed goes."""
    competency.indicators.exclude(pk__in=[row["id"] for row in rows if row.get("id")]).delete()
    existing = {indicator.pk: indicator for indicator in competency.indicators.all()}
    for position, row in enumerate(rows):
        indicator = existing.pop(row.get("id"), None) or Indicator(competency=competency)
        indicator.text_fr, indicator.text_en = row["text_fr"], row.get("text_en", "")
        indicator.order = position
        indicator.save()


def _write_levels(competency: Competency, rows: Sequence[Mapping[str, Any]]) -> None:
    """Like :func:`_write_indicators`, for levels. A level a micro-credential aligns to stays."""
    try:
        competency.levels.exclude(pk__in=[row["id"] for row in rows if row.get("id")]).delete()
    except ProtectedError as exc:
        raise FrameworkError(
            _("Un niveau retiré est visé par une microattestation : %(names)s. Gardez ce niveau.")
            % {"names": _aligned_names(exc)}
        ) from exc
    # Ranks may swap (1 ↔ 2): move the kept levels out of the way of the unique rank first.
    competency.levels.update(rank=F("rank") + 1000)
    existing = {level.pk: level for level in competency.levels.all()}
    for row in rows:
        level = existing.pop(row.get("id"), None) or Level(competency=competency)
        for name in LEVEL_FIELDS:
            setattr(level, name, row.get(name, ""))
        level.save()


def _aligned_names(error: ProtectedError) -> str:
    names = sorted({str(getattr(obj, "version", obj)) for obj in error.protected_objects})
    return ", ".join(names)


@transaction.atomic
def save_competency(
    *,
    framework: Framework,
    competency: Competency | None = None,
    fields: Mapping[str, Any],
    indicators: Sequence[Mapping[str, Any]],
    levels: Sequence[Mapping[str, Any]],
    actor: Any = None,
) -> Competency:
    """Adds a competency to ``framework`` (``competency`` is None) or changes one of its
    competencies, with its indicators and levels, which replace the old ones (rows carrying the
    ``id`` of an existing indicator or level change it and keep its identifier).

    A published framework stays as it is: the change goes to its next draft version (the one in
    progress, or a copy made now); the competency returned belongs to the framework changed."""
    draft = _draft_to_change(framework)
    if competency is not None and draft.pk != framework.pk:
        # The rows name the published objects; their copies are at the same position (indicators)
        # and rank (levels).
        source, competency = competency, _same_competency(draft, competency)
        # (A draft in progress may have fewer or more indicators: the extra rows are new.)
        copies = zip(
            source.indicators.values_list("pk", flat=True),
            competency.indicators.values_list("pk", flat=True),
            strict=False,
        )
        indicators = _with_ids(indicators, dict(copies))
        by_rank = dict(competency.levels.values_list("rank", "pk"))
        levels = _with_ids(
            levels, {pk: by_rank.get(rank) for rank, pk in source.levels.values_list("rank", "pk")}
        )
    _check_competency(draft, competency, fields, indicators, levels)
    adding = competency is None
    if competency is None:
        last = draft.competencies.order_by("-order").values_list("order", flat=True).first()
        competency = Competency(framework=draft, order=0 if last is None else last + 1)
    for name in (*COMPETENCY_FIELDS, "order"):
        if name in fields and fields[name] is not None:
            setattr(competency, name, fields[name])
    competency.code = competency.code.strip()
    competency.save()
    _write_indicators(competency, indicators)
    _write_levels(competency, levels)
    record_event(
        verb="framework.competency_added" if adding else "framework.competency_changed",
        actor=actor,
        target=competency,
        data={"framework": str(draft.uuid), "version": draft.version, "code": competency.code},
    )
    return competency


@transaction.atomic
def remove_competency(*, framework: Framework, competency: Competency, actor: Any = None) -> Framework:
    """Removes a competency, its indicators and levels. Refused when a micro-credential aligns to it.
    For a published framework, it is removed from the next draft version, which is returned."""
    draft = _draft_to_change(framework)
    competency = _same_competency(draft, competency)
    code, identifier = competency.code, str(competency.uuid)
    try:
        competency.delete()
    except ProtectedError as exc:
        raise FrameworkError(
            _(
                "La compétence %(code)s ne peut pas être supprimée : des microattestations s'y alignent "
                "(%(names)s). Retirez-la d'abord de ces microattestations."
            )
            % {"code": code, "names": _aligned_names(exc)}
        ) from exc
    record_event(
        verb="framework.competency_removed",
        actor=actor,
        target=draft,
        data={"competency": identifier, "code": code, "version": draft.version},
    )
    return draft
