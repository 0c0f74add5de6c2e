"""An exclusive lock on the index folder, so two reindexes never write at once."""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from assistant.errors import IndexBusyError

LOCK_FILE = ".lock"


@contextmanager
def index_lock(
    index_dir: Path, wait: float, on_wait: Callable[[str], None] | None = None
) -> Iterator[None]:
    """Hold the index lock; wait up to `wait` seconds for another holder, then IndexBusyError."""
    index_dir.mkdir(parents=True, exist_ok=True)
    path = index_dir / LOCK_FILE
    with path.open("a+") as handle:
        deadline = time.monotonic() + wait
        told = False
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = _holder(path)
                if time.monotonic() >= deadline:
                    raise IndexBusyError(
                        f"another reindex{holder} is writing {index_dir}",
                        "wait for it to finish, or pass --wait SECONDS",
                    ) from None
                if on_wait and not told:
                    on_wait(f"another reindex{holder} is running; waiting up to {wait:.0f} s…")
                    told = True
                time.sleep(0.2)
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _holder(path: Path) -> str:
    try:
        pid = path.read_text().strip()
    except OSError:
        return ""
    return f" (pid {pid})" if pid.isdigit() else ""
