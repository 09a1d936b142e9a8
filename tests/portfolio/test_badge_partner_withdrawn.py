"""Issue #8: an endorsement a partner gave, then withdrawn by the organisation, stays signed inside
the credentials issued before: their badge page says it was withdrawn rather than hiding a part of
the signed document or presenting it as current."""

from __future__ import annotations

import pytest

from carnet.catalogue import services as catalogue
from carnet.issuing import services as issuing

pytestmark = pytest.mark.django_db


@pytest.fixture
def item(organisation, competency):
    created = catalogue.create_micro_credential(
        organisation=organisation,
        fields={"name_fr": "Service à la clientèle", "name_en": "Customer service",
                "description_fr": "Accueille la clientèle.", "criteria_fr": "Trois mois en poste.",
                "learning_contexts": ["work"], "assessment_method": "observation", "endorsements_required": 0},
        alignments=[(competency, competency.levels.get(rank=2))],
    )  # fmt: skip
    catalogue.publish_micro_credential(micro_credential=created)
    created.refresh_from_db()
    return created


def _endorsed(item, org_admin, name):
    request, _token = catalogue.invite_partner(
        version=item.current_version(), actor=org_admin,
        fields={"partner_name": name, "partner_kind": "employer", "contact_name": "Ana",
                "contact_email": f"ana@{name.lower().replace(' ', '')}.test", "message": ""},
    )  # fmt: skip
    return catalogue.endorse_definition(
        request=request, endorser_name="Ana", endorser_role="", comment="Oui."
    )


def _issue(item, learner, key):
    return issuing.issue_credential(
        organisation=item.organisation, version=item.current_version(), recipient=learner,
        recipient_email=learner.email, idempotency_key=key, source="api",
    )  # fmt: skip


def test_a_withdrawn_endorsement_carried_by_a_credential_is_said_withdrawn(client, item, org_admin, learner):
    kept = _endorsed(item, org_admin, "Usine Nord")
    gone = _endorsed(item, org_admin, "Usine Sud")
    before = _issue(item, learner, "before")
    catalogue.withdraw_partner_endorsement(endorsement=gone, actor=org_admin)
    after = _issue(item, learner, "after")
    client.force_login(learner)
    page = client.get(f"/badges/{before.uuid}/").content.decode()
    assert "Usine Nord" in page and "Usine Sud" in page and "Retiré le" in page
    page = client.get(f"/badges/{after.uuid}/").content.decode()
    assert "Usine Nord" in page and "Usine Sud" not in page and "Retiré le" not in page
    assert kept.status == "endorsed"
