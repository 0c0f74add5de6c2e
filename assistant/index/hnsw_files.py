"""A structural check of the HNSW segment files of an embedded Chroma store.

Chroma (1.x) persists each vector segment as hnswlib files: `header.bin` (the index
parameters), `data_level0.bin` (one fixed-size record per element), `length.bin` (one float32
norm per element) and `link_lists.bin` (per element: a uint32 byte count, then that many bytes
of upper-level links). Chroma's native reader trusts these files: a truncated one can crash the
whole process (a segmentation fault, not an exception) or silently drop vectors from results.
So before Chroma opens a store, the sizes are checked against the header here, in Python.

A header of a version this module does not know is not judged (the check passes), so a newer
Chroma with another layout is left to its own reader.
"""

from __future__ import annotations

import struct
from pathlib import Path

HEADER = "header.bin"
KNOWN_VERSION = 1
# version (int32), offsetLevel0, max_elements, cur_element_count, size_data_per_element,
# label_offset, offsetData (size_t), maxlevel (int32), enterpoint_node (uint32),
# maxM, maxM0, M (size_t), mult (double), ef_construction (size_t)
_HEADER = struct.Struct("<i6QiI3QdQ")


def segment_dirs(store_dir: Path) -> list[Path]:
    """The HNSW segment folders of one embedded store (those holding a header.bin)."""
    if not store_dir.is_dir():
        return []
    return sorted(path for path in store_dir.iterdir() if (path / HEADER).is_file())


def segment_problem(segment: Path) -> str:
    """'' if the segment's files are consistent with its header, else what is wrong."""
    header = (segment / HEADER).read_bytes()
    if len(header) < 4:
        return f"{HEADER} is truncated ({len(header)} bytes)"
    (version,) = struct.unpack_from("<i", header)
    if version != KNOWN_VERSION:
        return ""
    if len(header) > _HEADER.size:
        return ""  # a layout this module does not know: left to Chroma
    if len(header) < _HEADER.size:
        return f"{HEADER} is truncated ({len(header)} of {_HEADER.size} bytes)"
    fields = _HEADER.unpack(header)
    max_elements, count, record_size = fields[2], fields[3], fields[4]
    max_links = fields[9]
    if count > max_elements or record_size == 0:
        return f"{HEADER} is inconsistent ({count} elements of {max_elements})"
    if not count:
        return ""
    expected = {"data_level0.bin": count * record_size, "length.bin": count * 4}
    for name, size in expected.items():
        actual = _size(segment / name)
        if actual != size:
            found = "is missing" if actual is None else f"has {actual} bytes"
            return f"{name} {found}, expected {size} bytes"
    return _link_lists_problem(segment / "link_lists.bin", count, max_links * 4 + 4)


def _link_lists_problem(path: Path, count: int, level_size: int) -> str:
    if not path.is_file():
        return f"{path.name} is missing"
    data = path.read_bytes()
    position = 0
    for _ in range(count):
        if position + 4 > len(data):
            return f"{path.name} ends after {len(data)} bytes, before its last element"
        (size,) = struct.unpack_from("<I", data, position)
        if size % level_size:
            return f"{path.name} holds a link list of {size} bytes at byte {position}"
        position += 4 + size
    if position != len(data):
        return f"{path.name} has {len(data)} bytes, expected {position}"
    return ""


def store_problem(store_dir: Path) -> str:
    """'' if every HNSW segment of the store looks whole, else the first problem found."""
    for segment in segment_dirs(store_dir):
        try:
            problem = segment_problem(segment)
        except OSError as exc:
            problem = f"unreadable ({exc.strerror or exc})"
        if problem:
            return f"segment {segment.name}: {problem}"
    return ""


def _size(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return None
