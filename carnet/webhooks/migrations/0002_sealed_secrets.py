"""The endpoints' signing secrets sealed at rest with the key-encryption key (and opened again by
the reverse migration). Each endpoint gets a uuid first: the sealed secret is bound to it."""

import uuid

from django.db import migrations, models

from carnet.webhooks.models import open_secret, seal_secret


def seal(apps, schema_editor):
    Endpoint = apps.get_model("webhooks", "Endpoint")
    for endpoint in Endpoint.objects.all():
        endpoint.uuid = endpoint.uuid or uuid.uuid4()
        endpoint.sealed_secret = seal_secret(endpoint.secret, endpoint.uuid)
        endpoint.sealed_previous_secret = seal_secret(endpoint.previous_secret, endpoint.uuid)
        endpoint.save(update_fields=["uuid", "sealed_secret", "sealed_previous_secret"])


def unseal(apps, schema_editor):
    Endpoint = apps.get_model("webhooks", "Endpoint")
    for endpoint in Endpoint.objects.all():
        endpoint.secret = open_secret(endpoint.sealed_secret, endpoint.uuid)
        endpoint.previous_secret = open_secret(endpoint.sealed_previous_secret, endpoint.uuid)
        endpoint.save(update_fields=["secret", "previous_secret"])


class Migration(migrations.Migration):
    dependencies = [
        ("webhooks", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="endpoint",
            name="uuid",
            field=models.UUIDField(null=True, editable=False),
        ),
        migrations.AddField(
            model_name="endpoint",
            name="sealed_secret",
            field=models.TextField(default=""),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="endpoint",
            name="sealed_previous_secret",
            field=models.TextField(blank=True, default=""),
            preserve_default=False,
        ),
        # a default, so that the reverse migration can add the column back to existing rows
        migrations.AlterField(
            model_name="endpoint",
            name="secret",
            field=models.CharField(max_length=100, default=""),
        ),
        migrations.RunPython(seal, unseal, elidable=False),
        migrations.RemoveField(model_name="endpoint", name="secret"),
        migrations.RemoveField(model_name="endpoint", name="previous_secret"),
        migrations.AlterField(
            model_name="endpoint",
            name="uuid",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
        ),
    ]
