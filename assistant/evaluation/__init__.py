"""`assistant eval`: score batch results against gold questions, report, compare runs.

`scoring` is pure (dicts and a `{file: text}` corpus in, scores out); `files` does the reading
and writing; `report`, `compare` and `readme` render; `view` is the only Rich user; `command`
wires them to the CLI.
"""
