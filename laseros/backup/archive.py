"""A backup file: a gzip-compressed tar holding the database copy, every stored file and a
manifest (row counts per table, the sha256 and size of every file), optionally encrypted
(laseros.backup.crypto).

Reading one checks everything before anything is restored: the manifest against its own checksum,
every file against the manifest, nothing missing and nothing extra. Files are unpacked to numbered
names in a private folder, never to the names inside the archive.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
import tempfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, BinaryIO

from . import crypto

FORMAT = "laseros-backup"
VERSION = 1
MANIFEST = "manifest.json"
MANIFEST_SUM = "manifest.sha256"
STORES = "stores/"
COPY_BYTES = 1024 * 1024


class DamagedBackup(Exception):
    """The backup cannot be trusted; the message names what is wrong. Nothing was changed."""


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(COPY_BYTES):
            digest.update(block)
    return digest.hexdigest()


class _Hashing:
    """Passes reads (or writes) through, hashing the bytes and counting them."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.digest = hashlib.sha256()
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        data = self.inner.read(size)
        self.digest.update(data)
        self.size += len(data)
        return data

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        self.size += len(data)
        return self.inner.write(data)

    def flush(self) -> None:
        self.inner.flush()


class ArchiveWriter:
    """`with ArchiveWriter(path, key) as archive: archive.add_file(...)`; the manifest goes in
    last, when every checksum is known. `sha256` and `size` are the written file's."""

    def __init__(self, path: Path, encryption_key: str = "") -> None:
        self._raw = path.open("wb")
        self._hashing = _Hashing(self._raw)
        self._sink: Any = (
            crypto.EncryptingWriter(self._hashing, encryption_key)  # type: ignore[arg-type]
            if encryption_key
            else self._hashing
        )
        self._tar = tarfile.open(  # noqa: SIM115 - closed in __exit__
            fileobj=self._sink,  # type: ignore[call-overload]
            mode="w|gz",
            format=tarfile.PAX_FORMAT,
        )
        self.sha256 = ""
        self.size = 0

    def add_file(self, name: str, handle: IO[bytes], size: int) -> str:
        """Add `size` bytes read from `handle` under `name`; their sha256."""
        info = tarfile.TarInfo(name)
        info.size = size
        info.mode = 0o600
        hashing = _Hashing(handle)
        self._tar.addfile(info, hashing)
        return hashing.digest.hexdigest()

    def add_manifest(self, manifest: dict) -> None:
        data = json.dumps(manifest, indent=1, sort_keys=True).encode("utf-8")
        self.add_file(MANIFEST, io.BytesIO(data), len(data))
        digest = hashlib.sha256(data).hexdigest().encode("ascii")
        self.add_file(MANIFEST_SUM, io.BytesIO(digest), len(digest))

    def __enter__(self) -> ArchiveWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self._tar.close()
            if self._sink is not self._hashing:
                self._sink.close()
        finally:
            self._raw.close()
        self.sha256, self.size = self._hashing.digest.hexdigest(), self._hashing.size


@dataclass
class UnpackedBackup:
    """A backup whose every checksum matched, unpacked in `folder` (removed by `cleanup()`)."""

    manifest: dict
    database_file: Path
    files: dict[tuple[str, str], Path] = field(default_factory=dict)  # (store, name) -> path
    folder: tempfile.TemporaryDirectory | None = None

    def cleanup(self) -> None:
        if self.folder is not None:
            self.folder.cleanup()


def _plain_stream(raw: BinaryIO, encryption_key: str) -> BinaryIO:
    head = raw.read(len(crypto.MAGIC))
    raw.seek(0)
    if not crypto.is_encrypted(head):
        return raw
    if not encryption_key:
        raise DamagedBackup(
            "this backup is encrypted: set BACKUP_ENCRYPTION_KEY to the key it was made with"
        )
    return crypto.DecryptingReader(raw, encryption_key)  # type: ignore[return-value]


