"""Making a report: build it once, draw it in each format asked, keep each file as a ReportRun
(a new version when the same report is made again), and queue it to the recipients through
comms' outbox. The scheduled task and the command call these."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Max

from laseros.actors import Actor, acting_user
from laseros.audit import record_created

from ..models import CONTENT_TYPES, ReportFormat, ReportRun
from . import REPORTS
from .base import Report
from .render import to_html, to_pdf, to_xlsx

logger = logging.getLogger(__name__)

FORMATS = tuple(ReportFormat.values)


def check_request(
    *, kind: str, formats: Sequence[str], emails: Sequence[str] = ()
) -> tuple[str, list[str], list[str]]:
    """The kind, formats and addresses cleaned, or ValidationError naming what is wrong."""
    if kind not in REPORTS:
        raise ValidationError(
            f"There is no report {kind!r}: the reports are {', '.join(sorted(REPORTS))}."
        )
    cleaned = [f.strip().lower() for f in formats if f.strip()]
    unknown = [f for f in cleaned if f not in FORMATS]
    if unknown or not cleaned:
        raise ValidationError(
            f"Unknown format {', '.join(unknown) or '(none)'}: choose from {', '.join(FORMATS)}."
        )
    addresses = [e.strip() for e in emails if e.strip()]
    for address in addresses:
        try:
            validate_email(address)
        except ValidationError as exc:
            raise ValidationError(f"{address!r} is not an e-mail address.") from exc
    return kind, list(dict.fromkeys(cleaned)), addresses


def report_build(*, kind: str, day: dt.date) -> Report:
    """The report of `kind` for the period that holds `day` (nothing is written)."""
    module = REPORTS[kind]
    start, end = module.period(day)
    return module.build(start, end)


def _draw(report: Report, formats: Iterable[str]) -> dict[str, bytes]:
    drawn: dict[str, bytes] = {}
    html = to_html(report)
    for fmt in formats:
        if fmt == ReportFormat.HTML:
            drawn[fmt] = html.encode("utf-8")
        elif fmt == ReportFormat.PDF:
            drawn[fmt] = to_pdf(report, html)
        elif fmt == ReportFormat.XLSX:
            drawn[fmt] = to_xlsx(report)
    return drawn


@transaction.atomic
def _keep(*, report: Report, fmt: str, content: bytes, by: Actor) -> ReportRun:
    same = ReportRun.objects.select_for_update().filter(
        kind=report.kind,
        period_start=report.period_start,
        period_end=report.period_end,
        format=fmt,
    )
    version = (same.aggregate(top=Max("version"))["top"] or 0) + 1
    same.filter(is_latest=True).update(is_latest=False)
    run = ReportRun(
        kind=report.kind,
        period_start=report.period_start,
        period_end=report.period_end,
        format=fmt,
        version=version,
        is_latest=True,
        size_bytes=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        created_by=acting_user(by),
    )
    suffix = f"-v{version}" if version > 1 else ""
    run.file.save(f"{report.slug}{suffix}.{fmt}", ContentFile(content), save=False)
    run.full_clean()
    run.save()
    record_created(run, by=by, message=f"report made: {run}")
    return run


def report_make(
    *,
    kind: str,
    day: dt.date,
    formats: Sequence[str] = FORMATS,
    by: Actor,
    send_to: Sequence[str] | None = None,
) -> list[ReportRun]:
    """Make the report `kind` for the period holding `day` in each format, keep each file, and
    queue one e-mail with them all to `send_to` (settings.REPORT_RECIPIENTS when None; nobody
    when empty). A report made again is a new version; the older files stay."""
    kind, formats, addresses = check_request(
        kind=kind,
        formats=formats,
        emails=settings.REPORT_RECIPIENTS if send_to is None else send_to,
    )
    report = report_build(kind=kind, day=day)
    drawn = _draw(report, formats)  # drawn before anything is written: a failure keeps nothing
    with transaction.atomic():
        runs = [_keep(report=report, fmt=fmt, content=drawn[fmt], by=by) for fmt in formats]
        if addresses:
            report_send(runs=runs, report=report, to=addresses, contents=drawn, by=by)
    return runs


def report_send(
    *,
    runs: Sequence[ReportRun],
    report: Report,
    to: Sequence[str],
    contents: dict[str, bytes],
    by: Actor,
) -> None:
    """One e-mail per address through comms' outbox, the files attached; once per file set."""
    from comms.models import Channel
    from comms.services import Attachment, message_queue

    attachments = [
        Attachment(
            filename=run.file.name.rsplit("/", 1)[-1],
            content=contents[run.format],
            content_type=CONTENT_TYPES[run.format],
        )
        for run in runs
    ]
    files = ", ".join(a.filename for a in attachments)
    key = "+".join(f"{run.pk}" for run in runs)
    body = (
        f"{report.title} for {report.period_label}, made by {settings.SHOP_NAME}'s Laser OS.\n\n"
        + "\n".join(f"{figure.label}: {figure.text}" for figure in report.figures)
        + f"\n\nAttached: {files}.\n"
    )
    for address in to:
        message_queue(
            channel=Channel.EMAIL,
            to=address,
            subject=f"{report.title} — {report.period_label}",
            body=body,
            attachments=attachments,
            event_key=f"report:{key}:{address}"[:200],
            by=by,
        )
    for run in runs:
        run.sent_to = sorted(set(run.sent_to) | set(to))
        run.save(update_fields=["sent_to"])
