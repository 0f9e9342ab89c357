"""Where e-mails come from, behind one interface: an IMAP mailbox (over SSL, python's imaplib) or
a folder of .eml files. Both hand out messages not read yet and are told when one is safely
stored (`done`): only then is an IMAP message marked seen (or moved), or a file moved aside.
Tests put a fake IMAP connection behind the same `ImapMailbox`.
"""

from __future__ import annotations

import imaplib
import logging
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings

logger = logging.getLogger(__name__)

MB = 1024 * 1024


@dataclass(frozen=True)
class MailItem:
    """One message from a mailbox: `reference` says which (an IMAP UID, a file's path); `raw`
    is empty and `refusal` says why when it could not be fetched (too large, unreadable)."""

    reference: str
    raw: bytes
    refusal: str = ""


class Mailbox(Protocol):
    """Messages not read yet, and a way to say one is stored."""

    label: str

    def unread(self) -> Iterator[MailItem]: ...

    def done(self, item: MailItem) -> None: ...

    def close(self) -> None: ...


class MailboxError(Exception):
    """The mailbox cannot be reached or read (wrong password, no such folder): one sentence."""


def max_message_bytes() -> int:
    return int(settings.INGEST_MAIL_MAX_MESSAGE_MB) * MB


def _too_large(size: int) -> str:
    return (
        f"the message is too large ({size / MB:.1f} MB; the limit is "
        f"{settings.INGEST_MAIL_MAX_MESSAGE_MB} MB): it was left where it is, unread"
    )


class FolderMailbox:
    """.eml files: the files given, and the .eml files in the folders given (not below).

    With `move_done_to`, a stored message's file is moved into that folder (the scheduled task
    keeps its folder for new mail); without, files are left where they are (the command)."""

    def __init__(self, paths: list[Path], *, move_done_to: Path | None = None):
        self.paths = [Path(p) for p in paths]
        self.move_done_to = move_done_to
        self.label = ", ".join(str(p) for p in self.paths)[:300]

    def files(self) -> list[Path]:
        found: list[Path] = []
        for path in self.paths:
            if path.is_dir():
                found += sorted(
                    p for p in path.iterdir() if p.is_file() and p.suffix.lower() == ".eml"
                )
            else:
                found.append(path)
        return found

    def unread(self) -> Iterator[MailItem]:
        limit = max_message_bytes()
        for path in self.files():
            try:
                size = path.stat().st_size
                if size > limit:
                    yield MailItem(str(path), b"", _too_large(size))
                    continue
                raw = path.read_bytes()
            except OSError as exc:
                yield MailItem(str(path), b"", f"the file could not be read ({exc.strerror})")
                continue
            yield MailItem(str(path), raw)

    def done(self, item: MailItem) -> None:
        if self.move_done_to is None:
            return
        self.move_done_to.mkdir(parents=True, exist_ok=True)
        source = Path(item.reference)
        target = self.move_done_to / source.name
        if target.exists():
            target = self.move_done_to / f"{source.stem}-{abs(hash(item.reference))}{source.suffix}"
        shutil.move(str(source), str(target))

    def close(self) -> None:
        return None


_SIZE_RE = re.compile(rb"RFC822\.SIZE (\d+)")
_UID_RE = re.compile(rb"UID (\d+)")


