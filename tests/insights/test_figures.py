"""The figures (carnet/insights/figures.py): counted by the database per week or month, for one
organisation only or for the whole platform, with the small counts of people hidden."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from carnet.insights import figures, services
from carnet.insights.models import EmployerSearch, Verification
from carnet.issuing import services as issuing
from carnet.organisations.models import Organisation
from carnet.organisations.services import create_organisation
from carnet.portfolio.models import ShareLink, ShareLinkOpening
from carnet.recognition.models import Decision

pytestmark = pytest.mark.django_db


def last_30_days(granularity="week"):
    today = timezone.localdate()
    return figures.Period(start=today - timedelta(days=29), end=today, granularity=granularity)


def totals(organisation, period=None):
    return {item.key: item.total for item in figures.series(organisation, period or last_30_days())}


@pytest.fixture
def other_org(person):
    return create_organisation(
        name="Autre", kind=Organisation.Kind.COLLEGE, admin=person("b@org.test"), slug="autre"
    )


def test_it_counts_each_series_for_the_organisation(
    organisation, other_org, issue, place_request, learner, person, org_admin, competency, employer
):
    place_request(learner, hours=30)
    place_request(person("l2@x.test"), hours=10, kind=Decision.Kind.DECLINED)
    place_request(person("l3@x.test"), hours=5, kind=Decision.Kind.CHANGES_REQUESTED)
    place_request(person("l4@x.test"), days_ago=60)  # before the period
    bulk = [issue(person(f"bulk{n}@x.test"), key=f"b{n}") for n in range(3)]
    issuing.revoke_credential(credential=bulk[0], reason="Erreur", actor=org_admin)
    link = ShareLink.objects.create(credential=bulk[1], token_hash="h1")
    ShareLinkOpening.objects.create(link=link)
    services.record_verification(credential_id=bulk[1].pk, organisation_id=organisation.pk, channel="page")
    employer_org = Organisation.objects.get(slug="employer-test")
    services.record_search(employer=employer_org, job=None, competency_ids=[competency.pk])

    counted = totals(organisation)

    assert counted == {
        "requests": 3, "endorsements": 0, "approved": 1, "declined": 1, "changes": 1, "issued": 3,
        "revoked": 1, "shares": 1, "verifications": 1, "searches": 1,
    }  # fmt: skip
    assert set(totals(other_org).values()) == {0}  # another organisation sees none of it
    assert totals(None)["issued"] == 3 and totals(None)["searches"] == 1


def test_a_search_counts_for_an_organisation_only_when_it_asks_for_one_of_its_competencies(
    organisation, version, employer
):
    from carnet.frameworks.models import Competency

    employer_org = Organisation.objects.get(slug="employer-test")
    other = Competency.objects.exclude(pk=version.alignments.get().competency_id).first()
    services.record_search(employer=employer_org, job=None, competency_ids=[other.pk])
    assert totals(organisation)["searches"] == 0
    assert EmployerSearch.objects.count() == 1 and totals(None)["searches"] == 1


def test_the_points_cover_every_week_or_month_of_the_period(organisation, issue, learner):
    issue(learner)
    weekly = figures.series(organisation, last_30_days("week"))[0].points
    assert len(weekly) in (5, 6) and all(day.weekday() == 0 for day, _n in weekly)
    today = timezone.localdate()
    year = figures.Period(start=today.replace(day=1) - timedelta(days=335), end=today, granularity="month")
    issued = next(item for item in figures.series(organisation, year) if item.key == "issued")
    assert len(issued.points) in (12, 13) and issued.points[-1] == (today.replace(day=1), 1)


def test_the_time_to_decision_is_the_median_and_the_90th_percentile(organisation, place_request, person):
    for n, hours in enumerate([1, 2, 3, 4, 5, 6, 7, 8, 9, 100]):
        place_request(person(f"d{n}@x.test"), days_ago=10, hours=hours)
    place_request(
        person("c@x.test"), days_ago=25, hours=500, kind=Decision.Kind.CHANGES_REQUESTED
    )  # not final

    times = figures.decision_times(organisation, last_30_days())

    assert times.count == 10
    assert times.median == timedelta(hours=5) and times.p90 == timedelta(hours=9)


def test_no_decision_gives_no_time(organisation):
    assert figures.decision_times(organisation, last_30_days()) == figures.DecisionTimes(0, None, None)


def test_the_funnel_follows_the_people_who_submitted(organisation, place_request, issue, person):
    people = [person(f"f{n}@x.test") for n in range(7)]
    for n, person in enumerate(people):
        request = place_request(person, hours=2 if n < 6 else None)
        if n < 5:
            request.credential = issue(person, key=f"f{n}")
            request.save(update_fields=["credential"])
    steps = {step.key: step.count for step in figures.funnel(organisation, last_30_days())}
    assert steps == {
        "self_assessment": 7, "submitted": 7, "endorsed": 0, "decided": 6, "issued": 5, "shared": 0,
        "verified": 0,
    }  # fmt: skip


def test_small_counts_of_people_are_not_shown():
    assert [figures.shown(n) for n in (0, 1, 4, 5, 12)] == ["0", "< 5", "< 5", "5", "12"]
    assert figures.rate(3, 10) == "—" and figures.rate(5, 10) == "50 %" and figures.rate(5, 0) == "—"


def test_the_survey_answers_are_counted_once(organisation, issue, learner):
    credential = issue(learner)
    token = services.record_verification(
        credential_id=credential.pk, organisation_id=organisation.pk, channel="page"
    )
    assert services.answer_survey(token=token, useful="a_lot", interview="yes")
    assert not services.answer_survey(token=token, useful="no", interview="no")  # once
    assert not services.dismiss_survey(token=token)
    other = services.record_verification(
        credential_id=credential.pk, organisation_id=organisation.pk, channel="link"
    )
    assert services.dismiss_survey(token=other)

    results = figures.survey(organisation, last_30_days())

    assert (results.offered, results.answered, results.dismissed) == (2, 1, 1)
    assert dict(results.useful)["Oui, beaucoup"] == 1 and dict(results.interview)["Oui"] == 1


def test_an_old_survey_can_no_longer_be_answered(organisation, issue, learner):
    credential = issue(learner)
    token = services.record_verification(
        credential_id=credential.pk, organisation_id=organisation.pk, channel="page"
    )
    Verification.objects.update(created_at=timezone.now() - timedelta(hours=services.SURVEY_HOURS + 1))
    assert not services.answer_survey(token=token, useful="a_lot", interview="")
