"""A learner with something of everything Carnet keeps about a person."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image

from carnet.catalogue import services as catalogue
from carnet.issuing import services as issuing
from carnet.portfolio import services as portfolio
from carnet.portfolio.models import ImportedBadge
from carnet.recognition import services as recognition
from carnet.recognition.models import Endorsement, EndorsementInvitation


def confirm_email(user, email: str | None = None):
    """``user`` confirmed ``email`` (their account's by default), as after the link of allauth."""
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=user, email=email or user.email, verified=True, primary=email is None)
    return user


@pytest.fixture
def confirm(db):
    return confirm_email


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "#0b5394").save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def version(organisation, competency):
    item = catalogue.create_micro_credential(
        organisation=organisation,
        fields={
            "name_fr": "Fiabilité", "name_en": "Reliability", "description_fr": "Tient ses engagements.",
            "criteria_fr": "Présent et ponctuel.", "learning_contexts": ["volunteering"],
            "assessment_method": "observation", "endorsements_required": 0, "validity_months": 24,
        },
        alignments=[(competency, competency.levels.get(rank=2))],
    )  # fmt: skip
    return catalogue.publish_micro_credential(micro_credential=item)


@pytest.fixture
def credential(organisation, version, learner):
    return issuing.issue_credential(
        organisation=organisation, version=version, recipient=learner, recipient_email=learner.email,
        idempotency_key="privacy-1", source="bulk",
    )  # fmt: skip


@pytest.fixture
def full_learner(learner, credential, version, competency, django_capture_on_commit_callbacks):
    """The learner with a self-assessment, a draft request with an evidence file and an endorsement,
    a share link, an imported badge and their consent to employers' searches."""
    learner.display_name = "Alex Learner"
    learner.save(update_fields=["display_name"])
    confirm_email(learner)
    recognition.save_skill_claim(
        learner=learner, competency=competency, level=None, learning_contexts=["sport"], situations=[]
    )
    request = recognition.open_request(learner=learner, micro_credential=version.micro_credential)
    evidence = recognition.add_evidence_file(
        request=request, name="photo.png", data=png_bytes(), title="Photo"
    )
    invitation = EndorsementInvitation.objects.create(
        request=request, name="Marie Tremblay", email="marie@example.test", token_hash="privacy-test",
        expires_at=timezone.now() + timedelta(days=30), status=EndorsementInvitation.Status.COMPLETED,
    )  # fmt: skip
    Endorsement.objects.create(
        invitation=invitation, endorser_name="Marie Tremblay", endorser_email="marie@example.test",
        relationship="coach", context="Ligue de hockey novice", consent_to_be_named=True,
    )  # fmt: skip
    portfolio.create_share_link(credential=credential, days=30, label="Employeur", actor=learner)
    ImportedBadge.objects.create(
        holder=learner, credential_id="urn:uuid:elsewhere", kind="ob3", source="json", original=b"{}",
        document={"id": "urn:uuid:elsewhere"}, verdict="valid", checked_at=timezone.now(), name="Ailleurs",
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        portfolio.set_search_consent(user=learner, given=True)
    learner.evidence_file = evidence.file.name  # for the tests that look for it in storage
    return learner
