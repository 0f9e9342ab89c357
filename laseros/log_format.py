"""How a log line is written (settings.LOGGING, chosen by LOG_FORMAT).

`plain` is for a person at a terminal: time, level, logger, message, and the request's id at the
end when there is one. `json` is one JSON object per line for a log collector (journald, Loki,
CloudWatch...): time (UTC, ISO 8601), level, logger, message, request_id, the process, the
record's own extra fields that are plain values (status_code...), and the traceback as a string.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

# What every LogRecord has: not written again as an extra field.
_RECORD_FIELDS = frozenset(
    logging.LogRecord("", 0, "", 0, "", None, None).__dict__.keys()
    | {"message", "asctime", "request_id", "request", "server_time", "taskName"}
)
_PLAIN_VALUES = (str, int, float, bool, type(None))


class PlainFormatter(logging.Formatter):
    """The usual line, with ` [request <id>]` after the message inside a request."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        text = super().formatMessage(record)
        request_id = getattr(record, "request_id", "")
        return f"{text} [request {request_id}]" if request_id else text


class JSONFormatter(logging.Formatter):
    """One JSON object per record, on one line (a newline in a message is escaped)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "") or None,
            "process": record.process,
        }
        for key, value in record.__dict__.items():
            if key not in _RECORD_FIELDS and key not in entry and isinstance(value, _PLAIN_VALUES):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)
