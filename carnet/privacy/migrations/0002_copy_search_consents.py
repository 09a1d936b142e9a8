"""The consents to employers' searches recorded before carnet.privacy (portfolio.SearchConsent) join
the person's consent records, with their dates, so that each person sees their whole history."""

from django.db import migrations


def copy(apps, schema_editor):
    SearchConsent = apps.get_model("portfolio", "SearchConsent")
    ConsentRecord = apps.get_model("privacy", "ConsentRecord")
    for consent in SearchConsent.objects.order_by("created_at", "pk").iterator():
        record = ConsentRecord.objects.create(
            user_id=consent.user_id, purpose="search", given=consent.given, text_version="avant-2026-12",
            source="portfolio:settings",
        )
        ConsentRecord.objects.filter(pk=record.pk).update(created_at=consent.created_at)


class Migration(migrations.Migration):
    dependencies = [
        ("privacy", "0001_initial"),
        ("portfolio", "0006_imported_badge_added_by_client"),
    ]

    operations = [migrations.RunPython(copy, migrations.RunPython.noop)]
