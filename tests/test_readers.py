"""Files read as a person reads them: format by content, then suffix; Markdown as rendered; web
pages through trafilatura; empty and binary files refused with a reason (pure, no index) —
and one reindex of a folder of such files, whose quotes hold no markup and verify."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant.readers import format_for, read
from assistant.readers.markdown import read as read_markdown
from assistant.service import Assistant
from tests.conftest import settings_for

PAGE = b"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Gravity hill - Wikipedia</title></head>
<body>
<div id="mw-navigation"><ul><li><a href="/wiki/Main_Page">Main page</a></li>
<li><a href="/wiki/Special:Random">Random article</a></li></ul></div>
<div id="content"><h1 id="firstHeading">Gravity hill</h1>
<div id="bodyContent">
<p>A <b>gravity hill</b>, also known as a magnetic hill, is a place where the layout of the
surrounding land produces an optical illusion<sup id="cite_ref-1"><a href="#cite_note-1">[1]</a>
</sup> that a slight downhill slope appears to be an uphill slope.</p>
<h2><span class="mw-headline" id="Explanation">Explanation</span></h2>
<p>The main factor contributing to the illusion is a completely or mostly obstructed
horizon. Without a horizon, it becomes difficult to judge the slope of a surface &#8211;
objects one might assume are perpendicular to the ground may not be.</p>
<p>Researchers at the University of Padua measured the effect in 2003 and found the slope
of the road was misjudged by about 2.5 degrees.</p>
</div></div>
<div id="footer"><ul><li>This page was last edited on 3 May 2024.</li>
<li><a href="/wiki/Privacy">Privacy policy</a></li></ul></div>
</body></html>
"""

MARKDOWN = b"""---
title: front matter is not prose
---
<!-- a comment the page never shows -->
<p align="center"><img src="logo.png" alt="logo"></p>

# Gravity hills

A **gravity hill**, also known as a [magnetic hill](https://example.org/magnetic "Magnetic"),
is an *optical illusion*. See `hill.py` for the model.

## Places

- [Electric Brae](https://en.wikipedia.org/wiki/Electric_Brae) in Scotland
- Spook Hill, ![badge](https://img.shields.io/badge/x.svg) Florida

| Hill | Country |
| --- | --- |
| Magnetic Hill | Canada |

```python
def slope(a):  # **not** emphasis
    return a * 2
```
"""


def test_a_web_page_is_read_as_html_whatever_its_name() -> None:
    for name in ("page.txt", "page", "page.md", "page.html"):
        assert format_for(name, PAGE).kind == "html"  # type: ignore[union-attr]
    assert format_for("x.txt", b"\xef\xbb\xbf\n  <html><body>x</body></html>").kind == "html"  # type: ignore[union-attr]
    xhtml = b'<?xml version="1.0"?>\n<!-- saved -->\n<html xmlns="http://www.w3.org/1999/xhtml">'
    assert format_for("x.txt", xhtml).kind == "html"  # type: ignore[union-attr]
    # HTML inside Markdown, or prose mentioning tags, is not a web page
    assert format_for("r.md", b'<p align="center">logo</p>\n# Title').kind == "markdown"  # type: ignore[union-attr]
    assert format_for("n.txt", b"The <html> tag opens a page.").kind == "text"  # type: ignore[union-attr]
    assert format_for("a.pdf.txt", b"%PDF-1.7\n...").kind == "pdf"  # type: ignore[union-attr]
    assert format_for("image.png", b"\x89PNG") is None


def test_a_saved_page_keeps_the_article_title_and_headings_and_no_markup() -> None:
    reading = read("Gravity_hill.txt", PAGE)
    assert reading.kind == "html"
    assert reading.title == "Gravity hill - Wikipedia"
    assert "optical illusion" in reading.text and "2.5 degrees" in reading.text
    assert "surface – objects" in reading.text  # the entity decoded
    for chrome in ("Random article", "Privacy policy", "last edited"):
        assert chrome not in reading.text
    assert not re.search(r"<[a-z/]|&#?\w+;", reading.text)
    assert [name for _, name, _ in reading.sections][-1] == "Explanation"


def test_a_page_of_links_keeps_its_text_and_a_page_of_nothing_is_refused() -> None:
    links = (
        b"<html><body><ul>"
        + b"".join(
            b'<li><a href="/d%d">Dataset %d of the survey</a></li>' % (n, n) for n in range(3)
        )
        + b"</ul></body></html>"
    )
    reading = read("index.html", links)
    assert all(f"Dataset {n} of the survey" in reading.text for n in range(3))
    with pytest.raises(ValueError, match="no text in this HTML file"):
        read("blank.html", b"<!DOCTYPE html><html><head><title>x</title></head><body></body>")


def test_markdown_keeps_what_a_reader_sees() -> None:
    reading = read_markdown(MARKDOWN)
    lines = reading.text.split("\n\n")
    assert lines[:3] == [
        "Gravity hills",
        "A gravity hill, also known as a magnetic hill, is an optical illusion. See hill.py "
        "for the model.",
        "Places",
    ]
    assert "Electric Brae in Scotland" in lines
    assert "Spook Hill, Florida" in lines
    assert "Magnetic Hill | Canada" in lines
    assert "def slope(a):  # **not** emphasis\n    return a * 2" in reading.text  # verbatim
    assert reading.title == "Gravity hills"
    assert [(name, level) for _, name, level in reading.sections] == [
        ("Gravity hills", 1),
        ("Places", 2),
    ]
    prose = reading.text.replace("# **not** emphasis", "")
    for markup in ("**", "](", "# ", "<!--", "front matter", "logo", "badge", "https://"):
        assert markup not in prose, markup


