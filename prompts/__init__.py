"""The prompt templates; installed as the package `assistant.prompt_templates` (see
pyproject.toml), so `importlib.resources` finds them in a checkout and in a wheel alike."""
