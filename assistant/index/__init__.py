"""Keeping the index: reading a folder, chunking, the vector store and the chunk table (BM25),
the manifest, retrieval."""
