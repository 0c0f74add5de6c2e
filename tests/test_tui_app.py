"""The chat driven with a pilot: real engine (Chroma, embedder) on a two-file corpus, the
Ollama stand-in where Ollama is the point."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, OptionList

from assistant.index.corpus import read_document
from assistant.tui.screens import HistoryScreen, PromptScreen, ReindexScreen
from assistant.tui.viewer import SourceScreen, SourceView
from assistant.tui.widgets import CitationsPanel, StatusBar
from tests.ollama_standin import OllamaStandin
from tests.test_tui_support import (
    FOUNDER_QUESTION,
    MARS_QUESTION,
    RecordingApp,
    ask,
    build_index,
    copy_small_corpus,
    run_command,
    settings,
    wait_for,
)

SIZE = (120, 40)
Scenario = Callable[[Pilot[Any]], Coroutine[Any, Any, None]]

VERIFIABLE_REPLY = (
    "Liang Wenfeng founded DeepSeek [1]. DeepSeek was founded on the Moon [2].\n\nQUOTES:\n"
    "[1] DeepSeek founder Liang Wenfeng revealed in a 2023 interview with the Chinese media "
    "outlet Waves\n[2] DeepSeek was founded on the Moon\n"
)


@pytest.fixture(scope="module")
def small_index(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("tui")
    corpus = copy_small_corpus(base / "corpus")
    build_index(corpus, base / "index")
    return corpus, base / "index"


def run(app: RecordingApp, scenario: Scenario) -> None:
    async def main() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(
                pilot, lambda: app.query_one(StatusBar).index is not None, what="the index to load"
            )
            await scenario(pilot)

    asyncio.run(main())


def test_ask_shows_the_verified_answer_and_its_citations(
    small_index: tuple[Path, Path], tmp_path: Path
) -> None:
    app = RecordingApp(settings(*small_index))

    async def scenario(pilot: Pilot[Any]) -> None:
        exchange = await ask(pilot, FOUNDER_QUESTION)
        answer = exchange.answer
        assert answer is not None and not answer.abstained and answer.citations
        assert exchange.markdown.source == answer.answer
        assert "[1]" in answer.answer
        options = app.query_one("#citations", OptionList)
        assert options.option_count == len(answer.citations)
        prompt = str(options.get_option_at_index(0).prompt)
        assert answer.citations[0].file in prompt and "Liang Wenfeng" in prompt
        status = str(app.query_one(StatusBar).render())
        assert "extractive" in status and "2 files" in status and "last answer" in status
        saved = list((tmp_path / "history").glob("*.json"))
        assert len(saved) == 1 and FOUNDER_QUESTION in saved[0].read_text(encoding="utf-8")

    run(app, scenario)


def test_selecting_a_citation_opens_the_source_with_the_quote_highlighted(
    small_index: tuple[Path, Path],
) -> None:
    corpus, index = small_index
    app = RecordingApp(settings(corpus, index))

    async def scenario(pilot: Pilot[Any]) -> None:
        exchange = await ask(pilot, FOUNDER_QUESTION)
        assert exchange.answer is not None
        citation = exchange.answer.citations[0]
        await pilot.press("tab")
        assert app.focused is app.query_one("#citations")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, SourceScreen), what="the viewer")
        await pilot.pause()
        view = app.screen.query_one(SourceView)
        text = read_document(corpus, citation.file).text
        assert text[citation.start : citation.end] == citation.quote
        assert view.highlighted == citation.quote
        top = view.scroll_offset.y
        assert top <= view.quote_row < top + view.scrollable_content_region.height
        assert view.quote_row > 10  # the quote is far down the file: the view did scroll
        await pilot.press("escape")
        assert not isinstance(app.screen, SourceScreen)
        await pilot.press("w", "h", "o")  # typed while the citations have focus
        assert app.query_one("#question", Input).value == "who"

    run(app, scenario)


def test_abstention_looks_different_and_has_no_citations(small_index: tuple[Path, Path]) -> None:
    app = RecordingApp(settings(*small_index))

    async def scenario(pilot: Pilot[Any]) -> None:
        exchange = await ask(pilot, MARS_QUESTION)
        assert exchange.answer is not None and exchange.answer.abstained
        assert exchange.has_class("-abstained")
        assert "Not in the corpus" in str(exchange.markdown.border_title)
        assert "The corpus does not say." in exchange.markdown.source
        assert "Rephrase the question" in exchange.markdown.source
        assert app.query_one("#citations", OptionList).option_count == 0
        assert "None" in str(app.query_one("#citations-hint").render())
        # the assistant's own words follow the question's language, the hint under them too
        french = await ask(pilot, "Qui a fondé la première colonie sur Mars ?")
        assert french.answer is not None and french.answer.abstained
        assert "Les documents ne le disent pas." in french.markdown.source
        assert "Reformulez la question" in french.markdown.source
        assert "Rephrase" not in french.markdown.source

    run(app, scenario)


def test_an_abstention_lists_its_related_passage_apart(small_index: tuple[Path, Path]) -> None:
    """What the documents say nearest to the question (`Answer.related`) is listed in the
    citations panel under its own title: it is not an answer."""
    app = RecordingApp(settings(*small_index))
    stargate = "Over how many years is the Stargate initiative's $500 billion meant to be spent?"

    async def scenario(pilot: Pilot[Any]) -> None:
        exchange = await ask(pilot, stargate)
        assert exchange.answer is not None and exchange.answer.abstained
        assert exchange.answer.related and "Stargate" in exchange.answer.related[0].quote
        assert "The documents mention" in exchange.markdown.source
        assert app.query_one("#citations", OptionList).option_count == 1
        assert "not an answer" in str(app.query_one("#citations-title").render())

    run(app, scenario)


def test_follow_ups_carry_the_conversation_until_a_new_one(
    small_index: tuple[Path, Path],
) -> None:
    app = RecordingApp(settings(*small_index))
    histories: list[tuple[str, ...]] = []
    real_ask = app.service.ask

    def spy(question: str, history: Any = (), **kwargs: Any) -> Any:
        histories.append(tuple(turn.question for turn in history))
        return real_ask(question, history=history, **kwargs)

    app.service.ask = spy  # type: ignore[method-assign]

    async def scenario(pilot: Pilot[Any]) -> None:
        await ask(pilot, FOUNDER_QUESTION)
        follow_up = await ask(pilot, "How many GPUs did his company stockpile?")
        assert follow_up.answer is not None and "10,000" in follow_up.answer.answer
        await pilot.press("ctrl+n")
        assert app.exchanges == [] and app.turns == []
        await ask(pilot, MARS_QUESTION)

    run(app, scenario)
    assert histories == [(), (FOUNDER_QUESTION,), ()]


def test_streaming_answer_can_be_cancelled_and_the_input_stays_usable(
    small_index: tuple[Path, Path], ollama_standin: OllamaStandin
) -> None:
    ollama_standin.reply = VERIFIABLE_REPLY
    ollama_standin.hold_chats(after=2)  # "Liang Wenfeng", then the stream waits for the test
    app = RecordingApp(
        settings(*small_index, llm="ollama", ollama_host=ollama_standin.url, reply_format="text")
    )
    ended: list[threading.Event] = []  # one per service.ask call, set when its stream ends
    real_ask = app.service.ask

    def ask_until_ended(*args: Any, **kwargs: Any) -> Any:
        done = threading.Event()
        ended.append(done)
        try:
            yield from real_ask(*args, **kwargs)
        finally:
            done.set()

    app.service.ask = ask_until_ended  # type: ignore[method-assign]

    async def scenario(pilot: Pilot[Any]) -> None:
        exchange = await ask(pilot, FOUNDER_QUESTION, wait=False)
        await wait_for(pilot, lambda: "Wenfeng" in exchange.markdown.source, what="streamed text")
        assert exchange.running and app.running is exchange
        await pilot.press("escape")
        assert app.running is None and exchange.has_class("-cancelled")
        assert "Cancelled" in exchange.markdown.source
        assert exchange.answer is None and app.turns == []
        # the cancelled stream goes on in its worker thread until that sees the cancel
        ollama_standin.release_chats()
        # the next question runs normally, and its Done replaces the streamed text
        second = await ask(pilot, FOUNDER_QUESTION)
        assert second.answer is not None
        assert second.markdown.source == second.answer.answer
        assert "Moon" not in second.answer.answer  # the unsupported claim was removed
        assert "Liang Wenfeng founded DeepSeek [1]." in second.answer.answer
        await wait_for(pilot, ended[0].is_set, what="the cancelled worker to end")
        await pilot.pause()  # whatever it posted before it ended is handled by now
        assert exchange.answer is None  # the cancelled worker posted nothing afterwards
        assert ollama_standin.hold_expired == 0

    run(app, scenario)


def test_ollama_dropping_mid_stream_in_auto_mode_falls_back(
    small_index: tuple[Path, Path], ollama_standin: OllamaStandin
) -> None:
    ollama_standin.reply = VERIFIABLE_REPLY
    ollama_standin.drop_after = 3
    app = RecordingApp(
        settings(*small_index, llm="auto", ollama_host=ollama_standin.url, reply_format="text")
    )

    async def scenario(pilot: Pilot[Any]) -> None:
        exchange = await ask(pilot, FOUNDER_QUESTION)
        assert exchange.answer is not None
        assert exchange.answer.backend.llm == "extractive"
        assert "Ollama failed" in exchange.answer.backend.reason
        assert "Ollama failed" in str(exchange.query_one(".status").render())
        assert "extractive" in str(app.query_one(StatusBar).render())

    run(app, scenario)


def test_ollama_failing_with_llm_ollama_is_a_titled_error_and_the_app_goes_on(
    small_index: tuple[Path, Path], ollama_standin: OllamaStandin
) -> None:
    ollama_standin.reply = VERIFIABLE_REPLY
    ollama_standin.drop_after = 3
    app = RecordingApp(
        settings(*small_index, llm="ollama", ollama_host=ollama_standin.url, reply_format="text")
    )

    async def scenario(pilot: Pilot[Any]) -> None:
        failed = await ask(pilot, FOUNDER_QUESTION)
        assert failed.answer is None and failed.has_class("-failed")
        errors = [n for n in app.notes if n["severity"] == "error"]
        assert errors and errors[0]["title"] == "Ollama failed"
        message, hint = errors[0]["message"].split("\n", 1)
        assert "the answer from Ollama (llama3.2" in message and "was cut off" in message
        assert "use --llm extractive to answer without Ollama" in hint
        assert app.running is None
        ollama_standin.drop_after = None
        again = await ask(pilot, FOUNDER_QUESTION)
        assert again.answer is not None and again.answer.backend.llm == "ollama"

    run(app, scenario)


def test_export_copy_and_history(
    small_index: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    app = RecordingApp(settings(*small_index))

    async def scenario(pilot: Pilot[Any]) -> None:
        await pilot.press("ctrl+s")
        assert app.notes[-1]["title"] == "Nothing to export"
        exchange = await ask(pilot, FOUNDER_QUESTION)
        assert exchange.answer is not None
        quote = exchange.answer.citations[0].quote

        await pilot.press("ctrl+s")
        assert app.notes[-1]["title"] == "Conversation exported"
        exported = Path(app.notes[-1]["message"])
        assert exported.parent == tmp_path.resolve()
        text = exported.read_text(encoding="utf-8")
        assert FOUNDER_QUESTION in text and quote in text.replace("\n   > ", " ")

        await pilot.press("ctrl+y")
        assert app.notes[-1]["title"] == "Copied"
        assert quote.split()[0] in app.clipboard and FOUNDER_QUESTION in app.clipboard

        await pilot.press("ctrl+n")
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen), what="history")
        assert app.screen.query_one(OptionList).option_count == 1
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(app.exchanges) == 1, what="the reopened conversation")
        assert app.turns[0].question == FOUNDER_QUESTION
        assert app.query_one(CitationsPanel).query_one(OptionList).option_count >= 1

    run(app, scenario)


def test_export_to_a_chosen_path_from_the_palette(
    small_index: tuple[Path, Path], tmp_path: Path
) -> None:
    app = RecordingApp(settings(*small_index))
    target = tmp_path / "notes" / "deepseek.md"

    async def scenario(pilot: Pilot[Any]) -> None:
        await ask(pilot, FOUNDER_QUESTION)
        await run_command(pilot, "chosen file")
        await wait_for(pilot, lambda: app.screen.query("PromptScreen Input"), what="the prompt")
        app.screen.query_one(Input).value = str(target)
        await pilot.press("enter")
        await wait_for(pilot, target.exists, what="the export")
        assert app.notes[-1]["message"] == str(target.resolve())

    run(app, scenario)


def test_reindex_from_the_palette_shows_the_summary(small_index: tuple[Path, Path]) -> None:
    app = RecordingApp(settings(*small_index))

    async def scenario(pilot: Pilot[Any]) -> None:
        await run_command(pilot, "Reindex the corpus")
        await wait_for(pilot, lambda: "Index up to date" in app.titles(), what="reindex")
        assert "ReindexScreen" in app.pushed
        assert not isinstance(app.screen, ReindexScreen)
        summary = app.notes[app.titles().index("Index up to date")]["message"]
        assert summary.startswith("reindex: 0 added, 0 changed, 0 removed, 2 unchanged")

    run(app, scenario)


def test_missing_index_is_offered_then_built_and_corpus_changes_are_reported(
    tmp_path: Path,
) -> None:
    corpus = copy_small_corpus(tmp_path / "corpus")
    index = tmp_path / "index"
    app = RecordingApp(settings(corpus, index))

    async def build(pilot: Pilot[Any]) -> None:
        await wait_for(pilot, lambda: app.screen.query("ReindexScreen #build"), what="the offer")
        assert "no usable index" in str(app.screen.query_one(".title").render()).lower()
        await pilot.click("#build")
        await wait_for(pilot, lambda: "Index up to date" in app.titles(), what="the build")
        await wait_for(pilot, lambda: app.query_one(StatusBar).index is not None, what="index")
        exchange = await ask(pilot, FOUNDER_QUESTION)
        assert exchange.answer is not None and exchange.answer.citations

    async def main() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await build(pilot)

    asyncio.run(main())

    changed = corpus / "003_0b0806e6b9dc152e.txt"
    changed.write_text(changed.read_text(encoding="utf-8") + "\nA new line.\n", encoding="utf-8")
    again = RecordingApp(settings(corpus, index))

    async def reopen() -> None:
        async with again.run_test(size=SIZE) as pilot:
            await wait_for(
                pilot,
                lambda: "Corpus changed since indexing" in again.titles(),
                what="the corpus warning",
            )
            note = again.notes[again.titles().index("Corpus changed since indexing")]
            assert "003_0b0806e6b9dc152e.txt: changed" in note["message"]
            assert "Ctrl+R" in note["message"]

    asyncio.run(reopen())


def test_declining_the_offer_leaves_the_chat_usable_without_asking_again(
    tmp_path: Path,
) -> None:
    corpus = copy_small_corpus(tmp_path / "corpus")
    app = RecordingApp(settings(corpus, tmp_path / "index"))

    async def main() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(
                pilot, lambda: app.screen.query("ReindexScreen #decline"), what="the offer"
            )
            await pilot.click("#decline")
            await wait_for(pilot, lambda: "No index yet" in app.titles(), what="the note")
            status = app.query_one(StatusBar)
            await wait_for(
                pilot, lambda: status.backend != "checking backend…", what="the backend probe"
            )
            # the index check started by declining has run to its end (it would have made
            # the offer then), and what it asked the app to do is done
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert not isinstance(app.screen, ReindexScreen), "the offer came back"
            assert status.index is None

    asyncio.run(main())


def test_ctrl_b_cycles_the_backend_and_the_next_answer_uses_it(
    small_index: tuple[Path, Path], ollama_standin: OllamaStandin
) -> None:
    ollama_standin.reply = VERIFIABLE_REPLY
    app = RecordingApp(
        settings(*small_index, llm="auto", ollama_host=ollama_standin.url, reply_format="text")
    )

    async def scenario(pilot: Pilot[Any]) -> None:
        bar = app.query_one(StatusBar)
        await wait_for(pilot, lambda: bar.backend == "ollama", what="auto to find Ollama")
        for expected in ("ollama", "extractive", "auto"):
            await pilot.press("ctrl+b")
            assert app.llm == expected and app.notes[-1]["message"] == f"Backend set to {expected}."
            await wait_for(pilot, lambda: not bar.backend.endswith("checking…"), what="probe")
            await app.workers.wait_for_complete()
            await pilot.pause()
            shown = "ollama" if expected != "extractive" else "extractive"
            assert bar.backend == shown, (expected, bar.backend)
        await pilot.press("ctrl+b", "ctrl+b")  # auto → ollama → extractive
        assert app.llm == "extractive"
        chats = len(ollama_standin.chat_bodies)
        answered = await ask(pilot, FOUNDER_QUESTION)
        assert answered.answer is not None and answered.answer.backend.llm == "extractive"
        assert len(ollama_standin.chat_bodies) == chats  # Ollama was not asked

    run(app, scenario)


def test_setting_the_ollama_model_from_the_palette(
    small_index: tuple[Path, Path], ollama_standin: OllamaStandin
) -> None:
    ollama_standin.models = ["llama3.2:latest", "qwen2.5:7b"]
    ollama_standin.reply = VERIFIABLE_REPLY
    app = RecordingApp(
        settings(*small_index, llm="ollama", ollama_host=ollama_standin.url, reply_format="text")
    )

    async def scenario(pilot: Pilot[Any]) -> None:
        await run_command(pilot, "Set the Ollama model")
        await wait_for(pilot, lambda: isinstance(app.screen, PromptScreen), what="the prompt")
        box = app.screen.query_one(Input)
        assert box.value == "llama3.2"
        box.value = "qwen2.5:7b"
        await pilot.press("enter")
        await wait_for(pilot, lambda: "Model" in app.titles(), what="the model note")
        assert app.notes[-1]["message"] == "Ollama model set to qwen2.5:7b."
        assert app.settings.model == "qwen2.5:7b" and app.service.settings.model == "qwen2.5:7b"
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "qwen2.5:7b" in str(app.query_one(StatusBar).render())
        answered = await ask(pilot, FOUNDER_QUESTION)
        assert answered.answer is not None and answered.answer.backend.model == "qwen2.5:7b"
        assert ollama_standin.chat_bodies[-1]["model"] == "qwen2.5:7b"

    run(app, scenario)


def test_an_openai_compatible_server_is_offered_when_set_and_answers_in_the_chat(
    small_index: tuple[Path, Path],
) -> None:
    from tests.openai_standin import OpenAIStandin

    with OpenAIStandin() as server:
        server.reply = VERIFIABLE_REPLY
        app = RecordingApp(
            settings(
                *small_index,
                llm="extractive",
                openai_url=server.url,
                model="qwen2.5-coder:1.5b",
                reply_format="text",
            )
        )

        async def scenario(pilot: Pilot[Any]) -> None:
            bar = app.query_one(StatusBar)
            await run_command(pilot, "Backend: openai")
            assert app.llm == "openai"
            await wait_for(pilot, lambda: bar.backend == "openai", what="the server's probe")
            answered = await ask(pilot, FOUNDER_QUESTION)
            answer = answered.answer
            assert answer is not None and answer.backend.llm == "openai"
            assert answer.answer == "Liang Wenfeng founded DeepSeek [1]."  # the Moon removed
            assert "qwen2.5-coder:1.5b" in str(bar.render())
            await pilot.press("ctrl+b")  # openai → extractive
            assert app.llm == "extractive"

        run(app, scenario)


def test_without_an_openai_server_set_the_palette_does_not_offer_it(
    small_index: tuple[Path, Path],
) -> None:
    from assistant.tui.commands import chat_commands

    app = RecordingApp(settings(*small_index, llm="extractive"))
    names = [name for name, _help, _call in chat_commands(app)]
    assert "Backend: ollama" in names and "Backend: openai" not in names
