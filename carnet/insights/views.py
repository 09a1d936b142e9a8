"""The figures pages (an organisation's, the platform's) with their CSV, and the employer survey's
answers."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import is_same_domain, url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from carnet.insights import charts, figures, services, survey
from carnet.insights.forms import PeriodForm
from carnet.organisations.access import access_organisation
from carnet.verification import limits

ORGANISATION_ROLES = ("admin", "assessor")


def access_platform(user: Any) -> None:
    """Nothing for the platform's staff; 404 for everyone else."""
    if not (user.is_authenticated and user.is_active and user.is_staff):
        raise Http404


@login_required
def organisation_page(request: HttpRequest, org_slug: str) -> HttpResponse:
    organisation = access_organisation(request.user, org_slug, roles=ORGANISATION_ROLES)  # type: ignore[arg-type]
    return _page(request, organisation)


@login_required
def organisation_csv(request: HttpRequest, org_slug: str) -> HttpResponse:
    organisation = access_organisation(request.user, org_slug, roles=ORGANISATION_ROLES)  # type: ignore[arg-type]
    return _csv(request, organisation, f"chiffres-{organisation.slug}")


@login_required
def platform_page(request: HttpRequest) -> HttpResponse:
    access_platform(request.user)
    return _page(request, None)


@login_required
def platform_csv(request: HttpRequest) -> HttpResponse:
    access_platform(request.user)
    return _csv(request, None, "chiffres-plateforme")


def _page(request: HttpRequest, organisation: Any) -> HttpResponse:
    form = PeriodForm(request.GET or None)
    period = form.period()
    all_series = figures.series(organisation, period)
    times = figures.decision_times(organisation, period)
    steps = figures.funnel(organisation, period)
    first = steps[0].count
    funnel = [
        {
            "step": step,
            "shown": figures.shown(step.count),
            "from_previous": figures.rate(step.count, steps[n - 1].count) if n else "",
            "from_first": figures.rate(step.count, first) if n else "",
            "width": 0
            if not first or step.count < figures.SMALL
            else round(100 * min(step.count / first, 1)),
        }
        for n, step in enumerate(steps)
    ]
    results = figures.survey(organisation, period)
    query = urlencode({k: v for k, v in request.GET.items() if k in form.fields})
    return render(
        request,
        "insights/page.html",
        {
            "organisation": organisation,
            "form": form,
            "period": period,
            "charts": charts.charts(all_series, period.granularity),
            "times": times,
            "median_text": duration_text(times.median),
            "p90_text": duration_text(times.p90),
            "funnel": funnel,
            "survey": results,
            "survey_shown": _survey_rows(results),
            "csv_query": f"?{query}" if query else "",
        },
        status=400 if form.is_bound and not form.is_valid() else 200,
    )


def _survey_rows(results: figures.SurveyResults) -> dict[str, Any]:
    def rows(counts: list[tuple[Any, int]]) -> list[tuple[Any, str, str]]:
        return [(name, figures.shown(n), figures.rate(n, results.answered)) for name, n in counts]

    return {
        "answered": figures.shown(results.answered),
        "rate": figures.rate(results.answered, results.offered),
        "useful": rows(results.useful),
        "interview": rows(results.interview),
    }


def duration_text(value: timedelta | None) -> str:
    """A delay in words: hours under two days, days beyond."""
    if value is None:
        return "—"
    hours = value.total_seconds() / 3600
    if hours < 48:
        count = max(round(hours), 1)
        return ngettext("%(count)s heure", "%(count)s heures", count) % {"count": count}
    count = round(hours / 24)
    return ngettext("%(count)s jour", "%(count)s jours", count) % {"count": count}


def _hours(value: timedelta | None) -> str:
    return "" if value is None else f"{value.total_seconds() / 3600:.1f}"


