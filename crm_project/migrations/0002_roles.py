from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations


def create_roles(apps, schema_editor):
    from crm_project.roles import roles_sync

    # Permissions are normally created after migrate finishes; create them now
    # so that the groups get theirs on a fresh database too.
    for app_config in global_apps.get_app_configs():
        create_permissions(app_config, apps=apps, verbosity=0)
    roles_sync(
        group_model=apps.get_model("auth", "Group"),
        permission_model=apps.get_model("auth", "Permission"),
    )


def remove_roles(apps, schema_editor):
    from crm_project.roles import Role

    apps.get_model("auth", "Group").objects.filter(name__in=[role.value for role in Role]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("crm_project", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
