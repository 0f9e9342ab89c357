"""Never-reused, gap-tolerant code numbers, safe under concurrent creation."""

from __future__ import annotations

from django.db import IntegrityError, transaction


def next_number(key: str, *, at_least: int = 0) -> int:
    """The next number of the series `key`, reserved inside the caller's transaction.

    The sequence row is locked (SELECT ... FOR UPDATE on PostgreSQL; SQLite serialises writers),
    so two transactions never get the same number. `at_least` lets an import continue after
    numbers that already exist (the next number is then at least `at_least + 1`).
    """
    from .models import CodeSequence

    with transaction.atomic():
        row = CodeSequence.objects.select_for_update().filter(key=key).first()
        if row is None:
            try:
                with transaction.atomic():
                    CodeSequence.objects.create(key=key, last_value=0)
            except IntegrityError:
                pass  # another transaction created it first; lock theirs
            row = CodeSequence.objects.select_for_update().get(key=key)
        row.last_value = max(row.last_value, at_least) + 1
        row.save(update_fields=["last_value"])
        return row.last_value


def bump_to(key: str, value: int) -> None:
    """Make sure the series never hands out `value` or anything below it (after an import)."""
    from .models import CodeSequence

    with transaction.atomic():
        row, _ = CodeSequence.objects.select_for_update().get_or_create(key=key)
        if row.last_value < value:
            row.last_value = value
            row.save(update_fields=["last_value"])
