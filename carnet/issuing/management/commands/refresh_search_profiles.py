"""``carnet manage refresh_search_profiles``: remake the employers' search profiles that one of their
credentials' expiry made stale. Searches stay exact without it (they read those learners' levels
from their credentials); run it daily (cron, systemd timer) so that they stay fast."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from carnet.issuing.models import SearchProfile
from carnet.issuing.services import refresh_search_profile


class Command(BaseCommand):
    help = "Remake the search profiles past their refresh time (after a credential expired)."

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        stale = list(SearchProfile.objects.filter(refresh_at__lt=now).values_list("learner_id", flat=True))
        for learner_id in stale:
            with transaction.atomic():
                consents = (
                    get_user_model()
                    .objects.select_for_update()
                    .filter(pk=learner_id)
                    .values_list("consents_to_search", flat=True)
                    .first()
                )
                refresh_search_profile(learner_id, searchable=bool(consents), now=now)
        self.stdout.write(f"{len(stale)} search profiles remade")
