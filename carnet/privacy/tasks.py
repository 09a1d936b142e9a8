"""Background work of privacy (Django's tasks API)."""

from __future__ import annotations

from django.tasks import task

from carnet.privacy import services


@task()
def build_export(export_id: int) -> str | None:
    """Make a "download all my data" archive; safe to run twice (a finished one is left as it is)."""
    export = services.build_export(export_id)
    return export.state if export is not None else None
