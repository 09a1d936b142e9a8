"""Webhooks: an organisation's endpoints (added, secret rotated, turned off, removed), the events
the other apps emit, and their deliveries, sent once committed and retried with backoff.

The other apps call :func:`emit` inside their own transaction: if it rolls back, nothing is sent.
Each delivery is then tried once right after commit (the task :func:`~carnet.webhooks.tasks.deliver`);
a failed one is tried again when due: by the task itself when the tasks backend can defer, and in any
case by ``carnet manage send_webhooks`` (run it every minute), which sends every due delivery.
Several senders may run at once: each takes a delivery with a conditional update (a lease), so one
attempt is made by one of them only.

A receiver that is down costs little: while an endpoint has a delivery waiting for its retry, the
first attempt of a new event is left to ``send_webhooks`` rather than made in the request that made
the change, and ``send_webhooks`` stops calling an endpoint for the rest of its run once it did not
answer at all.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.tasks import default_task_backend
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from carnet.audit.services import record_event
from carnet.issuing.identity import absolute, organisation_did
from carnet.organisations.models import Membership, Organisation
from carnet.site.mail import languages_for, send_templated
from carnet.webhooks import sending
from carnet.webhooks.models import PING, Delivery, Endpoint, Event

# Wait after the 1st, 2nd... failed attempt; after the last one the delivery is given up (8 attempts).
BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
JITTER = 0.1  # each wait is drawn within ±10 % of the schedule, so retries of many events spread out
LEASE = timedelta(minutes=2)  # a sender's hold on the delivery it is trying (more than the timeout)
DISABLE_AFTER = 5  # deliveries in a row given up: the endpoint is turned off and the admins told
MAX_ENDPOINTS = 10  # per organisation
SECRET_GRACE = timedelta(hours=24)  # how long a replaced secret still signs


class WebhookError(Exception):
    """A change refused, with a message for the person who asked it."""


def disable_after() -> int:
    return int(getattr(settings, "WEBHOOKS_DISABLE_AFTER", DISABLE_AFTER))


# -- endpoints -------------------------------------------------------------------------------------


def _events(events: list[str]) -> list[str]:
    chosen = [value for value in Event.values if value in events]
    if not chosen or len(chosen) != len(set(events)):
        raise WebhookError(_("Choisissez au moins un des évènements proposés."))
    return chosen


@transaction.atomic
def create_endpoint(*, organisation: Organisation, url: str, events: list[str], actor: Any) -> Endpoint:
    """A new endpoint of ``organisation``, with its own signing secret. The address must be one
    Carnet calls (:func:`carnet.webhooks.sending.check_address`: the form checks it first)."""
    url = url.strip()
    sending.check_address(url)
    Organisation.objects.select_for_update().filter(pk=organisation.pk).first()  # counting under a lock
    if Endpoint.objects.filter(organisation=organisation).count() >= MAX_ENDPOINTS:
        raise WebhookError(
            _("Un organisme a au plus %(count)s webhooks : retirez-en un avant d'en ajouter un autre.")
            % {"count": MAX_ENDPOINTS}
        )
    endpoint = Endpoint.objects.create(
        organisation=organisation, url=url, events=_events(events), secret=sending.new_secret(),
        created_by=actor,
    )  # fmt: skip
    record_event(verb="webhook_endpoint.created", actor=actor, organisation=organisation, target=endpoint,
                 data={"url": url[:200], "events": endpoint.events})  # fmt: skip
    return endpoint


@transaction.atomic
def rotate_secret(*, endpoint: Endpoint, actor: Any) -> Endpoint:
    """A new secret signs from now on; the old one signs too for :data:`SECRET_GRACE` (each message
    then carries both signatures), while the receiver is updated."""
    endpoint.previous_secret, endpoint.secret = endpoint.secret, sending.new_secret()
    endpoint.previous_secret_until = timezone.now() + SECRET_GRACE
    endpoint.save(update_fields=["sealed_secret", "sealed_previous_secret", "previous_secret_until"])
    record_event(verb="webhook_endpoint.secret_rotated", actor=actor, organisation=endpoint.organisation,
                 target=endpoint)  # fmt: skip
    return endpoint


@transaction.atomic
def set_active(*, endpoint: Endpoint, active: bool, actor: Any) -> Endpoint:
    """Turn the endpoint off (nothing more is sent to it) or on again (its failures forgotten; what
    was pending and is due goes out with the next sending)."""
    endpoint.active = active
    if active:
        endpoint.consecutive_failures, endpoint.disabled_at = 0, None
    endpoint.save(update_fields=["active", "consecutive_failures", "disabled_at"])
    record_event(verb="webhook_endpoint.activated" if active else "webhook_endpoint.deactivated",
                 actor=actor, organisation=endpoint.organisation, target=endpoint)  # fmt: skip
    return endpoint


@transaction.atomic
def remove_endpoint(*, endpoint: Endpoint, actor: Any) -> None:
    """The endpoint and its deliveries go; the audit trail keeps its address."""
    record_event(verb="webhook_endpoint.removed", actor=actor, organisation=endpoint.organisation,
                 target=endpoint, data={"url": endpoint.url[:200]})  # fmt: skip
    endpoint.delete()


@transaction.atomic
def set_events(*, endpoint: Endpoint, events: list[str], actor: Any) -> Endpoint:
    """Subscribe the endpoint to ``events`` (values of :class:`Event`) instead of those it had."""
    chosen = _events(events)
    if chosen != endpoint.events:
        endpoint.events = chosen
        endpoint.save(update_fields=["events"])
        record_event(verb="webhook_endpoint.events_changed", actor=actor, organisation=endpoint.organisation,
                     target=endpoint, data={"events": chosen})  # fmt: skip
    return endpoint


def reveal_secret(endpoint: Endpoint) -> str:
    """The endpoint's current signing secret, to show to its organisation (once, when an API call
    creates it; on the admins' page)."""
    return endpoint.secret


