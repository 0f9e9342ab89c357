"""manage.py calibrate_rates [--since YYYY-MM-DD] [--min-runs N] [--apply --reason TEXT [--yes]]

Prints what the laser runs say the presets' cut speeds and the shop's rates should be (a speed
factor per preset: the median of actual ÷ estimated machine minutes, with the number of runs
behind it; see finance.services.calibration). Nothing changes unless --apply is given with a
--reason; then each proposal is asked about (y/n), or all are taken with --yes, and what was
accepted is applied in one transaction: presets through their change log, rates through the
rates' change log, both with the reason.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from finance.services.calibration import (
    MIN_RUNS,
    Calibration,
    Proposal,
    calibration_apply,
    calibration_propose,
)
from laseros.importing import user_named

# What a user who applies must be allowed to change.
APPLY_PERMISSIONS = ("production.change_cutpreset", "finance.change_shoprates")


class Command(BaseCommand):
    help = (
        "Propose cut speeds and rates from the laser runs against their quotes; --apply (with "
        "--reason) applies what is accepted."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--since", help="Only runs started on or after this day (YYYY-MM-DD); default all."
        )
        parser.add_argument(
            "--min-runs",
            type=int,
            default=MIN_RUNS,
            help=f"Skip a preset with fewer runs than this (default {MIN_RUNS}).",
        )
        parser.add_argument(
            "--apply", action="store_true", help="Apply the proposals you accept (asks y/n)."
        )
        parser.add_argument("--yes", action="store_true", help="With --apply: accept them all.")
        parser.add_argument("--reason", default="", help="Why (goes in the change logs).")
        parser.add_argument("--user", help="Username the changes are recorded under.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["yes"] and not options["apply"]:
            raise CommandError("--yes accepts proposals to apply: give --apply with it.")
        if options["apply"] and not options["reason"].strip():
            raise CommandError('--apply needs --reason "why" (it goes in the change logs).')
        if options["min_runs"] < 1:
            raise CommandError("--min-runs is at least 1.")
        since = _since(options["since"])
        by = self._user(options["user"]) if options["apply"] else None
        calibration = calibration_propose(min_runs=options["min_runs"], since=since)
        if not calibration.runs_counted:
            when = f" since {options['since']}" if since else ""
            self.stdout.write(
                f"No laser runs{when} to compare with their quotes: nothing to propose."
            )
            return
        self._print(calibration)
        if not options["apply"] or not calibration.proposals:
            if calibration.proposals:
                self.stdout.write('Nothing changed: give --apply --reason "..." to apply.')
            return
        accepted = [p for p in calibration.proposals if options["yes"] or self._accepts(p)]
        if not accepted:
            self.stdout.write("Nothing accepted: nothing changed.")
            return
        try:
            applied = calibration_apply(proposals=accepted, by=by, reason=options["reason"])
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        presets = len(applied.preset_changes)
        rates = 1 if applied.rates_change is not None else 0
        self.stdout.write(
            self.style.SUCCESS(
                f"Applied {len(accepted)} proposal(s): {presets} preset(s) changed (in their "
                f"change log), {rates} change to the rates (in the rates' change log)."
            )
        )

    def _user(self, username: str | None) -> Any:
        try:
            user = user_named(username)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        if user is not None and not all(user.has_perm(p) for p in APPLY_PERMISSIONS):
            raise CommandError(
                f"{username} may not change cut presets and the shop's rates (a Manager or an "
                "Admin may)."
            )
        return user

    def _print(self, calibration: Calibration) -> None:
        write = self.stdout.write
        write(
            f"{calibration.runs_compared} of {calibration.runs_counted} runs compared with their "
            "jobs' quotes (actual ÷ estimate at today's speeds and rates)."
        )
        if calibration.runs_without_preset:
            write(
                f"{calibration.runs_without_preset} run(s) were quoted without a preset (the "
                "fallback speed): no preset to correct."
            )
        if calibration.proposals:
            write("Proposed:")
            for number, proposal in enumerate(calibration.proposals, start=1):
                write(f"  {number}. {proposal.describe()}")
        else:
            write("No change proposed.")
        for skipped in calibration.skipped:
            write(f"  Skipped: {skipped.label}, {skipped.runs} run(s): {skipped.why}")
        for note in calibration.notes:
            write(f"  {note}")

    def _accepts(self, proposal: Proposal) -> bool:
        try:
            answer = input(f"{proposal.describe()}. Apply? [y/N] ")
        except EOFError:
            return False
        return answer.strip().lower() in ("y", "yes")


def _since(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--since {value!r}: give a day as YYYY-MM-DD.") from None
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))
