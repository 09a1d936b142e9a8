"""PostgreSQL only: each statement that writes a table read by the keys of the cached public pages
(carnet.portfolio.pagecache, carnet.verification.reportcache) sends NOTIFY carnet_changes when its
transaction commits; carnet.site.changes listens (docs/operations.md)."""

from django.db import migrations

TABLES = (
    ("issuing", "IssuedCredential"),
    ("issuing", "StatusList"),
    ("issuing", "SigningKey"),
    ("portfolio", "CredentialSharing"),
    ("accounts", "User"),
    ("organisations", "Organisation"),
)
FUNCTION = """
CREATE OR REPLACE FUNCTION carnet_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('carnet_changes', TG_TABLE_NAME);
    RETURN NULL;
END $$
"""


def tables(apps):
    return [apps.get_model(app, model)._meta.db_table for app, model in TABLES]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION)
    for table in tables(apps):
        schema_editor.execute(
            f'CREATE TRIGGER carnet_notify_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "{table}" '
            "FOR EACH STATEMENT EXECUTE FUNCTION carnet_notify_change()"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in tables(apps):
        schema_editor.execute(f'DROP TRIGGER IF EXISTS carnet_notify_change ON "{table}"')
    schema_editor.execute("DROP FUNCTION IF EXISTS carnet_notify_change()")


class Migration(migrations.Migration):
    dependencies = [
        ("portfolio", "0003_imported_badges"),
        ("issuing", "0006_search_profiles"),
        ("accounts", "0002_user_consents_to_search"),
        ("organisations", "0003_second_review"),
    ]

    operations = [migrations.RunPython(create, drop)]
