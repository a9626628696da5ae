from django.db import migrations


def seed(apps, schema_editor):
    from linli.hall.catalogue import sync_matters

    sync_matters(apps.get_model("hall", "Matter"), apps.get_model("hall", "Material"))


class Migration(migrations.Migration):
    dependencies = [("hall", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
