"""Issue #8: bulk issuance carries the partner endorsements of the definition (a file of its own, beside
test_bulk_batch.py)."""

from __future__ import annotations

import pytest

from carnet.issuing import bulk

pytestmark = pytest.mark.django_db


def rows_of(*emails):
    return [{"email": email} for email in emails]


def test_a_job_carries_the_partner_endorsements_read_once_a_chunk(
    organisation, version, org_admin, settings, monkeypatch
):
    """Issue #8: every credential of a bulk job carries the definition's partner endorsements; they are
    read once a chunk (with the Achievement), not once per credential."""
    from carnet.catalogue import services as catalogue
    from carnet.issuing import achievements

    request, _token = catalogue.invite_partner(
        version=version, actor=org_admin,
        fields={"partner_name": "Usine Nord", "partner_kind": "employer", "contact_name": "Ana",
                "contact_email": "ana@nord.test", "message": ""},
    )  # fmt: skip
    endorsed = catalogue.endorse_definition(
        request=request, endorser_name="Ana", endorser_role="", comment="Oui."
    )
    reads = []
    original = achievements.partner_endorsements
    monkeypatch.setattr(achievements, "partner_endorsements", lambda v: reads.append(v.pk) or original(v))
    settings.ISSUANCE_CHUNK = 2
    job = bulk.create_issuance_job(
        organisation=organisation, version=version, rows=rows_of("a@x.org", "b@x.org", "c@x.org", "d@x.org")
    )
    job = bulk.run_issuance_job(job.pk)
    assert job.issued == 4
    for row in job.rows.select_related("credential"):
        assert row.credential.document["credentialSubject"]["achievement"]["endorsement"] == [
            endorsed.document
        ]
    assert reads == [version.pk, version.pk]  # two chunks of two


def test_an_endorsement_withdrawn_during_a_job_is_not_in_the_chunks_after(
    organisation, version, org_admin, settings, monkeypatch
):
    from carnet.catalogue import services as catalogue
    from carnet.issuing import batch

    request, _token = catalogue.invite_partner(
        version=version, actor=org_admin,
        fields={"partner_name": "Usine Nord", "partner_kind": "employer", "contact_name": "Ana",
                "contact_email": "ana@nord.test", "message": ""},
    )  # fmt: skip
    endorsed = catalogue.endorse_definition(
        request=request, endorser_name="Ana", endorser_role="", comment="Oui."
    )
    settings.ISSUANCE_CHUNK = 2
    real, chunks = batch._issue_rows, []

    def withdrawn_after_the_first_chunk(job, rows, memo):
        real(job, rows, memo)
        chunks.append(len(rows))
        if len(chunks) == 1:
            catalogue.withdraw_partner_endorsement(endorsement=endorsed, actor=org_admin)

    monkeypatch.setattr(batch, "_issue_rows", withdrawn_after_the_first_chunk)
    job = bulk.create_issuance_job(
        organisation=organisation, version=version, rows=rows_of("a@x.org", "b@x.org", "c@x.org", "d@x.org")
    )
    job = bulk.run_issuance_job(job.pk)
    carried = [
        bool(row.credential.document["credentialSubject"]["achievement"].get("endorsement"))
        for row in job.rows.order_by("number").select_related("credential")
    ]
    assert carried == [True, True, False, False]
