"""The public badge page of a credential: who may open it (its holder always; others only when the
holder shared it), what it says, its live state, and its link previews (Open Graph)."""

from __future__ import annotations

import html

import pytest
from django.conf import settings
from django.urls import reverse

from carnet.audit.models import AuditEvent
from carnet.issuing import services as issuing
from carnet.portfolio.services import set_visibility, visibility_of

pytestmark = pytest.mark.django_db


def badge_url(credential):
    return reverse("portfolio:badge", args=[credential.uuid])


def visibility_url(credential):
    return reverse("portfolio:visibility", args=[credential.uuid])


def test_a_credential_starts_private(client, issue, learner, outsider, org_admin):
    credential = issue()
    assert visibility_of(credential) == "private"
    assert client.get(badge_url(credential)).status_code == 404  # anonymous
    for person in (outsider, org_admin):
        client.force_login(person)
        assert client.get(badge_url(credential)).status_code == 404
    client.force_login(learner)
    page = client.get(badge_url(credential))
    assert page.status_code == 200 and "Authentique et valide" in page.content.decode()
    assert (
        f"Émetteur reconnu : {credential.organisation.name}, un organisme de cette plateforme."
        in page.content.decode()
    )


@pytest.mark.parametrize("visibility", ["link", "public"])
def test_shared_anyone_with_the_link_reads_it(client, issue, learner, visibility):
    credential = issue()
    set_visibility(credential=credential, visibility=visibility, actor=learner)
    page = client.get(badge_url(credential))
    content = page.content.decode()
    assert page.status_code == 200
    assert "Une microattestation est un badge numérique signé" in content
    assert "Fiabilité" in content and "Présent et ponctuel pendant six mois." in content
    assert '<meta property="og:title" content="Fiabilité' in content
    assert (
        f'<meta property="og:url" content="{settings.SITE_URL.rstrip("/")}{badge_url(credential)}">'
        in content
    )
    assert page["Cache-Control"] == "private, no-cache"
    assert (page["X-Robots-Tag"] == "noindex") == (visibility == "link")


def test_the_holder_is_named_by_their_name_never_by_their_email(client, issue, learner):
    """The learner has no display name: the page says "this person", not their email."""
    credential = issue()
    set_visibility(credential=credential, visibility="public", actor=learner)
    page = client.get(badge_url(credential)).content.decode()
    assert learner.email not in page
    assert "Cette personne l'a obtenue de CJE Test" in page
    learner.display_name = "Alex Martin"
    learner.save(update_fields=["display_name"])
    page = client.get(badge_url(credential)).content.decode()
    assert "Alex Martin l'a obtenue" in page and learner.email not in page


def test_the_state_is_live(client, issue, learner, org_admin):
    credential = issue()
    set_visibility(credential=credential, visibility="link", actor=learner)
    issuing.suspend_credential(credential=credential, reason="Vérification", actor=org_admin)
    assert "Authentique, mais suspendue" in client.get(badge_url(credential)).content.decode()
    issuing.revoke_credential(credential=credential, reason="Erreur", actor=org_admin)
    assert "Révoquée" in client.get(badge_url(credential)).content.decode()


def test_a_revocation_shows_at_once_on_a_page_already_seen(client, issue, learner, org_admin):
    credential = issue()
    set_visibility(credential=credential, visibility="public", actor=learner)
    for _ in range(2):  # the second time from what was kept of the first verification
        assert "Authentique et valide" in client.get(badge_url(credential)).content.decode()
    issuing.revoke_credential(credential=credential, reason="Erreur", actor=org_admin)
    assert "Révoquée" in client.get(badge_url(credential)).content.decode()
    api = client.post("/api/verification", data=credential.document, content_type="application/json")
    assert api.json()["verdict"]["code"] == "revoked"


def test_the_page_reads_the_database_a_few_times_only(client, issue, learner, django_assert_max_num_queries):
    credential = issue()
    set_visibility(credential=credential, visibility="public", actor=learner)
    # the cache key, credential and sharing, keys, status list, endorsements, partners' endorsements
    # of the definition, alignments; and the verification counted for the figures
    # (carnet.insights): its insert, in a savepoint inside the test's transaction
    with django_assert_max_num_queries(7 + 3):
        assert client.get(badge_url(credential)).status_code == 200


