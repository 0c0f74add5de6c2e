"""A tiny PDF writer for tests: pages of text lines at given positions, in Helvetica.

Enough of the PDF format (ISO 32000: objects, a content stream per page, the cross-reference
table) to make documents whose text and layout the tests know exactly. Bytes 0x80 and 0x81
in a line are drawn as the ﬁ and ﬂ ligature glyphs (an /Encoding /Differences entry), as
typesetters draw them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

Line = tuple[float, float, str]  # x, y (from the bottom, in points), text
FI, FL = "\x80", "\x81"  # in a line: drawn as the ligature glyphs ﬁ and ﬂ
WIDTH, HEIGHT = 612, 792  # US Letter


def _escape(text: str) -> bytes:
    raw = text.encode("latin-1")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def _content(lines: Sequence[Line], size: int) -> bytes:
    ops = [b"BT", f"/F1 {size} Tf".encode()]
    for x, y, text in lines:
        ops.append(f"1 0 0 1 {x} {y} Tm (".encode() + _escape(text) + b") Tj")
    ops.append(b"ET")
    return b"\n".join(ops)


def write_pdf(
    path: Path,
    pages: Sequence[Sequence[Line]],
    title: str = "",
    size: int = 11,
    locked: bool = False,
) -> Path:
    """Write a PDF whose page i draws pages[i]; an empty page has no text layer at all.
    `locked`: the file says it is encrypted (standard security handler, RC4 40-bit) with a
    user password nobody knows, so a reader cannot open it without one."""
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    catalog = add(b"")  # filled in once the page tree's number is known
    font = add(
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding << /Type /Encoding "
        b"/BaseEncoding /WinAnsiEncoding /Differences [128 /fi /fl] >> >>"
    )
    tree = len(objects) + 1 + 2 * len(pages)
    kids = []
    for lines in pages:
        stream = _content(lines, size) if lines else b""
        content = add(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        kids.append(
            add(
                b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %d %d] /Contents %d 0 R "
                b"/Resources << /Font << /F1 %d 0 R >> >> >>" % (tree, WIDTH, HEIGHT, content, font)
            )
        )
    refs = b" ".join(b"%d 0 R" % kid for kid in kids)
    add(b"<< /Type /Pages /Kids [%s] /Count %d >>" % (refs, len(kids)))
    info = add(b"<< /Title (" + _escape(title) + b") >>") if title else 0
    encrypt = add(_LOCK) if locked else 0
    objects[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R >>" % tree
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    trailer = b"<< /Size %d /Root %d 0 R" % (len(objects) + 1, catalog)
    trailer += b" /Info %d 0 R" % info if info else b""
    if encrypt:
        trailer += b" /Encrypt %d 0 R /ID [<%s> <%s>]" % (encrypt, b"ab" * 16, b"ab" * 16)
    trailer += b" >>"
    out += b"trailer\n" + trailer + b"\nstartxref\n%d\n%%%%EOF\n" % xref
    path.write_bytes(bytes(out))
    return path


_LOCK = b"<< /Filter /Standard /V 1 /R 2 /Length 40 /P -44 /O <%s> /U <%s> >>" % (
    b"11" * 32,
    b"22" * 32,
)


def column(x: float, top: float, lines: Sequence[str], leading: float = 14) -> list[Line]:
    """Lines set one below the other from (x, top)."""
    return [(x, top - i * leading, text) for i, text in enumerate(lines)]
