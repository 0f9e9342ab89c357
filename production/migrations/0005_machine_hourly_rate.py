from decimal import Decimal

import django.core.validators
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("production", "0004_words_job"),
    ]

    operations = [
        migrations.AddField(
            model_name="machine",
            name="hourly_rate",
            field=models.DecimalField(
                blank=True,
                decimal_places=2,
                help_text="What an hour on this machine costs the shop, excl. VAT: power, gas, "
                "wear and the operator's time. A job's cost so far counts its minutes on the "
                "machine at this rate; left empty, the machine's time is not costed.",
                max_digits=9,
                null=True,
                validators=[
                    django.core.validators.MinValueValidator(Decimal("0")),
                    django.core.validators.MaxValueValidator(Decimal("100000")),
                ],
                verbose_name="hourly rate (R)",
            ),
        ),
    ]
