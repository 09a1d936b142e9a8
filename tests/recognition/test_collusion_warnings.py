"""The assessors' warnings about endorsements that may not be independent: the learner's own address
in disguise, the learner's browser or network, a busy endorser, and rings of learners endorsing one
another. Shown to the request's assessors only, never to the learner."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone

from carnet.recognition import services
from carnet.recognition.collusion import (
    BUSY,
    CONFLICT,
    OWN_ADDRESS,
    RING,
    SAME_DEVICE,
    SAME_NETWORK,
    warnings_for,
)
from carnet.recognition.fingerprints import normalise_email
from carnet.recognition.models import Endorsement, RecognitionRequest

pytestmark = pytest.mark.django_db


def by(email, verification="email"):
    """An endorser who proved ``email`` (they answered the link emailed to it), unless told otherwise."""
    return {"endorser_email": email, "endorser_address": normalise_email(email), "verification": verification}


def kinds(request):
    endorsements = list(Endorsement.objects.filter(invitation__request=request).order_by("pk"))
    return [(w.endorsement.endorser_name, w.kind) for w in warnings_for(request, endorsements)]


@pytest.fixture
def people(make_user, micro_credential, learner):
    """Learners A (the ``learner``), B and C, each with a request for the micro-credential."""
    found = {"A": learner, "B": make_user("b@example.test"), "C": make_user("c@example.test")}
    return {
        key: services.open_request(learner=user, micro_credential=micro_credential)
        for key, user in found.items()
    }


def test_an_independent_endorser_raises_no_warning(draft_request, endorse):
    endorse(draft_request, "Marie", **by("marie@example.test"))
    assert kinds(draft_request) == []


@pytest.mark.parametrize(
    "email", ["learner@example.test", "LEARNER@Example.Test", "learner+ami@example.test"]
)
def test_the_learner_endorsing_themselves_through_a_variant_of_their_address_is_flagged(
    draft_request, email, endorse
):
    endorse(draft_request, "Moi-même", **by(email))
    assert kinds(draft_request) == [("Moi-même", OWN_ADDRESS)]


def test_the_learner_endorsing_themselves_through_a_second_confirmed_address_is_flagged(
    draft_request, learner, endorse
):
    EmailAddress.objects.create(user=learner, email="Jean.Perso@gmail.com", verified=True)
    endorse(draft_request, "Jean Perso", **by("jeanperso+badge@googlemail.com"))
    assert kinds(draft_request) == [("Jean Perso", OWN_ADDRESS)]


def test_an_unconfirmed_second_address_proves_nothing(draft_request, learner, endorse):
    EmailAddress.objects.create(user=learner, email="pas-confirmee@example.test", verified=False)
    endorse(draft_request, "Quelqu'un", **by("pas-confirmee@example.test"))
    assert kinds(draft_request) == []


def test_the_learner_s_browser_and_network_are_flagged_apart(draft_request, endorse):
    RecognitionRequest.objects.filter(pk=draft_request.pk).update(
        learner_signals={"ip": ["ip-maison"], "device": ["navigateur"]}
    )
    draft_request.refresh_from_db()
    endorse(draft_request, "Même navigateur", device_hash="navigateur", ip_hash="ailleurs")
    endorse(draft_request, "Même réseau", device_hash="autre", ip_hash="ip-maison")
    assert kinds(draft_request) == [("Même navigateur", SAME_DEVICE), ("Même réseau", SAME_NETWORK)]


def test_an_endorsement_without_hashes_never_matches_a_learner_without_any(draft_request, endorse):
    endorse(draft_request, "Sans empreinte", device_hash="", ip_hash="")
    assert kinds(draft_request) == []


def _requests_of_many(make_user, micro_credential, count):
    return [
        services.open_request(
            learner=make_user(f"learner{n}@example.test"), micro_credential=micro_credential
        )
        for n in range(count)
    ]


def test_an_endorser_of_many_people_in_a_few_days_is_flagged(make_user, micro_credential, settings, endorse):
    requests = _requests_of_many(make_user, micro_credential, settings.ENDORSEMENT_BUSY_REQUESTS)
    for number, request in enumerate(requests):
        # The same person under variants of one address.
        endorse(request, f"Occupé {number}", **by(f"Occupe+{number}@example.test"))
    assert kinds(requests[0]) == [("Occupé 0", BUSY)]


def test_one_request_fewer_or_spread_over_weeks_is_not_flagged(
    make_user, micro_credential, settings, endorse
):
    requests = _requests_of_many(make_user, micro_credential, settings.ENDORSEMENT_BUSY_REQUESTS)
    for number, request in enumerate(requests[:-1]):
        endorse(request, f"Occupé {number}", **by("occupe@example.test"))
    assert kinds(requests[0]) == []
    late = endorse(requests[-1], "Occupé plus tard", **by("occupe@example.test"))
    Endorsement.objects.filter(pk=late.pk).update(created_at=timezone.now() + timedelta(days=30))
    assert kinds(requests[0]) == []


def test_the_thresholds_are_settings(make_user, micro_credential, settings, endorse):
    settings.ENDORSEMENT_BUSY_REQUESTS = 2
    requests = _requests_of_many(make_user, micro_credential, 2)
    for number, request in enumerate(requests):
        endorse(request, f"Occupé {number}", **by("occupe@example.test"))
    assert kinds(requests[1]) == [("Occupé 1", BUSY)]


def test_a_ring_of_three_learners_is_flagged(people, endorse):
    # C endorses A, A endorses B, B endorses C: each with the address of their account.
    endorse(people["A"], "C", **by("c@example.test"))
    endorse(people["B"], "A", **by("Learner+x@example.test"))
    endorse(people["C"], "B", **by("b@example.test"))
    assert kinds(people["A"]) == [("C", RING)]
    assert kinds(people["B"]) == [("A", RING)]
    assert kinds(people["C"]) == [("B", RING)]


def test_a_ring_through_signed_in_accounts_is_flagged(people, endorse):
    accounts = {key: request.learner for key, request in people.items()}
    endorse(people["A"], "C", endorser_account=accounts["C"], **by("autre-c@example.test"))
    endorse(people["B"], "A", endorser_account=accounts["A"])
    endorse(people["C"], "B", **by("b@example.test"))
    assert kinds(people["A"]) == [("C", RING)]


def test_two_learners_endorsing_each_other_are_flagged(people, endorse):
    endorse(people["A"], "B", **by("b@example.test"))
    endorse(people["B"], "A", **by("learner@example.test"))
    assert kinds(people["A"]) == [("B", RING)]


def test_a_chain_that_does_not_close_is_not_a_ring(people, endorse):
    endorse(people["A"], "C", **by("c@example.test"))
    endorse(people["B"], "A", **by("learner@example.test"))
    endorse(people["C"], "Quelqu'un d'autre", **by("d@example.test"))
    assert kinds(people["A"]) == []


def test_a_ring_closed_long_before_the_window_is_not_flagged(people, settings, endorse):
    endorse(people["A"], "C", **by("c@example.test"))
    old = [
        endorse(people["B"], "A", **by("learner@example.test")),
        endorse(people["C"], "B", **by("b@example.test")),
    ]
    long_ago = timezone.now() - timedelta(days=settings.ENDORSEMENT_RING_DAYS + 30)
    Endorsement.objects.filter(pk__in=[e.pk for e in old]).update(created_at=long_ago)
    assert kinds(people["A"]) == []


def test_an_address_typed_after_a_copied_link_drags_nobody_into_a_ring(people, endorse):
    endorse(people["A"], "B", **by("b@example.test", verification="link"))  # anybody may type B's
    endorse(people["B"], "A", **by("learner@example.test"))
    assert kinds(people["A"]) == []


def test_an_address_typed_after_a_copied_link_is_not_counted_as_busy(
    make_user, micro_credential, settings, endorse
):
    requests = _requests_of_many(make_user, micro_credential, settings.ENDORSEMENT_BUSY_REQUESTS)
    for number, request in enumerate(requests):
        endorse(request, f"Occupé {number}", **by("occupe@example.test", verification="link"))
    assert kinds(requests[0]) == []


@pytest.fixture
def elsewhere(make_user, competency):
    """A micro-credential of another recognising organisation."""
    from carnet.catalogue import services as catalogue
    from carnet.organisations.models import Organisation
    from carnet.organisations.services import create_organisation

    other = create_organisation(
        name="Ailleurs", kind=Organisation.Kind.COLLEGE, admin=make_user("ailleurs@org.test"), slug="ailleurs"
    )
    item = catalogue.create_micro_credential(
        organisation=other,
        fields={
            "name_fr": "Ailleurs", "name_en": "Elsewhere", "description_fr": "D.", "criteria_fr": "C.",
            "learning_contexts": ["volunteering"], "assessment_method": "observation",
            "endorsements_required": 1, "validity_months": 24,
        },
        alignments=[(competency, competency.levels.get(rank=2))],
    )  # fmt: skip
    return catalogue.publish_micro_credential(micro_credential=item).micro_credential


def test_requests_to_another_organisation_count_neither_for_busy_nor_for_rings(
    people, make_user, elsewhere, settings, endorse
):
    # B endorses A here; A endorsed B's request to another organisation: not a ring for this one.
    endorse(people["A"], "B", **by("b@example.test"))
    other_b = services.open_request(learner=people["B"].learner, micro_credential=elsewhere)
    endorse(other_b, "A", **by("learner@example.test"))
    assert kinds(people["A"]) == []
    # The same endorser busy with many requests to the other organisation only.
    for number in range(settings.ENDORSEMENT_BUSY_REQUESTS):
        request = services.open_request(
            learner=make_user(f"ail{number}@example.test"), micro_credential=elsewhere
        )
        endorse(request, f"Occupé {number}", **by("b@example.test"))
    assert kinds(people["A"]) == []


# --- who sees them ------------------------------------------------------------------------------------


@pytest.fixture
def flagged(submitted_request, endorse):
    endorse(submitted_request, "Moi en cachette", consent=False, **by("learner+cache@example.test"))
    return submitted_request


def test_the_assessor_sees_the_strength_and_the_warnings(flagged, client, assessor):
    client.force_login(assessor)
    page = html.unescape(client.get(f"/evaluation/{flagged.uuid}/").content.decode())
    assert "Force des endossements :" in page and "Confirmée par 2 personnes" in page
    assert "1 avertissement à vérifier" in page
    assert "c'est peut-être un auto-endossement" in page
    assert "learner+cache@example.test" not in page  # the warning names no address


def test_the_learner_never_sees_the_warnings(flagged, client, learner):
    client.force_login(learner)
    page = html.unescape(client.get(f"/demandes/{flagged.uuid}/").content.decode())
    assert "auto-endossement" not in page and "avertissement" not in page


def test_an_assessor_of_another_organisation_sees_nothing(flagged, client, make_user):
    from carnet.organisations.models import Organisation
    from carnet.organisations.services import create_organisation

    other = make_user("autre-admin@org.test")
    create_organisation(name="Autre", kind=Organisation.Kind.COLLEGE, admin=other, slug="autre")
    client.force_login(other)
    assert client.get(f"/evaluation/{flagged.uuid}/").status_code == 404


def test_the_review_page_reads_the_database_as_often_with_one_or_eight_endorsements(
    submitted_request, client, assessor, make_user, micro_credential, endorse
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = f"/evaluation/{submitted_request.uuid}/"
    client.force_login(assessor)

    def count():
        client.get(url)
        with CaptureQueriesContext(connection) as context:
            assert client.get(url).status_code == 200
        return len(context.captured_queries)

    endorse(submitted_request, "Un", **by("un@example.test"))
    with_few = count()
    for number in range(7):
        endorse(submitted_request, f"Autre {number}", **by(f"autre{number}@gmail.com"))
    assert count() == with_few


def test_staff_of_the_assessing_organisation_endorsing_is_a_conflict_of_interest(
    submitted_request, endorse, assessor, org_admin, client, learner
):
    endorse(submitted_request, "Évaluatrice", endorser_account=assessor, **by(assessor.email, "staff"))
    endorse(submitted_request, "Admin", **by(org_admin.email, "staff"))  # by a proven address
    assert [k for k in kinds(submitted_request) if k[1] == CONFLICT] == [
        ("Évaluatrice", CONFLICT),
        ("Admin", CONFLICT),
    ]
    client.force_login(assessor)
    page = html.unescape(client.get(f"/evaluation/{submitted_request.uuid}/").content.decode())
    assert "fait partie de l'organisme qui évalue la demande (Évaluateur·rice)" in page
    client.force_login(learner)
    page = html.unescape(client.get(f"/demandes/{submitted_request.uuid}/").content.decode())
    assert "Conflit d'intérêts" not in page and "organisme qui évalue" not in page


def test_staff_of_another_organisation_is_no_conflict(submitted_request, endorse, elsewhere):
    outsider = elsewhere.organisation.memberships.get().user
    endorse(submitted_request, "Ailleurs", endorser_account=outsider, **by(outsider.email, "staff"))
    assert CONFLICT not in [kind for _name, kind in kinds(submitted_request)]
