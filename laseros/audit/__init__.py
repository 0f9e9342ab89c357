"""The audit trail: `record()` appends an ActivityLog entry to the hash chain.

Services call `record()` for every change they make; admin saves and deletes go through
`AuditedAdminMixin`; `verify_chain()` (and `manage.py verify_audit`) checks the chain.
"""

from .chain import ChainBreak, compute_hash, verify_chain
from .context import current_ip, current_user, request_context
from .services import (
    diff_instances,
    instance_values,
    record,
    record_created,
    save_audited,
    save_changes,
)

__all__ = [
    "ChainBreak",
    "compute_hash",
    "current_ip",
    "current_user",
    "diff_instances",
    "instance_values",
    "record",
    "record_created",
    "save_audited",
    "request_context",
    "save_changes",
    "verify_chain",
]
