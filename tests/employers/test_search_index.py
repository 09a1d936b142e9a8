"""The search index (carnet.issuing.AttestedLevel) behind the employers' search: the search gives the
same people, in the same order, for the same reasons as reading the credentials themselves did
(tests/employers/reference.py), and a revocation, a suspension, an expiry or a consent withdrawn
takes effect at once."""

from __future__ import annotations

import importlib
import os
import random
from datetime import timedelta

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from reference import reference_search

from carnet.accounts.models import User
from carnet.catalogue import services as catalogue
from carnet.employers import search, services
from carnet.frameworks.models import Competency
from carnet.issuing import services as issuing
from carnet.issuing.models import AttestedLevel, IssuedCredential, ProvenLevel, SearchProfile
from carnet.organisations.models import Organisation
from carnet.portfolio.services import set_search_consent
from carnet.recognition import services as recognition
from carnet.recognition.models import RecognitionRequest

pytestmark = pytest.mark.django_db


@pytest.fixture
def competencies(db):
    return list(Competency.objects.filter(framework__status="published").order_by("code")[:3])


@pytest.fixture
def employer_org(employer):
    return Organisation.objects.get(slug="employer-test")


def micro_credential(organisation, name, alignments, validity_months=None):
    item = catalogue.create_micro_credential(
        organisation=organisation,
        fields={"name_fr": name, "description_fr": "x", "criteria_fr": "x", "learning_contexts": ["work"],
                "assessment_method": "observation", "endorsements_required": 0, "validity_months": validity_months},
        alignments=[(c, c.levels.get(rank=rank) if rank else None) for c, rank in alignments],
    )  # fmt: skip
    catalogue.publish_micro_credential(micro_credential=item)
    item.refresh_from_db()
    return item


def give(organisation, item, person, key):
    version = item.versions.get(number=1)
    return issuing.issue_credential(organisation=organisation, version=version, recipient=person,
                                    recipient_email=person.email, idempotency_key=key, source="bulk")  # fmt: skip


def recognise(item, person, level):
    """Issued through a recognition request, at ``level`` recognised by the assessor."""
    request = recognition.open_request(learner=person, micro_credential=item)
    RecognitionRequest.objects.filter(pk=request.pk).update(status="approved", recognised_level=level)
    return recognition.issue_approved_request(request.pk)


def job_for(employer_org, employer, requirements):
    return services.create_job(organisation=employer_org, title="Poste", description="",
                               requirements=requirements, actor=employer)  # fmt: skip


def outcome(candidates):
    """Who, in which order, and why: every requirement met, short or missing, with its evidence."""
    return [
        (
            c.learner.pk,
            [(r.pk, e.rank, e.credential.pk) for r, e in c.met],
            [(r.pk, e.rank, e.credential.pk) for r, e in c.short],
            [r.pk for r in c.missing],
        )
        for c in candidates
    ]


@pytest.mark.parametrize("draw", range(4))
def test_the_search_finds_what_reading_the_credentials_finds(
    draw, organisation, org_admin, competencies, employer_org, employer, monkeypatch
):
    rng = random.Random(draw)
    first, second, third = competencies
    items = [
        micro_credential(organisation, "A", [(first, 1)]),
        micro_credential(organisation, "B", [(first, 3), (second, 2)], validity_months=12),
        micro_credential(organisation, "C", [(second, 4)]),
        micro_credential(organisation, "D", [(third, None), (first, 2)]),
        micro_credential(organisation, "E", [(third, 2), (second, 1)], validity_months=24),
    ]
    people = [User.objects.create_user(f"p{n}@x.test", "a long test password") for n in range(14)]
    for person in people:
        if rng.random() < 0.7:
            set_search_consent(user=person, given=True)
    credentials = []
    for n in range(40):
        person, item = rng.choice(people), rng.choice(items)
        if (
            rng.random() < 0.3
            and not RecognitionRequest.objects.filter(learner=person, micro_credential=item).exists()
        ):
            aligned = item.versions.get().alignments.order_by("pk").first()
            level = aligned.competency.levels.get(rank=rng.randint(1, 4))
            credentials.append(recognise(item, person, level))
        else:
            credentials.append(give(organisation, item, person, f"k{n}"))
    for credential in rng.sample(credentials, 6):
        action = rng.choice(["revoke", "suspend", "suspend-reinstate"])
        if action == "revoke":
            issuing.revoke_credential(credential=credential, reason="Erreur", actor=org_admin)
        else:
            issuing.suspend_credential(credential=credential, reason="Doute", actor=org_admin)
            if action == "suspend-reinstate":
                issuing.reinstate_credential(credential=credential, actor=org_admin)
    for person in rng.sample(people, 3):
        set_search_consent(user=person, given=False)
    jobs = [
        job_for(employer_org, employer, [(first, 2)]),
        job_for(employer_org, employer, [(first, 3), (second, 2)]),
        job_for(employer_org, employer, [(third, 1), (second, 3), (first, 1)]),
    ]
    for job in jobs:
        assert outcome(search.search(job)) == outcome(reference_search(job))
        assert outcome(search.search(job, limit=3)) == outcome(reference_search(job, limit=3))
    later = timezone.now() + timedelta(days=400)  # the 12-month credentials have expired by then
    monkeypatch.setattr(timezone, "now", lambda: later)
    for job in jobs:
        assert outcome(search.search(job)) == outcome(reference_search(job))


