"""The one base of the errors a user can cause or fix; each says in one sentence what was wrong, naming the input.

Each stage raises its own kind (IngestError, StoreError, SearchError, EmbedderError, SourceError ...), all
CloutErrors. They become one message once at each edge: the CLI group turns any CloutError into one line
and exit status 1 (clout/cli/__init__.py), the web app into its JSON error shape or its error page
(clout/web/errors.py). Anything else that escapes is a bug and keeps its traceback.
"""
from __future__ import annotations


class CloutError(Exception):
    """Something Clout was asked to do cannot be done as asked; `str()` is the sentence to show."""
