"""Documents with known text, built by the tests: a PDF report, a web page, a Word document."""

from __future__ import annotations

import zipfile
from pathlib import Path

from tests.pdfwriter import FI, FL, column, write_pdf

HEAD = (72, 760, "Valley Survey Annual Report")

PAGE1 = [
    "The committee met on the third of May to review the",
    "budget for the coming year and agreed that the re-",
    "search programme should continue with a new " + FI + "eld study",
    "in the northern valleys.",
]
LEFT = [
    "The left column reports that the river",
    "otters returned to the eastern shore in",
    "April, after an absence of twelve years.",
    "Volunteers counted them every morning",
    "for six weeks and recorded each sighting.",
]
RIGHT = [
    "The right column reports the " + FL + "ood of",
    "the autumn, which closed the valley road",
    "for nine days and damaged two bridges.",
    "The county repaired both bridges before",
    "the first snow fell in late November.",
]
LAST = ["The survey will publish its next report in the spring of the following year."]


def survey_pdf(path: Path) -> Path:
    """Four pages: 1 a hyphenated paragraph with a ligature, 2 no text layer at all, 3 two
    columns (ligature in the right one), 4 one line. A running head and page numbers on
    pages 1, 3 and 4."""
    pages = [
        [HEAD, *column(72, 700, PAGE1), (300, 40, "1")],
        [],
        [HEAD, *column(72, 700, LEFT), *column(320, 700, RIGHT), (300, 40, "3")],
        [HEAD, *column(72, 700, LAST), (300, 40, "4")],
    ]
    return write_pdf(path, pages, title="Valley Survey 2025")


NEWS_HTML = """<!DOCTYPE html>
<html><head><title>Beavers return to the creek | Valley Gazette</title>
<style>body { color: black }</style><script>var tracking = "Subscribe now";</script></head>
<body>
<header><a href="/">Valley Gazette</a> <a href="/sport">Sport</a></header>
<nav class="menu"><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li>
<li>Weather forecast for the whole region</li></ul></nav>
<div class="sidebar">Most read: Council votes on parking fees in the town centre</div>
<main><article>
<h1>Beavers return to the creek</h1>
<p>Beavers built a dam on the western creek this spring for the first time in thirty
years, the survey team said on Tuesday.</p>
<p>The rangers counted &amp; photographed them every evening for a month.</p>
</article></main>
<footer>Copyright Valley Gazette. All rights reserved.</footer>
</body></html>
"""

_W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _paragraph(text: str, style: str = "") -> str:
    props = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
    return f"<w:p>{props}<w:r><w:t>{text}</w:t></w:r></w:p>"


def minutes_docx(path: Path) -> Path:
    """A Word document with a title, two headings (their style ids in German, as Word writes
    them there; styles.xml names them "heading 1") and paragraphs under each."""
    body = "".join(
        [
            _paragraph("Minutes of the Bridge Committee", "Title"),
            _paragraph("Repairs", "berschrift1"),
            _paragraph("The committee approved the repair of the old stone bridge at Millford."),
            _paragraph("Budget", "berschrift1"),
            _paragraph("The repairs will cost forty thousand pounds, paid by the county."),
        ]
    )
    document = (
        f'<?xml version="1.0" encoding="UTF-8"?><w:document {_W}>'
        f"<w:body>{body}</w:body></w:document>"
    )
    styles = (
        f'<?xml version="1.0" encoding="UTF-8"?><w:styles {_W}>'
        '<w:style w:type="paragraph" w:styleId="berschrift1"><w:name w:val="heading 1"/></w:style>'
        '<w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/></w:style>'
        "</w:styles>"
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", document)
        archive.writestr("word/styles.xml", styles)
    return path
