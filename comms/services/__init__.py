"""Comms' writes: templates saved only when they render in the sandbox, messages queued in the
outbox and sent by the worker, calls noted by hand, and the events that send a message.

What other apps call (finance and production import these; projects' signals reach the rest):

    quote_sent(job=..., quote={"code", "total", "valid_until"}, document=quote, pdf=bytes)
    invoice_issued(job=..., invoice={"code", "total", "balance", "due_date"}, document=, pdf=)
    payment_reminder(job=..., invoice={...}, today=...)   # daily, for each unpaid invoice
    job_delivered(job=..., change_id=...)   # a job that goes by delivery moved to Completed
    send_template(key=..., client=..., job=..., quote={...}, invoice={...},
                  attachments=[Attachment(...)], document=..., event_key=..., by=...)
    message_queue(channel=..., to=..., subject=..., body=..., ...)   # a message written by hand
    note_record(client=..., job=..., kind=..., summary=..., by=...)
"""

from .delivery import communication_deliver, send_due
from .outbox import (
    Attachment,
    communication_mark_sent,
    communication_resend,
    message_queue,
    send_template,
)
from .templates import template_save
from .timeline import note_record
from .triggers import (
    client_welcome,
    invoice_issued,
    job_delivered,
    job_moved,
    payment_reminder,
    quote_reminders,
    quote_sent,
)

__all__ = [
    "Attachment",
    "client_welcome",
    "communication_deliver",
    "communication_mark_sent",
    "communication_resend",
    "invoice_issued",
    "job_delivered",
    "job_moved",
    "message_queue",
    "note_record",
    "payment_reminder",
    "quote_reminders",
    "quote_sent",
    "send_due",
    "send_template",
    "template_save",
]
