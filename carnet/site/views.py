"""Pages of the site shell: the home page each role sees, and the health check."""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_safe

from carnet.issuing.selectors import held_by
from carnet.organisations.models import Membership
from carnet.recognition.models import RecognitionRequest
from carnet.recognition.selectors import review_queues_for
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
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
