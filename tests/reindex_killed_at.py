"""`assistant reindex` that kills itself with SIGKILL at a named point: the deterministic
kill -9 of tests/stress_kill_reindex.py (whose random-delay kills are for runs by hand).

    python -m tests.reindex_killed_at PHASE ASSISTANT_ARGS...

PHASE is one of `KILL_POINTS`: the corpus read and chunked but nothing stored yet; the first
vectors added to the new store; the new manifest committed but the old generations not yet
collected.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any

KILL_POINTS = ("before any store write", "during store writes", "after the commit")


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def arm(phase: str) -> None:
    """Make the reindex of this process die at `phase`."""
    import assistant.index.indexer as indexer
    from assistant.index.store import ChunkVectors

    if phase == KILL_POINTS[0]:
        read_and_chunk = indexer._read_and_chunk

        def read_then_die(*args: Any, **kwargs: Any) -> Any:
            read_and_chunk(*args, **kwargs)
            _die()

        indexer._read_and_chunk = read_then_die
    elif phase == KILL_POINTS[1]:
        add = ChunkVectors.add

        def add_then_die(self: ChunkVectors, *args: Any, **kwargs: Any) -> None:
            add(self, *args, **kwargs)
            _die()

        ChunkVectors.add = add_then_die  # type: ignore[method-assign]
    elif phase == KILL_POINTS[2]:
        indexer._collect_garbage = lambda *args, **kwargs: _die()
    else:
        raise SystemExit(f"unknown kill point {phase!r}; one of {KILL_POINTS}")


def main() -> int:
    phase, *args = sys.argv[1:]
    arm(phase)
    from assistant.cli.command import main as assistant_main

    return assistant_main(args)


if __name__ == "__main__":
    sys.exit(main())
