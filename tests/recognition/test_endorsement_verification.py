"""What an endorsement records of its endorser: how Carnet knows who they are (derived from how they
arrived, never chosen), the period observed (never in the future), and the keyed hashes of their
visit (never the raw values)."""

from __future__ import annotations

import html
from datetime import date, timedelta

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone

from carnet.recognition import services
from carnet.recognition.fingerprints import DEVICE_COOKIE, keyed_hash, normalise_email
from carnet.recognition.models import Endorsement

pytestmark = pytest.mark.django_db


def answer(client, token, **fields):
    data = {
        "endorser_name": "Marie Tremblay", "endorser_email": "", "relationship": "supervisor",
        "context": "Banque alimentaire, le mardi", "criterion_0": "Elle planifiait les horaires.",
        "period_start": "2025-01-01", "period_end": "", "level_observed": "", "confirm": "on",
    }  # fmt: skip
    data.update(fields)
    return client.post(f"/endosser/{token}/", data)


@pytest.mark.parametrize(
    ("email", "normalised"),
    [
        ("Jean.Roy+ami@GoogleMail.com", "jeanroy@gmail.com"),
        ("  LEARNER+x@Example.Test ", "learner@example.test"),
        ("a.b@example.test", "a.b@example.test"),  # dots count elsewhere than at Gmail
        ("pas-une-adresse", ""),
        ("+tag@example.test", ""),
    ],
)
def test_addresses_are_normalised_for_comparison(email, normalised):
    assert normalise_email(email) == normalised


def test_an_endorser_who_answers_the_emailed_link_with_its_address_is_email_confirmed(draft_request, client):
    _invitation, token = services.invite_endorser(
        request=draft_request, name="Marie", email="marie@example.test"
    )
    assert answer(client, token, endorser_email="Marie@Example.test").status_code == 200
    endorsement = Endorsement.objects.get()
    assert endorsement.verification == "email"
    assert endorsement.endorser_address == "marie@example.test"


def test_an_endorser_who_changes_the_address_is_link_only(draft_request, client):
    _invitation, token = services.invite_endorser(
        request=draft_request, name="Marie", email="marie@example.test"
    )
    answer(client, token, endorser_email="autre@example.test")
    assert Endorsement.objects.get().verification == "link"


def test_a_copied_link_is_link_only_whatever_address_is_typed(draft_request, client):
    _invitation, token = services.invite_endorser(request=draft_request, name="Marie")
    answer(client, token, endorser_email="marie@example.test", verification="staff")  # not a field
    assert Endorsement.objects.get().verification == "link"


def confirm(user, email=None):
    EmailAddress.objects.create(user=user, email=email or user.email, verified=True)


def test_a_signed_in_employer_is_an_employer_account(draft_request, client, employer):
    _invitation, token = services.invite_endorser(request=draft_request, name="RH")
    confirm(employer)
    client.force_login(employer)
    answer(client, token, endorser_email=employer.email)
    endorsement = Endorsement.objects.get()
    assert endorsement.verification == "employer" and endorsement.endorser_account == employer


def test_a_signed_in_member_of_a_recognising_organisation_is_staff(draft_request, client, assessor):
    _invitation, token = services.invite_endorser(request=draft_request, name="Évaluatrice")
    confirm(assessor)
    client.force_login(assessor)
    answer(client, token, endorser_email="Assessor@org.test")
    assert Endorsement.objects.get().verification == "staff"


def test_a_signed_in_account_counts_only_for_an_address_it_confirmed(draft_request, client, assessor):
    _invitation, token = services.invite_endorser(request=draft_request, name="Pierre")
    confirm(assessor)
    client.force_login(assessor)  # a shared computer: somebody else fills the form
    answer(client, token, endorser_name="Pierre Inconnu", endorser_email="pierre@ailleurs.test")
    endorsement = Endorsement.objects.get()
    assert endorsement.verification == "link" and endorsement.endorser_account is None


def test_an_unconfirmed_address_of_the_account_does_not_count(draft_request, client, employer):
    _invitation, token = services.invite_endorser(request=draft_request, name="RH")
    client.force_login(employer)  # its address was never confirmed
    answer(client, token, endorser_email=employer.email)
    endorsement = Endorsement.objects.get()
    assert endorsement.verification == "link" and endorsement.endorser_account is None


