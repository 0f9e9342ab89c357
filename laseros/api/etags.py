"""ETag and `If-Match` on the API's records, so two editors cannot overwrite each other silently.

Every GET of one record answers an `ETag`: a hash of what it answered. A PUT, PATCH or DELETE
that sends `If-Match: <that etag>` goes ahead only if the record still reads the same; else it
is refused with 412 Precondition Failed and changes nothing. The row is locked from the check
to the write, so two editors sending the same ETag at once cannot both pass.

`If-Match` is optional (API_REQUIRE_IF_MATCH=False, the default: clients written before it
keep working); with API_REQUIRE_IF_MATCH=True a write without it is refused with 428
Precondition Required.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.utils.encoders import JSONEncoder

WRITES = ("PUT", "PATCH", "DELETE")
WRITE_ACTIONS = ("update", "partial_update", "destroy")


class PreconditionFailed(APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_code = "precondition_failed"


class PreconditionRequired(APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_code = "precondition_required"
    default_detail = (
        "This API needs If-Match on every change: GET the record, and send its ETag as "
        "If-Match with your PUT, PATCH or DELETE."
    )


def etag_of(representation: Any) -> str:
    """The strong ETag of what a GET of the record answers."""
    text = json.dumps(representation, sort_keys=True, cls=JSONEncoder, ensure_ascii=False)
    return '"' + hashlib.sha256(text.encode()).hexdigest()[:32] + '"'


def matches(if_match: str, current: str) -> bool:
    """Whether an If-Match header value (a list of ETags, or *) names the current one. A weak
    tag (W/"...") is never enough to write with (RFC 9110, 13.1.1) and does not match."""
    if if_match.strip() == "*":
        return True
    tags = [part.strip() for part in if_match.split(",")]
    return current in tags


def stale(if_match: str, current: str) -> PreconditionFailed:
    return PreconditionFailed(
        f"This record has changed since you read it: If-Match {if_match} is not its ETag now "
        f"({current}). Nothing was changed. GET it again, make your change to what it holds "
        "now, and send its new ETag."
    )
