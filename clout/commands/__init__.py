"""The CLI's commands, one module per family; importing this package registers them all."""
from . import backup, core, eval, extract, ingest, serve, sources, transcript  # noqa: F401
