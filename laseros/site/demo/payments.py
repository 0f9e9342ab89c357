"""What a demo job's client paid, and the proof of payment it sent: a small PDF made here.

A job is paid what it was quoted plus VAT (a quote is excl. VAT; the amount paid is what the bank
shows, VAT included), so the demo's job pages, history and API read as one story (issue 10: no
"amount not entered"). The PDF is plain text made here (no timestamps, no library), one page.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings

CENT = Decimal("0.01")


def paid_for(quoted_price: Decimal) -> Decimal:
    """What the client pays for a job quoted at `quoted_price` (excl. VAT): the quote plus VAT."""
    return (Decimal(quoted_price) * (1 + Decimal(settings.VAT_RATE))).quantize(CENT)


def proof_of_payment_name(code: str) -> str:
    return f"POP-{code}.pdf"


def proof_of_payment_pdf(*, code: str, client: str, amount: Decimal, paid_on: dt.date) -> bytes:
    """A bank's payment notification for the job, as a one-page PDF that shows the amount."""
    from projects.services.jobs import rand

    lines = (
        "Payment notification (demo)",
        "",
        f"Paid by: {client}",
        "Paid to: Laser OS demo shop",
        f"Date: {paid_on:%d %B %Y}",
        f"Amount: {rand(amount)}",
        f"Reference: {code}",
        "Method: EFT",
    )
    return _one_page_pdf(lines)


def _escape(text: str) -> bytes:
    raw = text.encode("latin-1", errors="replace")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def _one_page_pdf(lines: tuple[str, ...]) -> bytes:
    """A valid PDF 1.4: one A4 page of Helvetica text lines, with its cross-reference table."""
    text = b"BT /F1 12 Tf 16 TL 72 770 Td " + b" ".join(b"(" + _escape(s) + b") '" for s in lines)
    stream = text + b" ET"
    objects = (
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    )
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)
