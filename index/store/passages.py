"""The queries search asks of the store: BM25 matches in chunks_fts, the chunks filters allow, facet counts.

Search decides what to ask (the match expression, the depth, which filters); this module is how it
is asked in SQL. Filters arrive as an object with kind, site, author, date_from, date_to and speaker.
"""
from __future__ import annotations

# Full-text columns weighted: the passage's text above the title and heading indexed with it.
_BM25 = "bm25(chunks_fts, 1.0, 0.5)"
FACET_FIELDS = ("kind", "site")


def _where(filters, table: str, chunks: str = "c") -> tuple[str, list]:
    """A WHERE clause over the documents table (aliased `table`) and the chunks (aliased `chunks`) and
    its parameters; originals only."""
    clauses, params = [f"{table}.duplicate_of IS NULL"], []
    if filters is None:
        return clauses[0], params
    if filters.kind:
        clauses.append(f"{table}.kind = ? COLLATE NOCASE")
        params.append(filters.kind)
    if filters.site:
        clauses.append(f"{table}.site = ? COLLATE NOCASE")
        params.append(filters.site)
    if filters.author:
        clauses.append(f"instr(lower({table}.author), lower(?)) > 0")
        params.append(filters.author)
    if filters.date_from:
        clauses.append(f"{table}.date != '' AND substr({table}.date, 1, ?) >= ?")
        params += [len(filters.date_from), filters.date_from]
    if filters.date_to:
        clauses.append(f"{table}.date != '' AND substr({table}.date, 1, ?) <= ?")
        params += [len(filters.date_to), filters.date_to]
    if getattr(filters, "speaker", ""):
        clauses.append(f"{chunks}.id IN (SELECT chunk_id FROM chunk_speakers WHERE speaker = ? COLLATE NOCASE)")
        params.append(filters.speaker)
    return " AND ".join(clauses), params


class PassageQueries:
    """Read-only queries over chunks_fts, chunks and documents (a mixin of Store: uses self.db)."""

    def match(self, expression: str, limit: int, filters=None, doc_id: int | None = None) -> list[int]:
        """Chunk ids matching an FTS5 expression, best BM25 first, within the filters (and one document)."""
        return [c for c, _ in self.match_scored(expression, limit, filters, doc_id)]

    def match_scored(self, expression: str, limit: int, filters=None, doc_id: int | None = None) -> list[tuple[int, float]]:
        """(chunk id, BM25 score, higher better) matching an FTS5 expression, best first, within the filters."""
        if not filters and doc_id is None:
            # Duplicates have no chunks, so nothing needs the documents table: rank in FTS5 alone
            # rather than joining every matching row before the LIMIT.
            rows = self.db.execute(
                f"SELECT rowid, {_BM25} AS score FROM chunks_fts WHERE chunks_fts MATCH ? ORDER BY score LIMIT ?",
                (expression, limit),
            ).fetchall()
            return [(r[0], -r[1]) for r in rows]
        where, params = _where(filters, "d")
        if doc_id is not None:
            where, params = where + " AND c.document_id = ?", [*params, doc_id]
        rows = self.db.execute(
            f"SELECT f.rowid, {_BM25} AS score FROM chunks_fts f JOIN chunks c ON c.id = f.rowid "
            f"JOIN documents d ON d.id = c.document_id WHERE chunks_fts MATCH ? AND {where} ORDER BY score LIMIT ?",
            (expression, *params, limit),
        ).fetchall()
        return [(r[0], -r[1]) for r in rows]

    def allowed_chunks(self, filters=None, doc_id: int | None = None, phrases: str = "") -> list[int]:
        """Ids of the chunks of original documents within the filters (and one document), containing the phrases."""
        where, params = _where(filters, "d")
        if doc_id is not None:
            where, params = where + " AND c.document_id = ?", [*params, doc_id]
        sql = f"SELECT c.id FROM chunks c JOIN documents d ON d.id = c.document_id WHERE {where}"
        if phrases:
            sql += " AND c.id IN (SELECT rowid FROM chunks_fts WHERE chunks_fts MATCH ?)"
            params = [*params, phrases]
        return [r[0] for r in self.db.execute(sql, params)]

    def passage_texts(self, limit: int):
        """Title and text of up to `limit` chunks (the spelling dictionary's sample of the collection's words)."""
        yield from self.db.execute("SELECT title, text FROM chunks_fts LIMIT ?", (limit,))

    def passages_with(self, word: str, cap: int | None = None) -> int:
        """How many chunks contain the word (as the full-text index stems it); with `cap`, counted no
        further than that (the full-text index stops reading the word's list there)."""
        return self.passages_matching(f'"{word}"', cap)

    def passages_matching(self, expression: str, cap: int | None = None) -> int:
        """How many chunks match an FTS5 expression, counted no further than `cap` when given."""
        if cap is None:
            return self.db.execute("SELECT count(*) FROM chunks_fts WHERE chunks_fts MATCH ?", (expression,)).fetchone()[0]
        return self.db.execute(
            "SELECT count(*) FROM (SELECT 1 FROM chunks_fts WHERE chunks_fts MATCH ? LIMIT ?)", (expression, int(cap))
        ).fetchone()[0]

    def documents_per(self, field: str, doc_ids) -> dict[str, int]:
        """{value: how many of these documents have it} for a facet field (kind, site), most first; empty values left out."""
        if field not in FACET_FIELDS:
            raise ValueError(f"{field!r} is not a facet; use one of {', '.join(FACET_FIELDS)}")
        doc_ids = list(doc_ids)
        if not doc_ids:
            return {}
        marks = ",".join("?" * len(doc_ids))
        rows = self.db.execute(
            f"SELECT {field}, COUNT(*) FROM documents WHERE id IN ({marks}) GROUP BY {field} ORDER BY COUNT(*) DESC, {field}",
            doc_ids,
        )
        return {value: n for value, n in rows if value}