def safe_cell(value: Any) -> Any:
    """A cell a spreadsheet will not read as a formula (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _csv(request: HttpRequest, organisation: Any, name: str) -> HttpResponse:
    period = PeriodForm(request.GET or None).period()
    out = io.StringIO()
    writer = csv.writer(out)
    rows: list[list[Any]] = [[_("indicateur"), _("début"), _("valeur"), _("clé")]]
    for item in figures.series(organisation, period):
        rows += [[str(item.label), day.isoformat(), value, item.key] for day, value in item.points]
    times = figures.decision_times(organisation, period)
    rows += [
        [_("Décisions comptées pour le délai"), "", times.count, "decision_count"],
        [_("Délai médian de décision (heures)"), "", _hours(times.median), "decision_median_hours"],
        [_("Délai de décision, 90e centile (heures)"), "", _hours(times.p90), "decision_p90_hours"],
    ]
    rows += [[str(step.label), "", figures.shown(step.count), f"funnel_{step.key}"]
             for step in figures.funnel(organisation, period)]  # fmt: skip
    results = figures.survey(organisation, period)
    rows.append([_("Enquête : réponses"), "", figures.shown(results.answered), "survey_answered"])
    rows.append([_("Enquête : refusée"), "", figures.shown(results.dismissed), "survey_dismissed"])
    for prefix, key, counts in (
        (_("Utile pour juger la candidature"), "survey_useful", results.useful),
        (_("Augmente les chances d'entrevue"), "survey_interview", results.interview),
    ):
        rows += [[f"{prefix} : {answer}", "", figures.shown(n), key] for answer, n in counts]
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{name}-{period.start.isoformat()}-{period.end.isoformat()}.csv"'
    )
    return response


# The survey's form is in pages kept for visitors without a session (and so without a CSRF cookie):
# what protects it is the secret it carries, made for that one verification, kept hashed, good for
# one answer within a day — the role a CSRF token plays. A form from another site is refused as well.
@csrf_exempt
@require_POST
def answer_survey(request: HttpRequest) -> HttpResponse:
    origin = request.headers.get("Origin")
    if origin and not same_site(request, origin):
        raise Http404
    allowed, retry_after = limits.allow(request, "survey")
    if not allowed:
        response = render(request, "insights/survey_done.html", {"limited": True}, status=429)
        response["Retry-After"] = str(retry_after)
        return response
    token = request.POST.get("token", "")[:100]
    if request.POST.get("action") == "dismiss":
        done = services.dismiss_survey(token=token)
        context = {"dismissed": done}
    else:
        done = services.answer_survey(
            token=token, useful=request.POST.get("useful", ""), interview=request.POST.get("interview", "")
        )
        context = {"answered": done}
    next_url = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}) and next_url.startswith(
        "/"
    ):
        context["next"] = next_url + ("&" if "?" in next_url else "?") + f"{survey.SEEN}=1"
    response = render(request, "insights/survey_done.html", context)
    if done:
        response.set_cookie(
            survey.COOKIE, "done", max_age=survey.COOKIE_DAYS * 86400, httponly=True, samesite="Lax",
            secure=request.is_secure() or settings.SESSION_COOKIE_SECURE,
        )  # fmt: skip
    return response


def same_site(request: HttpRequest, origin: str) -> bool:
    """Whether a form's ``Origin`` is this site's: the address the request came to, the public
    address (CARNET_SITE_URL), or one the operator trusts (CSRF_TRUSTED_ORIGINS, ``*.`` wildcards
    too) — behind an HTTPS proxy the application may see http:// while the browser says https://."""
    if origin == f"{request.scheme}://{request.get_host()}":
        return True
    site = urlsplit(settings.SITE_URL)
    if origin == f"{site.scheme}://{site.netloc}":
        return True
    try:
        given = urlsplit(origin)
    except ValueError:  # e.g. "http://[": not an address
        return False
    for trusted in settings.CSRF_TRUSTED_ORIGINS:
        if origin == trusted:
            return True
        if "*" in trusted:  # as Django's CSRF check reads them: https://*.example.org
            pattern = urlsplit(trusted)
            if given.scheme == pattern.scheme and is_same_domain(given.netloc, pattern.netloc.lstrip("*")):
                return True
    return False
