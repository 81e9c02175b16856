from django.db import migrations

# Key accounts are contacted at least every 14 days and visited every 30;
# regular customers hear from us at least every 60 days. Admins change these.
DEFAULTS = [("key", "", 14), ("key", "visit", 30), ("regular", "", 60)]


def create_defaults(apps, schema_editor):
    CadenceRule = apps.get_model("communications", "CadenceRule")
    for tier, channel, days in DEFAULTS:
        CadenceRule.objects.get_or_create(customer=None, tier=tier, channel=channel, defaults={"max_gap_days": days})


def remove_defaults(apps, schema_editor):
    CadenceRule = apps.get_model("communications", "CadenceRule")
    CadenceRule.objects.filter(customer=None).delete()


class Migration(migrations.Migration):
    dependencies = [("communications", "0001_initial")]

    operations = [migrations.RunPython(create_defaults, remove_defaults)]
