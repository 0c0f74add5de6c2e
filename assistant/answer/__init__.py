"""Answer backends (extractive, Ollama) and the shared citation verification."""
