"""`assistant mcp`: the assistant as an MCP server over stdio, for agents (Claude Desktop, an
IDE's assistant, a script) — a thin shell over the same service as the CLI and the chat.

Two tools: `ask` (a verified answer with its citations, or an abstention) and `search` (the
passages retrieval finds, each located in its file as a citation is). The index opens at
start-up; a reindex by another process is picked up at the next call, as the CLI does. A bad
call is an error result whose message says what to change, and the server goes on serving.
stdout carries the protocol only: everything else (logs, warnings) goes to stderr.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from typing import TYPE_CHECKING, Any

from assistant.errors import AssistantError
from assistant.service import MAX_QUESTION_CHARS

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer

    from assistant.config import Settings
    from assistant.service import Assistant

MAX_K = 20
INSTRUCTIONS = (
    "Answers questions from the user's document folder with verified citations. Every "
    "citation's quote is the named file's text at the given character offsets [start, end). "
    "When the documents do not say, `ask` abstains (abstained: true) and may show a related "
    "passage that is not an answer; do not answer from it."
)
ASK = (
    "Answer a question from the documents. Returns the answer text with [n] markers, "
    "`abstained` (true when the documents do not answer it), and `citations`: for each n, "
    "the file, the verbatim quote, its start/end character offsets in the file's text, and "
    "page, title and section where known. Ask one self-contained question in natural language."
)
SEARCH = (
    "Find the passages of the documents most relevant to a query (no answer is written). "
    "Returns up to k passages (default 5, at most 20), best first, each with its file, text, "
    "start/end character offsets in the file's text, and page, title and section where known."
)


def build_server(assistant: Assistant) -> MCPServer:
    """The MCP server answering with `assistant` (its index already open)."""
    from mcp.server.mcpserver import MCPServer
    from mcp.server.mcpserver.exceptions import ToolError

    server = MCPServer("assistant", instructions=INSTRUCTIONS, log_level="WARNING")

    def checked(text: str, what: str) -> str:
        if not text.strip():
            raise ToolError(f"`{what}` is empty: give the {what} as text")
        if len(text) > MAX_QUESTION_CHARS:
            raise ToolError(
                f"`{what}` is {len(text):,} characters long; at most "
                f"{MAX_QUESTION_CHARS:,} are read: ask one shorter {what}"
            )
        return text

    async def run(call: Any, *args: Any) -> Any:
        """The service's call in a worker thread (an answer may take a model's while)."""
        try:
            return await asyncio.to_thread(call, *args)
        except AssistantError as exc:
            raise ToolError(str(exc)) from None

    @server.tool(description=ASK)
    async def ask(question: str) -> dict[str, Any]:
        answer = await run(assistant.answer, checked(question, "question"))
        data: dict[str, Any] = answer.to_json()
        data.pop("id", None)
        return data

    @server.tool(description=SEARCH)
    async def search(query: str, k: int = 5) -> dict[str, Any]:
        if not 1 <= k <= MAX_K:
            raise ToolError(f"`k` is {k}: ask for 1 to {MAX_K} passages")
        found, warnings = await run(assistant.search, checked(query, "query"), k)
        return {"passages": [hit.to_json() for hit in found], "warnings": warnings}

    return server


def run_mcp(settings: Settings) -> int:
    """Serve over stdio until the client closes it."""
    from assistant.service import Assistant

    logging.basicConfig(stream=sys.stderr, level=logging.WARNING)
    with Assistant(settings) as assistant:
        assistant.open()  # a missing index is an error now, not at the first call
        build_server(assistant).run("stdio")
    return 0
