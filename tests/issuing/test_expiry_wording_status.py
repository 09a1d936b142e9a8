"""The expiry sentence follows the credential's state: a revoked or suspended micro-credential is of
no effect whatever its date, so no page calls it valid nor suggests renewing it; a document whose
signature fails gets no validity sentence at all."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from carnet.issuing import services as issuing
from carnet.issuing.models import IssuedCredential
from carnet.portfolio.services import set_visibility

pytestmark = pytest.mark.django_db

ACTIVE_WORDS = ("est valide jusqu'au", "renouvel", "reste valide tant que")


def text(response) -> str:
    assert response.status_code == 200
    return " ".join(response.content.decode().replace("&#x27;", "'").split())


def pages(client, credential, learner, org_admin) -> dict[str, str]:
    """The badge page, the holder's page, the issuer's page and the verification result."""
    seen = {"badge": text(client.get(reverse("portfolio:badge", args=[credential.uuid])))}
    client.force_login(learner)
    seen["holder"] = text(client.get(reverse("issued:mine", args=[credential.uuid])))
    client.force_login(org_admin)
    url = reverse("issued:credential", args=[credential.organisation.slug, credential.uuid])
    seen["issuer"] = text(client.get(url))
    client.logout()
    pasted = client.post("/verifier/", {"mode": "coller", "credential": json.dumps(credential.document)})
    seen["verification"] = text(pasted)
    return seen


@pytest.fixture
def shared(issue, learner):
    credential = issue()
    set_visibility(credential=credential, visibility="link", actor=learner)
    return credential


def test_a_revoked_credential_is_said_of_no_effect_everywhere(client, shared, learner, org_admin):
    issuing.revoke_credential(credential=shared, reason="Erreur", actor=org_admin)
    for name, page in pages(client, shared, learner, org_admin).items():
        assert "Sans effet : révoquée par CJE Test (elle devait expirer le" in page, name
        assert not [words for words in ACTIVE_WORDS if words in page], name


def test_a_revoked_credential_without_end_is_not_said_to_stay_valid(client, shared, learner, org_admin):
    IssuedCredential.objects.filter(pk=shared.pk).update(valid_until=None)
    issuing.revoke_credential(credential=shared, reason="Erreur", actor=org_admin)
    for name in ("badge", "holder", "issuer"):
        page = pages(client, shared, learner, org_admin)[name]
        assert "Sans effet : révoquée par CJE Test." in page, name
        assert "reste valide" not in page, name


def test_a_suspended_credential_is_said_of_no_effect_for_now_everywhere(client, shared, learner, org_admin):
    issuing.suspend_credential(credential=shared, reason="Vérification", actor=org_admin)
    for name, page in pages(client, shared, learner, org_admin).items():
        assert "Sans effet pour l'instant : suspendue par CJE Test (sa date d'expiration est le" in page, name
        assert not [words for words in ACTIVE_WORDS if words in page], name


def test_an_altered_document_gets_no_validity_sentence(client, shared, learner):
    shared.document["credentialSubject"]["achievement"]["name"] = "Autre chose"
    shared.save(update_fields=["document"])
    badge = text(client.get(reverse("portfolio:badge", args=[shared.uuid])))
    assert "Invalide" in badge
    assert "Cette microattestation est valide jusqu'au" not in badge and "renouvel" not in badge
    pasted = client.post("/verifier/", {"mode": "coller", "credential": json.dumps(shared.document)})
    page = text(pasted)
    assert "modifiée après sa signature" in page
    assert "Validité de la microattestation" not in page and "valide jusqu'au" not in page


def test_an_active_credential_still_says_until_when(client, shared, learner, org_admin):
    for name, page in pages(client, shared, learner, org_admin).items():
        assert "valide jusqu'au" in page, name
        assert "Sans effet" not in page, name
