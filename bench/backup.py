"""How long a backup and a restore take, and how big the backup is, for a shop of a given size.

    .venv/bin/python bench/backup.py [--size 200] [--files-mb 200] [--encrypt]

Sets up a throwaway shop in a temporary DATA_DIR (SQLite; `migrate`, `seed_demo --size SIZE`,
then --files-mb of incompressible drawings-sized files in the store), runs `manage.py backup`,
and restores it with `manage.py restore` into a second, empty DATA_DIR. Prints the times (wall
clock, each command a fresh process, start-up included), the database and store sizes and the
backup's size; asserts nothing. Both folders are removed at the end.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")


def manage(data_dir: Path, *args: str, extra_env: dict[str, str] | None = None) -> float:
    env = {**os.environ, "DATA_DIR": str(data_dir), "DEBUG": "1", **(extra_env or {})}
    env.pop("DATABASE_URL", None)
    env.pop("MEDIA_ROOT", None)
    started = time.perf_counter()
    subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip
    return time.perf_counter() - started


def folder_bytes(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=200, help="seed_demo --size (jobs)")
    parser.add_argument("--files-mb", type=int, default=200, help="MB of files in the store")
    parser.add_argument("--encrypt", action="store_true", help="with BACKUP_ENCRYPTION_KEY")
    options = parser.parse_args()
    key = {"BACKUP_ENCRYPTION_KEY": "bench passphrase"} if options.encrypt else {}
    with tempfile.TemporaryDirectory(prefix="laseros-bench-backup-") as tmp:
        shop, empty, out = Path(tmp) / "shop", Path(tmp) / "empty", Path(tmp) / "backups"
        manage(shop, "migrate", "--noinput", "-v", "0")
        manage(shop, "seed_demo", "--size", str(options.size))
        drawings = shop / "media" / "bench"
        drawings.mkdir(parents=True, exist_ok=True)
        for number in range(options.files_mb):
            (drawings / f"plate-{number:04d}.dxf").write_bytes(os.urandom(1024 * 1024))
        backup_s = manage(shop, "backup", "--output", str(out), extra_env=key)
        (backup,) = list(out.iterdir())
        restore_s = manage(empty, "restore", str(backup), extra_env=key)
        print(f"shop: seed_demo --size {options.size}, {options.files_mb} MB of files"
              + (", encrypted" if options.encrypt else ""))  # fmt: skip
        print(f"database {(shop / 'laseros.sqlite3').stat().st_size / 1e6:8.1f} MB")
        print(f"store    {folder_bytes(shop / 'media') / 1e6:8.1f} MB")
        print(f"backup   {backup.stat().st_size / 1e6:8.1f} MB  {backup.name}")
        print(f"backup   {backup_s:8.1f} s")
        print(f"restore  {restore_s:8.1f} s  (into an empty DATA_DIR, checksums first)")


if __name__ == "__main__":
    sys.exit(main())
