"""Retention: what Carnet deletes once it no longer needs it, by the periods of
``settings.PRIVACY_RETENTION`` (days; 0 keeps that kind forever). Applied by ``carnet manage
apply_retention``; running it twice deletes nothing more."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from carnet.audit.services import record_event

PENDING_EXPORT_LIFETIME = timedelta(days=1)  # an archive still pending after this was cut short


def _cutoff(kind: str, now: datetime) -> datetime | None:
    days = settings.PRIVACY_RETENTION.get(kind, 0)
    return now - timedelta(days=days) if days else None


def due(now: datetime | None = None) -> dict[str, QuerySet[Any]]:
    """What each retention rule would delete now."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model

    from carnet.inbox.models import Notification
    from carnet.portfolio.models import ShareLink, ShareLinkOpening
    from carnet.privacy.models import DataExport
    from carnet.recognition.models import Endorsement, Evidence, RecognitionRequest
    from carnet.webhooks.models import Delivery

    now = now or timezone.now()
    found: dict[str, QuerySet[Any]] = {}
    if cutoff := _cutoff("drafts", now):
        found["drafts"] = RecognitionRequest.objects.filter(
            status=RecognitionRequest.Status.DRAFT, submitted_at=None, updated_at__lt=cutoff
        )
    if cutoff := _cutoff("closed_evidence", now):
        closed = (RecognitionRequest.Status.DECLINED, RecognitionRequest.Status.WITHDRAWN)
        found["closed_evidence"] = Evidence.objects.filter(
            request__status__in=closed, request__updated_at__lt=cutoff
        )
    if cutoff := _cutoff("unverified_accounts", now):
        verified = EmailAddress.objects.filter(verified=True).values("user")
        found["unverified_accounts"] = (
            get_user_model()
            .objects.filter(date_joined__lt=cutoff, last_login=None, is_staff=False, is_superuser=False)
            .exclude(pk__in=verified)
            .exclude(memberships__isnull=False)
            .exclude(issued_credentials__isnull=False)
        )
    if cutoff := _cutoff("share_links", now):
        found["share_links"] = ShareLink.objects.filter(Q(withdrawn_at__lt=cutoff) | Q(expires_at__lt=cutoff))
    if cutoff := _cutoff("link_openings", now):
        found["link_openings"] = ShareLinkOpening.objects.filter(opened_at__lt=cutoff)
    if cutoff := _cutoff("notifications", now):
        found["notifications"] = Notification.objects.filter(read_at__lt=cutoff)
    if cutoff := _cutoff("webhook_deliveries", now):
        found["webhook_deliveries"] = Delivery.objects.filter(
            state__in=(Delivery.State.DELIVERED, Delivery.State.FAILED), created_at__lt=cutoff
        )
    if cutoff := _cutoff("collusion_signals", now):
        # Cleared, not deleted: the endorsement and the request stay, without the hashes.
        found["endorsement_signals"] = Endorsement.objects.filter(created_at__lt=cutoff).exclude(
            ip_hash="", device_hash=""
        )
        found["request_signals"] = RecognitionRequest.objects.filter(
            Q(signals_updated_at__lt=cutoff) | Q(signals_updated_at__isnull=True, updated_at__lt=cutoff)
        ).exclude(learner_signals={})
    found["exports"] = DataExport.objects.filter(
        Q(expires_at__lt=now)
        | Q(state=DataExport.State.FAILED)
        | Q(state=DataExport.State.PENDING, created_at__lt=now - PENDING_EXPORT_LIFETIME)
    )
    return found


def apply_retention(*, dry_run: bool = False, now: datetime | None = None) -> dict[str, int]:
    """Delete what is due (count it only, with ``dry_run``); one audit event tells what went."""
    from carnet.privacy.services import _delete_files, delete_account
    from carnet.recognition.models import Evidence

    found = due(now)
    counts = {kind: rows.count() for kind, rows in found.items()}
    if dry_run or not any(counts.values()):
        return counts
    # Nobody confirmed these addresses: delete_account takes only what hangs off the account, never
    # what others wrote under the same email (a credential issued to it stays its owner's).
    for user in list(found.pop("unverified_accounts", [])):
        delete_account(user=user)
    with transaction.atomic():
        files: list[str] = []
        for kind, rows in found.items():
            if kind == "drafts":
                files += (
                    Evidence.objects.filter(request__in=rows).exclude(file="").values_list("file", flat=True)
                )
            elif kind in ("closed_evidence", "exports"):
                files += rows.exclude(file="").values_list("file", flat=True)
            if kind == "endorsement_signals":
                rows.update(ip_hash="", device_hash="")
            elif kind == "request_signals":
                rows.update(learner_signals={})  # updated_at stays: auto_now is not applied by update()
            else:
                rows.delete()
        record_event(verb="privacy.retention_applied", data={k: v for k, v in counts.items() if v})
        transaction.on_commit(lambda: _delete_files(files))
    return counts
