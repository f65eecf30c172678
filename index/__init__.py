"""Index: everything persistent — the SQLite store, the FAISS vectors — and search over them."""
