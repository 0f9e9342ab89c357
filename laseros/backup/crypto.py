"""Encrypted backups: the archive's bytes sealed in chunks with AES-256-GCM.

The key is derived from BACKUP_ENCRYPTION_KEY (any passphrase) with scrypt and a random salt kept
in the file's header. Each chunk's nonce holds its number and whether it is the last, so a chunk
altered, dropped, moved or cut off is refused, as is a wrong key. Chunked rather than one Fernet
token: a backup holds every drawing the shop has, and Fernet seals a message in memory whole.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

MAGIC = b"LASEROS-BACKUP-AESGCM-1\n"
SALT_BYTES = 16
PREFIX_BYTES = 7  # nonce: 7 random bytes, 4 of chunk number, 1 "last chunk" flag
CHUNK_BYTES = 1024 * 1024
LENGTH = struct.Struct(">I")


class DecryptionError(Exception):
    """The key is wrong or the encrypted backup is damaged."""


def derive_key(passphrase: str, salt: bytes) -> bytes:
    return Scrypt(salt=salt, length=32, n=2**15, r=8, p=1).derive(passphrase.encode("utf-8"))


def _nonce(prefix: bytes, number: int, last: bool) -> bytes:
    return prefix + number.to_bytes(4, "big") + (b"\x01" if last else b"\x00")


def is_encrypted(head: bytes) -> bool:
    return head.startswith(MAGIC)


class EncryptingWriter:
    """A file-like sink: what is written is sealed chunk by chunk into `raw`; `close()` seals
    the last chunk (and does not close `raw`)."""

    def __init__(self, raw: BinaryIO, passphrase: str) -> None:
        salt, self._prefix = os.urandom(SALT_BYTES), os.urandom(PREFIX_BYTES)
        self._aead = AESGCM(derive_key(passphrase, salt))
        self._raw = raw
        self._buffer = bytearray()
        self._number = 0
        self._closed = False
        raw.write(MAGIC + salt + self._prefix)

    def write(self, data: bytes) -> int:
        self._buffer += data
        # keep at least one chunk back: the last one is sealed as last at close()
        while len(self._buffer) > CHUNK_BYTES:
            self._seal(bytes(self._buffer[:CHUNK_BYTES]), last=False)
            del self._buffer[:CHUNK_BYTES]
        return len(data)

    def _seal(self, chunk: bytes, *, last: bool) -> None:
        sealed = self._aead.encrypt(_nonce(self._prefix, self._number, last), chunk, MAGIC)
        self._raw.write(LENGTH.pack(len(sealed)) + sealed)
        self._number += 1

    def flush(self) -> None:
        self._raw.flush()

    def close(self) -> None:
        if not self._closed:
            self._seal(bytes(self._buffer), last=True)
            self._buffer.clear()
            self._closed = True


def decrypted_chunks(raw: BinaryIO, passphrase: str) -> Iterator[bytes]:
    """The plain bytes of an encrypted backup, chunk by chunk; DecryptionError when the key is
    wrong or the file was altered or cut short."""
    header = raw.read(len(MAGIC) + SALT_BYTES + PREFIX_BYTES)
    if not header.startswith(MAGIC) or len(header) < len(MAGIC) + SALT_BYTES + PREFIX_BYTES:
        raise DecryptionError("not an encrypted Laser OS backup")
    salt = header[len(MAGIC) : len(MAGIC) + SALT_BYTES]
    prefix = header[len(MAGIC) + SALT_BYTES :]
    aead = AESGCM(derive_key(passphrase, salt))
    number = 0
    while True:
        size_bytes = raw.read(LENGTH.size)
        if len(size_bytes) < LENGTH.size:
            raise DecryptionError("the encrypted backup is cut short (its last part is missing)")
        (size,) = LENGTH.unpack(size_bytes)
        sealed = raw.read(size)
        if len(sealed) < size:
            raise DecryptionError("the encrypted backup is cut short")
        for last in (False, True):
            try:
                chunk = aead.decrypt(_nonce(prefix, number, last), sealed, MAGIC)
            except InvalidTag:
                continue
            break
        else:
            if number == 0:
                raise DecryptionError(
                    "the backup cannot be decrypted: the key (BACKUP_ENCRYPTION_KEY) is not the "
                    "one it was made with, or the file is damaged"
                )
            raise DecryptionError(f"the encrypted backup is damaged (part {number + 1})")
        yield chunk
        number += 1
        if last:
            if raw.read(1):
                raise DecryptionError("the encrypted backup has bytes after its last part")
            return


class DecryptingReader:
    """A read-only file-like view of the plain bytes (for tarfile's stream mode)."""

    def __init__(self, raw: BinaryIO, passphrase: str) -> None:
        self._chunks = decrypted_chunks(raw, passphrase)
        self._buffer = b""

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._buffer) < size:
            try:
                self._buffer += next(self._chunks)
            except StopIteration:
                break
        if size < 0:
            data, self._buffer = self._buffer, b""
        else:
            data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data
