"""The audit trail an organisation's admins read: who did what, when, to which request or credential."""

from __future__ import annotations

import csv
import json

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render

from carnet.audit import selectors
from carnet.audit.labels import FAMILIES, label
from carnet.audit.services import actor_name
from carnet.organisations.access import access_organisation

PAGE_SIZE = 50


def _family(request: HttpRequest) -> str:
    family = request.GET.get("famille", "")
    return family if family in FAMILIES else ""


@login_required
def journal(request: HttpRequest, org_slug: str) -> HttpResponse:
    organisation = access_organisation(request.user, org_slug)  # type: ignore[arg-type]
    family = _family(request)
    page = Paginator(selectors.trail(organisation, family=family), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    events = selectors.describe(page)
    for event in events:
        event.label = label(event.verb)  # type: ignore[attr-defined]
    return render(
        request,
        "audit/journal.html",
        {
            "organisation": organisation,
            "page": page,
            "events": events,
            "families": FAMILIES,
            "family": family,
        },
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


@login_required
def journal_csv(request: HttpRequest, org_slug: str) -> StreamingHttpResponse:
    """The whole trail (or one family) as CSV, streamed: it can hold many rows."""
    organisation = access_organisation(request.user, org_slug)  # type: ignore[arg-type]
    writer = csv.writer(_Echo())
    events = selectors.trail(organisation, family=_family(request)).iterator(chunk_size=2000)

    def rows():  # type: ignore[no-untyped-def]
        yield writer.writerow(["created_at", "verb", "label", "actor", "target_type", "target_id", "data"])
        for event in events:
            yield writer.writerow([
                event.created_at.isoformat(), event.verb, label(event.verb),
                event.actor.email if event.actor else actor_name(event), event.target_type, event.target_id,
                json.dumps(event.data, ensure_ascii=False) if event.data else "",
            ])  # fmt: skip

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="journal-{organisation.slug}.csv"'
    return response
