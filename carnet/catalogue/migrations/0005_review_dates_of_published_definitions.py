"""Give a review date to the micro-credentials published before the yearly review existed (0004 added
``review_due`` empty, and only a first publication sets it): a year after their latest publication,
as if the review had been there from the start; when that falls less than 30 days away (or is
past), 30 days from the migration instead, so that admins get one reminder with time to act rather
than a catalogue flagged "review overdue" all at once. Going back leaves the dates (nothing to undo: 0004 removes the field)."""

import datetime

from django.db import migrations
from django.db.models import Max
from django.utils import timezone

YEAR = datetime.timedelta(days=365)  # carnet.catalogue.services.REVIEW_INTERVAL
GRACE = datetime.timedelta(days=30)


def set_review_dates(apps, schema_editor):
    MicroCredential = apps.get_model("catalogue", "MicroCredential")
    today = timezone.localdate()
    pending = (
        MicroCredential.objects.filter(status="published", review_due__isnull=True)
        .annotate(last_published=Max("versions__published_at"))
        .order_by("pk")
    )
    for item in pending.iterator():
        due = today + GRACE
        if item.last_published is not None:
            due = max(timezone.localtime(item.last_published).date() + YEAR, due)
        MicroCredential.objects.filter(pk=item.pk).update(review_due=due)


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0004_quality_attributes_and_review")]

    operations = [migrations.RunPython(set_review_dates, migrations.RunPython.noop)]
