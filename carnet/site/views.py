"""Pages of the site shell: the home page each role sees, and the health check."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from carnet.issuing.selectors import held_by
from carnet.organisations.models import Membership
from carnet.recognition.models import RecognitionRequest
from carnet.recognition.selectors import review_queues_for
from carnet.site import operations
from carnet.site.observability import has_metrics_token
from carnet.stacking.selectors import pending_counts


def home(request: HttpRequest) -> HttpResponse:
    """Visitors get what Carnet is; a signed-in person gets the home of each role they hold."""
    if not request.user.is_authenticated:
        return render(request, "site/welcome.html")
    memberships = (
        Membership.objects.filter(user=request.user)
        .select_related("organisation")
        .order_by("organisation__name")
    )
    pending = {organisation.pk: count for organisation, count in review_queues_for(request.user)}
    to_confirm = pending_counts(request.user)
    for membership in memberships:
        membership.organisation.pending = pending.get(membership.organisation_id, 0)  # type: ignore[attr-defined]
        membership.organisation.to_confirm = to_confirm.get(membership.organisation_id, 0)  # type: ignore[attr-defined]
    return render(
        request,
        "site/home.html",
        {
            "admin_of": [m.organisation for m in memberships if m.role == Membership.Role.ADMIN],
            "assessor_of": [m.organisation for m in memberships if m.role == Membership.Role.ASSESSOR],
            "employer_of": [m.organisation for m in memberships if m.organisation.kind == "employer"],
            "claims": request.user.skill_claims.count(),  # type: ignore[union-attr]
            "held": held_by(request.user),
            "requests": RecognitionRequest.objects.filter(learner=request.user)
            .exclude(status="withdrawn")
            .count(),
        },
    )


@require_safe
def switch_language(request: HttpRequest, language: str) -> HttpResponse:
    """The language link of the pages whose address carries no language (the OAuth consent page):
    keep the choice in the language cookie, then go back to ``next`` (a path of this site only).
    Choosing a language changes nothing else, so a plain link is enough."""
    if language not in dict(settings.LANGUAGES):
        raise Http404
    next_url = request.GET.get("next", "")
    if not next_url.startswith("/") or not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response


def alive(request: HttpRequest) -> HttpResponse:
    """Liveness: the process answers, through the whole middleware stack, without touching the
    database (``/healthz`` is the readiness check, with the database). Also the ceiling that
    bench/public_pages.py compares the public pages with."""
    return HttpResponse(b"ok\n", content_type="text/plain")


def health(request: HttpRequest) -> JsonResponse:
    """Readiness: the database answers (one ``SELECT 1``, what a load balancer's probe costs). With
    the database queue, a request bearing the metrics token gets its figures too (counts and an age,
    one query): tasks waiting, the oldest one's wait in seconds, running, failed."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    body: dict[str, Any] = {"status": "ok"}
    if has_metrics_token(request):
        figures = operations.queue_figures()
        if figures.pop("backend") == "database":
            body["tasks"] = figures
    return JsonResponse(body)


def access_staff(user: Any) -> None:
    """Nothing for the platform's staff; 404 for everyone else."""
    if not (user.is_authenticated and user.is_active and user.is_staff):
        raise Http404


@require_safe
def failed_work(request: HttpRequest) -> HttpResponse:
    """The background tasks that failed and the bulk issuances failed or stalled, for staff."""
    access_staff(request.user)
    return render(
        request,
        "site/failed_work.html",
        {
            "tasks": operations.failed_tasks(),
            "jobs": operations.jobs_needing_care(),
            "database_queue": operations.database_queue(),
        },
    )


@require_POST
def retry_task(request: HttpRequest, task_id: str) -> HttpResponse:
    access_staff(request.user)
    try:
        operations.retry_task(task_id=task_id, actor=request.user)
    except operations.NotFound:
        messages.info(
            request, _("Cette tâche n'est plus en échec : elle a été relancée ou a réussi entre-temps.")
        )
    else:
        messages.success(request, _("La tâche est de nouveau dans la file : un worker va la reprendre."))
    return redirect("failed_work")


@require_POST
def retry_job(request: HttpRequest, job_uuid: str) -> HttpResponse:
    access_staff(request.user)
    try:
        operations.retry_job(job_uuid=job_uuid, actor=request.user)
    except operations.NotFound:
        messages.info(
            request,
            _(
                "Rien n'a été relancé : cette délivrance en lot n'est ni en échec ni arrêtée (elle est "
                "terminée, en cours ou attend la confirmation de son organisation)."
            ),
        )
    else:
        messages.success(
            request,
            _("La délivrance en lot reprend : les lignes restantes seront délivrées, aucune deux fois."),
        )
    return redirect("failed_work")