def delivery_error(delivery: Delivery) -> str:
    """What went wrong at the delivery's last attempt, in the reader's language ("" if nothing did)."""
    return delivery.error_message()


# -- events ------------------------------------------------------------------------------------------


def _payload(
    organisation: Organisation, event: str, event_id: uuid.UUID, data: Mapping[str, Any]
) -> dict[str, Any]:
    return {
        "id": str(event_id),
        "type": event,
        "created": timezone.now().isoformat(timespec="seconds").replace("+00:00", "Z"),
        "organisation": {"id": organisation_did(organisation), "slug": organisation.slug,
                         "name": organisation.name},
        "data": dict(data),
    }  # fmt: skip


def _queue(deliveries: list[Delivery], *, unless_failing: bool = False) -> None:
    ids = [delivery.pk for delivery in deliveries]
    if ids:
        transaction.on_commit(lambda: _enqueue(ids, unless_failing=unless_failing))


def _enqueue(ids: list[int], run_after: datetime | None = None, *, unless_failing: bool = False) -> None:
    from carnet.webhooks.tasks import deliver

    task = deliver.using(run_after=run_after) if run_after is not None else deliver
    for delivery_id in ids:
        task.enqueue(delivery_id, unless_failing)


def emit(*, organisation: Organisation, event: str, data: Mapping[str, Any]) -> list[Delivery]:
    """Announce ``event`` (a value of :class:`Event`) with ``data`` to the active endpoints of
    ``organisation`` that subscribed to it. Call it inside the transaction that made the change: the
    deliveries are saved with it and sent once it commits (none if it rolls back)."""
    return emit_many(organisation=organisation, event=event, data=[data])