@pytest.fixture
def scene(organisation, competencies, employer_org, employer, make_user):
    first = competencies[0]
    item = micro_credential(organisation, "Fiabilité", [(first, 3)], validity_months=12)
    person = make_user("found@x.test", display_name="Alex")
    set_search_consent(user=person, given=True)
    job = job_for(employer_org, employer, [(first, 2)])
    return item, person, job


def found(job):
    return [c.learner.pk for c in search.search(job)]


def test_the_ranking_opens_a_transaction_on_postgresql_only(organisation, scene, monkeypatch):
    """On PostgreSQL for its SET LOCAL; on SQLite a transaction would take the write lock."""
    item, person, job = scene
    give(organisation, item, person, "a")
    outer = len(connection.atomic_blocks)
    depths = []
    ranked_from_rows = search._from_rows

    def watched(*args):
        depths.append(len(connection.atomic_blocks) - outer)
        return ranked_from_rows(*args)

    monkeypatch.setattr(search, "_from_rows", watched)
    assert found(job) == [person.pk]
    assert depths == [1 if connection.vendor == "postgresql" else 0]


def test_a_credential_counts_as_soon_as_it_is_issued(organisation, scene):
    item, person, job = scene
    assert found(job) == []
    give(organisation, item, person, "a")
    assert found(job) == [person.pk]


def test_revocation_takes_effect_at_once(organisation, org_admin, scene):
    item, person, job = scene
    credential = give(organisation, item, person, "a")
    issuing.revoke_credential(credential=credential, reason="Erreur", actor=org_admin)
    assert found(job) == []


def test_a_suspension_hides_it_until_it_is_reinstated(organisation, org_admin, scene):
    item, person, job = scene
    credential = give(organisation, item, person, "a")
    issuing.suspend_credential(credential=credential, reason="Doute", actor=org_admin)
    assert found(job) == []
    issuing.reinstate_credential(credential=credential, actor=org_admin)
    assert found(job) == [person.pk]


def test_a_withdrawn_consent_takes_effect_at_once_and_a_new_one_too(organisation, scene):
    item, person, job = scene
    give(organisation, item, person, "a")
    set_search_consent(user=person, given=False)
    assert found(job) == [] and not User.objects.get(pk=person.pk).consents_to_search
    give(organisation, item, person, "b")  # issued while they do not consent
    assert found(job) == []
    set_search_consent(user=person, given=True)
    assert found(job) == [person.pk]
    assert ProvenLevel.objects.filter(learner=person, searchable=True).count() == 1  # the later of the two


def test_an_expired_credential_no_longer_counts(organisation, scene, monkeypatch):
    item, person, job = scene
    give(organisation, item, person, "a")
    later = timezone.now() + timedelta(days=400)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert found(job) == []


