"""Issue #8: an organisation asks a partner (employer, sector body) to endorse a definition; the
partner answers through a single-use emailed link without an account; the endorsement, signed by the
platform, is about the version's Achievement, shows on the catalogue and badge pages, and is carried
by the credentials issued afterwards."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from carnet.audit.models import AuditEvent
from carnet.catalogue import services
from carnet.catalogue.models import PartnerEndorsement
from carnet.credentials import schema
from carnet.credentials.verify import verify
from carnet.issuing import identity
from carnet.issuing import services as issuing
from carnet.issuing.achievements import achievement_document, achievement_url

pytestmark = pytest.mark.django_db

PARTNER = {
    "partner_name": "Comité sectoriel de l'alimentation",
    "partner_kind": "sector",
    "contact_name": "Julie Tremblay",
    "contact_email": "Julie@Secteur.test",
    "message": "Votre avis nous importe.",
}
ANSWER = {"action": "endorse", "endorser_name": "Julie Tremblay", "endorser_role": "Directrice",
          "comment": "Elle répond aux besoins des employeurs du secteur."}  # fmt: skip


@pytest.fixture
def item(organisation, competency):
    created = services.create_micro_credential(
        organisation=organisation,
        fields={
            "name_fr": "Service à la clientèle", "name_en": "Customer service",
            "description_fr": "Accueille et conseille la clientèle.", "criteria_fr": "Trois mois en poste.",
            "purpose_fr": "Reconnaître l'expérience des commis.", "outcomes_fr": ["Accueillir un client"],
            "learning_contexts": ["work"], "assessment_method": "observation", "endorsements_required": 0,
        },
        alignments=[(competency, competency.levels.get(rank=2))],
    )  # fmt: skip
    services.publish_micro_credential(micro_credential=created)
    created.refresh_from_db()
    return created


@pytest.fixture
def ask(item, org_admin, django_capture_on_commit_callbacks):
    """Ask the partner; returns (request, the link's path read from the email)."""

    def ask(**fields):
        with django_capture_on_commit_callbacks(execute=True):
            request, _token = services.invite_partner(
                version=item.current_version(), fields={**PARTNER, **fields}, actor=org_admin
            )
        link = re.search(r"https?://\S+/endossement-partenaire/\S+/", mail.outbox[-1].body).group(0)
        return request, re.sub(r"^https?://[^/]+", "", link)

    return ask


def endorse(client, path, django_capture_on_commit_callbacks, **answer):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(path, {**ANSWER, **answer})


def issue(item, learner, key):
    return issuing.issue_credential(
        organisation=item.organisation, version=item.current_version(), recipient=learner,
        recipient_email=learner.email, idempotency_key=key,
    )  # fmt: skip


# -- the request --------------------------------------------------------------------------------------


def test_the_partner_gets_a_bilingual_email_with_a_single_use_link(ask):
    request, path = ask()
    message = mail.outbox[-1]
    assert message.to == ["julie@secteur.test"]
    assert "vous demande d'endosser « Service à la clientèle »" in message.subject
    assert "\n----------\n" in message.body  # French first, then English (the reader's language is not known)
    assert "Votre avis nous importe." in message.body
    token = path.rstrip("/").rsplit("/", 1)[-1]
    assert token not in str(PartnerEndorsement.objects.values_list("token_hash", flat=True)[0])
    assert AuditEvent.objects.filter(verb="partner_endorsement.requested").exists()
    assert request.expires_at - timezone.now() > timedelta(days=29)


def test_a_draft_cannot_be_endorsed(organisation, org_admin, competency):
    draft = services.create_micro_credential(
        organisation=organisation,
        fields={"name_fr": "Brouillon", "description_fr": "x", "criteria_fr": "y", "learning_contexts": ["work"],
                "assessment_method": "observation", "endorsements_required": 0},
        alignments=[(competency, None)],
    )  # fmt: skip
    with pytest.raises(services.CatalogueError):
        services.invite_partner(version=draft.versions.get(), fields=PARTNER, actor=org_admin)


def test_a_second_pending_request_to_the_same_address_is_refused(ask, item, org_admin):
    ask()
    with pytest.raises(services.CatalogueError, match="attend déjà une réponse"):
        services.invite_partner(version=item.current_version(), fields=PARTNER, actor=org_admin)


def test_pending_requests_are_capped(item, org_admin, monkeypatch):
    monkeypatch.setattr(services, "MAX_OPEN_PARTNER_REQUESTS", 2)
    for n in range(2):
        services.invite_partner(version=item.current_version(), fields={**PARTNER, "contact_email": f"p{n}@x.test"},
                                actor=org_admin)  # fmt: skip
    with pytest.raises(services.CatalogueError, match="en attente"):
        services.invite_partner(version=item.current_version(), fields={**PARTNER, "contact_email": "p9@x.test"},
                                actor=org_admin)  # fmt: skip


# -- the partner's page --------------------------------------------------------------------------------


def test_the_partner_reads_the_whole_definition_without_an_account(client, ask):
    _request, path = ask()
    response = client.get(path)
    assert response.status_code == 200
    text = response.content.decode()
    for part in ("Accueille et conseille la clientèle.", "Trois mois en poste.", "Reconnaître l'expérience",
                 "Accueillir un client", "Votre avis nous importe."):  # fmt: skip
        assert html.escape(part) in text, part
    assert response["Cache-Control"].startswith("max-age=0") or "no-cache" in response["Cache-Control"]


def test_the_partner_endorses_and_the_platform_signs_it(
    client, ask, item, org_admin, django_capture_on_commit_callbacks
):
    request, path = ask()
    response = endorse(client, path, django_capture_on_commit_callbacks)
    assert response.status_code == 302 and response["Location"] == "/endossement-partenaire/merci/"
    done = client.get(response["Location"])
    assert done.status_code == 200 and "Merci de votre réponse" in done.content.decode()
    request.refresh_from_db()
    assert request.status == PartnerEndorsement.Status.ENDORSED
    assert request.answered_via == "link" and request.answered_in is None
    document = request.document
    assert document["type"] == ["VerifiableCredential", "EndorsementCredential"]
    assert document["credentialSubject"]["id"] == achievement_url(item.current_version())
    assert document["issuer"]["id"] == identity.platform_profile()["id"]
    comment = document["credentialSubject"]["endorsementComment"]
    assert "Comité sectoriel de l'alimentation" in comment and "Julie Tremblay (Directrice)" in comment
    assert "besoins des employeurs" in comment
    # How the answer reached Carnet, truthfully: a link sent to an address of the domain, no more.
    assert "lien à usage unique envoyé à une adresse de secteur.test" in comment
    assert "julie@secteur.test" not in comment.lower()
    assert verify(document, resolver=identity.resolver()).valid
    assert mail.outbox[-1].to == [org_admin.email] and "endosse « Service" in mail.outbox[-1].subject
    assert AuditEvent.objects.filter(verb="partner_endorsement.given").exists()


def test_the_link_works_once(client, ask, django_capture_on_commit_callbacks):
    _request, path = ask()
    endorse(client, path, django_capture_on_commit_callbacks)
    assert client.get(path).status_code == 410
    again = endorse(client, path, django_capture_on_commit_callbacks, comment="Une seconde fois.")
    assert again.status_code == 410 and "plus valide" in again.content.decode()
    assert PartnerEndorsement.objects.get().comment.startswith("Elle répond")


def test_an_expired_link_is_gone(client, ask, django_capture_on_commit_callbacks):
    request, path = ask()
    PartnerEndorsement.objects.filter(pk=request.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert client.get(path).status_code == 410
    assert endorse(client, path, django_capture_on_commit_callbacks).status_code == 410
    assert PartnerEndorsement.objects.get().status == PartnerEndorsement.Status.PENDING


def test_an_unknown_or_oversized_token_is_gone(client):
    assert client.get("/endossement-partenaire/inconnu/").status_code == 410
    assert client.get("/endossement-partenaire/" + "a" * 150 + "/").status_code == 410


def test_a_resent_request_kills_the_old_link(client, ask, org_admin, django_capture_on_commit_callbacks):
    request, old = ask()
    PartnerEndorsement.objects.filter(pk=request.pk).update(sent_at=timezone.now() - timedelta(hours=2))
    with django_capture_on_commit_callbacks(execute=True):
        services.resend_partner_request(request=request, actor=org_admin)
    new = re.sub(
        r"^https?://[^/]+",
        "",
        re.search(r"https?://\S+/endossement-partenaire/\S+/", mail.outbox[-1].body).group(0),
    )
    assert client.get(old).status_code == 410
    assert client.get(new).status_code == 200


def test_the_partner_declines(client, ask, org_admin, django_capture_on_commit_callbacks):
    request, path = ask()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(path, {"action": "decline", "reason": "Hors de notre secteur."})
    assert response.status_code == 302
    assert "Votre refus a été transmis" in client.get(response["Location"]).content.decode()
    request.refresh_from_db()
    assert (
        request.status == PartnerEndorsement.Status.DECLINED
        and request.decline_reason == "Hors de notre secteur."
    )
    assert request.document == {}
    assert "n'endosse pas" in mail.outbox[-1].subject
    assert client.get(path).status_code == 410


def test_an_endorsement_needs_a_name_and_a_comment(client, ask):
    request, path = ask()
    response = client.post(path, {**ANSWER, "comment": "  ", "endorser_name": ""})
    assert response.status_code == 400
    assert "Écrivez un commentaire" in response.content.decode()
    assert PartnerEndorsement.objects.get(pk=request.pk).status == PartnerEndorsement.Status.PENDING


def test_an_oversized_comment_is_refused(client, ask):
    request, path = ask()
    assert client.post(path, {**ANSWER, "comment": "x" * 2001}).status_code == 400
    assert PartnerEndorsement.objects.get(pk=request.pk).status == PartnerEndorsement.Status.PENDING


def test_a_post_without_csrf_token_is_refused(ask):
    from django.test import Client

    _request, path = ask()
    assert Client(enforce_csrf_checks=True).post(path, ANSWER).status_code == 403


# -- where it shows -----------------------------------------------------------------------------------


def test_the_catalogue_page_shows_the_endorsement_escaped(
    client, ask, item, django_capture_on_commit_callbacks
):
    _request, path = ask(partner_name="<b>Boulangerie</b>")
    endorse(client, path, django_capture_on_commit_callbacks, comment="<script>alert(1)</script> Utile.")
    text = client.get(item.get_absolute_url()).content.decode()
    assert "Endossée par" in text
    assert "&lt;b&gt;Boulangerie&lt;/b&gt;" in text and "<b>Boulangerie" not in text
    assert "&lt;script&gt;" in text and "<script>alert" not in text
    endorsement = PartnerEndorsement.objects.get()
    served = client.get(endorsement.get_json_url())
    assert served.status_code == 200 and served.json() == endorsement.document


def test_credentials_issued_afterwards_carry_the_endorsement(
    client, ask, item, learner, django_capture_on_commit_callbacks
):
    before = issue(item, learner, "before")
    _request, path = ask()
    endorse(client, path, django_capture_on_commit_callbacks)
    after = issue(item, learner, "after")
    endorsement = PartnerEndorsement.objects.get().document
    assert "endorsement" not in before.document["credentialSubject"]["achievement"]
    assert after.document["credentialSubject"]["achievement"]["endorsement"] == [endorsement]
    assert schema.validate(after.document) == []  # the Open Badges 3.0 schema, endorsement included
    report = verify(after.document, resolver=identity.resolver())
    assert report.valid and [sub.valid for sub in report.endorsement_reports] == [True]
    # The published Achievement carries it too.
    published = client.get(re.sub(r"^https?://[^/]+", "", achievement_url(item.current_version()))).json()
    assert published["endorsement"] == [endorsement]
    # Both badge pages show it: carried by one, given after the other was issued.
    learner_page = client.get(f"/badges/{after.uuid}/")
    if learner_page.status_code != 200:  # a private badge: its holder sees it
        client.force_login(learner)
        learner_page = client.get(f"/badges/{after.uuid}/")
    assert "Joint à cette microattestation, attesté et signé par Carnet" in learner_page.content.decode()
    older = client.get(f"/badges/{before.uuid}/").content.decode()
    assert "Donné après la délivrance de cette microattestation" in older


def test_a_withdrawn_endorsement_is_no_longer_shown_nor_carried(client, ask, item, learner, org_admin,
                                                               django_capture_on_commit_callbacks):  # fmt: skip
    request, path = ask()
    endorse(client, path, django_capture_on_commit_callbacks)
    request.refresh_from_db()
    json_url = request.get_json_url()
    client.force_login(org_admin)
    response = client.post(f"/organisations/cje-test/catalogue/{item.slug}/partenaires/{request.uuid}/",
                           {"action": "withdraw"})  # fmt: skip
    assert response.status_code == 302
    assert PartnerEndorsement.objects.get().status == PartnerEndorsement.Status.WITHDRAWN
    assert "Endossée par" not in client.get(item.get_absolute_url()).content.decode()
    assert client.get(json_url).status_code == 404
    credential = issue(item, learner, "after-withdrawal")
    assert "endorsement" not in credential.document["credentialSubject"]["achievement"]
    assert AuditEvent.objects.filter(verb="partner_endorsement.withdrawn").exists()


def test_an_endorsement_is_about_the_version_it_reviewed(
    client, ask, item, learner, django_capture_on_commit_callbacks
):
    _request, path = ask()
    endorse(client, path, django_capture_on_commit_callbacks)
    services.update_micro_credential(micro_credential=item, fields={"criteria_fr": "Six mois en poste."})
    second = services.publish_micro_credential(micro_credential=item)
    assert "endorsement" not in achievement_document(second)
    credential = issue(item, learner, "v2")
    assert "endorsement" not in credential.document["credentialSubject"]["achievement"]
    text = client.get(item.get_absolute_url()).content.decode()
    assert "Endossée par" in text and "à propos de la version 1" in text


# -- the organisation's page ---------------------------------------------------------------------------


def test_an_admin_asks_a_partner_from_the_page(client, org_admin, item, django_capture_on_commit_callbacks):
    client.force_login(org_admin)
    page = f"/organisations/cje-test/catalogue/{item.slug}/partenaires/"
    assert client.get(page).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(page, PARTNER)
    assert response.status_code == 302
    assert mail.outbox[-1].to == ["julie@secteur.test"]
    text = client.get(page).content.decode()
    assert "Comité sectoriel de l&#x27;alimentation" in text and "En attente" in text


def test_an_admin_cancels_a_request_and_its_link_dies(client, org_admin, ask, item):
    request, path = ask()
    client.force_login(org_admin)
    client.post(
        f"/organisations/cje-test/catalogue/{item.slug}/partenaires/{request.uuid}/", {"action": "cancel"}
    )
    assert PartnerEndorsement.objects.get().status == PartnerEndorsement.Status.CANCELLED
    client.logout()
    assert client.get(path).status_code == 410


def test_another_organisations_admin_is_refused(client, ask, item, make_user):
    from carnet.organisations.models import Organisation
    from carnet.organisations.services import create_organisation

    other = make_user("admin@other.test")
    create_organisation(name="Autre", kind=Organisation.Kind.COMMUNITY, admin=other, slug="autre")
    request, _path = ask()
    client.force_login(other)
    assert client.get(f"/organisations/cje-test/catalogue/{item.slug}/partenaires/").status_code == 404
    assert client.get(f"/organisations/autre/catalogue/{item.slug}/partenaires/").status_code == 404
    response = client.post(f"/organisations/cje-test/catalogue/{item.slug}/partenaires/{request.uuid}/",
                           {"action": "cancel"})  # fmt: skip
    assert response.status_code == 404
    assert PartnerEndorsement.objects.get().status == PartnerEndorsement.Status.PENDING


def test_an_outsider_is_refused(client, outsider, ask, item):
    request, _path = ask()
    client.force_login(outsider)
    assert client.get(f"/organisations/cje-test/catalogue/{item.slug}/partenaires/").status_code == 404
    assert client.post(f"/organisations/cje-test/catalogue/{item.slug}/partenaires/{request.uuid}/",
                       {"action": "cancel"}).status_code == 404  # fmt: skip
    client.logout()
    assert client.get(f"/organisations/cje-test/catalogue/{item.slug}/partenaires/").status_code == 302


# -- review fixes: no faked endorsement, only the current version, caps, mail failures --------------------


def test_an_address_of_the_asking_organisation_is_refused(item, org_admin, make_user):
    """The organisation cannot send the link to itself and answer for the partner."""
    from allauth.account.models import EmailAddress

    from carnet.organisations.models import Membership

    EmailAddress.objects.create(user=org_admin, email="admin@org.test", verified=True, primary=True)
    colleague = make_user("colleague@org.test")
    Membership.objects.create(organisation=item.organisation, user=colleague, role=Membership.Role.MEMBER)
    EmailAddress.objects.create(user=colleague, email="Colleague@Org.test", verified=True, primary=True)
    for address in ("ADMIN@org.test", "colleague@ORG.test"):
        with pytest.raises(services.CatalogueError, match="membre de votre organisme"):
            services.invite_partner(
                version=item.current_version(), fields={**PARTNER, "contact_email": address}, actor=org_admin
            )
    assert not PartnerEndorsement.objects.exists()
    # An address a member has not confirmed proves nothing either way: it is not refused.
    services.invite_partner(
        version=item.current_version(), fields={**PARTNER, "contact_email": "other@org.test"}, actor=org_admin
    )


def test_the_catalogue_says_carnet_attests_the_endorsement(
    client, ask, item, django_capture_on_commit_callbacks
):
    _request, path = ask()
    endorse(client, path, django_capture_on_commit_callbacks)
    text = html.unescape(client.get(item.get_absolute_url()).content.decode())
    assert "Endossement de Comité sectoriel de l'alimentation, attesté et signé par Carnet (JSON)" in text
    assert "Endossement signé de" not in text


def test_the_thanks_page_is_only_for_the_browser_that_answered(
    client, ask, django_capture_on_commit_callbacks
):
    assert client.get("/endossement-partenaire/merci/").status_code == 404
    _request, path = ask()
    response = endorse(client, path, django_capture_on_commit_callbacks)
    assert client.get(response["Location"]).status_code == 200  # a reload: no second answer
    client.logout()  # a new session: someone else
    assert client.get("/endossement-partenaire/merci/").status_code == 404


def test_a_missing_action_is_said_on_the_page(client, ask):
    _request, path = ask()
    response = client.post(path, {**ANSWER, "action": "maybe"})
    assert response.status_code == 400
    assert "Choisissez d'endosser ou de refuser." in response.content.decode()
    assert "Aucun compte n'est nécessaire." in client.get(path).content.decode()


def test_a_new_version_cancels_the_pending_requests_of_the_old_one(client, ask, item, org_admin):
    request, path = ask()
    services.update_micro_credential(
        micro_credential=item, fields={"description_fr": "Une autre description."}, actor=org_admin
    )
    services.publish_micro_credential(micro_credential=item, actor=org_admin)
    request.refresh_from_db()
    assert request.status == PartnerEndorsement.Status.CANCELLED
    assert client.get(path).status_code == 410
    assert client.post(path, ANSWER).status_code == 410


def test_archiving_cancels_the_pending_requests(client, ask, item, org_admin):
    request, path = ask()
    services.archive_micro_credential(micro_credential=item, actor=org_admin)
    request.refresh_from_db()
    assert request.status == PartnerEndorsement.Status.CANCELLED
    assert client.post(path, ANSWER).status_code == 410


def test_an_answer_about_a_version_no_longer_published_is_refused(ask, item):
    """Even a request left pending (made before this fix, or by a direct change) is refused."""
    from carnet.catalogue.models import MicroCredential, Status

    request, _path = ask()
    MicroCredential.objects.filter(pk=item.pk).update(status=Status.ARCHIVED)
    with pytest.raises(services.CatalogueError):
        services.endorse_definition(request=request, endorser_name="J", endorser_role="", comment="Oui.")
    request.refresh_from_db()
    assert request.status == PartnerEndorsement.Status.PENDING and request.document == {}


def test_endorsements_are_capped_per_version(item, org_admin, monkeypatch):
    from carnet.issuing.achievements import partner_endorsements

    monkeypatch.setattr(services, "MAX_PARTNER_ENDORSEMENTS", 2)
    version = item.current_version()
    made = []
    for number in range(3):
        request, _token = services.invite_partner(
            version=version, fields={**PARTNER, "contact_email": f"p{number}@secteur.test"}, actor=org_admin
        )
        made.append(request)
    for request in made[:2]:
        services.endorse_definition(request=request, endorser_name="J", endorser_role="", comment="Oui.")
    with pytest.raises(services.CatalogueError, match="maximal"):
        services.endorse_definition(request=made[2], endorser_name="J", endorser_role="", comment="Oui.")
    with pytest.raises(services.CatalogueError, match="déjà 2 endossements"):
        services.invite_partner(
            version=version, fields={**PARTNER, "contact_email": "x@y.test"}, actor=org_admin
        )
    # Past the cap (endorsed before it was lowered): only the most recent are embedded.
    PartnerEndorsement.objects.filter(pk=made[2].pk).update(status=PartnerEndorsement.Status.ENDORSED)
    assert len(partner_endorsements(version)) == 2


def test_a_mail_failure_does_not_undo_the_answer(
    client, ask, monkeypatch, django_capture_on_commit_callbacks
):
    from carnet.site import mail as site_mail

    _request, path = ask()

    def broken(*args, **kwargs):
        raise OSError("mail server down")

    monkeypatch.setattr(site_mail, "send_templated", broken)
    response = endorse(client, path, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert PartnerEndorsement.objects.get().status == PartnerEndorsement.Status.ENDORSED


def test_the_requests_table_scrolls_on_a_phone(client, ask, item, org_admin):
    ask()
    client.force_login(org_admin)
    text = client.get(f"/organisations/cje-test/catalogue/{item.slug}/partenaires/").content.decode()
    assert '<div class="table-scroll" tabindex="0" role="region" aria-labelledby="requests-title">' in text


def test_another_organisations_admin_with_the_same_slug_is_refused(client, ask, item, make_user, competency):
    """Org B has a micro-credential of the same slug: its admin still cannot touch A's requests."""
    from carnet.organisations.models import Organisation
    from carnet.organisations.services import create_organisation

    other = make_user("admin@other.test")
    org_b = create_organisation(name="Autre", kind=Organisation.Kind.COMMUNITY, admin=other, slug="autre")
    twin = services.create_micro_credential(
        organisation=org_b,
        fields={"name_fr": "Service à la clientèle", "description_fr": "Autre.", "criteria_fr": "Autre.",
                "learning_contexts": ["work"], "assessment_method": "observation", "endorsements_required": 0},
        alignments=[(competency, None)],
    )  # fmt: skip
    assert twin.slug == item.slug
    request, _path = ask()
    client.force_login(other)
    assert client.get(f"/organisations/autre/catalogue/{item.slug}/partenaires/").status_code == 200
    assert client.get(f"/organisations/cje-test/catalogue/{item.slug}/partenaires/").status_code == 404
    for prefix in ("cje-test", "autre"):
        response = client.post(f"/organisations/{prefix}/catalogue/{item.slug}/partenaires/{request.uuid}/",
                               {"action": "cancel"})  # fmt: skip
        assert response.status_code == 404
    assert PartnerEndorsement.objects.get(pk=request.pk).status == PartnerEndorsement.Status.PENDING


@pytest.mark.django_db(transaction=True)
def test_two_answers_at_once_only_one_wins(item, org_admin):
    """Two browsers answer the same link at the same time (separate connections): one wins."""
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("row locks: PostgreSQL")
    request, _token = services.invite_partner(version=item.current_version(), fields=PARTNER, actor=org_admin)
    barrier, results = threading.Barrier(2), []

    def answer(action):
        try:
            barrier.wait()
            if action == "endorse":
                services.endorse_definition(
                    request=request, endorser_name="J", endorser_role="", comment="Oui."
                )
            else:
                services.decline_definition(request=request, reason="Non.")
            results.append(action)
        except services.CatalogueError:
            results.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=answer, args=(action,)) for action in ("endorse", "decline")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results).count("refused") == 1
    request.refresh_from_db()
    winner = next(result for result in results if result != "refused")
    assert request.status == {"endorse": "endorsed", "decline": "declined"}[winner]