class ImapMailbox:
    """An IMAP folder over SSL. Unseen messages are fetched with BODY.PEEK[] (which leaves them
    unseen); `done` marks one seen, or moves it to `done_folder` when one is set."""

    def __init__(
        self,
        *,
        host: str,
        port: int = 993,
        user: str,
        password: str,
        folder: str = "INBOX",
        done_folder: str = "",
        connect: Callable[[str, int], Any] | None = None,
    ):
        self.host, self.port, self.user, self.password = host, port, user, password
        self.folder, self.done_folder = folder or "INBOX", done_folder
        self.label = f"imap://{user}@{host}:{port}/{self.folder}"[:300]
        self._connect = connect or (lambda h, p: imaplib.IMAP4_SSL(h, p, timeout=60))
        self._imap: Any = None

    def _open(self) -> Any:
        if self._imap is None:
            try:
                imap = self._connect(self.host, self.port)
                imap.login(self.user, self.password)
                status, _ = imap.select(_quoted(self.folder))
            except (OSError, imaplib.IMAP4.error) as exc:
                raise MailboxError(f"the mailbox {self.label} cannot be read: {exc}") from exc
            if status != "OK":
                raise MailboxError(f"the mailbox has no folder {self.folder!r}")
            self._imap = imap
        return self._imap

    def unread(self) -> Iterator[MailItem]:
        imap = self._open()
        status, data = imap.uid("SEARCH", None, "UNSEEN")
        if status != "OK":
            raise MailboxError(f"the mailbox {self.label} refused to list unread messages")
        uids = (data[0] or b"").split() if data else []
        limit = max_message_bytes()
        for uid in uids:
            reference = uid.decode("ascii", "replace")
            status, sizes = imap.uid("FETCH", uid, "(RFC822.SIZE)")
            size = _first_int(_SIZE_RE, sizes) if status == "OK" else None
            if size is not None and size > limit:
                yield MailItem(reference, b"", _too_large(size))
                continue
            status, parts = imap.uid("FETCH", uid, "(BODY.PEEK[])")
            raw = _body(parts) if status == "OK" else None
            if raw is None:
                yield MailItem(reference, b"", "the mailbox did not hand the message over")
                continue
            if len(raw) > limit:
                yield MailItem(reference, b"", _too_large(len(raw)))
                continue
            yield MailItem(reference, raw)

    def done(self, item: MailItem) -> None:
        """Mark the message seen, or move it to the done folder: with MOVE where the server has
        it, else a copy and the original flagged deleted (expunged by its UID with UIDPLUS; never
        a plain EXPUNGE, which would remove what a person deleted and meant to keep a while)."""
        imap = self._open()
        if self.done_folder:
            capabilities = {str(c).upper() for c in getattr(imap, "capabilities", ())}
            target = _quoted(self.done_folder)
            if "MOVE" in capabilities:
                status, _ = imap.uid("MOVE", item.reference, target)
                if status == "OK":
                    return
            else:
                status, _ = imap.uid("COPY", item.reference, target)
                if status == "OK":
                    imap.uid("STORE", item.reference, "+FLAGS", "(\\Seen \\Deleted)")
                    if "UIDPLUS" in capabilities:
                        imap.uid("EXPUNGE", item.reference)
                    return
            logger.warning("could not move message %s to %s", item.reference, self.done_folder)
        imap.uid("STORE", item.reference, "+FLAGS", "(\\Seen)")

    def close(self) -> None:
        if self._imap is None:
            return
        try:
            self._imap.close()
            self._imap.logout()
        except Exception:  # closing is a courtesy
            logger.warning("could not log out of %s", self.label, exc_info=True)
        self._imap = None


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _first_int(pattern: re.Pattern[bytes], data: Any) -> int | None:
    for entry in data or []:
        text = entry[0] if isinstance(entry, tuple) else entry
        if isinstance(text, bytes):
            found = pattern.search(text)
            if found:
                return int(found.group(1))
    return None


def _body(parts: Any) -> bytes | None:
    for entry in parts or []:
        if isinstance(entry, tuple) and len(entry) >= 2 and isinstance(entry[1], bytes):
            return entry[1]
    return None


def configured_mailboxes() -> list[Mailbox]:
    """The mailboxes the settings name: the IMAP one (INGEST_MAIL_IMAP_HOST) and the folder
    (INGEST_MAIL_FOLDER, whose read files go to its 'read' subfolder); none when neither is
    set."""
    boxes: list[Mailbox] = []
    if settings.INGEST_MAIL_IMAP_HOST:
        boxes.append(
            ImapMailbox(
                host=settings.INGEST_MAIL_IMAP_HOST,
                port=int(settings.INGEST_MAIL_IMAP_PORT),
                user=settings.INGEST_MAIL_IMAP_USER,
                password=settings.INGEST_MAIL_IMAP_PASSWORD,
                folder=settings.INGEST_MAIL_IMAP_FOLDER,
                done_folder=settings.INGEST_MAIL_IMAP_DONE_FOLDER,
            )
        )
    if settings.INGEST_MAIL_FOLDER:
        folder = Path(settings.INGEST_MAIL_FOLDER)
        boxes.append(FolderMailbox([folder], move_done_to=folder / "read"))
    return boxes
