"""`make clean` removes what today's code writes into the default index folder."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_make_clean_removes_the_index_files_of_this_schema(tmp_path: Path) -> None:
    shutil.copy(REPO / "Makefile", tmp_path)
    index = tmp_path / "index"
    (index / "stores" / "g0123456789abcdef" / "uuid").mkdir(parents=True)
    (index / "extracted").mkdir()
    (index / "extracted" / f"{'ab' * 32}.x1.json").write_text("{}")  # a PDF's kept text
    for name in ("manifest.json", "chunks-g0123456789abcdef.sqlite3", ".lock", "damaged"):
        (index / name).write_text("x")
    (index / ".manifest.json.k2j3").write_text("a killed reindex's temporary")
    (index / ".gitkeep").write_text("")
    (tmp_path / "venv").mkdir()
    done = subprocess.run(
        ["make", "clean", "VENV=venv"], cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert [p.name for p in index.iterdir()] == [".gitkeep"]
    assert not (tmp_path / "venv").exists()