def test_a_second_account_of_the_learner_cannot_endorse(draft_request, client, learner, employer):
    confirm(learner)
    confirm(employer)
    confirm(employer, learner.email.upper())  # the learner's own address, on an employer space
    _invitation, token = services.invite_endorser(request=draft_request, name="RH")
    client.force_login(employer)
    response = answer(client, token, endorser_email=employer.email)
    assert response.status_code == 400
    assert not Endorsement.objects.exists()


def test_a_signed_in_account_without_role_is_email_confirmed_only_with_a_confirmed_address(
    draft_request, client, outsider
):
    EmailAddress.objects.create(user=outsider, email=outsider.email, verified=True, primary=True)
    _invitation, token = services.invite_endorser(request=draft_request, name="Ami")
    client.force_login(outsider)
    answer(client, token, endorser_email=outsider.email.upper())
    assert Endorsement.objects.get().verification == "email"


def test_the_learner_signed_in_cannot_endorse_their_own_request(draft_request, client, learner):
    _invitation, token = services.invite_endorser(request=draft_request, name="Une amie")
    client.force_login(learner)
    response = answer(client, token, endorser_name="Une amie", endorser_email="amie@example.test")
    assert response.status_code == 400
    assert "Vous ne pouvez pas endosser votre propre demande" in html.unescape(response.content.decode())
    assert not Endorsement.objects.exists()


@pytest.mark.parametrize(
    "email", ["LEARNER@example.test", "learner+moi@example.test", "deuxieme@example.test"]
)
def test_the_learner_cannot_invite_any_of_their_own_addresses(draft_request, learner, email):
    EmailAddress.objects.create(user=learner, email="deuxieme@example.test", verified=True)
    with pytest.raises(services.RecognitionError):
        services.invite_endorser(request=draft_request, name="Moi", email=email)


def test_a_period_in_the_future_is_refused_with_a_clear_message(draft_request, client):
    _invitation, token = services.invite_endorser(request=draft_request, name="Marie")
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = answer(client, token, period_start="2025-01-01", period_end=tomorrow)
    assert response.status_code == 400
    assert "Cette date est dans le futur" in html.unescape(response.content.decode())
    response = answer(client, token, period_start="2025-06-01", period_end="2025-01-01")
    assert "La fin doit suivre le début." in html.unescape(response.content.decode())
    assert not Endorsement.objects.exists()


def test_the_service_refuses_a_future_or_reversed_period_too(draft_request):
    _invitation, token = services.invite_endorser(request=draft_request, name="Marie")
    fields = {"endorser_name": "Marie", "relationship": "peer", "context": "Au club"}
    future = {"period_start": timezone.localdate() + timedelta(days=3), "period_end": None}
    reversed_ = {"period_start": date(2025, 6, 1), "period_end": date(2025, 1, 1)}
    for period in (future, reversed_):
        with pytest.raises(services.RecognitionError):
            services.record_endorsement(token=token, fields={**fields, **period}, observations=[])
    assert not Endorsement.objects.exists()


def test_the_form_labels_the_period_fields(draft_request, client):
    _invitation, token = services.invite_endorser(request=draft_request, name="Marie")
    page = html.unescape(client.get(f"/endosser/{token}/").content.decode())
    assert '<label for="id_period_start">Début de la période observée' in page
    assert '<label for="id_relationship">Votre lien avec la personne' in page


PUBLIC_ADDRESS = "24.48.1.10"


def test_the_visit_is_kept_as_keyed_hashes_never_raw(draft_request, client):
    client.defaults["REMOTE_ADDR"] = PUBLIC_ADDRESS
    _invitation, token = services.invite_endorser(request=draft_request, name="Marie")
    first = client.get(f"/endosser/{token}/")
    device = first.cookies[DEVICE_COOKIE]
    assert device["httponly"] and device["samesite"] == "Lax"
    answer(client, token)
    endorsement = Endorsement.objects.get()
    assert endorsement.device_hash == keyed_hash("device", device.value)
    assert endorsement.ip_hash == keyed_hash("ip", PUBLIC_ADDRESS)
    assert device.value not in endorsement.device_hash and PUBLIC_ADDRESS not in endorsement.ip_hash


