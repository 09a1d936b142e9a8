"""Every database starts with the default framework of generic competencies, published."""

from django.db import migrations


def install(apps, schema_editor):
    from carnet.frameworks.services import install_default_framework

    install_default_framework(apps=apps)


class Migration(migrations.Migration):
    dependencies = [("frameworks", "0001_initial")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
