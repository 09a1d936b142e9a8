"""The employer survey offered under a verification's result: two optional questions, answered once
per verification, never asked again in a browser that answered or said no thanks (a cookie that
holds nothing but that choice).

The badge page may be a page kept for visitors without an account (carnet.portfolio.pagecache): it
carries a marker where the survey goes, and each visitor's own survey (with its own secret) is put in
its place after the page is read from the cache or drawn."""

from __future__ import annotations

import re
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.crypto import salted_hmac

from carnet.insights import services
from carnet.insights.models import Verification
from carnet.verification import limits

MARKER = b"<!--carnet:survey-->"
COOKIE = "carnet_survey"  # "done": this browser answered or declined a survey
COOKIE_DAYS = 180
SEEN = "verifiee"  # in the link back from the survey: that look is not another verification
# Programs that open pages by themselves are not verifiers: not counted, not asked.
_ROBOTS = re.compile(r"bot|crawl|spider|slurp|preview|facebookexternalhit|curl|wget|python", re.IGNORECASE)


def counts(request: HttpRequest) -> bool:
    """Whether this request is a person looking at the result (not a robot nor a HEAD)."""
    return (
        request.method in ("GET", "POST")
        and SEEN not in request.GET
        and not _ROBOTS.search(request.headers.get("User-Agent", ""))
    )


def employer_of(user: Any) -> Any:
    """The employer organisation of a signed-in verifier, if they belong to one (the only thing kept
    of who verified)."""
    if not getattr(user, "is_authenticated", False):
        return None
    from carnet.organisations.models import Membership, Organisation

    membership = (
        Membership.objects.filter(user=user, organisation__kind=Organisation.Kind.EMPLOYER)
        .select_related("organisation")
        .order_by("pk")
        .first()
    )
    return membership.organisation if membership else None


def _look_key(request: HttpRequest, credential_id: int, channel: str) -> str:
    """The cache key of one address's looks at one credential through one channel today; the address
    only hashed (with the secret key), never kept."""
    seen = f"{limits.client_address(request)}:{credential_id}:{channel}:{timezone.localdate().isoformat()}"
    return "insights:look:" + salted_hmac("carnet.insights.survey", seen, algorithm="sha256").hexdigest()


def offer(
    request: HttpRequest, *, credential_id: int, organisation_id: int, channel: str, employer: Any = None
) -> dict[str, Any] | None:
    """Record the verification; what the survey's form needs, or None when it is not to be shown.

    The looks of one address at one credential through one channel in a day are one verification:
    recorded once (a reload, or a loop of requests, writes nothing), and the same survey is offered
    again (its secret kept in the cache until the day's end)."""
    if not counts(request):
        return None
    key = _look_key(request, credential_id, channel)
    token = cache.get(key)
    if token is None:
        token = services.record_verification(
            credential_id=credential_id, organisation_id=organisation_id, channel=channel,
            employer=employer if employer is not None else employer_of(request.user),
        )  # fmt: skip
        if token is not None:
            cache.set(key, token, timeout=services.SURVEY_HOURS * 3600)
    if token is None or request.COOKIES.get(COOKIE) == "done":
        return None
    return {
        "token": token,
        "next": request.get_full_path(),
        "useful_choices": Verification.Useful.choices,
        "interview_choices": Verification.Interview.choices,
    }


def put_in_page(request: HttpRequest, response: HttpResponse, **verification: Any) -> HttpResponse:
    """The badge page ``response`` with this visitor's survey in place of its marker (or nothing)."""
    if response.status_code != 200 or MARKER not in response.content:
        return response
    survey = offer(request, **verification)
    fragment = render_to_string("insights/_survey.html", {"survey": survey}) if survey else ""
    response.content = response.content.replace(MARKER, fragment.encode())
    return response
