"""`assistant mcp` driven by the MCP SDK's own client over stdio, as an agent drives it: the
real server process, the real index of the bundled corpus, the extractive backend."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from mcp import Client, StdioServerParameters

from assistant.index.corpus import read_document
from tests.stress_kill_reindex import reindex_command

MAIN = "import sys; from assistant.cli.command import main; sys.exit(main())"


def server(corpus: Path, index: Path) -> StdioServerParameters:
    args = ["-c", MAIN, "--corpus", str(corpus), "--index", str(index), "--llm", "extractive"]
    return StdioServerParameters(command=sys.executable, args=[*args, "mcp"])


def session(corpus: Path, index: Path, scenario: Callable[[Any], Awaitable[None]]) -> None:
    async def main() -> None:
        async with Client(server(corpus, index), read_timeout_seconds=120) as client:
            await scenario(client)

    asyncio.run(main())


def payload(result: Any) -> dict[str, Any]:
    assert not result.is_error, result.content
    data: dict[str, Any] = json.loads(result.content[0].text)
    assert result.structured_content in (None, data)
    return data


def error_text(result: Any) -> str:
    assert result.is_error
    return " ".join(block.text for block in result.content)


def test_an_agent_lists_the_tools_and_gets_citations_that_stand_in_the_files(
    bundled_index: tuple[Path, Path],
) -> None:
    corpus, index = bundled_index

    async def scenario(client: Any) -> None:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        assert set(tools) == {"ask", "search"}
        assert tools["ask"].input_schema["required"] == ["question"]
        assert "k" in tools["search"].input_schema["properties"]
        assert "offsets" in tools["ask"].description

        answer = payload(await client.call_tool("ask", {"question": "Who founded DeepSeek?"}))
        assert not answer["abstained"] and "Liang Wenfeng" in answer["answer"]
        assert answer["backend"]["llm"] == "extractive" and answer["citations"]
        for citation in answer["citations"]:
            text = read_document(corpus, citation["file"]).text
            assert text[citation["start"] : citation["end"]] == citation["quote"]
            assert f"[{citation['n']}]" in answer["answer"]

        found = payload(await client.call_tool("search", {"query": "chip export controls"}))
        assert len(found["passages"]) == 5 and found["warnings"] == []
        assert [p["rank"] for p in found["passages"]] == [1, 2, 3, 4, 5]
        for passage in found["passages"]:
            text = read_document(corpus, passage["file"]).text
            assert text[passage["start"] : passage["end"]] == passage["text"]
        two = payload(await client.call_tool("search", {"query": "Nvidia share price", "k": 2}))
        assert len(two["passages"]) == 2

        # a question out of the corpus: an abstention without citations
        question = "Which U.S. state banned DeepSeek on government devices?"
        answer = payload(await client.call_tool("ask", {"question": question}))
        assert answer["abstained"] and answer["citations"] == []
        assert answer["answer"] == "The corpus does not say."

    session(corpus, index, scenario)


def test_bad_calls_are_error_results_and_the_server_goes_on(
    bundled_index: tuple[Path, Path],
) -> None:
    async def scenario(client: Any) -> None:
        assert "question" in error_text(await client.call_tool("ask", {}))
        assert "`question` is empty" in error_text(await client.call_tool("ask", {"question": " "}))
        huge = "Who founded DeepSeek? " * 4600  # about 100,000 characters
        assert "at most 2,000" in error_text(await client.call_tool("ask", {"question": huge}))
        assert "1 to 20" in error_text(await client.call_tool("search", {"query": "chips", "k": 0}))
        assert "1 to 20" in error_text(
            await client.call_tool("search", {"query": "chips", "k": 500})
        )
        answer = payload(await client.call_tool("ask", {"question": "Who founded DeepSeek?"}))
        assert not answer["abstained"] and "Liang Wenfeng" in answer["answer"]

    session(*bundled_index, scenario)


def test_a_reindex_by_another_process_is_picked_up(
    bundled_index: tuple[Path, Path], tmp_path: Path
) -> None:
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    shutil.copytree(bundled_index[0], corpus)
    shutil.copytree(bundled_index[1], index)
    added = "The harbour seal colony at Skerry Point grew to ninety-one animals in 2024."

    async def scenario(client: Any) -> None:
        question = {"question": "How many animals did the Skerry Point seal colony reach?"}
        before = payload(await client.call_tool("ask", question))
        assert before["abstained"]
        (corpus / "seals.txt").write_text(added + "\n", "utf-8")
        done = subprocess.run(reindex_command(tmp_path), capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        after = payload(await client.call_tool("ask", question))
        assert not after["abstained"] and after["citations"][0]["file"] == "seals.txt"
        assert after["index"]["version"] != before["index"]["version"]

    session(corpus, index, scenario)


def test_without_an_index_the_server_says_so_on_stderr_and_exits(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("Some text.\n", "utf-8")
    params = server(corpus, tmp_path / "index")
    done = subprocess.run(
        [params.command, *params.args], capture_output=True, text=True, timeout=60, input=""
    )
    assert done.returncode == 4 and done.stdout == ""
    assert "there is no index" in done.stderr and "assistant reindex" in done.stderr


def test_nothing_but_the_protocol_reaches_stdout(bundled_index: tuple[Path, Path]) -> None:
    """A warning printed to stdout would corrupt the stream: every line must be JSON-RPC."""
    params = server(*bundled_index)
    calls = [("ask", {"question": "Who founded DeepSeek?"}), ("search", {"query": "chips"})]
    requests = [
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {
                "protocolVersion": "2025-06-18",
                "capabilities": {},
                "clientInfo": {"name": "test", "version": "1"},
            },
        },
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        *(
            {
                "jsonrpc": "2.0",
                "id": n,
                "method": "tools/call",
                "params": {"name": tool, "arguments": arguments},
            }
            for n, (tool, arguments) in enumerate(calls, start=2)
        ),
    ]
    process = subprocess.Popen(
        [params.command, *params.args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdin is not None and process.stdout is not None
    for request in requests:
        process.stdin.write(json.dumps(request) + "\n")
    process.stdin.flush()
    lines = [process.stdout.readline() for _ in range(3)]
    process.stdin.close()
    process.wait(timeout=60)
    replies = [json.loads(line) for line in lines]
    assert sorted(reply["id"] for reply in replies) == [1, 2, 3]
    assert all("result" in reply and not reply["result"].get("isError") for reply in replies)
    assert process.stdout.read().strip() == ""
