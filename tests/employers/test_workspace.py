"""The employer workspace: a job described by competencies and levels, a search that only finds
learners who consent and ranks them by their valid credentials with a reason for each match, and
contacts in which the learner's email stays hidden until they answer."""

from __future__ import annotations

import pytest
from django.urls import reverse

from carnet.catalogue import services as catalogue
from carnet.employers import search, services
from carnet.employers.models import Contact
from carnet.frameworks.models import Competency
from carnet.inbox.models import Notification
from carnet.issuing import services as issuing
from carnet.organisations.models import Organisation
from carnet.portfolio.services import set_search_consent

pytestmark = pytest.mark.django_db


@pytest.fixture
def competency(db):
    return Competency.objects.filter(framework__status="published").order_by("code").first()


@pytest.fixture
def version(organisation, competency):
    item = catalogue.create_micro_credential(
        organisation=organisation,
        fields={"name_fr": "Fiabilité", "description_fr": "Tient parole.", "criteria_fr": "Ponctuel.",
                "learning_contexts": ["work"], "assessment_method": "observation", "endorsements_required": 0},
        alignments=[(competency, competency.levels.get(rank=3))],
    )  # fmt: skip
    return catalogue.publish_micro_credential(micro_credential=item)


def give(organisation, version, person, key):
    return issuing.issue_credential(organisation=organisation, version=version, recipient=person,
                                    recipient_email=person.email, idempotency_key=key, source="bulk")  # fmt: skip


@pytest.fixture
def employer_org(employer):
    return Organisation.objects.get(slug="employer-test")


@pytest.fixture
def job(employer_org, employer, competency):
    return services.create_job(organisation=employer_org, title="Commis", description="",
                               requirements=[(competency, 2)], actor=employer)  # fmt: skip


def test_only_consenting_learners_are_found_best_first(job, organisation, version, make_user, competency):
    consenting, silent, weaker = (
        make_user("a@x.test", display_name="Alex"),
        make_user("b@x.test"),
        make_user("c@x.test"),
    )
    for person in (consenting, weaker):
        set_search_consent(user=person, given=True)
    give(organisation, version, consenting, "a")
    give(organisation, version, silent, "b")
    weak = catalogue.create_micro_credential(
        organisation=organisation,
        fields={"name_fr": "Initiation", "description_fr": "x", "criteria_fr": "x", "learning_contexts": ["work"],
                "assessment_method": "observation", "endorsements_required": 0},
        alignments=[(competency, competency.levels.get(rank=1))],
    )  # fmt: skip
    give(organisation, catalogue.publish_micro_credential(micro_credential=weak), weaker, "c")
    found = search.search(job)
    assert [c.learner for c in found] == [consenting, weaker]
    assert found[0].met and not found[1].met and found[1].short
    set_search_consent(user=consenting, given=False)
    assert [c.learner for c in search.search(job)] == [weaker]


def test_revoked_credentials_do_not_count(job, organisation, version, learner, org_admin):
    set_search_consent(user=learner, given=True)
    credential = give(organisation, version, learner, "a")
    issuing.revoke_credential(credential=credential, reason="Erreur", actor=org_admin)
    assert search.search(job) == []


def test_the_job_page_gives_reasons_and_hides_emails(client, job, employer, organisation, version, learner):
    set_search_consent(user=learner, given=True)
    give(organisation, version, learner, "a")
    client.force_login(employer)
    page = client.get(reverse("employers:job", args=[job.organisation.slug, job.pk])).content.decode()
    assert "niveau 3 attesté par « Fiabilité »" in page
    assert learner.email not in page


def test_a_contact_reveals_the_email_only_with_the_answer(client, job, employer, organisation, version, learner,
                                                          django_capture_on_commit_callbacks):  # fmt: skip
    set_search_consent(user=learner, given=True)
    give(organisation, version, learner, "a")
    client.force_login(employer)
    url = reverse("employers:contact", args=[job.organisation.slug, job.pk, learner.pk])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"message": "Bonjour, un poste de commis vous intéresserait-il?"})
    item = Contact.objects.get()
    assert Notification.objects.filter(user=learner, kind="contact.received").exists()
    job_page = reverse("employers:job", args=[job.organisation.slug, job.pk])
    assert learner.email not in client.get(job_page).content.decode()
    client.force_login(learner)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("employers:my_contact", args=[item.uuid]), {"answer": "Oui, avec plaisir."})
    assert Notification.objects.filter(user=employer, kind="contact.answered").exists()
    client.force_login(employer)
    assert learner.email in client.get(job_page).content.decode()


def test_a_declined_contact_never_reveals_the_email(client, job, employer, learner):
    set_search_consent(user=learner, given=True)
    item = services.contact_learner(
        organisation=job.organisation, job=job, learner=learner, message="Bonjour", sender=employer
    )
    client.force_login(learner)
    client.post(reverse("employers:my_contact", args=[item.uuid]), {"action": "decline"})
    item.refresh_from_db()
    assert item.declined_at is not None
    client.force_login(employer)
    assert (
        learner.email
        not in client.get(reverse("employers:job", args=[job.organisation.slug, job.pk])).content.decode()
    )


