"""Comms' writes: templates saved only when they render in the sandbox, messages queued in the
outbox and sent by the worker, calls noted by hand, and the events that send a message.

What other apps call (finance and production import these; projects' signals reach the rest):

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

__all__ = [
    "Attachment",
    "communication_deliver",
    "communication_mark_sent",
    "communication_resend",
    "message_queue",
    "note_record",
    "send_due",
    "send_template",
    "template_save",
]