@pytest.mark.parametrize("address", ["127.0.0.1", "::1", "10.0.0.4", "192.168.1.20", "pas une adresse", ""])
def test_a_proxy_s_or_local_network_s_address_is_not_kept(draft_request, client, address):
    client.defaults["REMOTE_ADDR"] = address
    _invitation, token = services.invite_endorser(request=draft_request, name="Marie")
    answer(client, token)
    assert Endorsement.objects.get().ip_hash == ""


def test_a_forged_device_cookie_is_ignored(draft_request, client):
    _invitation, token = services.invite_endorser(request=draft_request, name="Marie")
    client.cookies[DEVICE_COOKIE] = "x" * 5000
    answer(client, token)
    assert Endorsement.objects.get().device_hash == ""


def test_the_learner_s_visits_are_remembered_when_inviting_and_submitting(ready_request, client, learner):
    client.defaults["REMOTE_ADDR"] = PUBLIC_ADDRESS
    client.force_login(learner)
    client.get(f"/demandes/{ready_request.uuid}/")  # the browser gets its cookie here
    client.post(f"/demandes/{ready_request.uuid}/endosseurs/", {"name": "Luc", "relationship": "peer"})
    client.post(f"/demandes/{ready_request.uuid}/soumettre/")
    ready_request.refresh_from_db()
    device = keyed_hash("device", client.cookies[DEVICE_COOKIE].value)
    assert ready_request.status == "submitted"
    assert ready_request.learner_signals == {"ip": [keyed_hash("ip", PUBLIC_ADDRESS)], "device": [device]}


def test_only_the_newest_few_signals_are_kept(draft_request):
    from carnet.recognition.fingerprints import Signals

    for number in range(services.MAX_SIGNALS_KEPT + 3):
        services.invite_endorser(
            request=draft_request, name=f"P{number}", signals=Signals(ip_hash=f"ip{number}")
        )
        draft_request.invitations.update(status="cancelled")
    draft_request.refresh_from_db()
    assert draft_request.learner_signals["ip"][-1] == f"ip{services.MAX_SIGNALS_KEPT + 2}"
    assert len(draft_request.learner_signals["ip"]) == services.MAX_SIGNALS_KEPT


def test_an_expired_link_s_page_gives_no_device_cookie(client):
    response = client.get("/endosser/inconnu/")
    assert response.status_code == 410
    assert DEVICE_COOKIE not in response.cookies


def test_the_device_cookie_lives_as_long_as_its_hashes_are_kept(draft_request, client, settings):
    settings.PRIVACY_RETENTION = {**settings.PRIVACY_RETENTION, "collusion_signals": 90}
    _invitation, token = services.invite_endorser(request=draft_request, name="Marie")
    response = client.get(f"/endosser/{token}/")
    assert response.cookies[DEVICE_COOKIE]["max-age"] == 90 * 24 * 3600


def test_the_endorsement_and_invitation_forms_tell_of_the_cookie(draft_request, client, learner):
    _invitation, token = services.invite_endorser(request=draft_request, name="Marie")
    assert "témoin (cookie)" in html.unescape(client.get(f"/endosser/{token}/").content.decode())
    client.force_login(learner)
    assert "témoin (cookie)" in html.unescape(client.get(f"/demandes/{draft_request.uuid}/").content.decode())


def test_the_privacy_page_lists_the_device_cookie(client):
    page = html.unescape(client.get("/confidentialite/").content.decode())
    assert "carnet_device" in page and "ordinateur partagé" in page


def test_ipv6_addresses_of_one_64_network_are_one_network(rf):
    from carnet.recognition.fingerprints import public_address

    def of(address):
        return public_address(rf.get("/", REMOTE_ADDR=address))

    assert of("2001:4860:1:2:aaaa::1") == of("2001:4860:1:2:bbbb::2") == "2001:4860:1:2::/64"
    assert of("2001:4860:1:3::1") != of("2001:4860:1:2::1")
    assert of("203.0.113.9") == "" and of("8.8.8.8") == "8.8.8.8"  # documentation range / public IPv4
