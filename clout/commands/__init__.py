"""The CLI's commands, one module per family; importing this package registers them all."""
from . import core, ingest, serve  # noqa: F401
from . import backup  # noqa: F401
