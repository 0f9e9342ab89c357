"""Create the role groups from the permission matrix (laseros.roles).

Permissions of models created later are added by the post-migrate sync in laseros.apps, from the
same matrix, so nothing needs editing when a model is added.
"""

from django.db import migrations


def create_role_groups(apps, schema_editor):
    from laseros.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("laseros", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_role_groups, migrations.RunPython.noop)]
