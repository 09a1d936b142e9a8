"""Verifications counted where they happen (badge page, share link, verification page, employer's
search) and the employer survey offered under them: optional, answered once, never asked again in a
browser that answered or declined, never in the holder's own page."""

from __future__ import annotations

import json
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from carnet.credentials import Ed25519Key, sign
from carnet.employers import services as employers
from carnet.insights.models import EmployerSearch, Verification
from carnet.organisations.models import Organisation
from carnet.portfolio.services import create_share_link, set_visibility

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def shown(issue, learner):
    credential = issue(learner)
    set_visibility(credential=credential, visibility="public", actor=learner)
    return credential


def badge(credential):
    return reverse("portfolio:badge", args=[credential.uuid])


def token_in(text):
    return text.split('name="token" value="')[1].split('"')[0]


def test_a_visitor_s_look_is_counted_and_the_survey_offered(client, shown, organisation):
    text = client.get(badge(shown)).content.decode()
    assert "Cette microattestation vous a-t-elle été utile pour juger la candidature ?" in text
    verification = Verification.objects.get()
    assert (verification.credential, verification.organisation, verification.channel) == (
        shown,
        organisation,
        "page",
    )
    assert verification.employer is None


def test_a_kept_page_gets_each_visitor_their_own_survey(client, shown):
    first = client.get(badge(shown), REMOTE_ADDR="192.0.2.1").content.decode()
    second = client.get(badge(shown), REMOTE_ADDR="192.0.2.2").content.decode()
    assert token_in(first) != token_in(second)
    assert Verification.objects.count() == 2


def test_a_visitor_s_looks_of_the_day_are_one_verification(client, shown):
    first = token_in(client.get(badge(shown)).content.decode())
    for _look in range(3):
        again = client.get(badge(shown))
        assert token_in(again.content.decode()) == first  # the same survey, offered again
    assert Verification.objects.count() == 1
    with CaptureQueriesContext(connection) as queries:  # a look already counted: nothing written
        client.get(badge(shown))
    assert not [
        q["sql"] for q in queries if re.search(r"\b(INSERT|UPDATE|DELETE)\b", q["sql"], re.IGNORECASE)
    ]
    client.get(badge(shown), REMOTE_ADDR="192.0.2.9")
    assert Verification.objects.count() == 2  # another address is another verifier


def test_the_holder_is_not_counted_nor_asked(client, shown, learner):
    client.force_login(learner)
    text = client.get(badge(shown)).content.decode()
    assert "carnet:survey" not in text and 'name="token"' not in text
    assert not Verification.objects.exists()


def test_a_robot_is_not_counted(client, shown):
    client.get(badge(shown), HTTP_USER_AGENT="Mozilla/5.0 (compatible; Googlebot/2.1)")
    assert not Verification.objects.exists()


def test_a_signed_in_employer_is_counted_as_their_organisation(client, shown, employer):
    client.force_login(employer)
    client.get(badge(shown))
    assert Verification.objects.get().employer == Organisation.objects.get(slug="employer-test")


def test_a_share_link_opening_is_a_verification(client, issue, learner):
    credential = issue(learner)
    _link, token = create_share_link(credential=credential, days=None, actor=learner)
    assert 'name="token"' in client.get(reverse("portfolio:shared", args=[token])).content.decode()
    assert Verification.objects.get().channel == "link"


def test_the_answers_are_kept_once_and_the_survey_not_asked_again(client, shown):
    token = token_in(client.get(badge(shown)).content.decode())
    answer = {
        "token": token,
        "useful": "a_lot",
        "interview": "maybe",
        "action": "answer",
        "next": badge(shown),
    }
    response = client.post(reverse("insights:survey"), answer)
    assert response.status_code == 200 and "Merci pour vos réponses" in response.content.decode()
    kept = Verification.objects.get()
    assert (kept.survey, kept.useful, kept.interview) == ("answered", "a_lot", "maybe")
    again = client.post(reverse("insights:survey"), {**answer, "useful": "no"})
    assert "Réponse déjà enregistrée" in again.content.decode()
    assert Verification.objects.get().useful == "a_lot"
    back = response.content.decode().split('href="')[-1].split('"')[0]
    text = client.get(back.replace("&amp;", "&")).content.decode()
    assert 'name="token"' not in text  # the cookie: not asked again
    assert Verification.objects.count() == 1  # and the way back is not another verification


