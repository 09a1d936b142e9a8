"""Background work of webhooks (Django's tasks API): one attempt at a delivery, once committed."""

from __future__ import annotations

from django.tasks import task

from carnet.webhooks import services


@task()
def deliver(delivery_id: int, unless_failing: bool = False) -> None:
    """Try the delivery if it is due (a retry enqueued with ``run_after`` comes back here too).
    ``unless_failing``: an event's first attempt, left to ``send_webhooks`` while the endpoint fails."""
    services.attempt(delivery_id=delivery_id, unless_failing=unless_failing)
