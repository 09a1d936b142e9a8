"""The figures pages: who may open them, what they show (with stable ids for browser tests), and
their CSV."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from carnet.insights.views import safe_cell
from carnet.organisations.models import Organisation
from carnet.organisations.services import create_organisation

pytestmark = pytest.mark.django_db


def page(organisation):
    return reverse("insights:organisation", args=[organisation.slug])


def test_an_admin_sees_the_figures_of_their_organisation(client, organisation, org_admin, issue, learner):
    issue(learner, source="bulk")
    client.force_login(org_admin)
    response = client.get(page(organisation))
    text = response.content.decode()
    assert response.status_code == 200
    assert 'id="figure-issued" data-figure="issued" data-value="1"' in text
    assert 'id="chart-issued"' in text and "<svg" in text and 'role="img"' in text
    assert 'id="funnel-verified"' in text and "Comment c'est compté" in text


def test_an_assessor_sees_them_too(client, organisation, assessor):
    client.force_login(assessor)
    assert client.get(page(organisation)).status_code == 200


def test_it_refuses_anyone_outside_the_organisation(
    client, organisation, make_user, learner, employer, staff
):
    other_admin = make_user("b@org.test")
    create_organisation(name="Autre", kind=Organisation.Kind.COLLEGE, admin=other_admin, slug="autre")
    for person in (other_admin, learner, employer, staff):
        client.force_login(person)
        assert client.get(page(organisation)).status_code == 404
        assert client.get(reverse("insights:organisation_csv", args=[organisation.slug])).status_code == 404


def test_a_visitor_is_sent_to_log_in(client, organisation):
    assert client.get(page(organisation)).status_code == 302


def test_the_platform_page_is_for_the_staff(client, staff, org_admin, organisation):
    client.force_login(org_admin)
    assert client.get(reverse("insights:platform")).status_code == 404
    client.force_login(staff)
    response = client.get(reverse("insights:platform"))
    assert response.status_code == 200 and "Chiffres de la plateforme" in response.content.decode()


def test_a_period_between_two_dates_by_month(client, organisation, org_admin):
    client.force_login(org_admin)
    response = client.get(page(organisation), {"periode": "dates", "du": "2026-01-01", "au": "2026-06-30"})
    text = response.content.decode()
    assert response.status_code == 200
    assert 'data-start="2026-01-01" data-end="2026-06-30" data-granularity="month"' in text


def test_a_wrong_period_is_explained(client, organisation, org_admin):
    client.force_login(org_admin)
    response = client.get(page(organisation), {"periode": "dates", "du": "2026-06-30", "au": "2026-01-01"})
    assert response.status_code == 400
    assert "La première date doit venir avant la seconde." in response.content.decode()


def test_far_off_dates_are_explained_not_a_server_error(client, organisation, org_admin):
    client.force_login(org_admin)
    for du, au in (("9999-12-01", "9999-12-31"), ("0001-01-01", "0001-01-31")):
        response = client.get(page(organisation), {"periode": "dates", "du": du, "au": au})
        assert response.status_code == 400
        assert "Choisissez des dates entre le 1 janvier 2000 et le" in response.content.decode()
        csv_file = client.get(
            reverse("insights:organisation_csv", args=[organisation.slug]),
            {"periode": "dates", "du": du, "au": au},
        )
        assert csv_file.status_code == 200  # the last 30 days, as for any period not understood


def test_the_csv_has_every_series_for_a_spreadsheet(client, organisation, org_admin, issue, learner):
    issue(learner)
    client.force_login(org_admin)
    response = client.get(reverse("insights:organisation_csv", args=[organisation.slug]), {"periode": "12m"})
    body = response.content.decode("utf-8")
    assert response["Content-Type"] == "text/csv; charset=utf-8" and body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))
    issued = [row for row in rows[1:] if row[3] == "issued"]
    assert len(issued) in (12, 13) and sum(int(row[2]) for row in issued) == 1
    assert {"decision_median_hours", "funnel_verified", "survey_useful"} <= {row[3] for row in rows}


def test_a_cell_is_never_read_as_a_formula():
    assert [safe_cell(v) for v in ("=1+1", "+1", "-1", "@SUM(A1)", "Normal", 3)] == [
        "'=1+1", "'+1", "'-1", "'@SUM(A1)", "Normal", 3,
    ]  # fmt: skip


def test_the_home_page_links_to_the_figures(client, organisation, org_admin, staff):
    client.force_login(org_admin)
    assert page(organisation) in client.get(reverse("home")).content.decode()
    client.force_login(staff)
    assert reverse("insights:platform") in client.get(reverse("home")).content.decode()
