"""A ceiling on the memory one reading may take, so that a file needing too much fails with a
reason instead of the kernel killing the worker (and every file it held) or the whole machine
swapping.

The ceiling is the process's address-space limit (RLIMIT_AS), lowered around one reading only:
to what the process already maps (Django, the database connection, the imported libraries) plus
the allowance. Past it, allocations fail and Python, numpy and ezdxf raise MemoryError, which
unwinds the reading and frees what it built; the limit is put back before the failure is
recorded, so the worker's own state never runs short and it goes on with the next file. The
PDF parser's child process sets its own limit (`ingest.parsers.pdf_isolated`).
"""

from __future__ import annotations

import contextlib
import errno
import gc
import logging
import os
from collections.abc import Iterator

try:
    import resource
except ImportError:  # not on this platform: no ceiling
    resource = None  # type: ignore[assignment]

logger = logging.getLogger(__name__)


def mapped_bytes() -> int | None:
    """The address space this process maps now (VmSize), or None where it cannot be read."""
    try:
        with open("/proc/self/statm") as fh:
            pages = int(fh.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE")


@contextlib.contextmanager
def memory_ceiling(megabytes: int) -> Iterator[None]:
    """Let the code inside map at most `megabytes` more than the process maps now.

    Does nothing when `megabytes` is 0 or less, or where the limit cannot be set."""
    mapped = mapped_bytes() if megabytes > 0 and resource is not None else None
    if mapped is None:
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    ceiling = mapped + megabytes * 1024 * 1024
    if hard != resource.RLIM_INFINITY:
        ceiling = min(ceiling, hard)
    if soft != resource.RLIM_INFINITY:
        ceiling = min(ceiling, soft)
    try:
        resource.setrlimit(resource.RLIMIT_AS, (ceiling, hard))
    except (ValueError, OSError):
        logger.warning("could not set a memory ceiling of %s MB", megabytes, exc_info=True)
        yield
        return
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def ran_out_of_memory(exc: BaseException | None) -> bool:
    """Whether `exc`, or an error it was raised from, is an allocation that failed (a parser
    may wrap a MemoryError in its own error)."""
    seen = 0
    while exc is not None and seen < 20:
        if isinstance(exc, MemoryError):
            return True
        if isinstance(exc, OSError) and exc.errno == errno.ENOMEM:
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


def out_of_memory_reason(megabytes: int) -> str:
    """The failure reason for a file that needed more than the ceiling."""
    amount = f"{megabytes / 1024:g} GB" if megabytes >= 1024 else f"{megabytes} MB"
    return f"needed more than {amount} of memory to read; the drawing is too complex"


def give_back() -> None:
    """After a reading that ran out: collect the cycles it left (ezdxf documents are full of
    them) so the next file starts from the worker's usual size."""
    gc.collect()
