"""The ingest → index pipeline: documents loaded by `clout.ingest` stored by `clout.index`.

The CLI calls it today; the web (a sync started from a page) and the cluster path call the same code.
"""
