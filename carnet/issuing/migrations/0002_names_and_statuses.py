from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("issuing", "0001_initial")]

    operations = [
        migrations.RenameField("issuedcredential", "version", "micro_credential_version"),
        migrations.RenameField("issuedcredential", "state", "status"),
        migrations.RenameField("issuedcredential", "state_reason", "status_reason"),
        migrations.RenameField("issuedcredential", "state_changed_at", "status_changed_at"),
        migrations.RenameField("signingkey", "sealed", "envelope"),
    ]
