"""The encrypted backup's format (laseros.backup.crypto) on its own: bytes in, bytes out, and
every way of tampering with the sealed chunks refused. Several chunks, so order and cuts count."""

from __future__ import annotations

import io
import os
import re

import pytest

from laseros.backup import crypto

KEY = "a passphrase the shop keeps in its safe"


def sealed(data: bytes, key: str = KEY) -> bytes:
    out = io.BytesIO()
    writer = crypto.EncryptingWriter(out, key)
    for start in range(0, len(data), 300_000):  # written in pieces, as tarfile does
        writer.write(data[start : start + 300_000])
    writer.close()
    return out.getvalue()


def opened(blob: bytes, key: str = KEY) -> bytes:
    return crypto.DecryptingReader(io.BytesIO(blob), key).read()


def chunks(blob: bytes) -> tuple[bytes, list[bytes]]:
    """The header and each length-prefixed sealed chunk."""
    head = len(crypto.MAGIC) + crypto.SALT_BYTES + crypto.PREFIX_BYTES
    header, rest, parts = blob[:head], blob[head:], []
    while rest:
        size = int.from_bytes(rest[:4], "big")
        parts.append(rest[: 4 + size])
        rest = rest[4 + size :]
    return header, parts


DATA = os.urandom(3 * crypto.CHUNK_BYTES + 12345)


def test_round_trip_across_chunks_and_for_nothing_at_all():
    blob = sealed(DATA)
    assert opened(blob) == DATA and DATA[:1000] not in blob
    assert len(chunks(blob)[1]) == 4
    assert opened(sealed(b"")) == b""
    assert sealed(DATA) != blob  # a fresh salt and nonce each time


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        (lambda h, c: h + c[0] + c[2] + c[1] + c[3], "damaged (part 2)"),  # chunks swapped
        (lambda h, c: h + c[0] + c[2] + c[3], "damaged (part 2)"),  # a chunk dropped
        (lambda h, c: h + c[0] + c[1], "cut short"),  # cut at a chunk's end
        (lambda h, c: h + c[0] + c[1] + c[2] + c[3][:-1], "cut short"),  # cut inside one
        (lambda h, c: h + c[0] + c[1] + c[2] + c[3] + b"x", "bytes after its last part"),
        (lambda h, c: h + c[0][:100] + b"\0" + c[0][101:] + c[1] + c[2] + c[3], "not the one"),
        (lambda h, c: h[:-1] + b"\0" + c[0] + c[1] + c[2] + c[3], "not the one"),  # the nonce
    ],
)
def test_tampering_is_refused(tamper, message):
    header, parts = chunks(sealed(DATA))
    with pytest.raises(crypto.DecryptionError, match=re.escape(message)):
        opened(tamper(header, parts))


def test_a_wrong_key_is_refused_at_once():
    with pytest.raises(crypto.DecryptionError, match="not the one it was made with"):
        opened(sealed(DATA), key="another passphrase")
