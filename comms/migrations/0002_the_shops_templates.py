"""The shop's eight message templates (DOMAIN.md), in the old system's own wording (its
`message_templates` table), written for the new variables, and two short WhatsApp ones. Its
"project" is "job" here, the house's word wherever a person reads."""

from django.db import migrations

SIGN_OFF = "Best regards,\n{{ company.name }}\n{{ company.phone }} · {{ company.email }}"
HOURS = "Mon-Thu 07:00-16:00, Fri 07:00-14:30"

EMAIL_TEMPLATES = [
    (
        "welcome",
        "Welcome",
        "Sent to welcome new clients",
        "Welcome to {{ company.name }}!",
        "Dear {{ contact.name }},\n\nWelcome to {{ company.name }}!\n\nWe are excited to have you "
        "as a new client and look forward to serving your laser cutting needs.\n\nYour client "
        "code is: {{ client.code }}\n\nOur Services:\n- Precision laser cutting\n- Wide range of "
        "materials\n- Fast turnaround times\n- Competitive pricing\n\nOperating Hours:\n"
        "Mon-Thu: 07:00-16:00\nFri: 07:00-14:30\n\nIf you have any questions or would like to "
        "discuss your requirements, please don't hesitate to contact us.\n\n" + SIGN_OFF,
    ),
    (
        "quote_sent",
        "Quote Sent",
        "Sent when a quote is sent to a client (the quote's PDF is attached)",
        "Quote {{ quote.code }} for {{ client.name }}",
        "Dear {{ contact.name }},\n\nThank you for your interest in our laser cutting services."
        "\n\nPlease find attached our quote {{ quote.code }} for your job {{ job.code }} - "
        "{{ job.name }}.\n\nQuote Details:\n- Quote Code: {{ quote.code }}\n- Total Amount: "
        "{{ quote.total }}\n- Valid Until: {{ quote.valid_until|date:'j F Y' }}\n\nTo proceed "
        "with this order:\n1. Review the quote details\n2. Confirm your acceptance\n3. Submit "
        "proof of payment\n\nOnce we receive your payment confirmation, we will add your order "
        "to our production queue.\n\nIf you have any questions or would like to discuss the "
        "quote, please feel free to contact us.\n\n" + SIGN_OFF,
    ),
    (
        "order_confirmed",
        "Order Confirmed",
        "Sent when proof of payment is received and the order is confirmed",
        "Order Confirmation - {{ job.code }}",
        "Dear {{ contact.name }},\n\nThank you for your order! We have received your proof of "
        "payment and your order has been confirmed.\n\nOrder Details:\n- Job Code: "
        "{{ job.code }}\n- Job Name: {{ job.name }}\n- Quantity: {{ job.quantity }}\n"
        "- Material: {{ job.material }} ({{ job.thickness_mm }}mm)\n- Estimated Completion: "
        "{{ job.due_date|date:'j F Y'|default:'to be confirmed' }}\n\nYour order has been added "
        "to our production queue and will be processed according to our standard lead time.\n\n"
        "We will notify you once your order is complete and ready for collection.\n\nIf you have "
        "any questions, please don't hesitate to contact us.\n\n" + SIGN_OFF,
    ),
    (
        "invoice_sent",
        "Invoice Sent",
        "Sent when an invoice is issued (the invoice's PDF is attached)",
        "Invoice {{ invoice.code }} from {{ company.name }}",
        "Dear {{ contact.name }},\n\nPlease find attached invoice {{ invoice.code }} for your "
        "recent order.\n\nInvoice Details:\n- Invoice Code: {{ invoice.code }}\n- Total Amount: "
        "{{ invoice.total }}\n- Due Date: {{ invoice.due_date|date:'j F Y' }}\n\nPayment "
        "Methods:\n{{ company.bank_details }}\n\nPlease submit proof of payment once the invoice "
        "has been settled.\n\nIf you have any questions regarding this invoice, please contact "
        "us.\n\nThank you for your business!\n\n" + SIGN_OFF,
    ),
    (
        "payment_reminder",
        "Payment Reminder",
        "Sent as a reminder for outstanding invoices (the cadence is in the settings)",
        "Payment Reminder - Invoice {{ invoice.code }}",
        "Dear {{ contact.name }},\n\nThis is a friendly reminder that invoice {{ invoice.code }} "
        "is due for payment.\n\nInvoice Details:\n- Invoice Code: {{ invoice.code }}\n- Total "
        "Amount: {{ invoice.total }}\n- Balance Due: {{ invoice.balance }}\n- Due Date: "
        "{{ invoice.due_date|date:'j F Y' }}\n\nIf you have already made payment, please "
        "disregard this message and submit your proof of payment for our records.\n\nIf you "
        "have any questions or concerns regarding this invoice, please contact us.\n\nThank you "
        "for your prompt attention to this matter.\n\n" + SIGN_OFF,
    ),
    (
        "collection_ready",
        "Collection Ready",
        "Sent when a job is marked Ready for collection",
        "Your order {{ job.code }} is ready for collection",
        "Dear {{ contact.name }},\n\nWe are pleased to inform you that your order {{ job.code }} "
        "- {{ job.name }} has been completed and is ready for collection.\n\nOrder Details:\n"
        "- Job Code: {{ job.code }}\n- Job Name: {{ job.name }}\n- Quantity: "
        "{{ job.quantity }}\n- Material: {{ job.material }} ({{ job.thickness_mm }}mm)\n\n"
        "Collection Information:\n- Available from: {{ dates.today|date:'j F Y' }}\n- Operating "
        f"Hours: {HOURS}\n- Location: {{{{ company.address }}}}\n\nPlease contact us to arrange "
        "a convenient collection time.\n\nThank you for your business!\n\n" + SIGN_OFF,
    ),
    (
        "delivery_notification",
        "Delivery Notification",
        "Sent when an order is scheduled for delivery",
        "Delivery Notification - {{ job.code }}",
        "Dear {{ contact.name }},\n\nYour order {{ job.code }} is scheduled for delivery.\n\n"
        "Delivery Details:\n- Job Code: {{ job.code }}\n- Job Name: {{ job.name }}\n"
        "- Delivery Date: {{ dates.today|date:'j F Y' }}\n\nPlease ensure someone is available "
        "to receive the delivery.\n\nIf you have any questions or need to reschedule, please "
        "contact us as soon as possible.\n\nThank you!\n\n" + SIGN_OFF,
    ),
    (
        "status_update",
        "Status Update",
        "Sent to clients who asked for updates when their job changes status",
        "Status Update - {{ job.code }}",
        "Dear {{ contact.name }},\n\nWe wanted to provide you with an update on your job "
        "{{ job.code }}.\n\nJob Details:\n- Job Code: {{ job.code }}\n- Job Name: "
        "{{ job.name }}\n- Current Status: {{ job.status }}\n\nWe are making good progress on "
        "your order and will notify you once it is complete.\n\nIf you have any questions, "
        "please feel free to contact us.\n\n" + SIGN_OFF,
    ),
]

