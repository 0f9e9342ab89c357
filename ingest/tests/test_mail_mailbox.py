"""Where e-mails come from: an IMAP mailbox (a fake IMAP connection behind the real ImapMailbox)
and folders of .eml files, read by the mail task and by `manage.py ingest_mail`. A message is
marked seen (or moved) only once it is stored; one that cannot be stored stays unread."""

from __future__ import annotations

import imaplib
import re
import shutil
from io import StringIO
from unittest import mock

import pytest
from django.core.management import CommandError, call_command

from clients.models import Contact
from ingest.mail import services
from ingest.mail.mailbox import FolderMailbox, ImapMailbox, MailboxError
from ingest.models import FileIngest, MailMessage, MailStatus
from projects.models import Project

from . import mail_builders as mb
from .factories import ClientFactory

pytestmark = pytest.mark.django_db


class FakeImap:
    """The part of imaplib.IMAP4_SSL the mailbox uses, over messages held in memory:
    {uid: [raw bytes, set of flags, folder]}."""

    def __init__(
        self, messages: dict[int, bytes], *, password: str = "secret", capabilities=("IMAP4REV1",)
    ):
        self.capabilities = tuple(capabilities)
        self.messages = {uid: [raw, set(), "INBOX"] for uid, raw in messages.items()}
        self.password = password
        self.selected = ""
        self.logged_out = False

    def login(self, user, password):
        if password != self.password:
            raise imaplib.IMAP4.error("[AUTHENTICATIONFAILED] Invalid credentials")
        return "OK", [b"Logged in"]

    def select(self, folder):
        self.selected = folder.strip('"')
        return ("OK", [b"1"]) if self.selected == "INBOX" else ("NO", [b"no such folder"])

    def uid(self, command, *args):
        command = command.upper()
        if command == "SEARCH":
            unseen = [
                str(uid).encode()
                for uid, (_, flags, folder) in sorted(self.messages.items())
                if "\\Seen" not in flags and folder == self.selected
            ]
            return "OK", [b" ".join(unseen)]
        uid = int(args[0])
        raw, flags, _ = self.messages[uid]
        if command == "FETCH" and "SIZE" in args[1]:
            return "OK", [f"{uid} (UID {uid} RFC822.SIZE {len(raw)})".encode()]
        if command == "FETCH":
            return "OK", [(f"{uid} (UID {uid} BODY[] {{{len(raw)}}}".encode(), raw), b")"]
        if command == "STORE":
            flags.update(re.findall(r"\\\w+", args[2]))
            return "OK", []
        if command in ("COPY", "MOVE"):
            self.messages[uid + 1000] = [raw, set(), args[1].strip('"')]
            if command == "MOVE":
                del self.messages[uid]
            return "OK", []
        if command == "EXPUNGE":
            if "\\Deleted" in flags:
                del self.messages[uid]
            return "OK", []
        raise AssertionError(f"unexpected IMAP command {command}")

    def expunge(self):
        raise AssertionError("a plain EXPUNGE removes what a person deleted too")

    def close(self):
        return "OK", []

    def logout(self):
        self.logged_out = True
        return "BYE", []

    def flags(self, uid):
        return self.messages[uid][1]


def _imap(fake, **kwargs):
    return ImapMailbox(
        host="imap.shop.example",
        user="orders",
        password="secret",
        connect=lambda h, p: fake,
        **kwargs,
    )


@pytest.fixture
def acme():
    client = ClientFactory(code="CL-0001")
    Contact.objects.create(client=client, name="Thandi", email="thandi@acme.example")
    return client