def test_a_stale_profile_is_read_from_the_rows_until_it_is_remade(
    organisation, competencies, scene, monkeypatch
):
    item, person, job = scene
    lasting = micro_credential(organisation, "Durable", [(competencies[0], 2)])
    give(organisation, item, person, "a")  # level 3 for 12 months
    give(organisation, lasting, person, "b")  # level 2, no end
    profile = SearchProfile.objects.get(learner=person)
    assert profile.ranks == {str(competencies[0].pk): 3} and profile.refresh_at is not None
    before = outcome(search.search(job))
    later = timezone.now() + timedelta(days=400)
    monkeypatch.setattr(timezone, "now", lambda: later)
    stale = outcome(search.search(job))
    assert stale == outcome(reference_search(job)) != before  # level 2 now, from the rows
    call_command("refresh_search_profiles", stdout=open(os.devnull, "w"))  # noqa: SIM115
    profile.refresh_from_db()
    assert profile.ranks == {str(competencies[0].pk): 2} and profile.refresh_at is None
    assert outcome(search.search(job)) == stale


def test_only_the_best_and_the_latest_credentials_are_ranked_by(organisation, org_admin, scene, competencies):
    item, person, _job = scene
    lasting = micro_credential(organisation, "Durable", [(competencies[0], 2)])
    better = give(organisation, item, person, "a")  # level 3, for 12 months
    give(organisation, lasting, person, "b")  # level 2, no end
    later = give(organisation, lasting, person, "c")  # level 2, no end, issued later: beats b
    assert sorted(ProvenLevel.objects.values_list("attested__credential_id", flat=True)) == sorted(
        [better.pk, later.pk]
    )
    issuing.revoke_credential(credential=better, reason="Erreur", actor=org_admin)
    assert list(ProvenLevel.objects.values_list("attested__credential_id", flat=True)) == [later.pk]


def test_a_credential_without_a_holder_is_not_indexed(organisation, scene):
    item, _person, _job = scene
    issuing.issue_credential(organisation=organisation, version=item.versions.get(), recipient=None,
                             recipient_email="someone@x.test", idempotency_key="n", source="bulk")  # fmt: skip
    assert not AttestedLevel.objects.exists()


def test_the_migrations_fill_in_what_issuing_writes(organisation, org_admin, competencies, make_user):
    first, second, _third = competencies
    item = micro_credential(organisation, "A", [(first, 3), (second, None)], validity_months=12)
    people = [make_user(f"m{n}@x.test") for n in range(3)]
    set_search_consent(user=people[0], given=True)
    set_search_consent(user=people[1], given=True)
    set_search_consent(user=people[1], given=False)
    recognise(item, people[0], first.levels.get(rank=1))
    credential = give(organisation, item, people[1], "b")
    issuing.suspend_credential(credential=credential, reason="Doute", actor=org_admin)
    give(organisation, item, people[2], "c")
    attested = ("credential_id", "learner_id", "competency_id", "rank", "issued_at", "valid_until", "active")
    proven = ("attested__credential_id", "competency_id", "rank", "issued_at", "valid_until", "searchable")
    written = sorted(AttestedLevel.objects.values_list(*attested))
    kept = sorted(ProvenLevel.objects.values_list(*proven))
    consents = sorted(User.objects.values_list("pk", "consents_to_search"))
    profile = ("learner_id", "ranks", "latest", "refresh_at", "searchable")
    profiles = sorted(SearchProfile.objects.values_list(*profile))
    assert len(profiles) == 2  # the suspended credential's holder has no valid level

    AttestedLevel.objects.all().delete()
    SearchProfile.objects.all().delete()
    User.objects.update(consents_to_search=False)
    accounts = importlib.import_module("carnet.accounts.migrations.0002_user_consents_to_search")
    index = importlib.import_module("carnet.issuing.migrations.0005_search_index")
    with connection.cursor() as cursor:
        cursor.execute(accounts.Migration.operations[-1].sql)
        for operation in index.Migration.operations[-2:]:
            cursor.execute(operation.sql)
    importlib.import_module("carnet.issuing.migrations.0006_search_profiles").fill_in(apps, None)
    assert sorted(User.objects.values_list("pk", "consents_to_search")) == consents
    assert sorted(AttestedLevel.objects.values_list(*attested)) == written
    assert sorted(ProvenLevel.objects.values_list(*proven)) == kept
    assert sorted(SearchProfile.objects.values_list(*profile)) == profiles
    assert len(written) == 6 and len(kept) == 4 and IssuedCredential.objects.count() == 3
