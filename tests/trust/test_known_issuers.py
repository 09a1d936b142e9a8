"""The registry of known issuers: identifiers checked strictly, adding and withdrawing (audited),
and the staff's page (only the staff opens it)."""

from __future__ import annotations

import html

import pytest

from carnet.audit.models import AuditEvent
from carnet.credentials import Ed25519Key
from carnet.issuing import identity
from carnet.trust import identifiers, services
from carnet.trust.models import KnownIssuer
from carnet.trust.recognition import standing_of

pytestmark = pytest.mark.django_db

PAGE = "/plateforme/emetteurs-reconnus/"
KEY = Ed25519Key.generate()


def add(staff, identifier="did:web:formation.exemple.org", name="Exemple", reason="Partenaire confirmé"):
    return services.add_known_issuer(actor=staff, identifier=identifier, name=name, reason=reason)


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("did:web:Formation.Exemple.org", "did:web:formation.exemple.org"),
        ("did:web:exemple.org%3A8443:orgs:Abc", "did:web:exemple.org%3A8443:orgs:Abc"),
        (KEY.controller, KEY.controller),
        ("  HTTPS://Exemple.org  ", "https://exemple.org/"),
        ("https://exemple.org:443/profil?v=1", "https://exemple.org/profil?v=1"),
    ],
)
def test_an_identifier_is_kept_one_way(given, kept):
    assert identifiers.normalise(given) == kept


@pytest.mark.parametrize(
    "given",
    [
        "", "exemple.org", "http://exemple.org/", "https://user:pw@exemple.org/", "https://exemple.org/#moi",
        "https://127.0.0.1/", "did:web:", "did:web:exemple.org:../x", "did:web:exe mple.org",
        "did:key:z6MkNotAKey", "did:ion:abc", "https://exemple.org/" + "a" * 500, "javascript:alert(1)",
        "https://exemple.org/\u0000",
    ],
)  # fmt: skip
def test_a_malformed_identifier_is_refused(given):
    with pytest.raises(identifiers.Invalid):
        identifiers.normalise(given)


def test_adding_an_issuer_recognises_it_and_is_audited(staff):
    entry = add(staff, identifier="did:web:Formation.Exemple.org")
    assert standing_of("did:web:formation.exemple.org").name == "Exemple"
    event = AuditEvent.objects.get(verb="known_issuer.added")
    assert event.actor == staff and event.target_id == str(entry.pk)


def test_an_issuer_is_not_added_twice(staff):
    add(staff)
    with pytest.raises(services.Refused, match="déjà"):
        add(staff, identifier="did:web:FORMATION.exemple.org")


def test_the_platform_s_own_organisation_is_not_added(staff, organisation):
    with pytest.raises(services.Refused, match="organisme de cette plateforme"):
        add(staff, identifier=identity.organisation_did(organisation))
    assert standing_of(identity.organisation_did(organisation)).source == "organisation"
    assert standing_of(identity.platform_did()).source == "platform"


def test_an_employer_is_not_an_issuer_the_platform_recognises(employer):
    from carnet.organisations.models import Organisation

    organisation = Organisation.objects.get(kind="employer")
    assert not standing_of(identity.organisation_did(organisation)).recognised


@pytest.mark.parametrize(
    ("name", "reason"),
    [("", "raison"), ("x" * 201, "raison"), ("Nom\u202e", "raison"), ("Nom", ""), ("Nom", "r" * 1001)],
)
def test_a_bad_name_or_reason_is_refused(staff, name, reason):
    with pytest.raises(services.Refused):
        add(staff, name=name, reason=reason)
    assert not KnownIssuer.objects.exists()


def test_a_withdrawn_issuer_is_unknown_again_and_may_be_added_again(staff):
    entry = add(staff)
    services.withdraw_known_issuer(actor=staff, entry=entry)
    assert not standing_of("did:web:formation.exemple.org").recognised
    assert AuditEvent.objects.filter(verb="known_issuer.withdrawn", target_id=str(entry.pk)).exists()
    add(staff, name="Exemple, de nouveau")
    assert standing_of("did:web:formation.exemple.org").name == "Exemple, de nouveau"


def test_the_staff_sees_the_list(client, staff):
    add(staff, name="<script>alert(1)</script>")
    client.force_login(staff)
    response = client.get(PAGE)
    assert response.status_code == 200
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in response.content
    assert b"<script>alert(1)" not in response.content


def test_the_staff_adds_an_issuer_with_the_form(client, staff):
    client.force_login(staff)
    data = {"identifier": "did:web:formation.exemple.org", "name": "Exemple", "reason": "Partenaire"}
    response = client.post(PAGE, data)
    assert response.status_code == 302
    assert KnownIssuer.objects.get().added_by == staff


def test_the_form_says_what_is_wrong_with_an_identifier(client, staff):
    client.force_login(staff)
    response = client.post(
        PAGE, {"identifier": "http://exemple.org", "name": "Exemple", "reason": "Partenaire"}
    )
    assert response.status_code == 400
    assert "https://" in response.content.decode()
    assert not KnownIssuer.objects.exists()


def test_the_staff_withdraws_an_issuer(client, staff):
    entry = add(staff)
    client.force_login(staff)
    assert client.post(f"{PAGE}{entry.pk}/retirer/").status_code == 302
    entry.refresh_from_db()
    assert entry.withdrawn_at is not None and entry.withdrawn_by == staff


def test_withdrawing_is_confirmed_on_a_page_of_its_own_first(client, staff):
    entry = add(staff)
    client.force_login(staff)
    listing = html.unescape(client.get(PAGE).content.decode())
    assert f'<a class="button" href="{PAGE}{entry.pk}/retirer/">Retirer…' in listing
    assert f'action="{PAGE}{entry.pk}/retirer/"' not in listing  # no one-click withdrawal from the list
    response = client.get(f"{PAGE}{entry.pk}/retirer/")
    assert response.status_code == 200
    text = html.unescape(response.content.decode())
    assert f"Retirer « {entry.name} » des émetteurs reconnus ?" in text
    assert "comme ceux d'un émetteur inconnu" in text and entry.identifier in text
    assert f'<form method="post" action="{PAGE}{entry.pk}/retirer/">' in text
    entry.refresh_from_db()
    assert entry.withdrawn_at is None  # seeing the question changes nothing
    assert not AuditEvent.objects.filter(verb="known_issuer.withdrawn").exists()
    client.post(f"{PAGE}{entry.pk}/retirer/")
    assert AuditEvent.objects.filter(verb="known_issuer.withdrawn", actor_id=staff.pk).count() == 1
    assert client.get(f"{PAGE}{entry.pk}/retirer/").status_code == 404  # nothing left to confirm


@pytest.mark.parametrize("who", ["anonymous", "outsider", "org_admin"])
def test_only_the_staff_opens_the_pages(client, request, staff, who):
    entry = add(staff)
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    for path in (PAGE, PAGE + "importer/", PAGE + "export.json"):
        assert client.get(path).status_code == 404
    assert (
        client.post(PAGE, {"identifier": "did:web:autre.org", "name": "A", "reason": "B"}).status_code == 404
    )
    assert client.post(f"{PAGE}{entry.pk}/retirer/").status_code == 404
    assert client.get(f"{PAGE}{entry.pk}/retirer/").status_code == 404
    assert KnownIssuer.objects.active().count() == 1
