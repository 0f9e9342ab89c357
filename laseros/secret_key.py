"""The secret key kept in DATA_DIR when SECRET_KEY is not set: made once, readable by its owner.

Imported by settings.py: nothing here may read django.conf.settings.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured


def read_or_create_secret_key(path: Path, *, fallback: str | None = None) -> str:
    """The key kept in `path`; the first caller makes it (mode 0600). Web and worker processes
    starting together all get the same key: it is written whole before it appears. When it
    cannot be made (DATA_DIR not writable), `fallback`, or a clear error without one."""
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    except OSError as exc:
        return _unusable(path, exc, fallback)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # mkstemp makes the file 0600; link() publishes it only if no one else did first.
        handle, draft = tempfile.mkstemp(dir=path.parent, prefix=".secret-key-")
        try:
            with os.fdopen(handle, "w") as out:
                out.write(secrets.token_urlsafe(50) + "\n")
            os.link(draft, path)
        except FileExistsError:
            pass  # another process made it a moment ago: use theirs
        finally:
            os.unlink(draft)
        return _read(path)
    except OSError as exc:
        return _unusable(path, exc, fallback)


def _unusable(path: Path, exc: OSError, fallback: str | None) -> str:
    if fallback is not None:
        return fallback
    raise ImproperlyConfigured(
        f"Laser OS could not keep a secret key in {path} ({exc.strerror or exc}). "
        "Make DATA_DIR writable, or set SECRET_KEY in the environment."
    ) from None


def _read(path: Path) -> str:
    key = path.read_text().strip()
    if len(key) < 32:
        raise ImproperlyConfigured(
            f"The secret key in {path} is empty or too short. Delete the file to make a new one "
            "(everyone is logged out), or set SECRET_KEY in the environment."
        )
    return key