def test_imap_messages_are_stored_then_marked_seen_and_not_read_again(committed, acme):
    fake = FakeImap(
        {
            7: mb.raw(mb.message(attachments=[mb.dxf()])),
            8: mb.raw(mb.message(sender="stranger@nowhere.example")),
        }
    )
    with committed():
        results = services.read_mailbox(mailbox=_imap(fake))

    assert [ref for ref, _ in results] == ["7", "8"]
    assert all(o.stored for _, o in results)
    assert "\\Seen" in fake.flags(7) and "\\Seen" in fake.flags(8)
    assert fake.logged_out
    statuses = dict(MailMessage.objects.values_list("reference", "status"))
    assert statuses == {"7": MailStatus.FILED, "8": MailStatus.UNKNOWN_SENDER}
    assert MailMessage.objects.get(reference="7").mailbox == (
        "imap://orders@imap.shop.example:993/INBOX"
    )

    fake.logged_out = False
    assert services.read_mailbox(mailbox=_imap(fake)) == []  # nothing unseen is left
    assert MailMessage.objects.count() == 2


def test_a_message_that_cannot_be_stored_stays_unread_in_the_mailbox(committed, acme):
    fake = FakeImap({3: mb.raw(mb.message())})
    with mock.patch.object(services, "_store", side_effect=OSError("disk full")):
        [(ref, outcome)] = services.read_mailbox(mailbox=_imap(fake))

    assert outcome.message is None and "not stored, left in the mailbox" in outcome.text
    assert "disk full" in outcome.text
    assert "\\Seen" not in fake.flags(3) and MailMessage.objects.count() == 0

    with committed():  # the next run takes it
        [(ref, outcome)] = services.read_mailbox(mailbox=_imap(fake))
    assert outcome.stored and "\\Seen" in fake.flags(3)


def test_a_message_seen_before_but_not_marked_is_marked_without_being_read_again(committed, acme):
    raw = mb.raw(mb.message())
    with committed():
        services.receive_message(raw=raw, mailbox="earlier run")
    fake = FakeImap({5: raw})
    [(ref, outcome)] = services.read_mailbox(mailbox=_imap(fake))

    assert not outcome.stored and "already read" in outcome.text
    assert "\\Seen" in fake.flags(5) and MailMessage.objects.count() == 1


@pytest.mark.parametrize("capabilities", [("MOVE",), ("UIDPLUS",)])
def test_a_done_folder_gets_the_stored_messages(committed, acme, capabilities):
    fake = FakeImap({1: mb.raw(mb.message())}, capabilities=capabilities)
    fake.messages[2] = [b"From: a@b.example\r\n\r\nx", {"\\Seen", "\\Deleted"}, "INBOX"]
    with committed():
        services.read_mailbox(mailbox=_imap(fake, done_folder="Laser OS/read"))

    assert 1 not in fake.messages and 2 in fake.messages  # what a person deleted stays theirs
    assert fake.messages[1001][2] == "Laser OS/read"


def test_without_move_or_uidplus_the_original_is_flagged_deleted_and_left(committed, acme):
    fake = FakeImap({1: mb.raw(mb.message())})
    with committed():
        services.read_mailbox(mailbox=_imap(fake, done_folder="Laser OS/read"))

    assert fake.messages[1001][2] == "Laser OS/read"
    assert {"\\Seen", "\\Deleted"} <= fake.flags(1)


def test_a_message_over_the_size_limit_is_left_unread_with_the_reason(settings, acme):
    settings.INGEST_MAIL_MAX_MESSAGE_MB = 1
    big = mb.raw(
        mb.message(attachments=[("big.pdf", b"%PDF-1.4\n" + b"x" * 1_200_000, "application/pdf")])
    )
    fake = FakeImap({9: big})
    [(ref, outcome)] = services.read_mailbox(mailbox=_imap(fake))

    assert (
        outcome.message is None and "too large" in outcome.text and "limit is 1 MB" in outcome.text
    )
    assert "\\Seen" not in fake.flags(9) and MailMessage.objects.count() == 0


def test_a_wrong_password_or_folder_is_said_in_one_sentence():
    with pytest.raises(MailboxError, match="cannot be read: .*Invalid credentials"):
        services.read_mailbox(mailbox=_imap(FakeImap({}, password="other")))
    with pytest.raises(MailboxError, match="no folder 'Orders'"):
        services.read_mailbox(mailbox=_imap(FakeImap({}), folder="Orders"))


