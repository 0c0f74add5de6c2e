"""How a chunk's lines hang together (`answer.layout`), what chunking keeps of a reader's
text, and extractive answers from lists and tables read as a person reads them."""

from __future__ import annotations

from assistant.answer.extractive import extractive_draft
from assistant.answer.layout import Layout
from assistant.index.chunking import ChunkingParams, chunk_text
from tests.test_extractive import far, idf_of, passage

PROFILES = (
    "The profile used depends on the command. The default profile if none is specified is:\n\n"
    "Command | Default Profile\n\n"
    "cargo run, cargo build | dev profile\n\n"
    "cargo test | test profile\n\n"
    "cargo install | release profile\n\n"
    "You can switch to a different profile using the --profile=NAME option."
)
CACHE = (
    "It should be sufficient to cache the following files and directories across builds:\n\n"
    ".crates.toml\n\nbin/\n\nregistry/index/\n\ngit/db/\n\n"
    "See the cargo vendor subcommand."
)


def lines_of(layout: Layout, spans: tuple[tuple[int, int], ...]) -> list[str]:
    return [layout.text[s:e] for s, e in spans]


def sentence(text: str, words: str) -> tuple[int, int]:
    start = text.index(words)
    return start, start + len(words)


def test_a_colon_at_a_lines_end_announces_the_list_or_table_after_it() -> None:
    layout = Layout.of(CACHE)
    lead = sentence(CACHE, CACHE.split("\n")[0])
    assert lines_of(layout, layout.announced(lead)) == [
        ".crates.toml",
        "bin/",
        "registry/index/",
        "git/db/",
    ]
    layout = Layout.of(PROFILES)
    lead = sentence(PROFILES, "The default profile if none is specified is:")
    assert lines_of(layout, layout.announced(lead))[0] == "Command | Default Profile"
    assert lines_of(layout, layout.announced(lead))[-1] == "cargo install | release profile"
    assert layout.announced(sentence(PROFILES, "The profile used depends on the command.")) == ()


def test_a_long_table_is_announced_by_its_first_line_only() -> None:
    rows = "\n\n".join(f"VAR_{i} | value {i} | what setting {i} does" for i in range(12))
    text = f"Pyenv reads these variables:\n\nname | default | description\n\n{rows}"
    layout = Layout.of(text)
    announced = layout.announced(sentence(text, "Pyenv reads these variables:"))
    assert lines_of(layout, announced) == ["name | default | description"]


def test_a_table_row_reads_under_its_header_and_the_line_announcing_the_table() -> None:
    layout = Layout.of(PROFILES)
    row = sentence(PROFILES, "cargo install | release profile")
    assert layout.row(row[0]) == row
    assert lines_of(layout, layout.context(row)) == [
        "The profile used depends on the command. The default profile if none is specified is:",
        "Command | Default Profile",
    ]
    assert layout.context(sentence(PROFILES, "Command | Default Profile")) == ()  # the header
    assert layout.row(PROFILES.index("You can switch")) is None


def test_a_command_reads_under_the_label_above_it_but_a_sentence_does_not() -> None:
    text = (
        "1. Automatic installer (Recommended)\n\ncurl -fsSL https://pyenv.run | bash\n\n"
        "Basic checkout\n\nThis will get you going with the latest version."
    )
    layout = Layout.of(text)
    command = sentence(text, "curl -fsSL https://pyenv.run | bash")
    assert lines_of(layout, layout.context(command)) == ["1. Automatic installer (Recommended)"]
    assert layout.row(command[0]) is None  # one line with a pipe is not a table
    assert layout.context(sentence(text, "This will get you going with the latest version.")) == ()
    # and the label, read on its own, announces the command under it (not a sentence)
    label = sentence(text, "Automatic installer (Recommended)")
    assert lines_of(layout, layout.announced(label)) == ["curl -fsSL https://pyenv.run | bash"]
    assert layout.announced(sentence(text, "Basic checkout")) == ()


def test_the_lines_of_a_hard_wrapped_paragraph_are_neither_labels_nor_commands() -> None:
    text = (
        "Version 3, 29 June 2007\n\n"
        "Everyone is permitted to copy and distribute verbatim copies\n"
        " of this license document, but changing it is not allowed."
    )
    layout = Layout.of(text)
    version = sentence(text, "Version 3, 29 June 2007")
    everyone = sentence(text, "Everyone is permitted to copy and distribute verbatim copies")
    assert layout.announced(version) == () and layout.context(everyone) == ()


def test_a_readers_short_lines_are_kept_and_a_plain_files_chrome_is_not() -> None:
    params = ChunkingParams()
    kept = " ".join(c.text for c in chunk_text("p.md", PROFILES, "sha", params, clean=False))
    assert "cargo install | release profile" in kept
    assert "Command | Default Profile" in kept
    page = "Beavers built a dam on the creek this spring, the survey said.\nPhoto | Getty Images"
    cleaned = " ".join(c.text for c in chunk_text("p.txt", page, "sha", params, clean=True))
    assert "Getty" not in cleaned


def test_a_table_row_is_answered_with_its_header_and_the_line_announcing_it() -> None:
    draft = extractive_draft(
        "Which profile does cargo install use when none is specified?",
        [passage("profiles.md", PROFILES, start=40)],
        idf_of({"install": 3.0, "specified": 2.0, "profile": 1.5}),
        far,
    )
    assert not draft.abstained
    quotes = [q.quote for q in draft.quotes.values()]
    assert "cargo install | release profile" in quotes
    assert draft.quotes[quotes.index("Command | Default Profile") + 1].near == 40 + PROFILES.index(
        "Command | Default Profile"
    )
    # the row, its header and the line announcing them make one statement
    statement, marks = draft.text.split(" [", 1)
    assert "Command | Default Profile" in statement
    assert statement.endswith("cargo install | release profile")
    assert marks.startswith("1][2][3]")


def test_an_announced_list_is_quoted_whole_line_by_line() -> None:
    draft = extractive_draft(
        "Which files and directories are enough to cache across builds?",
        [passage("cargo-home.html", CACHE)],
        idf_of({"cache": 3.0, "directories": 2.0, "builds": 2.0}),
        far,
    )
    quotes = [q.quote for q in draft.quotes.values()]
    assert quotes[:5] == [
        CACHE.split("\n")[0],
        ".crates.toml",
        "bin/",
        "registry/index/",
        "git/db/",
    ]
    assert draft.text.startswith(f"{CACHE.split(chr(10))[0]} .crates.toml bin/ registry/index/")
    assert "[1][2][3][4][5]" in draft.text


def test_a_chunk_does_not_end_on_a_line_that_announces_the_next() -> None:
    """ "… you can use:" at the end of one chunk and the command at the start of the next
    would leave the first saying nothing: the command stays in the colon's chunk."""
    lead = "If you want cargo to open the documentation, you can use:"
    filler = "Cargo builds documentation for every crate in the workspace. " * 10
    text = f"{filler.strip()}\n\n{lead}\n\ncargo doc --open\n\n{filler.strip()}"
    chunks = chunk_text("rustdoc.html", text, "sha", ChunkingParams(700, 150), clean=False)
    holding = [c.text for c in chunks if lead in c.text]
    assert holding and all("cargo doc --open" in t for t in holding)