MYST = """(repeatable)=
# Repeatable installs

% an editor's comment, not shown

A requirements file can be generated using
{ref}`pip freeze`. Installing with {ref}`--no-deps <install_--no-deps>` adds insurance.

```{note}
:class: tip
Pinning refers to using the `==` operator to require the package to be a
specific version.
```

````{admonition} Example
Creating the bundle:

```
$ python -m pip wheel -r requirements.txt
```
````

```{code-block} toml
[tool.x]
key = 1
```
"""


def test_myst_markdown_reads_as_sphinx_renders_it() -> None:
    lines = read_markdown(MYST.encode()).text.split("\n\n")
    assert lines == [
        "Repeatable installs",
        "A requirements file can be generated using pip freeze. Installing with --no-deps "
        "adds insurance.",
        # a note's body is prose: its sentence whole, its option line not shown
        "Pinning refers to using the == operator to require the package to be a specific version.",
        "Example",
        "Creating the bundle:",
        "$ python -m pip wheel -r requirements.txt",
        "[tool.x]\nkey = 1",  # a code directive stays verbatim
    ]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty file"),
        (b"  \n\n\t", "empty file"),
        (b"text\x00\x01\x02 with NUL bytes", "binary file"),
        (b"\x81\x01\x02\x03\x04" * 100, "binary file"),  # not UTF-8, mostly control
    ],
    ids=["empty", "blank", "nul", "control"],
)
def test_empty_and_binary_files_under_a_text_name_are_refused_with_the_reason(
    data: bytes, reason: str
) -> None:
    with pytest.raises(ValueError, match=reason):
        read("notes.txt", data)


@pytest.mark.slow
def test_a_folder_of_saved_pages_and_markdown_indexes_without_markup(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "Gravity_hill.txt").write_bytes(PAGE)
    (corpus / "hills.md").write_bytes(MARKDOWN)
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "data.txt").write_bytes(b"\x00\x01binary" * 50)
    assistant = Assistant(settings_for(corpus, tmp_path / "index"))
    summary = assistant.reindex()
    assert sorted(summary.added) == ["Gravity_hill.txt", "hills.md"]
    skipped = dict(summary.skipped)
    assert skipped["empty.txt"] == "empty file"
    assert skipped["data.txt"].startswith("binary file")
    answer = assistant.answer("By how many degrees was the slope of the road misjudged?")
    assert answer.citations
    cited = answer.citations[0]
    assert cited.file == "Gravity_hill.txt" and "2.5 degrees" in cited.quote
    assert not re.search(r"<[a-z/]|&#?\w+;|\*\*|\]\(", answer.answer + cited.quote)
    answer = assistant.answer("Where is Electric Brae?")
    assert any(c.file == "hills.md" and "](" not in c.quote for c in answer.citations)


def test_loose_text_between_blocks_is_read_as_the_paragraph_a_browser_shows() -> None:
    """Old pages (zlib's usage example) write paragraphs as bare text in <body>, between
    headings and <pre> blocks: a browser shows them, so the reading keeps them."""
    page = (
        b"<html><head><title>zlib Usage Example</title></head><body>"
        b"<h2>zlib Usage Example</h2>"
        b"We often get questions about how the <tt>deflate()</tt> and <tt>inflate()</tt> "
        b"functions should be used, so here is an annotated example in C.\n<p>"
        b"Without further adieu, here is the program <a href='zpipe.c'>zpipe.c</a>:"
        b"<pre><b>#define CHUNK 16384\nint main(void)\n</b></pre>"
        b"We now include the header files for the required definitions of the example.\n"
        b"</body></html>"
    )
    text = read("zlib_how.html", page).text
    assert (
        "We often get questions about how the deflate() and inflate() functions should be "
        "used, so here is an annotated example in C." in text.split("\n")
    )
    assert "We now include the header files for the required definitions of the example." in text
    assert "#define CHUNK 16384" in text


def test_a_preformatted_block_keeps_its_lines() -> None:
    page = (
        b"<html><head><title>zlib Usage Example</title></head><body>"
        b"<p>We now include the header files for the required definitions of the example.</p>"
        b'<pre><b>#include &lt;stdio.h&gt;\n#include &lt;string.h&gt;\n#include "zlib.h"\n'
        b"</b></pre><p>This is an ugly hack required to avoid corruption of the input and "
        b"output data on Windows/MS-DOS systems.</p>"
        b"<pre>#define CHUNK 16384\n</pre></body></html>"
    )
    lines = read("zlib_how.html", page).text.split("\n")
    assert [line for line in lines if line.startswith("#include")] == [
        "#include <stdio.h>",
        "#include <string.h>",
        '#include "zlib.h"',
    ]
    assert "#define CHUNK 16384" in lines


def test_permalink_marks_after_headings_and_definitions_are_not_read() -> None:
    """Sphinx (and DocBook, MkDocs) end each heading and definition with an anchor a browser
    shows only on hover; a link into the page whose text is a real word stays."""
    page = (
        b"<html><head><title>intersphinx</title></head><body><div role='main'>"
        b'<h2>Configuration<a class="headerlink" href="#configuration">\xc2\xb6</a></h2>'
        b"<dl><dt>intersphinx_cache_limit<a href='#confval-limit'>\xc2\xb6</a></dt>"
        b"<dd><p>The maximum number of days to cache remote inventories. The default is 5, "
        b"see <a href='#configuration'>Configuration</a> for the others.</p></dd></dl>"
        b"</div></body></html>"
    )
    reading = read("intersphinx.html", page)
    assert "\u00b6" not in reading.text
    assert "intersphinx_cache_limit" in reading.text.split("\n")
    assert "see Configuration for the others." in reading.text
    assert [heading for _, heading, _ in reading.sections] == ["Configuration"]
