"""The quote-expiry reminder (DOMAIN.md: a reminder goes 5 working days before a quote expires):
the old system had no template for it; its wording follows the shop's Quote Sent."""

from django.db import migrations

BODY = (
    "Dear {{ contact.name }},\n\nThis is a friendly reminder that our quote for your job "
    "{{ job.code }} - {{ job.name }} is valid until {{ job.quote_expires_on|date:'j F Y' }}.\n\n"
    "To proceed with this order:\n1. Review the quote details\n2. Confirm your acceptance\n"
    "3. Submit proof of payment\n\nAfter that date the quote lapses and we will need to quote "
    "again.\n\nIf you have any questions or would like to discuss the quote, please feel free "
    "to contact us.\n\nBest regards,\n{{ company.name }}\n{{ company.phone }} · {{ company.email }}"
)


def ship(apps, schema_editor):
    MessageTemplate = apps.get_model("comms", "MessageTemplate")
    MessageTemplate.objects.get_or_create(
        key="quote_reminder",
        channel="email",
        defaults={
            "name": "Quote Reminder",
            "description": "Sent the set number of working days before a sent quote expires",
            "subject": "Your quote for {{ job.code }} is valid until "
            "{{ job.quote_expires_on|date:'j F Y' }}",
            "body": BODY,
        },
    )


def unship(apps, schema_editor):
    apps.get_model("comms", "MessageTemplate").objects.filter(key="quote_reminder").delete()


class Migration(migrations.Migration):
    dependencies = [("comms", "0003_client_message_preference")]

    operations = [migrations.RunPython(ship, unship)]
