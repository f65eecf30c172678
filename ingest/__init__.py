"""Ingest: sources (files, pages, feeds, audio) into Documents and Chunks. Knows nothing of FAISS or Flask."""
