"""Real e-mails for the mail intake tests, written with Python's email package at test time (as
a mail program writes them: multipart/mixed, related HTML with a logo, forwarded messages), plus
the hand-made samples in samples/mail/. The drawings are small real DXF files from samples/dxf/."""

from __future__ import annotations

import datetime as dt
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

SAMPLES = Path(__file__).parent / "samples"
MAIL_SAMPLES = SAMPLES / "mail"
BRACKET_DXF = (SAMPLES / "dxf" / "fdlb__L_bracket_blank_50x50_t2_2x5.dxf").read_bytes()
PLATE_DXF = (SAMPLES / "dxf" / "fdlb__base_plate_200x200_t10_4x18_on160.dxf").read_bytes()
DIVIDER_DXF = (SAMPLES / "dxf" / "fdlb__room_divider_800x1800_t3_3slots.dxf").read_bytes()
LOGO_PNG = (SAMPLES / "images" / "fdlb__test_image.png").read_bytes()


def message(
    *,
    sender: str = "Thandi Mokoena <thandi@acme.example>",
    subject: str = "Brackets for the gate",
    text: str = "Hi, please quote 10 of the attached bracket in 3 mm mild steel.",
    attachments: list[tuple[str, bytes, str]] | None = None,
    message_id: str | None = None,
    logo: bytes | None = None,
) -> EmailMessage:
    """A multipart/mixed e-mail: text, then each (name, bytes, type) attached. With `logo`, the
    text also comes as HTML that shows the logo by its Content-ID (multipart/related), as
    Outlook and Gmail send a signature."""
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = "orders@shop.example"
    mail["Subject"] = subject
    mail["Date"] = format_datetime(dt.datetime(2026, 12, 4, 9, 30, tzinfo=dt.UTC))
    mail["Message-ID"] = message_id or make_msgid(domain="acme.example")
    mail.set_content(text)
    if logo is not None:
        cid = make_msgid(domain="acme.example")
        mail.add_alternative(
            f'<p>{text}</p><p><img src="cid:{cid[1:-1]}" alt="ACME"></p>', subtype="html"
        )
        html_part = mail.get_payload()[1]
        html_part.add_related(
            logo, maintype="image", subtype="png", cid=cid, filename="image001.png"
        )
    for name, data, content_type in attachments or []:
        maintype, subtype = content_type.split("/", 1)
        mail.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return mail


def dxf(name: str = "bracket.dxf", data: bytes = BRACKET_DXF) -> tuple[str, bytes, str]:
    return (name, data, "application/dxf")


def forwarded(inner: EmailMessage, *, sender: str, subject: str) -> EmailMessage:
    """`inner` forwarded as an attachment (message/rfc822), as mail programs forward."""
    mail = message(sender=sender, subject=subject, text="See below, from our customer.")
    mail.add_attachment(inner)
    return mail


def raw(mail: EmailMessage) -> bytes:
    return mail.as_bytes()