def test_nobody_is_contacted_without_consent(client, job, employer, learner):
    client.force_login(employer)
    url = reverse("employers:contact", args=[job.organisation.slug, job.pk, learner.pk])
    assert client.post(url, {"message": "Bonjour"}).status_code == 404
    with pytest.raises(services.EmployerError):
        services.contact_learner(
            organisation=job.organisation, job=job, learner=learner, message="x", sender=employer
        )
    assert not Contact.objects.exists()


def test_one_open_message_per_person_and_job(job, employer, learner):
    set_search_consent(user=learner, given=True)
    services.contact_learner(
        organisation=job.organisation, job=job, learner=learner, message="Bonjour", sender=employer
    )
    with pytest.raises(services.EmployerError):
        services.contact_learner(
            organisation=job.organisation, job=job, learner=learner, message="Encore", sender=employer
        )


@pytest.mark.parametrize("who", ["learner", "outsider", "org_admin", "assessor"])
def test_only_the_employers_members_reach_the_workspace(client, job, request, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("employers:jobs", args=[job.organisation.slug])).status_code == 404
    assert client.get(reverse("employers:job", args=[job.organisation.slug, job.pk])).status_code == 404


def test_a_recognising_organisation_has_no_job_workspace(client, organisation, org_admin):
    client.force_login(org_admin)
    assert client.get(reverse("employers:jobs", args=[organisation.slug])).status_code == 404


def test_a_learner_reads_only_their_own_contacts(client, job, employer, learner, outsider):
    set_search_consent(user=learner, given=True)
    item = services.contact_learner(
        organisation=job.organisation, job=job, learner=learner, message="Bonjour", sender=employer
    )
    client.force_login(outsider)
    assert client.get(reverse("employers:my_contact", args=[item.uuid])).status_code == 404
    assert client.post(reverse("employers:my_contact", args=[item.uuid]), {"answer": "x"}).status_code == 404


def test_an_employer_creates_a_job_from_the_form(client, employer, employer_org, competency):
    client.force_login(employer)
    url = reverse("employers:jobs", args=[employer_org.slug])
    empty = client.post(url, {"title": "Commis"})
    assert empty.status_code == 400 and "au moins une compétence" in empty.content.decode()
    response = client.post(url, {"title": "Commis", "competency_0": competency.pk, "rank_0": "2"})
    assert response.status_code == 302
    assert employer_org.jobs.get().requirements.get().minimum_rank == 2


def badge_of(job, credential):
    return reverse("employers:candidate_badge", args=[job.organisation.slug, job.pk, credential.uuid])


def test_the_employer_opens_the_private_badge_of_a_match(
    client, job, employer, organisation, version, learner
):
    """Consenting to be found is agreeing that employers see one's valid credentials: the search's
    "verify" link opens the badge page even while the badge is private."""
    set_search_consent(user=learner, given=True)
    credential = give(organisation, version, learner, "a")
    client.force_login(employer)
    page = client.get(reverse("employers:job", args=[job.organisation.slug, job.pk])).content.decode()
    assert badge_of(job, credential) in page
    response = client.get(badge_of(job, credential))
    assert response.status_code == 200 and "Authentique et valide" in response.content.decode()
    assert response["X-Robots-Tag"] == "noindex"
    assert client.get(f"/badges/{credential.uuid}/").status_code == 404  # still private elsewhere


def test_the_badge_closes_when_the_consent_is_withdrawn(
    client, job, employer, organisation, version, learner
):
    set_search_consent(user=learner, given=True)
    credential = give(organisation, version, learner, "a")
    set_search_consent(user=learner, given=False)
    client.force_login(employer)
    assert client.get(badge_of(job, credential)).status_code == 404


def test_only_badges_the_job_asks_for_open(client, employer, employer_org, organisation, version, learner):
    """A job about another competency does not open this credential."""
    other = Competency.objects.filter(framework__status="published").order_by("code")[1]
    job = services.create_job(organisation=employer_org, title="Autre", description="",
                              requirements=[(other, 1)], actor=employer)  # fmt: skip
    set_search_consent(user=learner, given=True)
    credential = give(organisation, version, learner, "a")
    client.force_login(employer)
    assert client.get(badge_of(job, credential)).status_code == 404


def test_a_revoked_badge_does_not_open(client, job, employer, organisation, version, learner, org_admin):
    set_search_consent(user=learner, given=True)
    credential = give(organisation, version, learner, "a")
    issuing.revoke_credential(credential=credential, reason="Erreur", actor=org_admin)
    client.force_login(employer)
    assert client.get(badge_of(job, credential)).status_code == 404


@pytest.mark.parametrize("who", ["learner", "outsider", "org_admin", "assessor"])
def test_only_the_employers_members_open_a_candidates_badge(
    client, job, organisation, version, learner, request, who
):
    set_search_consent(user=learner, given=True)
    credential = give(organisation, version, learner, "a")
    client.force_login(request.getfixturevalue(who))
    assert client.get(badge_of(job, credential)).status_code == 404
