"""The dashboard's charts as plain SVG written here: no script, no style sheet of their own (the
site's CSP allows neither inline), sharp at any size, printable, and readable without colour
(every bar carries its number).

Each function returns markup safe to put in a template; every text in it is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

INK = "#1f2937"
QUIET = "#6b7280"
BAR = "#417690"  # the admin's primary blue
WARN = "#b45309"
GRID = "#e5e7eb"
FONT = 'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif"'


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str  # the number as the page writes it ("12", "3.5 h", "R 1 080.24")
    url: str = ""
    warn: bool = False


def _svg(width: int, height: int, title: str, body: list[str]) -> SafeString:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="{escape(title)}" {FONT} font-size="13">'
        f"<title>{escape(title)}</title>"
    )
    return mark_safe(head + "".join(body) + "</svg>")  # every text in it is escaped


def _link(url: str, inner: str) -> str:
    return f'<a href="{escape(url)}">{inner}</a>' if url else inner


def hbars(
    bars: Sequence[Bar], *, title: str, width: int = 440, label_width: int = 120, row: int = 24
) -> SafeString:
    """Horizontal bars, one per row: the label on the left, the number after the bar."""
    number_width = 84
    track = width - label_width - number_width
    top = max((b.value for b in bars), default=0) or 1
    body = []
    for i, bar in enumerate(bars):
        y = i * row
        # a negative value (a month of more credit than invoices) draws no bar; its number says it
        length = max(bar.value / top * track, 2) if bar.value > 0 else 0
        colour = WARN if bar.warn else BAR
        label = (
            f'<text x="{label_width - 8}" y="{y + row * 0.68:.1f}" text-anchor="end" '
            f'fill="{INK}">{escape(bar.label)}</text>'
        )
        rect = (
            f'<rect x="{label_width}" y="{y + 4}" width="{length:.1f}" height="{row - 8}" '
            f'rx="2" fill="{colour}"/>'
        )
        number = (
            f'<text x="{label_width + length + 6:.1f}" y="{y + row * 0.68:.1f}" '
            f'fill="{INK}" font-variant-numeric="tabular-nums">{escape(bar.text)}</text>'
        )
        body.append(_link(bar.url, label + rect + number))
    return _svg(width, max(len(bars), 1) * row, title, body)


def columns(bars: Sequence[Bar], *, title: str, width: int = 440, height: int = 150) -> SafeString:
    """Vertical columns over time (oldest on the left), the number above each, the label under;
    a column with no value is a dash on the base line."""
    base = height - 22
    room = base - 20
    top = max((b.value for b in bars), default=0) or 1
    step = width / max(len(bars), 1)
    body = [f'<line x1="0" y1="{base}" x2="{width}" y2="{base}" stroke="{GRID}"/>']
    for i, bar in enumerate(bars):
        x = i * step
        centre = x + step / 2
        tall = max(bar.value, 0) / top * room
        colour = WARN if bar.warn else BAR
        if tall:
            body.append(
                f'<rect x="{x + step * 0.18:.1f}" y="{base - tall:.1f}" width="{step * 0.64:.1f}" '
                f'height="{tall:.1f}" rx="2" fill="{colour}"/>'
            )
        body.append(
            f'<text x="{centre:.1f}" y="{base - tall - 5:.1f}" text-anchor="middle" '
            f'fill="{INK if bar.text != "–" else QUIET}" '
            f'font-variant-numeric="tabular-nums">{escape(bar.text)}</text>'
        )
        body.append(
            f'<text x="{centre:.1f}" y="{height - 6}" text-anchor="middle" fill="{QUIET}" '
            f'font-size="12">{escape(bar.label)}</text>'
        )
    return _svg(width, height, title, body)
