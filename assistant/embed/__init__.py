"""Embedders: all-MiniLM-L6-v2 on onnxruntime (`local`), multilingual USE v3 in numpy, an
Ollama server."""
