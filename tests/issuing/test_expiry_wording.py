"""Expiry that people understand (issue #8, part 5): wherever a date is shown, the page says whether
it is the micro-credential's end of validity or a share link's, and what can be done after it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from carnet.issuing.models import IssuedCredential
from carnet.portfolio.services import create_share_link, set_visibility

pytestmark = pytest.mark.django_db


def translated(msgid: str) -> bool:
    """English tests run once the English catalogue holds the new sentences."""
    with translation.override("en"):
        return translation.gettext(msgid) != msgid


needs_english = pytest.mark.skipif(
    not translated(
        "La date d'un lien ne concerne que le lien : la microattestation garde sa propre validité."
    ),
    reason="the English translations of issue #8 are not compiled yet",
)


def page(client, url, language="fr"):
    # French pages have no language prefix; the English ones are under /en/
    response = client.get(url if language == "fr" else f"/{language}{url}")
    assert response.status_code == 200
    return " ".join(response.content.decode().split())


def expire(credential):
    IssuedCredential.objects.filter(pk=credential.pk).update(valid_until=timezone.now() - timedelta(days=3))
    credential.refresh_from_db()
    return credential


def test_the_badge_page_says_until_when_the_micro_credential_counts_and_who_renews_it(client, issue, learner):
    credential = issue()
    set_visibility(credential=credential, visibility="link", actor=learner)
    text = page(client, reverse("portfolio:badge", args=[credential.uuid]))
    assert "Cette microattestation est valide jusqu'au" in text
    assert "à moins que CJE Test la renouvelle" in text
    assert "lien de partage" not in text.split("Vérification", 1)[1].split("Ce qu'elle prouve")[0]


def test_an_expired_credential_says_it_no_longer_counts_and_what_to_do(client, issue, learner):
    credential = expire(issue())
    set_visibility(credential=credential, visibility="link", actor=learner)
    text = page(client, reverse("portfolio:badge", args=[credential.uuid]))
    assert "Authentique, mais expirée" in text
    assert "a expiré le" in text and "peut demander à CJE Test de la renouveler" in text


def test_its_holder_is_told_to_ask_the_issuer(client, issue, learner):
    credential = expire(issue())
    client.force_login(learner)
    text = page(client, reverse("portfolio:badge", args=[credential.uuid]))
    assert "Votre microattestation a expiré le" in text and "Demandez à CJE Test de la renouveler" in text
    text = page(client, reverse("issued:mine", args=[credential.uuid]))
    assert "Validité de la microattestation" in text and "Votre microattestation a expiré le" in text


def test_a_share_link_page_tells_the_two_dates_apart(client, issue, learner):
    credential = issue()
    _link, token = create_share_link(credential=credential, days=7, actor=learner)
    text = page(client, reverse("portfolio:shared", args=[token]))
    assert "Cette microattestation est valide jusqu'au" in text
    assert "Le lien de partage qui vous a mené·e ici fonctionne jusqu'au" in text
    assert "demandez à la personne qui vous l'a donné d'en créer un nouveau" in text
    assert "Cette date ne concerne que le lien, pas la microattestation." in text


def test_an_expired_share_link_says_the_credential_may_still_be_valid(client, issue, learner):
    credential = issue()
    link, token = create_share_link(credential=credential, days=7, actor=learner)
    type(link).objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(hours=1))
    response = client.get(reverse("portfolio:shared", args=[token]))
    text = " ".join(response.content.decode().split())
    assert response.status_code == 410
    assert "C'est le lien de partage qui ne fonctionne plus" in text and "peut être toujours valide" in text


def test_the_holder_sees_what_happens_when_a_link_expires(client, issue, learner):
    credential = issue()
    link, _token = create_share_link(credential=credential, days=7, actor=learner)
    client.force_login(learner)
    text = page(client, reverse("issued:mine", args=[credential.uuid]))
    assert "Ce lien de partage fonctionne jusqu'au" in text and "vous pourrez en créer un nouveau" in text
    type(link).objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(hours=1))
    text = page(client, reverse("issued:mine", args=[credential.uuid]))
    assert "Ce lien de partage a expiré le" in text and "la microattestation, elle, n'est pas touchée" in text


def test_a_credential_without_end_says_so(client, issue, learner):
    credential = issue()
    IssuedCredential.objects.filter(pk=credential.pk).update(valid_until=None)
    set_visibility(credential=credential, visibility="link", actor=learner)
    text = page(client, reverse("portfolio:badge", args=[credential.uuid]))
    assert "n'a pas de date d'expiration" in text


@needs_english
def test_in_english_the_badge_and_share_link_dates_are_told_apart(client, issue, learner):
    credential = issue()
    _link, token = create_share_link(credential=credential, days=7, actor=learner)
    text = page(client, reverse("portfolio:shared", args=[token]), language="en")
    assert "This micro-credential is valid until" in text
    assert "The share link that brought you here works until" in text


@needs_english
def test_in_english_an_expired_credential_says_who_renews_it(client, issue, learner):
    credential = expire(issue())
    set_visibility(credential=credential, visibility="link", actor=learner)
    text = page(client, reverse("portfolio:badge", args=[credential.uuid]), language="en")
    assert "This micro-credential expired on" in text and "can ask CJE Test to renew it" in text


def test_the_carnet_says_what_to_do_about_an_expired_credential(client, issue, learner):
    expire(issue())
    client.force_login(learner)
    text = page(client, reverse("portfolio:carnet"))
    assert "Expirée" in text and "Votre microattestation a expiré le" in text
    assert "Demandez à CJE Test de la renouveler" in text
