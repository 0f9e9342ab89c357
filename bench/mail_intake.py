"""Benchmark: e-mail intake (issue 13, point 6) — how long the mail task takes a message, and
the memory one large message needs.

    .venv/bin/python bench/mail_intake.py [--messages 200] [--large-mb 40]

A scratch SQLite database in a temporary folder (removed at the end): migrate, a client with a
contact. Then:
  1. `--messages` e-mails from the contact, each a new request with its own small DXF (a real
     sample made distinct by a comment), and a tenth as many from unknown senders, written as
     .eml files and read through the folder mailbox as the mail task reads them: stored, a job
     made, the DXF through ingest() (the worker's reading is queued, not timed);
  2. one e-mail with a `--large-mb` attachment (refused by ingest over its limit, or stored):
     the peak Python memory (tracemalloc) while it is read and filed.
Prints the times and the peak; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
import tracemalloc
from email.message import EmailMessage
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DXF = ROOT / "ingest" / "tests" / "samples" / "dxf" / "fdlb__L_bracket_blank_50x50_t2_2x5.dxf"


def _mail(n: int, sender: str, attachment: tuple[str, bytes]) -> bytes:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = "orders@shop.example"
    mail["Subject"] = f"Request {n}"
    mail["Message-ID"] = f"<bench-{n}@acme.example>"
    mail.set_content(f"Please quote request {n}.")
    name, data = attachment
    mail.add_attachment(data, maintype="application", subtype="dxf", filename=name)
    return mail.as_bytes()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--large-mb", type=int, default=40)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-mail-"))
    try:
        os.environ.update(
            DATABASE_URL=f"sqlite:///{folder / 'db.sqlite3'}",
            DATA_DIR=str(folder),
            MEDIA_ROOT=str(folder / "media"),
            DJANGO_SETTINGS_MODULE="laseros.settings",
            DEBUG="0",
            SITE_HTTPS="0",
            SECRET_KEY="bench-" + "x" * 50,
            TASKS_RUN_INLINE="0",
        )
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from django.core.management import call_command

        from clients.models import Client, Contact
        from ingest.mail.mailbox import FolderMailbox
        from ingest.mail.services import read_mailbox
        from ingest.models import MailMessage

        call_command("migrate", verbosity=0)
        client = Client.objects.create(code="CL-0001", name="ACME")
        Contact.objects.create(client=client, name="Buyer", email="buyer@acme.example")

        inbox = folder / "inbox"
        inbox.mkdir()
        drawing = DXF.read_bytes()
        unknown = max(1, args.messages // 10)
        for n in range(args.messages + unknown):
            sender = "buyer@acme.example" if n < args.messages else f"x{n}@nowhere.example"
            data = drawing.replace(b"EOF", f"999\nbench {n}\n  0\nEOF".encode(), 1)
            (inbox / f"{n:05d}.eml").write_bytes(_mail(n, sender, (f"part-{n}.dxf", data)))

        start, cpu = time.perf_counter(), time.process_time()
        results = read_mailbox(mailbox=FolderMailbox([inbox], move_done_to=folder / "read"))
        took, cpu_took = time.perf_counter() - start, time.process_time() - cpu
        total = len(results)
        print(
            f"{total} e-mails ({args.messages} new requests with a DXF, {unknown} unknown "
            f"senders) read and filed: {took:.2f} s wall, {cpu_took:.2f} s CPU, "
            f"{1000 * took / total:.1f} ms an e-mail"
        )
        print(f"  rows: {MailMessage.objects.count()} e-mails stored")

        large = inbox / "large.eml"
        big = b"0\nSECTION\n" + b"999\n" + b"x" * (args.large_mb * 1024 * 1024) + b"\n0\nEOF\n"
        large.write_bytes(_mail(999_999, "buyer@acme.example", ("huge.dxf", big)))
        del big
        tracemalloc.start()
        start = time.perf_counter()
        [(reference, outcome)] = read_mailbox(mailbox=FolderMailbox([large]))
        took = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        size_mb = large.stat().st_size / 1024 / 1024
        print(
            f"one {size_mb:.1f} MB e-mail ({args.large_mb} MB attachment): {took:.2f} s, "
            f"peak Python memory {peak / 1024 / 1024:.0f} MB ({peak / large.stat().st_size:.1f}× "
            "the message)"
        )
        print(f"  {outcome.text[:200]}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
