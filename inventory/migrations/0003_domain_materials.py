"""Load the shop's materials (DOMAIN.md, inventory.constants.MATERIALS) on a fresh install.

Existing rows are left as they are: a shop that renamed a material or changed a density keeps
its own values; only missing codes are added.
"""

from django.db import migrations


def add_materials(apps, schema_editor):
    from inventory.constants import MATERIALS

    Material = apps.get_model("inventory", "Material")
    existing = set(Material.objects.values_list("code", flat=True))
    Material.objects.bulk_create(
        [
            Material(
                code=spec.code,
                name=spec.name,
                density_g_cm3=spec.density_g_cm3,
                aliases=list(spec.aliases),
                max_thickness_mm=spec.max_thickness_mm,
            )
            for spec in MATERIALS
            if spec.code not in existing
        ]
    )


class Migration(migrations.Migration):
    dependencies = [("inventory", "0002_sheet_stock_movements_offcuts")]

    operations = [migrations.RunPython(add_materials, migrations.RunPython.noop)]
