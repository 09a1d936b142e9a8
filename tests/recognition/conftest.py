"""Shared pieces of the recognition journey's tests: a published micro-credential that needs one
endorsement, and requests at each step."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from carnet.catalogue import services as catalogue
from carnet.frameworks.models import Competency
from carnet.recognition import services
from carnet.recognition.models import Endorsement, EndorsementInvitation

NARRATIVE = (
    "Pendant deux saisons, j'ai entraîné l'équipe de hockey novice de mon quartier : planifier les "
    "pratiques, parler aux parents, régler les conflits entre les joueurs."
)


@pytest.fixture
def competency(db):
    return Competency.objects.filter(framework__status="published").order_by("code").first()


@pytest.fixture
def micro_credential(organisation, competency):
    item = catalogue.create_micro_credential(
        organisation=organisation,
        fields={
            "name_fr": "Travail d'équipe",
            "name_en": "Teamwork",
            "description_fr": "Contribue à l'atteinte d'objectifs communs.",
            "criteria_fr": "Coordonne le travail d'un groupe.\nRègle un désaccord de façon constructive.",
            "learning_contexts": ["sport", "volunteering"],
            "assessment_method": "endorsements",
            "endorsements_required": 1,
        },
        alignments=[(competency, competency.levels.get(rank=2))],
    )
    catalogue.publish_micro_credential(micro_credential=item)
    item.refresh_from_db()
    return item


@pytest.fixture
def draft_request(learner, micro_credential):
    return services.open_request(learner=learner, micro_credential=micro_credential)


def endorse_directly(request, name="Marie Tremblay", consent=True, **fields):
    """An endorsement as the endorser's form would record it, without signing (for tests that are not
    about signing); ``fields`` change what the endorser said or how they arrived."""
    invitation = EndorsementInvitation.objects.create(
        request=request, name=name, token_hash=f"test-{name}-{request.pk}",
        expires_at=timezone.now() + timedelta(days=30), status=EndorsementInvitation.Status.COMPLETED,
    )  # fmt: skip
    values = {
        "endorser_name": name, "relationship": "coach", "context": "Ligue de hockey novice",
        "observations": [{"criterion": "Coordonne le travail d'un groupe.", "observed": "Chaque samedi."}],
        "consent_to_be_named": consent,
    }  # fmt: skip
    return Endorsement.objects.create(invitation=invitation, **{**values, **fields})


@pytest.fixture
def ready_request(draft_request, competency):
    services.save_draft(
        request=draft_request, narrative=NARRATIVE, claimed_level=competency.levels.get(rank=2)
    )
    services.set_places(
        request=draft_request,
        places=[{"learning_context": "sport", "name": "Hockey mineur Rosemont", "role": "Entraîneur",
                 "start_date": date(2023, 9, 1), "end_date": date(2025, 4, 30)}],
    )  # fmt: skip
    endorse_directly(draft_request)
    return draft_request


@pytest.fixture
def submitted_request(ready_request):
    return services.submit_request(request=ready_request)


@pytest.fixture
def endorse():
    """``endorse(request)``: an endorsement recorded without signing."""
    return endorse_directly
