"""Clout: the CLI and settings that join ingest, index and web."""
