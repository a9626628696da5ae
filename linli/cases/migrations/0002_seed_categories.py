from django.db import migrations


def seed(apps, schema_editor):
    from linli.cases.seed import sync_categories

    sync_categories(apps.get_model("cases", "Category"))


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
