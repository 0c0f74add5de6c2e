"""`python -m assistant.cli.command`: the `assistant` command."""

from assistant.cli.command.command import main

raise SystemExit(main())