# WhatsApp sends only templates approved in Meta's WhatsApp Manager: the body here is what the
# wa.me link carries and what the outbox shows; the parameters fill the approved one's {{1}}...
WHATSAPP_TEMPLATES = [
    (
        "collection_ready",
        "Collection Ready",
        "Your order {{ job.code }} - {{ job.name }} is ready for collection at {{ company.name }} "
        f"({HOURS}). Please contact us to arrange a convenient collection time.",
        "contact.name, job.code, job.name",
    ),
    (
        "status_update",
        "Status Update",
        "Hi {{ contact.name }}, an update on your job {{ job.code }} - {{ job.name }}: it is "
        "now {{ job.status }}. {{ company.name }}",
        "contact.name, job.code, job.status",
    ),
]


def ship(apps, schema_editor):
    MessageTemplate = apps.get_model("comms", "MessageTemplate")
    for key, name, description, subject, body in EMAIL_TEMPLATES:
        MessageTemplate.objects.get_or_create(
            key=key,
            channel="email",
            defaults={"name": name, "description": description, "subject": subject, "body": body},
        )
    for key, name, body, parameters in WHATSAPP_TEMPLATES:
        MessageTemplate.objects.get_or_create(
            key=key,
            channel="whatsapp",
            defaults={
                "name": name,
                "description": "WhatsApp: " + name,
                "body": body,
                "whatsapp_name": key,
                "whatsapp_language": "en",
                "whatsapp_parameters": parameters,
            },
        )


def unship(apps, schema_editor):
    MessageTemplate = apps.get_model("comms", "MessageTemplate")
    MessageTemplate.objects.filter(key__in=[t[0] for t in EMAIL_TEMPLATES]).delete()


class Migration(migrations.Migration):
    dependencies = [("comms", "0001_initial")]

    operations = [migrations.RunPython(ship, unship)]