def test_no_thanks_closes_it_for_good(client, shown):
    token = token_in(client.get(badge(shown)).content.decode())
    response = client.post(reverse("insights:survey"), {"token": token, "action": "dismiss"})
    assert "C'est noté" in response.content.decode() and response.cookies["carnet_survey"].value == "done"
    assert Verification.objects.get().survey == "dismissed"
    assert 'name="token"' not in client.get(badge(shown), REMOTE_ADDR="192.0.2.7").content.decode()
    assert Verification.objects.count() == 2  # still counted as a verification


def test_a_form_from_another_site_is_refused(client, shown):
    token = token_in(client.get(badge(shown)).content.decode())
    response = client.post(
        reverse("insights:survey"), {"token": token, "useful": "no", "action": "answer"},
        HTTP_ORIGIN="https://evil.example",
    )  # fmt: skip
    assert response.status_code == 404 and Verification.objects.get().survey == ""


def test_an_answer_through_the_https_proxy_is_kept(client, settings, shown):
    # Behind Caddy or nginx the application is reached over http://, the browser's page is https://.
    settings.CSRF_TRUSTED_ORIGINS = ["https://carnet.example.org"]
    token = token_in(client.get(badge(shown)).content.decode())
    response = client.post(
        reverse("insights:survey"), {"token": token, "useful": "a_lot", "action": "answer"},
        HTTP_ORIGIN="https://carnet.example.org",
    )  # fmt: skip
    assert response.status_code == 200 and Verification.objects.get().survey == "answered"


def test_the_public_address_and_trusted_wildcards_are_this_site(rf, settings):
    from carnet.insights.views import same_site

    settings.SITE_URL = "https://carnet.example.org"
    settings.CSRF_TRUSTED_ORIGINS = ["https://*.carnet.example.org"]
    request = rf.post("/")
    assert same_site(request, "http://testserver") and same_site(request, "https://carnet.example.org")
    assert same_site(request, "https://fr.carnet.example.org")
    for other in ("https://testserver", "http://carnet.example.org", "https://evil.example", "http://["):
        assert not same_site(request, other), other


def test_the_cookie_is_secure_behind_the_proxy(client, settings, shown):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    token = token_in(client.get(badge(shown)).content.decode())
    response = client.post(
        reverse("insights:survey"), {"token": token, "action": "dismiss"},
        HTTP_ORIGIN="https://testserver", HTTP_HOST="testserver", HTTP_X_FORWARDED_PROTO="https",
    )  # fmt: skip
    assert response.status_code == 200 and response.cookies["carnet_survey"]["secure"]


def test_answers_are_limited_per_address(client, settings, shown):
    settings.VERIFICATION_RATE_LIMITS = {"survey": (1, 60)}
    client.post(reverse("insights:survey"), {"token": "x", "action": "dismiss"})
    limited = client.post(reverse("insights:survey"), {"token": "y", "action": "dismiss"})
    assert limited.status_code == 429 and "Trop de réponses" in limited.content.decode()


def test_a_next_address_elsewhere_is_not_offered(client, shown):
    token = token_in(client.get(badge(shown)).content.decode())
    response = client.post(
        reverse("insights:survey"), {"token": token, "action": "dismiss", "next": "https://evil.example/"}
    )
    assert "evil.example" not in response.content.decode()


def test_the_verification_page_counts_a_credential_issued_here(client, issue, learner):
    credential = issue(learner)
    response = client.post(
        reverse("verification:page"), {"mode": "coller", "credential": json.dumps(credential.document)}
    )
    assert response.status_code == 200 and 'name="token"' in response.content.decode()
    assert Verification.objects.get().channel == "verifier"


def test_a_credential_signed_by_someone_else_is_not_counted(client, issue, learner):
    credential = issue(learner)
    forger = Ed25519Key.generate()
    forged = {k: v for k, v in credential.document.items() if k not in ("proof", "credentialStatus")}
    forged["issuer"] = {**forged["issuer"], "id": forger.controller}  # the same id, a did:key of their own
    response = client.post(
        reverse("verification:page"), {"mode": "coller", "credential": json.dumps(sign(forged, forger))}
    )
    assert response.status_code == 200 and "authentique" in response.content.decode()
    assert 'name="token"' not in response.content.decode() and not Verification.objects.exists()


def test_an_employer_search_is_recorded_with_its_competencies(client, employer, competency):
    organisation = Organisation.objects.get(slug="employer-test")
    job = employers.create_job(
        organisation=organisation,
        title="Commis",
        description="",
        requirements=[(competency, 1)],
        actor=employer,
    )
    client.force_login(employer)
    assert client.get(reverse("employers:job", args=[organisation.slug, job.pk])).status_code == 200
    search = EmployerSearch.objects.get()
    assert (search.employer, search.job) == (organisation, job)
    assert list(search.competencies.all()) == [competency]
