"""The badge page kept for visitors without an account (carnet/portfolio/pagecache.py): it is served
again while nothing it shows has changed, and drawn anew at once when something has — a revocation,
a suspension, an expiry, a change of visibility or of a name. A signed-in visitor, a machine asking
for JSON and a share link never get a kept page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from carnet.issuing import services as issuing
from carnet.issuing.models import IssuedCredential
from carnet.portfolio import pagecache
from carnet.portfolio.services import set_visibility

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def shared(issue, learner):
    credential = issue()
    set_visibility(credential=credential, visibility="public", actor=learner)
    return credential


def url(credential):
    return reverse("portfolio:badge", args=[credential.uuid])


def without_survey(content: bytes) -> bytes:
    """The page without the employer survey, which is each visitor's own."""
    start, end = (
        content.find(b'<section class="survey"'),
        content.find(b"</section>", content.find(b'id="survey"')),
    )
    return content if start < 0 else content[:start] + content[end:]


def kept_pages() -> int:
    return sum(1 for key in cache._cache if "badge-page:" in key)  # type: ignore[attr-defined]


def test_a_visitor_gets_the_page_drawn_once(client, shared, django_assert_max_num_queries):
    first = client.get(url(shared))
    assert first.status_code == 200 and kept_pages() == 1
    # the key; and the verification counted (carnet.insights): its insert, in a savepoint here
    with django_assert_max_num_queries(1 + 3):
        again = client.get(url(shared))
    assert again.status_code == 200 and without_survey(again.content) == without_survey(first.content)
    assert again["Cache-Control"] == "private, no-cache" and again["Vary"] == first["Vary"]
    assert again["Content-Type"] == first["Content-Type"]


def test_a_revocation_shows_at_once(client, shared, org_admin):
    assert "Authentique et valide" in client.get(url(shared)).content.decode()
    issuing.revoke_credential(credential=shared, reason="Erreur", actor=org_admin)
    assert "Révoquée" in client.get(url(shared)).content.decode()


def test_a_suspension_and_its_end_show_at_once(client, shared, org_admin):
    client.get(url(shared))
    issuing.suspend_credential(credential=shared, reason="Vérification", actor=org_admin)
    assert "suspendue" in client.get(url(shared)).content.decode()
    issuing.reinstate_credential(credential=shared, actor=org_admin)
    assert "Authentique et valide" in client.get(url(shared)).content.decode()


def test_an_expiry_shows_at_once(client, shared):
    IssuedCredential.objects.filter(pk=shared.pk).update(valid_until=timezone.now() + timedelta(seconds=1))
    client.get(url(shared))
    IssuedCredential.objects.filter(pk=shared.pk).update(valid_until=F("valid_until") - timedelta(days=1))
    assert "expirée" in client.get(url(shared)).content.decode()


def test_made_private_it_is_gone_at_once(client, shared, learner):
    client.get(url(shared))
    set_visibility(credential=shared, visibility="private", actor=learner)
    assert client.get(url(shared)).status_code == 404


def test_a_new_name_shows_at_once(client, shared, learner):
    client.get(url(shared))
    learner.display_name = "Alex Nouveau-Nom"
    learner.save(update_fields=["display_name"])
    assert "Alex Nouveau-Nom" in client.get(url(shared)).content.decode()


def test_each_language_has_its_page(client, shared):
    french, english = client.get(url(shared)), client.get("/en" + url(shared))
    assert 'lang="fr' in french.content.decode() and 'lang="en"' in english.content.decode()
    assert kept_pages() == 2


def test_a_signed_in_visitor_gets_their_own_page(client, shared, outsider):
    client.get(url(shared))
    client.force_login(outsider)
    page = client.get(url(shared)).content.decode()
    assert str(outsider) in page and "Se déconnecter" in page


def test_the_holder_gets_their_own_page(client, shared, learner):
    client.force_login(learner)
    client.get(url(shared))
    assert kept_pages() == 0


def test_a_machine_gets_the_credential_not_the_page(client, shared):
    client.get(url(shared))
    response = client.get(url(shared), HTTP_ACCEPT="application/vc+ld+json")
    assert response["Content-Type"].startswith("application/vc+ld+json")


def test_a_private_credential_is_never_kept(client, issue):
    credential = issue()
    assert client.get(url(credential)).status_code == 404
    assert kept_pages() == 0 and pagecache.key_for(credential.uuid) is None


def test_a_share_link_is_never_kept(client, issue, learner):
    from carnet.portfolio.services import create_share_link

    credential = issue()
    link, token = create_share_link(credential=credential, days=7, actor=learner)
    client.get(reverse("portfolio:shared", args=[token]))
    client.get(reverse("portfolio:shared", args=[token]))
    assert kept_pages() == 0 and link.openings.count() == 2
