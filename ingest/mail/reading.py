"""Reading one e-mail: who sent it, its subject and text, and its attachments, decoded.

Attachments are found in every part, forwarded messages (message/rfc822) included. Names are
decoded whichever way the sender's program wrote them: RFC 2231 (`filename*=iso-8859-1''…`),
encoded words (`=?ISO-8859-1?Q?…?=`), or raw 8-bit bytes (UTF-8, else Latin-1). An image the
HTML text shows by its Content-ID and that is small (a signature logo) is not an attachment.
Nothing here touches the database.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import hashlib
import mimetypes
import re
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage, Message
from email.utils import getaddresses, parsedate_to_datetime

from django.conf import settings
from django.utils.html import strip_tags

from ..services import clean_original_name

MESSAGE_ID_MAX = 998
BODY_MAX_CHARS = 20_000
_CID_RE = re.compile(r"cid:([^\"'\s>)]+)", re.IGNORECASE)


class UnreadableMessage(ValueError):
    """Bytes that are not an e-mail (no From, no headers): said in one sentence."""


@dataclass
class Attachment:
    """One attachment as sent: its decoded name, type and bytes; `skip` says why it is not an
    attachment after all (an inline image), `refusal` why it may not be stored."""

    position: int
    name: str
    content_type: str
    payload: bytes
    forwarded: bool = False
    skip: str = ""
    refusal: str = ""

    @property
    def size(self) -> int:
        return len(self.payload)


@dataclass
class ReadMessage:
    """What one e-mail says, decoded."""

    message_id: str
    key: str
    from_address: str
    from_name: str
    subject: str
    body_text: str
    sent_at: dt.datetime | None
    attachments: list[Attachment] = field(default_factory=list)


def message_key(message_id: str, raw: bytes) -> str:
    """The key an e-mail is remembered by: its Message-ID, else its bytes."""
    basis = message_id.strip().lower().encode("utf-8") if message_id else b"raw:" + raw
    return hashlib.sha256(basis).hexdigest()


def read_message(raw: bytes) -> ReadMessage:
    """The e-mail in `raw`, decoded; UnreadableMessage when it has no sender to match."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    from_address, from_name = _sender(message)
    if not from_address:
        raise UnreadableMessage(
            "the message has no sender address (From): it is not an e-mail Laser OS can file"
        )
    message_id = _header(message, "Message-ID")[:MESSAGE_ID_MAX]
    texts: list[str] = []
    htmls: list[str] = []
    leaves: list[tuple[Message, bool]] = []
    _walk(message, forwarded=False, texts=texts, htmls=htmls, leaves=leaves)
    referenced = {cid.lower() for html in htmls for cid in _CID_RE.findall(html)}
    attachments = [
        _attachment(part, position, forwarded=forwarded, referenced=referenced)
        for position, (part, forwarded) in enumerate(leaves, start=1)
    ]
    body = "\n\n".join(t.strip() for t in texts if t.strip())
    if not body and htmls:
        body = strip_tags(htmls[0]).strip()
    return ReadMessage(
        message_id=message_id,
        key=message_key(message_id, raw),
        from_address=from_address,
        from_name=from_name,
        subject=_one_line(_header(message, "Subject"))[:500],
        body_text=body[:BODY_MAX_CHARS],
        sent_at=_sent_at(message),
        attachments=attachments,
    )


def _header(message: Message, name: str) -> str:
    try:
        value = message.get(name)
    except Exception:  # a header the policy cannot parse: its raw text
        value = None
        for key, raw_value in message.raw_items():
            if key.lower() == name.lower():
                value = raw_value
                break
    return _fix_8bit(str(value or "")).strip()


def _sender(message: Message) -> tuple[str, str]:
    """The From address (lower case) and name; the first one when there are several."""
    try:
        header = message.get("From")
        addresses = getattr(header, "addresses", None)
        if addresses:
            first: Address = addresses[0]
            return first.addr_spec.strip().lower(), _one_line(_fix_8bit(first.display_name))[:200]
    except Exception:
        pass
    pairs = getaddresses([_header(message, "From")])
    for name, address in pairs:
        if "@" in address:
            return address.strip().lower(), _one_line(name)[:200]
    return "", ""


def _sent_at(message: Message) -> dt.datetime | None:
    text = _header(message, "Date")
    if not text:
        return None
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when


