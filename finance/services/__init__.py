"""Finance's writes: the shop's rates (rates.py), quotes and their lines (quotes.py), a quote's
life and auto-quote (quote_status.py). Import them from here."""

from .quote_status import (
    QUOTE_MOVES,
    QuoteExpiryReport,
    move_quote,
    quote_accept,
    quote_auto,
    quote_decline,
    quote_revise,
    quote_send,
    quotes_expire,
)
from .quotes import (
    NewLine,
    line_total,
    quote_create,
    quote_line_add,
    quote_lines_add,
    refresh_totals,
)
from .rates import delivery_option_save, quantity_break_delete, quantity_break_save, rates_update

__all__ = [
    "QUOTE_MOVES",
    "NewLine",
    "QuoteExpiryReport",
    "delivery_option_save",
    "line_total",
    "move_quote",
    "quantity_break_delete",
    "quantity_break_save",
    "quote_accept",
    "quote_auto",
    "quote_create",
    "quote_decline",
    "quote_line_add",
    "quote_lines_add",
    "quote_revise",
    "quote_send",
    "quotes_expire",
    "rates_update",
    "refresh_totals",
]

# Calibration (estimate against actual): proposes preset speeds and rates from the laser runs.
from .calibration import calibration_apply, calibration_propose

__all__ += ["calibration_apply", "calibration_propose"]
