"""The shop's scheduled reports (DOMAIN.md, "Messages and reports"), in the top layer because a
report reads every app. One module per report, each with KIND, TITLE, period(day) ->
(start, end), due_at(start, end) -> when the schedule makes it, and build(start, end) -> Report; REPORTS names them (a plain dict, no registry).

    from laseros.site.reports.services import report_make
    runs = report_make(kind="daily_ops", day=date(2026, 11, 27), formats=["pdf"], by=None)
"""

from __future__ import annotations

from types import ModuleType

from . import daily_ops, employee, maintenance, monthly_exec, weekly_client

REPORTS: dict[str, ModuleType] = {
    daily_ops.KIND: daily_ops,
    employee.KIND: employee,
    maintenance.KIND: maintenance,
    monthly_exec.KIND: monthly_exec,
    weekly_client.KIND: weekly_client,
}