def test_the_mail_task_reads_the_mail_folder_and_moves_what_it_stored(
    committed, acme, settings, tmp_path
):
    inbox = tmp_path / "mail"
    inbox.mkdir()
    (inbox / "one.eml").write_bytes(mb.raw(mb.message(attachments=[mb.dxf()])))
    (inbox / "notes.txt").write_text("not an e-mail")
    settings.INGEST_MAIL_FOLDER = str(inbox)
    settings.INGEST_MAIL_IMAP_HOST = ""

    from ingest.tasks import read_mail

    with committed():
        result = read_mail()

    assert "1 message(s)" in result and "filed with a job" in result
    assert not (inbox / "one.eml").exists() and (inbox / "read" / "one.eml").exists()
    assert (inbox / "notes.txt").exists()
    assert Project.objects.count() == 1 and FileIngest.objects.count() == 1


def test_the_mail_task_with_nothing_configured_does_nothing(settings):
    settings.INGEST_MAIL_FOLDER = ""
    settings.INGEST_MAIL_IMAP_HOST = ""
    from ingest.tasks import read_mail

    assert read_mail() == "no mailbox configured, nothing to do"


def test_the_mail_task_is_scheduled():
    from laseros.tasks import SCHEDULES

    assert SCHEDULES["ingest.read_mail"]["func"] == "ingest.tasks.read_mail"
    assert SCHEDULES["ingest.read_mail"]["schedule_type"] == "I"


def test_folder_mailbox_reads_files_and_folders_and_leaves_them_by_default(tmp_path):
    (tmp_path / "a.eml").write_bytes(b"From: a@b.example\r\n\r\nx")
    (tmp_path / "b.EML").write_bytes(b"From: c@d.example\r\n\r\ny")
    single = tmp_path / "other.msg"
    single.write_bytes(b"From: e@f.example\r\n\r\nz")
    box = FolderMailbox([tmp_path, single])

    items = list(box.unread())
    assert [i.reference.rsplit("/", 1)[-1] for i in items] == ["a.eml", "b.EML", "other.msg"]
    box.done(items[0])
    assert (tmp_path / "a.eml").exists()


def _call(*args):
    out = StringIO()
    call_command("ingest_mail", *args, stdout=out)
    return out.getvalue()


def test_the_command_reads_eml_files_and_says_what_it_did_per_message(acme, tmp_path):
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "request.eml").write_bytes(mb.raw(mb.message(attachments=[mb.dxf()])))
    (folder / "stranger.eml").write_bytes(mb.raw(mb.message(sender="x@nowhere.example")))
    shutil.copy(mb.MAIL_SAMPLES / "rfc2231-names.eml", folder / "railing.eml")

    output = _call(str(folder), "--sync")

    assert "request.eml: e-mail #" in output and "filed with a job" in output
    assert "bracket.dxf: stored as CL0001-" in output
    assert "stranger.eml: e-mail #" in output and "unknown sender" in output
    assert "railing.eml" in output
    assert "3 message(s) read, 0 not read" in output
    assert (folder / "request.eml").exists()  # the command leaves the files

    again = _call(str(folder / "request.eml"))
    assert "already read" in again and "0 message(s) read" in again


def test_the_command_refuses_paths_that_are_not_there_and_folders_without_eml(tmp_path):
    with pytest.raises(CommandError, match="not found: .*nope"):
        _call(str(tmp_path / "nope"))
    with pytest.raises(CommandError, match="no .eml files in"):
        _call(str(tmp_path))
    assert MailMessage.objects.count() == 0


def test_the_command_without_a_path_needs_a_configured_mailbox(settings):
    settings.INGEST_MAIL_FOLDER = ""
    settings.INGEST_MAIL_IMAP_HOST = ""
    with pytest.raises(CommandError, match="no PATH given and no mailbox configured"):
        _call()