def unpack(path: Path, *, encryption_key: str = "", work_dir: Path | None = None) -> UnpackedBackup:
    """Unpack and check the backup at `path`; DamagedBackup when anything does not match."""
    folder = tempfile.TemporaryDirectory(prefix="laseros-restore-", dir=work_dir)
    try:
        members = _unpack_members(path, encryption_key, Path(folder.name))
        try:
            unpacked = _checked(members)
        except (KeyError, TypeError, AttributeError) as exc:
            raise DamagedBackup(f"the manifest is incomplete (no {exc})") from exc
    except BaseException:
        folder.cleanup()
        raise
    unpacked.folder = folder
    return unpacked


def _unpack_members(path: Path, encryption_key: str, folder: Path) -> dict[str, tuple[Path, str]]:
    """Every file in the archive -> (where it was unpacked, its sha256)."""
    members: dict[str, tuple[Path, str]] = {}
    try:
        with (
            path.open("rb") as raw,
            tarfile.open(fileobj=_plain_stream(raw, encryption_key), mode="r|gz") as tar,
        ):
            for number, info in enumerate(tar):
                if not info.isfile():
                    raise DamagedBackup(f"the backup holds {info.name!r}, which is not a file")
                if info.name in members:
                    raise DamagedBackup(f"the backup holds {info.name!r} twice")
                members[info.name] = _unpack_one(tar, info, folder / f"{number:08d}")
    except crypto.DecryptionError as exc:
        raise DamagedBackup(str(exc)) from exc
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile, OSError) as exc:
        if isinstance(exc, FileNotFoundError):
            raise DamagedBackup(f"there is no backup at {path}") from exc
        raise DamagedBackup(
            f"the backup file is damaged or cut short ({type(exc).__name__}: {exc})"
        ) from exc
    return members


def _unpack_one(tar: tarfile.TarFile, info: tarfile.TarInfo, target: Path) -> tuple[Path, str]:
    source = tar.extractfile(info)
    assert source is not None
    digest = hashlib.sha256()
    with target.open("wb") as out:
        while block := source.read(COPY_BYTES):
            digest.update(block)
            out.write(block)
    return target, digest.hexdigest()


def _read_manifest(members: dict[str, tuple[Path, str]]) -> dict:
    if MANIFEST not in members or MANIFEST_SUM not in members:
        raise DamagedBackup(
            "the backup has no manifest: it is damaged, cut short or not a Laser OS backup"
        )
    manifest_path, manifest_sum = members[MANIFEST]
    recorded = members[MANIFEST_SUM][0].read_text("ascii", "replace").strip()
    if recorded != manifest_sum:
        raise DamagedBackup("the manifest was altered or damaged: its checksum does not match")
    try:
        manifest = json.loads(manifest_path.read_bytes())
    except ValueError as exc:
        raise DamagedBackup(f"the manifest cannot be read: {exc}") from exc
    if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
        raise DamagedBackup(
            f"not a Laser OS backup of format {VERSION} "
            f"(found {manifest.get('format')!r} version {manifest.get('version')!r})"
        )
    return manifest


def _checked(members: dict[str, tuple[Path, str]]) -> UnpackedBackup:
    manifest = _read_manifest(members)
    expected = {manifest["database"]["file"]: manifest["database"]["sha256"]}
    for alias, listing in manifest["stores"].items():
        for name, entry in listing["files"].items():
            expected[f"{STORES}{alias}/{name}"] = entry["sha256"]
    problems = []
    for name, digest in expected.items():
        if name not in members:
            problems.append(f"{name} is missing")
        elif members[name][1] != digest:
            problems.append(f"{name} does not match its checksum (altered or damaged)")
    extra = set(members) - set(expected) - {MANIFEST, MANIFEST_SUM}
    problems += [f"{name} is not in the manifest" for name in sorted(extra)]
    if problems:
        shown = "; ".join(problems[:10]) + (
            f"; and {len(problems) - 10} more" if len(problems) > 10 else ""
        )
        raise DamagedBackup(f"the backup is damaged: {shown}")
    files = {
        (alias, name): members[f"{STORES}{alias}/{name}"][0]
        for alias, listing in manifest["stores"].items()
        for name in listing["files"]
    }
    return UnpackedBackup(manifest, members[manifest["database"]["file"]][0], files)