def test_an_altered_document_is_shown_invalid(client, issue, learner):
    credential = issue()
    set_visibility(credential=credential, visibility="link", actor=learner)
    credential.document["credentialSubject"]["achievement"]["name"] = "Autre chose"
    credential.save(update_fields=["document"])
    text = client.get(badge_url(credential)).content.decode()
    assert "Invalide" in text and "Émetteur reconnu" not in text


@pytest.fixture
def endorsed_credential(version, learner, assessor):
    """A credential issued from a request endorsed by two people, one of whom is not to be named."""
    from datetime import timedelta

    from django.utils import timezone

    from carnet.recognition import services as recognition
    from carnet.recognition.models import Endorsement, EndorsementInvitation, RecognitionRequest

    request = recognition.open_request(learner=learner, micro_credential=version.micro_credential)
    eight_months_ago = timezone.localdate() - timedelta(days=8 * 30 + 5)
    for name, consent, verification in (("Marie Tremblay", True, "email"), ("Anonyme Secret", False, "link")):
        invitation = EndorsementInvitation.objects.create(
            request=request, name=name, token_hash=f"badge-{name}", status="completed",
            expires_at=timezone.now() + timedelta(days=30),
        )  # fmt: skip
        Endorsement.objects.create(
            invitation=invitation, endorser_name=name, relationship="supervisor",
            context="Banque alimentaire du quartier", consent_to_be_named=consent,
            verification=verification, period_start=eight_months_ago if consent else None,
            endorser_email=f"{name.split()[0].lower()}@example.test", ip_hash="secret-ip-hash",
        )  # fmt: skip
    RecognitionRequest.objects.filter(pk=request.pk).update(status="approved")
    return recognition.issue_approved_request(request.pk)


def test_endorsers_are_named_only_with_their_consent(client, learner, endorsed_credential):
    credential = endorsed_credential
    set_visibility(credential=credential, visibility="link", actor=learner)
    content = client.get(badge_url(credential)).content.decode()
    assert "Marie Tremblay" in content and "Une personne non nommée" in content
    assert "Anonyme Secret" not in content


def test_employers_read_the_strength_in_plain_words_without_more_identities(
    client, learner, endorsed_credential
):
    set_visibility(credential=endorsed_credential, visibility="link", actor=learner)
    content = html.unescape(client.get(badge_url(endorsed_credential)).content.decode())
    assert (
        "Confirmée par 2 personnes qui ont vu le travail : un·e superviseur·e (adresse courriel vérifiée, "
        "8 mois observés); un·e superviseur·e (lien seulement, période non précisée)."
    ) in content
    assert "Force de ces témoignages : solide." in content
    assert "Un compte d'employeur est déclaré par la personne" in content  # anyone may open one
    assert "compte d'employeur ou d'organisme)" not in content
    for hidden in (
        "Anonyme Secret",
        "anonyme@example.test",
        "marie@example.test",
        "secret-ip-hash",
        "avertissement",
    ):
        assert hidden not in content


def test_the_holder_chooses_who_sees_it(client, issue, learner):
    credential = issue()
    client.force_login(learner)
    mine = client.get(reverse("issued:mine", args=[credential.uuid])).content.decode()
    assert 'name="visibility" value="private" checked' in mine
    response = client.post(visibility_url(credential), {"visibility": "public"})
    assert response.status_code == 302 and visibility_of(credential) == "public"
    event = AuditEvent.objects.get(verb="credential.visibility_changed")
    assert event.actor == learner and event.data == {"visibility": "public"}
    client.post(visibility_url(credential), {"visibility": "everyone!"})
    assert visibility_of(credential) == "public"


