"""An imported badge's page says whether it expires and what happens next, with the words of the
platform's own credentials (site/_credential_validity.html): revoked or suspended badges are of no
effect whatever their date, and an altered one gets no sentence at all."""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from portfolio_samples import signed_badge

from carnet.portfolio.models import ImportedBadge
from carnet.portfolio.services import import_badge, set_imported_visibility

pytestmark = pytest.mark.django_db

SOON = datetime(2099, 3, 1, 17, tzinfo=UTC)  # the 1st of March in Québec too


@pytest.fixture
def badge(learner, other_key):
    import json

    found = import_badge(holder=learner, data=json.dumps(signed_badge(other_key)))
    set_imported_visibility(badge=found, visibility="link", actor=learner)
    return found


def page(badge, client=None, **changes) -> str:
    if changes:
        ImportedBadge.objects.filter(pk=badge.pk).update(**changes)
    response = (client or Client()).get(reverse("portfolio:imported_shown", args=[badge.uuid]))
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def test_a_badge_with_an_end_date_says_what_happens_after_it(badge):
    text = page(badge, valid_until=SOON)
    assert "Cette microattestation est valide jusqu'au 1 mars 2099. Ensuite, elle ne comptera plus" in text
    assert "Centre de formation Exemple la renouvelle" in text
    assert "Valide jusqu'au" not in text


def test_its_holder_is_told_to_ask_for_a_renewal(badge, learner):
    holder = Client()
    holder.force_login(learner)
    assert "Votre microattestation est valide jusqu'au 1 mars 2099" in page(badge, holder, valid_until=SOON)


def test_a_badge_without_an_end_date_says_it_does_not_expire(badge):
    assert "n'a pas de date d'expiration" in page(badge)


def test_a_badge_past_its_date_since_the_check_has_expired(badge):
    text = page(badge, valid_until=datetime.now(UTC) - timedelta(days=3))
    assert "Cette microattestation a expiré le" in text and "est valide jusqu'au" not in text


@pytest.mark.parametrize(
    ("verdict", "said"),
    [("revoked", "Sans effet : révoquée par Centre de formation Exemple (elle devait expirer le 1 mars 2099)"),
     ("suspended", "Sans effet pour l'instant : suspendue par Centre de formation Exemple")],
)  # fmt: skip
def test_a_revoked_or_suspended_badge_is_of_no_effect_whatever_its_date(badge, verdict, said):
    text = page(badge, valid_until=SOON, verdict=verdict)
    assert said in text and "est valide jusqu'au" not in text


def test_an_altered_badge_gets_no_validity_sentence(badge):
    text = page(badge, valid_until=SOON, verdict="altered")
    assert "1 mars 2099" not in text and "Validité de la microattestation" not in text
