"""Clout: search articles and podcast episodes for the passage that answers a question.

The package is the whole product, one stage a subpackage, arrows one way:

    clout.ingest ──► clout.index ──► clout.web        with clout.cli on top

`clout.settings`, `clout.document` and `clout.pipeline` are the neutral modules any stage may import.
Importing this package imports nothing else.
"""