def emit_many(*, organisation: Organisation, event: str, data: Iterable[Mapping[str, Any]]) -> list[Delivery]:
    """:func:`emit` of one event per item of ``data`` (bulk issuance): the same deliveries, the
    endpoints read once and the deliveries saved in one insert (``data`` is read only if an
    endpoint wants the event)."""
    if event not in Event.values:
        raise ValueError(f"unknown webhook event {event!r}")
    endpoints = [e for e in Endpoint.objects.filter(organisation=organisation, active=True) if e.wants(event)]
    if not endpoints:
        return []
    now = timezone.now()
    pending = []
    for item in data:
        event_id = uuid.uuid4()
        payload = _payload(organisation, event, event_id, item)
        pending += [
            Delivery(
                endpoint=endpoint, event_type=event, event_id=event_id, payload=payload, next_attempt_at=now
            )
            for endpoint in endpoints
        ]
    deliveries = Delivery.objects.bulk_create(pending)
    _queue(deliveries, unless_failing=True)
    return deliveries


@transaction.atomic
def send_ping(*, endpoint: Endpoint) -> Delivery:
    """A ``ping`` event to this endpoint alone, to check it receives and verifies what Carnet sends."""
    event_id = uuid.uuid4()
    delivery = Delivery.objects.create(
        endpoint=endpoint, event_type=PING, event_id=event_id, next_attempt_at=timezone.now(),
        payload=_payload(endpoint.organisation, PING, event_id, {}),
    )  # fmt: skip
    _queue([delivery])
    return delivery


@transaction.atomic
def send_again(*, delivery: Delivery) -> Delivery:
    """The same event (same ``webhook-id`` and body, so a receiver can tell it already has it), as a
    new delivery with its own attempts."""
    again = Delivery.objects.create(
        endpoint=delivery.endpoint, event_type=delivery.event_type, event_id=delivery.event_id,
        payload=delivery.payload, next_attempt_at=timezone.now(),
    )  # fmt: skip
    _queue([again])
    return again


# -- deliveries ------------------------------------------------------------------------------------


def body_of(delivery: Delivery) -> bytes:
    return json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":")).encode()


def backoff(attempts: int, *, rng: random.Random | None = None) -> timedelta:
    """The wait after the ``attempts``-th failed attempt, within ±``JITTER`` of :data:`BACKOFF`."""
    base = BACKOFF[min(attempts, len(BACKOFF)) - 1]
    return base * (1 + (rng or random).uniform(-JITTER, JITTER))  # spreading retries, not secrecy


def _claim(delivery_id: int, now: datetime) -> bool:
    """Take the delivery for one attempt if it is due and nobody holds it: one conditional update,
    so of several senders exactly one wins."""
    return bool(
        Delivery.objects.filter(
            pk=delivery_id, state=Delivery.State.PENDING, next_attempt_at__lte=now, endpoint__active=True
        ).update(next_attempt_at=now + LEASE)
    )


def _failing(delivery_id: int) -> bool:
    """Whether another delivery of the same endpoint waits for a retry: the endpoint is failing."""
    endpoint_id = Delivery.objects.filter(pk=delivery_id).values("endpoint_id")
    return (
        Delivery.objects.filter(endpoint_id__in=endpoint_id, state=Delivery.State.PENDING, attempts__gt=0)
        .exclude(pk=delivery_id)
        .exists()
    )


def attempt(
    *, delivery_id: int, now: datetime | None = None, unless_failing: bool = False
) -> Delivery | None:
    """One attempt at a due delivery, outside any transaction (the call may take the whole timeout).
    None when it is not due, already taken by another sender, or no longer pending. With
    ``unless_failing``, a first attempt is not made while the endpoint is failing (the delivery stays
    due for ``send_webhooks``): a change made in a request does not wait on a receiver that is down."""
    now = now or timezone.now()
    if unless_failing and _failing(delivery_id):
        return None
    if not _claim(delivery_id, now):
        return None
    delivery = Delivery.objects.select_related("endpoint").get(pk=delivery_id)
    body = body_of(delivery)
    answer = sending.post(
        delivery.endpoint.url,
        body,
        sending.headers(delivery.endpoint.secrets_at(now), str(delivery.event_id), int(time.time()), body),
    )
    return _record(delivery, answer, now)


