"""issue_credential: a signed Open Badges 3.0 credential that verifies inside Carnet without network,
issued once per idempotency key, announced by email."""

from __future__ import annotations

import pytest
from django.core import mail
from django.utils import timezone

from carnet.audit.models import AuditEvent
from carnet.catalogue import services as catalogue
from carnet.credentials import model as ob
from carnet.credentials import sign, verify
from carnet.credentials.model import identity_matches
from carnet.issuing import identity, services
from carnet.issuing.keys import signer
from carnet.issuing.models import IssuedCredential, StatusList
from carnet.organisations.services import create_organisation

pytestmark = pytest.mark.django_db


def test_it_issues_a_credential_that_verifies_with_the_database_resolver(issue, learner, competency):
    credential = issue()
    document = credential.document
    assert document["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert document["id"] == f"urn:uuid:{credential.uuid}"
    assert document["issuer"]["id"] == "did:web:127.0.0.1%3A8000:organisations:cje-test"
    assert document["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert document["proof"]["verificationMethod"].startswith(document["issuer"]["id"] + "#key-")
    report = verify(document, resolver=identity.resolver())
    assert report.valid, report.to_dict("en")
    assert [(c.name, c.code) for c in report.checks if c.status.value == "passed"] == [
        ("format", "format.json"), ("schema", "schema.ok"), ("contexts", "contexts.ok"), ("proof", "proof.ok"),
        ("binding", "binding.ok"), ("status", "status.ok"), ("validity", "validity.ok"),
        ("endorsements", "endorsements.none"),
    ]  # fmt: skip


def test_it_says_what_the_version_says(issue, version, competency):
    document = issue().document
    achievement = document["credentialSubject"]["achievement"]
    assert (
        achievement["id"]
        == "http://127.0.0.1:8000/organisations/cje-test/microattestations/fiabilite/v1.json"
    )
    assert achievement["name"] == "Fiabilité" and achievement["inLanguage"] == "fr-CA"
    assert achievement["criteria"]["narrative"] == "Présent et ponctuel pendant six mois."
    assert achievement["achievementType"] == "MicroCredential"
    alignment = achievement["alignment"][0]
    assert alignment["targetCode"] == competency.code and alignment["targetType"] == "ceasn:Competency"
    assert alignment["targetUrl"].endswith(f"#{competency.code}")
    assert achievement["resultDescription"][0]["requiredLevel"].endswith(f"#niveau-{competency.code}-3")


def test_it_identifies_the_learner_by_a_salted_hash_of_the_email(issue, learner):
    document = issue().document
    identifier = document["credentialSubject"]["identifier"][0]
    assert identifier["hashed"] is True and learner.email not in str(document)
    assert identity_matches(identifier, learner.email.upper())


def test_it_writes_in_the_learners_language(issue, learner):
    learner.preferred_language = "en"
    learner.save(update_fields=["preferred_language"])
    achievement = issue().document["credentialSubject"]["achievement"]
    assert achievement["name"] == "Reliability" and achievement["inLanguage"] == "en"


def test_it_ends_validity_after_the_versions_months(issue):
    credential = issue()
    issued, until = credential.issued_at, credential.valid_until
    assert (until.year, until.month, until.time()) == (issued.year + 2, issued.month, issued.time())
    assert credential.document["validUntil"].startswith(credential.valid_until.strftime("%Y-%m-%d"))


def test_it_records_the_recognised_level_as_a_result(issue, competency):
    level = competency.levels.get(rank=2)
    document = issue(level=level).document
    result = document["credentialSubject"]["result"][0]
    description = document["credentialSubject"]["achievement"]["resultDescription"][0]
    assert result["resultDescription"] == description["id"]
    assert result["achievedLevel"] in [lv["id"] for lv in description["rubricCriterionLevel"]]
    assert result["achievedLevel"].endswith(f"-{competency.code}-2")
    assert verify(document, resolver=identity.resolver()).valid


def test_it_embeds_evidence_and_signed_endorsements(issue, organisation):
    endorsement = sign(
        ob.endorsement_credential(
            issuer=identity.platform_profile(), endorsed_id="urn:uuid:00000000-0000-4000-8000-000000000001",
            valid_from=timezone.now(), name="Endossement",
            comment="Toujours là à l'heure.",
        ),
        signer().key_for(None),
    )  # fmt: skip
    credential = issue(
        evidence=[{"name": "Banque alimentaire", "narrative": "Six mois de bénévolat", "genre": ""}],
        endorsements=[endorsement],
        credential_uuid="00000000-0000-4000-8000-000000000001",
    )
    document = credential.document
    assert document["evidence"][0]["name"] == "Banque alimentaire" and "genre" not in document["evidence"][0]
    report = verify(document, resolver=identity.resolver())
    assert report.valid and report.endorsement_reports[0].valid


def test_it_records_an_audit_event(issue, org_admin):
    credential = issue(actor=org_admin)
    event = AuditEvent.objects.get(verb="credential.issued")
    assert (
        event.actor == org_admin and event.target_id == str(credential.pk) and event.data["source"] == "bulk"
    )


def test_it_emails_the_learner_in_both_languages(issue, learner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        issue()
    message = mail.outbox[-1]
    assert message.to == [learner.email] and "Fiabilité" in message.subject
    assert "Fiabilité" in message.body and "Reliability" in message.body
    assert message.from_email == "Carnet <no-reply@carnet.localhost>"


def test_no_email_leaves_before_the_commit(issue, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        issue()
    assert len(callbacks) == 1 and not mail.outbox


def test_the_same_key_gives_the_same_credential(issue):
    first = issue()
    again = issue()
    assert first.pk == again.pk and IssuedCredential.objects.count() == 1
    assert AuditEvent.objects.filter(verb="credential.issued").count() == 1


def test_a_key_that_lost_the_race_returns_the_winners_credential(issue, monkeypatch):
    winner = issue(key="race")
    real = services._already_issued
    calls = []

    def too_late(key):  # the first check runs before the other transaction commits
        calls.append(key)
        return None if len(calls) == 1 else real(key)

    monkeypatch.setattr(services, "_already_issued", too_late)
    again = issue(key="race")
    assert again.pk == winner.pk and len(calls) == 2
    assert IssuedCredential.objects.count() == 1 and StatusList.objects.get().credentials.count() == 1
    assert AuditEvent.objects.filter(verb="credential.issued").count() == 1


def test_the_same_key_for_someone_else_is_refused(issue, make_user):
    issue()
    other = make_user("other@example.test")
    with pytest.raises(services.IssuingError):
        issue(recipient=other, recipient_email=other.email)


def test_a_draft_version_is_not_issued(issue, version):
    draft = catalogue.update_micro_credential(
        micro_credential=version.micro_credential, fields={"name_fr": "Nouv."}
    )
    with pytest.raises(services.IssuingError):
        issue(version=draft)
    assert not IssuedCredential.objects.exists()


def test_an_organisation_issues_only_its_own_catalogue(issue, make_user):
    other = create_organisation(name="Autre", kind="college", admin=make_user("a@other.test"), slug="autre")
    with pytest.raises(services.IssuingError):
        issue(organisation=other)


def test_a_level_of_another_competency_is_refused(issue, competency):
    from carnet.frameworks.models import Level

    foreign = Level.objects.exclude(competency=competency).first()
    with pytest.raises(services.IssuingError):
        issue(level=foreign)


def test_a_full_status_list_gives_way_to_a_new_one(issue, monkeypatch):
    monkeypatch.setattr(services, "FILL_LIMIT", 1)
    first, second = issue(key="a"), issue(key="b")
    assert (first.status_list.number, second.status_list.number) == (1, 2)
    assert second.document["credentialStatus"]["statusListCredential"].endswith("/statuts/revocation/2")
    assert verify(second.document, resolver=identity.resolver()).valid
