"""Writes on jobs, their documents, products and project lines.

Every status move goes through `project_transition`: it locks the job, checks the workflow table
and its gates (projects.workflow), sets the dates DOMAIN.md asks for, keeps the history, writes
the audit entry and, once the transaction commits, sends `project_status_changed`.

Split by subject: jobs.py (codes, details, transitions, quote expiry), documents.py, payments.py
("Payment received": the proof of payment and the amount), catalogue.py (products, product
files, project lines). Import from here: `from projects.services import ...`.
"""

from .catalogue import (
    PRODUCT_EDITABLE_FIELDS,
    product_create,
    product_file_add,
    product_update,
    project_line_add,
    project_line_delete,
    project_line_update,
)
from .documents import (
    project_document_add,
    project_document_delete,
)
from .jobs import (
    OVERRIDE_PERMISSION,
    PROJECT_EDITABLE_FIELDS,
    QUOTE_EXPIRED_REASON,
    QuoteExpiryReport,
    TransitionError,
    can_override,
    clean_payment_amount,
    due_date_after_payment,
    project_create,
    project_quote_sent,
    project_sequence_key,
    project_transition,
    project_update,
    quote_dates,
    quotes_expire,
)
from .payments import project_payment_received

__all__ = [
    "OVERRIDE_PERMISSION",
    "PRODUCT_EDITABLE_FIELDS",
    "PROJECT_EDITABLE_FIELDS",
    "QUOTE_EXPIRED_REASON",
    "QuoteExpiryReport",
    "TransitionError",
    "can_override",
    "clean_payment_amount",
    "due_date_after_payment",
    "product_create",
    "product_file_add",
    "product_update",
    "project_create",
    "project_document_add",
    "project_document_delete",
    "project_line_add",
    "project_line_delete",
    "project_line_update",
    "project_payment_received",
    "project_quote_sent",
    "project_sequence_key",
    "project_transition",
    "project_update",
    "quote_dates",
    "quotes_expire",
]