def _walk(
    part: Message,
    *,
    forwarded: bool,
    texts: list[str],
    htmls: list[str],
    leaves: list[tuple[Message, bool]],
    depth: int = 0,
) -> None:
    """Text parts into `texts`/`htmls`, every other leaf into `leaves`; forwarded messages are
    walked too (their text is not the sender's, their attachments are)."""
    if depth > 20:  # a message nested deeper than any mail program makes: its parts are left
        return
    content_type = part.get_content_type()
    if content_type == "message/rfc822":
        for inner in part.get_payload() or []:
            if isinstance(inner, Message):
                _walk(inner, forwarded=True, texts=[], htmls=htmls, leaves=leaves, depth=depth + 1)
        return
    if part.is_multipart():
        for inner in part.get_payload() or []:
            if isinstance(inner, Message):
                _walk(
                    inner,
                    forwarded=forwarded,
                    texts=texts,
                    htmls=htmls,
                    leaves=leaves,
                    depth=depth + 1,
                )
        return
    disposition = (part.get_content_disposition() or "").lower()
    has_name = bool(
        part.get_param("filename", header="content-disposition") or part.get_param("name")
    )
    if content_type in ("text/plain", "text/html") and disposition != "attachment" and not has_name:
        text = _text_of(part)
        (htmls if content_type == "text/html" else texts).append(text)
        return
    leaves.append((part, forwarded))


def _payload(part: Message) -> bytes:
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else b""


def _text_of(part: Message) -> str:
    payload = _payload(part)
    charset = part.get_content_charset() or "utf-8"
    try:
        return payload.decode(charset, errors="replace")
    except LookupError:  # a charset Python does not know
        return payload.decode("utf-8", errors="replace")


def _attachment(
    part: Message, position: int, *, forwarded: bool, referenced: set[str]
) -> Attachment:
    payload = _payload(part)
    content_type = part.get_content_type()[:100]
    name = attachment_name(part, position)
    found = Attachment(
        position=position,
        name=name,
        content_type=content_type,
        payload=payload,
        forwarded=forwarded,
    )
    content_id = _header(part, "Content-ID").strip("<> ").lower()
    small = len(payload) <= int(settings.INGEST_MAIL_INLINE_IMAGE_MAX_KB) * 1024
    if content_type.startswith("image/") and content_id and content_id in referenced and small:
        found.skip = "an image shown in the message's text (e.g. a signature logo)"
    else:
        found.refusal = unsafe_name_reason(_raw_name(part))
    return found


_RAW_NAME_RE = re.compile(r'(?:^|;)\s*(?:file)?name\s*=\s*"?([^";\r\n]+)', re.IGNORECASE)


def _raw_name(part: Message) -> str:
    name = part.get_filename() or part.get_param("name") or ""
    if isinstance(name, tuple):  # RFC 2231 the policy left undecoded
        name = email.utils.collapse_rfc2231_value(name)
    name = str(name)
    if "\ufffd" in name:  # raw 8-bit bytes, no charset: read them from the header as sent
        name = _raw_header_name(part) or name
    return _fix_8bit(name)


def _raw_header_name(part: Message) -> str:
    for header in ("Content-Disposition", "Content-Type"):
        for key, value in part.raw_items():
            if key.lower() == header.lower():
                found = _RAW_NAME_RE.search(str(value))
                if found:
                    return found.group(1).strip()
    return ""


def attachment_name(part: Message, position: int) -> str:
    """The attachment's name decoded (RFC 2231, encoded words, raw 8-bit), without folders;
    one made from its type when it has none (attachment-3.pdf)."""
    name = _raw_name(part).replace("\\", "/").rsplit("/", 1)[-1]
    name = clean_original_name(name)
    if name in ("", ".", ".."):
        extension = mimetypes.guess_extension(part.get_content_type()) or ".bin"
        name = f"attachment-{position}{extension}"
    return name


def unsafe_name_reason(name: str) -> str:
    """Why a name as sent is refused (it climbs out of its folder or starts at a root), or ''."""
    text = name.replace("\\", "/")
    parts = text.split("/")
    if ".." in parts or text.startswith("/") or re.match(r"^[A-Za-z]:/", text):
        return (
            f"the name {clean_original_name(name)!r} tries to reach folders outside its own: "
            "not stored. Ask the sender to send the file again with a plain name"
        )
    return ""


def _fix_8bit(text: str) -> str:
    """Header text from raw 8-bit bytes (no encoding declared): UTF-8 when it is, else Latin-1."""
    if not any("\udc80" <= ch <= "\udcff" for ch in text):
        return text
    data = text.encode("utf-8", errors="surrogateescape")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("iso-8859-1")


def _one_line(text: str) -> str:
    return " ".join(str(text or "").split())
