"""The holder's page of an issued certificate, its two downloads, and the link from the carnet; only
the holder reaches them."""

from __future__ import annotations

import html
import json

import pytest

from carnet.credentials import verify
from carnet.issuing import identity
from carnet.stacking.models import IssuedCertificate

pytestmark = pytest.mark.django_db
CARNET = "/mon-carnet/"


@pytest.fixture
def issued(make_certificate, versions, issue, on_commit):
    a, b, *_ = versions
    make_certificate([(None, "all", 1, (a, b))])
    with on_commit():
        issue(a)
        issue(b)
    return IssuedCertificate.objects.get()


def page_of(issued) -> str:
    return f"/mes-certificats/{issued.uuid}/"


def test_the_holder_sees_the_certificate_and_what_it_bundles(issued, client, learner):
    client.force_login(learner)
    response = client.get(page_of(issued))
    assert response.status_code == 200
    text = html.unescape(response.content.decode())
    assert "Prêt·e pour l'emploi" in text and "Certificat délivré par CJE Test." in text
    assert "Fiabilité" in text and "Communication" in text
    for credential in issued.credentials.all():
        assert f"/mes-microattestations/{credential.uuid}/" in text
    assert f"{page_of(issued)}telecharger/badge/" in text and f"{page_of(issued)}telecharger/clr/" in text


@pytest.mark.parametrize(
    ("kind", "field", "name"), [("badge", "document", "certificat"), ("clr", "clr", "releve-clr")]
)
def test_the_holder_downloads_each_signed_document(issued, client, learner, kind, field, name):
    client.force_login(learner)
    response = client.get(f"{page_of(issued)}telecharger/{kind}/")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"] == f'attachment; filename="{name}-prete-pour-lemploi.json"'
    assert response["Cache-Control"] == "private, no-store"
    document = json.loads(response.content)
    assert document == getattr(issued, field)
    assert verify(response.content, resolver=identity.resolver()).valid


def test_an_unknown_download_is_404(issued, client, learner):
    client.force_login(learner)
    assert client.get(f"{page_of(issued)}telecharger/pdf/").status_code == 404


@pytest.mark.parametrize("who", ["outsider", "org_admin", "assessor", "employer"])
def test_nobody_else_sees_it(issued, client, who, request):
    client.force_login(request.getfixturevalue(who))
    assert client.get(page_of(issued)).status_code == 404
    assert client.get(f"{page_of(issued)}telecharger/badge/").status_code == 404
    assert client.get(f"{page_of(issued)}telecharger/clr/").status_code == 404


def test_anonymous_people_are_sent_to_log_in(issued, client):
    response = client.get(f"{page_of(issued)}telecharger/clr/")
    assert response.status_code == 302 and "/comptes/" in response["Location"]


def test_an_unknown_certificate_is_404(client, learner):
    client.force_login(learner)
    assert client.get("/mes-certificats/00000000-0000-0000-0000-000000000000/").status_code == 404


def test_the_carnet_links_to_it(issued, client, learner):
    client.force_login(learner)
    text = html.unescape(client.get(CARNET).content.decode())
    assert "Certificat délivré." in text and page_of(issued) in text


def test_the_carnet_keeps_an_issued_certificate_after_a_revocation(issued, client, learner, org_admin):
    from carnet.issuing import services as issuing

    for credential in issued.credentials.all():
        issuing.revoke_credential(credential=credential, reason="Erreur", actor=org_admin)
    client.force_login(learner)
    assert page_of(issued) in client.get(CARNET).content.decode()


def test_the_carnet_says_when_a_confirmation_is_awaited(
    make_certificate, versions, issue, client, learner, on_commit
):
    a, b, *_ = versions
    make_certificate([(None, "all", 1, (a, b))], issuance="confirmed")
    with on_commit():
        issue(a)
        issue(b)
    client.force_login(learner)
    text = html.unescape(client.get(CARNET).content.decode())
    assert "L'organisation confirme avant de délivrer le certificat" in text
    assert "/mes-certificats/" not in text


def test_the_carnet_of_another_person_does_not_link_to_it(issued, client, outsider):
    client.force_login(outsider)
    assert page_of(issued) not in client.get(CARNET).content.decode()
