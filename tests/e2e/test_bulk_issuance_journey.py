"""An organisation admin uploads a CSV file of 500 people, reads the preview's report, confirms, watches
the progress bar move while the job runs in the background, and reads the result — on a desktop and on
a phone, checked by axe — then sees the organisation's figures (insights) count the 500 credentials."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.db import connection

from carnet.catalogue import services as catalogue
from carnet.frameworks.models import Competency
from carnet.issuing import batch
from carnet.issuing.models import IssuanceJob, IssuedCredential
from carnet.organisations.models import Organisation
from carnet.organisations.services import create_organisation

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "a long test password"
PEOPLE = 500


class ThreadedJobsBackend:
    """Django's immediate tasks backend, except that a bulk issuance runs in a thread of its own, as
    a worker would: the confirming request answers at once, and the page sees the job move."""

    def __new__(cls, alias: str, params: dict[str, Any]) -> Any:
        from django.tasks.backends.immediate import ImmediateBackend

        class Backend(ImmediateBackend):
            def _execute_task(self, task_result: Any) -> None:
                if not task_result.task.name.endswith("run_issuance_job"):
                    return super()._execute_task(task_result)

                def run() -> None:
                    try:
                        super(Backend, self)._execute_task(task_result)
                    finally:
                        connection.close()

                threading.Thread(target=run, daemon=True).start()
                return None

        return Backend(alias, params)


@pytest.fixture
def admin(django_user_model, default_framework, settings, monkeypatch):
    from allauth.account.models import EmailAddress

    settings.TASKS = {"default": {"BACKEND": f"{__name__}.ThreadedJobsBackend"}}
    settings.ISSUANCE_CHUNK = 20  # small chunks, so that the counters move often
    real = batch._issue_rows

    def a_little_slower(job: Any, rows: Any, memo: Any) -> Any:  # this machine issues fast: the bar
        time.sleep(0.002 * len(rows))  # must be seen moving
        return real(job, rows, memo)

    monkeypatch.setattr(batch, "_issue_rows", a_little_slower)
    user = django_user_model.objects.create_user("admin@cje.test", PASSWORD, display_name="Nadia")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    organisation = create_organisation(
        name="CJE Test", kind=Organisation.Kind.COMMUNITY, admin=user, slug="cje-test"
    )
    competency = Competency.objects.filter(framework__status="published").order_by("code").first()
    item = catalogue.create_micro_credential(
        organisation=organisation,
        fields={"name_fr": "Fiabilité", "name_en": "Reliability", "description_fr": "Tient ses engagements.",
                "criteria_fr": "Présent et ponctuel.", "learning_contexts": ["volunteering"],
                "assessment_method": "observation", "endorsements_required": 0},
        alignments=[(competency, competency.levels.get(rank=3))],
    )  # fmt: skip
    catalogue.publish_micro_credential(micro_credential=item)
    return user


def test_an_admin_issues_to_500_people_from_a_csv_and_watches_the_progress(
    browser, live_server, admin, axe, tmp_path
):
    people = tmp_path / "cohorte.csv"
    lines = ["Courriel;Nom"] + [f"personne{n}@example.org;Personne {n}" for n in range(PEOPLE)]
    lines += ["pas-une-adresse;Erreur", "personne0@example.org;Doublon"]
    people.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))

    page = browser.new_page(viewport={"width": 1100, "height": 900})
    page.goto(live_server.url + "/comptes/login/")
    page.fill("input[name=login]", "admin@cje.test")
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    figures = live_server.url + "/organisations/cje-test/chiffres/"
    page.goto(figures)
    assert page.locator("#figure-issued").get_attribute("data-value") == "0"
    assert issued_bars(page) == []

    page.goto(live_server.url + "/organisations/cje-test/delivrance-en-lot/")
    page.select_option("#id_micro_credential", label="Fiabilité")
    page.set_input_files("#id_file", str(people))
    with page.expect_navigation():
        page.click("text=Vérifier le fichier")

    assert page.get_by_text(f"{PEOPLE} lignes seront délivrées.").is_visible()
    assert page.get_by_text("2 lignes ont une erreur").is_visible()
    assert page.get_by_text("Cette adresse est déjà à la ligne 2.").is_visible()
    page.screenshot(path=str(tmp_path / "preview-desktop.png"), full_page=False)
    assert axe(page) == []
    assert not IssuedCredential.objects.exists()

    with page.expect_navigation():
        page.click(f"text=Délivrer à {PEOPLE} personnes")
    # the bar seen part way: more than none, less than all
    page.wait_for_function(
        "() => { const bar = document.querySelector('progress'); return bar && bar.value > 0 && bar.value < bar.max; }",
        timeout=60_000,
    )
    page.screenshot(path=str(tmp_path / "progress-desktop.png"))
    assert "traitées" in page.locator("[data-message]").inner_text()
    page.get_by_role("heading", name="Résultat").wait_for(timeout=120_000)  # reloaded once done
    page.screenshot(path=str(tmp_path / "result-desktop.png"))
    job = IssuanceJob.objects.get()
    assert (job.state, job.issued, job.failed, job.total) == ("done", PEOPLE, 0, PEOPLE)
    assert IssuedCredential.objects.count() == PEOPLE
    assert page.locator("progress").get_attribute("value") == str(PEOPLE)

    phone = browser.new_page(viewport={"width": 390, "height": 800})
    phone.context.add_cookies(page.context.cookies())
    phone.goto(page.url)
    phone.screenshot(path=str(tmp_path / "result-phone.png"))
    assert axe(phone) == []
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    # the figures have changed: 500 issued, drawn as a bar of this week in the chart
    page.goto(figures)
    assert page.locator("#figure-issued").get_attribute("data-value") == str(PEOPLE)
    assert sum(issued_bars(page)) == PEOPLE
    page.locator("#chart-issued").screenshot(path=str(tmp_path / "insights-issued.png"))


def issued_bars(page: Any) -> list[int]:
    """The values of the non-empty bars of the chart of credentials issued."""
    titles = page.locator("#chart-issued rect.chart-bar title").all_text_contents()
    values = [
        int(title.rsplit(":", 1)[1].strip().replace("\u202f", "").replace("\xa0", "")) for title in titles
    ]
    return [value for value in values if value]