@transaction.atomic
def _record(delivery: Delivery, answer: sending.Answer, now: datetime) -> Delivery:
    delivery.attempts += 1
    delivery.last_status, delivery.last_error = answer.status, ""
    delivery.last_error_code, delivery.last_error_details = answer.code, answer.details
    endpoint = delivery.endpoint
    if answer.ok:
        delivery.state, delivery.delivered_at, delivery.next_attempt_at = Delivery.State.DELIVERED, now, None
        Endpoint.objects.filter(pk=endpoint.pk).update(consecutive_failures=0)
    elif delivery.attempts >= MAX_ATTEMPTS:
        delivery.state, delivery.next_attempt_at = Delivery.State.FAILED, None
        if delivery.event_type != PING:
            _count_failure(endpoint, now)
    else:
        delivery.next_attempt_at = now + backoff(delivery.attempts)
        if getattr(default_task_backend, "supports_defer", False):
            ids, when = [delivery.pk], delivery.next_attempt_at
            transaction.on_commit(lambda: _enqueue(ids, when))
    delivery.save(update_fields=["attempts", "last_status", "last_error", "last_error_code",
                                 "last_error_details", "state", "delivered_at", "next_attempt_at"])  # fmt: skip
    return delivery


def _count_failure(endpoint: Endpoint, now: datetime) -> None:
    """One more delivery given up; at :func:`disable_after` in a row the endpoint is turned off."""
    Endpoint.objects.filter(pk=endpoint.pk).update(consecutive_failures=F("consecutive_failures") + 1)
    locked = Endpoint.objects.select_for_update().select_related("organisation").get(pk=endpoint.pk)
    if not locked.active or locked.consecutive_failures < disable_after():
        return
    locked.active, locked.disabled_at = False, now
    locked.save(update_fields=["active", "disabled_at"])
    record_event(verb="webhook_endpoint.disabled", organisation=locked.organisation, target=locked,
                 data={"url": locked.url[:200], "failures": locked.consecutive_failures})  # fmt: skip
    transaction.on_commit(lambda: _tell_admins(locked))


def _tell_admins(endpoint: Endpoint) -> None:
    admins = Membership.objects.filter(
        organisation=endpoint.organisation, role=Membership.Role.ADMIN
    ).select_related("user")
    link = absolute(reverse("webhooks:endpoint", args=[endpoint.organisation.slug, endpoint.pk]))
    for membership in admins:
        send_templated(
            "webhooks/email/disabled",
            membership.user.email,
            {"endpoint": endpoint, "organisation": endpoint.organisation, "link": link,
             "failures": endpoint.consecutive_failures},
            languages=languages_for(getattr(membership.user, "preferred_language", None)),
        )  # fmt: skip


def send_due(*, now: datetime | None = None, limit: int = 500) -> dict[str, int]:
    """Try every delivery due at ``now`` (at most ``limit``): what ``send_webhooks`` runs. Returns
    how many were delivered, will be retried, were given up, or were left for the next run: taken by
    another sender, or of an endpoint that did not answer at all earlier in this run (one timeout per
    endpoint and run, not one per delivery)."""
    explicit = now is not None  # tests pass the moment; a real run reads the clock at each attempt
    now = now or timezone.now()
    due = list(
        Delivery.objects.filter(state=Delivery.State.PENDING, next_attempt_at__lte=now, endpoint__active=True)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", "endpoint_id")[:limit]
    )
    counts = {"delivered": 0, "retry": 0, "failed": 0, "skipped": 0}
    unanswered: set[int] = set()
    for delivery_id, endpoint_id in due:
        # A run may last longer than a claim's lease: each attempt claims, and schedules its retry,
        # from the moment it is made, not from the start of the run.
        moment = now if explicit else None
        done = None if endpoint_id in unanswered else attempt(delivery_id=delivery_id, now=moment)
        if done is not None and done.state != Delivery.State.DELIVERED and done.last_status is None:
            unanswered.add(endpoint_id)
        if done is None:
            counts["skipped"] += 1
        elif done.state == Delivery.State.DELIVERED:
            counts["delivered"] += 1
        elif done.state == Delivery.State.FAILED:
            counts["failed"] += 1
        else:
            counts["retry"] += 1
    return counts