def test_nobody_else_changes_it(client, issue, outsider, org_admin):
    credential = issue()
    assert client.post(visibility_url(credential), {"visibility": "public"}).status_code == 302  # to login
    for person in (outsider, org_admin):
        client.force_login(person)
        assert client.post(visibility_url(credential), {"visibility": "public"}).status_code == 404
    assert visibility_of(credential) == "private"


def test_changing_it_rejects_get(client, issue, learner):
    credential = issue()
    client.force_login(learner)
    assert client.get(visibility_url(credential)).status_code == 405


def test_the_page_reads_in_english(client, issue, learner):
    credential = issue()
    set_visibility(credential=credential, visibility="link", actor=learner)
    content = client.get("/en" + badge_url(credential)).content.decode()
    assert "Reliability" in content and "Authentic and valid" in content


# --- share links -----------------------------------------------------------------------------------


def make_link(client, credential, **data):
    response = client.post(reverse("portfolio:create_link", args=[credential.uuid]), {"days": "30", **data})
    assert response.status_code == 302
    page = client.get(reverse("issued:mine", args=[credential.uuid])).content.decode()
    start = page.index('id="new-share-link" type="text" readonly value="') + len(
        'id="new-share-link" type="text" readonly value="'
    )
    return page[start : page.index('"', start)]


def test_a_share_link_opens_a_private_credential_and_counts_its_openings(client, issue, learner):
    credential = issue()
    client.force_login(learner)
    link = make_link(client, credential, label="Quincaillerie Tremblay")
    path = link.removeprefix(settings.SITE_URL.rstrip("/"))
    client.logout()
    for _ in range(2):
        opened = client.get(path)
        assert opened.status_code == 200 and "Authentique et valide" in opened.content.decode()
        assert opened["Referrer-Policy"] == "no-referrer"
    assert client.get(badge_url(credential)).status_code == 404  # the credential itself stays private
    client.force_login(learner)
    mine = client.get(reverse("issued:mine", args=[credential.uuid])).content.decode()
    assert "Quincaillerie Tremblay" in mine and "ouvert 2 fois" in mine
    assert 'id="new-share-link"' not in mine  # shown once


def test_a_withdrawn_or_expired_link_no_longer_works(client, issue, learner):
    from datetime import timedelta

    from django.utils import timezone

    from carnet.portfolio.models import ShareLink

    credential = issue()
    client.force_login(learner)
    path = make_link(client, credential).removeprefix(settings.SITE_URL.rstrip("/"))
    link = ShareLink.objects.get()
    client.post(reverse("portfolio:withdraw_link", args=[credential.uuid, link.pk]))
    assert client.get(path).status_code == 410
    path = make_link(client, credential, days="7").removeprefix(settings.SITE_URL.rstrip("/"))
    ShareLink.objects.filter(withdrawn_at=None).update(expires_at=timezone.now() - timedelta(minutes=1))
    gone = client.get(path)
    assert gone.status_code == 410 and "ne fonctionne plus" in gone.content.decode()
    assert client.get("/partage/not-a-token/").status_code == 410


def test_only_the_holder_makes_and_withdraws_links(client, issue, learner, outsider):
    from carnet.portfolio.models import ShareLink
    from carnet.portfolio.services import create_share_link

    credential = issue()
    link, _token = create_share_link(credential=credential, days=7, actor=learner)
    client.force_login(outsider)
    assert (
        client.post(reverse("portfolio:create_link", args=[credential.uuid]), {"days": "7"}).status_code
        == 404
    )
    assert client.post(reverse("portfolio:withdraw_link", args=[credential.uuid, link.pk])).status_code == 404
    assert ShareLink.objects.filter(withdrawn_at=None).count() == 1


def test_an_unreadable_issuer_key_is_not_called_a_forgery(client, issue, learner, monkeypatch):
    from carnet.credentials import Resolver

    credential = issue()
    set_visibility(credential=credential, visibility="link", actor=learner)
    monkeypatch.setattr("carnet.portfolio.selectors.identity.resolver", lambda: Resolver())
    content = client.get(badge_url(credential)).content.decode()
    assert "Impossible de la confirmer pour l'instant" in content and "Invalide" not in content
