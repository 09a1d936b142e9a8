"""Signed documents are stored compressed with lz4 rather than PostgreSQL's default pglz: a
credential's document (about 4 KB) is compressed when it is written, and pglz cost the server
about 100 µs a credential, lz4 about 35 (measured on 10,000 rows; bulk issuance writes hundreds a
second). Rows already written stay as they are; PostgreSQL reads both. Nothing to do on SQLite, or
on a PostgreSQL built without lz4."""

from django.db import migrations


def compress_with_lz4(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)"
        )
        if cursor.fetchone() is None:  # before PostgreSQL 14, or built without lz4
            return
        cursor.execute("ALTER TABLE issuing_issuedcredential ALTER COLUMN document SET COMPRESSION lz4")


def compress_with_the_default(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression'")
        if cursor.fetchone() is not None:
            cursor.execute(
                "ALTER TABLE issuing_issuedcredential ALTER COLUMN document SET COMPRESSION DEFAULT"
            )


class Migration(migrations.Migration):
    dependencies = [("issuing", "0010_issuance_job_preview")]

    operations = [migrations.RunPython(compress_with_lz4, compress_with_the_default, elidable=True)]
