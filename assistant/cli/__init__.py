"""The command line: `assistant` and its subcommands, their output, batches, doctor, and the
MCP server (`assistant mcp`)."""
