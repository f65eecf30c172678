"""`clout eval FILE|FOLDER`: how well search ranks labelled queries, lexical, semantic and hybrid side by side."""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import click

from . import cli, emit_json, pass_state

HALVES = ("all", "tune", "held-out")


def _weights(ctx, param, value):
    if value is None:
        return None
    try:
        lexical, semantic = (float(x) for x in value.split(","))
    except ValueError:
        raise click.BadParameter(f"give two numbers, lexical,semantic (like 1,0.7), not {value!r}") from None
    return lexical, semantic


@cli.command("eval")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--weights", callback=_weights, help="Fusion weights lexical,semantic (default: the built-in ones).")
@click.option("--half", type=click.Choice(HALVES), default="all", show_default=True,
              help="Score only the tuning half or the held-out half of the queries (split by a hash of each query).")
@click.option("--scratch", type=click.Path(file_okay=False, path_type=Path),
              help="For a BEIR folder: where to store its corpus (kept, so a second run reuses it); default a temporary directory.")
@click.option("--json", "as_json", is_flag=True, help="Print the figures (and each query's) as JSON.")
@click.option("--show-misses", is_flag=True, help="List the queries whose top result is not relevant.")
@click.option("--card/--no-card", "with_card", default=True, show_default=True,
              help="Also measure the answer card: coverage, precision, moments and article+episode pairs found.")
@pass_state
def eval_command(state, path, weights, half, scratch, as_json, show_misses, with_card):
    """Score search on PATH: a labelled file, or a BEIR folder.

    A file holds [{"q": ..., "relevant": {source: grade}, "answer": phrase}, ...] and is scored against
    the knowledge base in --data-dir: nDCG@10, MRR@10, recall@5 and how often the top passage contains
    the answer phrase. A BEIR folder (corpus.jsonl, queries.jsonl, qrels/test.tsv) is ingested into a
    scratch data directory and scored by nDCG@10, MRR@10, recall@10 and recall@100.
    """
    from clout.index import beir

    if path.is_dir():
        if not beir.is_beir(path):
            raise click.ClickException(f"{path} is a folder but not a BEIR folder: it has no corpus.jsonl")
        _eval_beir(path, half, scratch, as_json)
        return
    from clout.index.evaluate import evaluate, half as half_of, load_queries, query_key, table

    queries = load_queries(path)
    if half != "all":
        queries = [q for q in queries if half_of(query_key(q)) == half]
    results, notes = evaluate(state.kb(readonly=True), queries, weights=weights)
    cards = []
    if with_card:
        from clout.index.evaluate_answer import card_table, evaluate_cards

        cards = evaluate_cards(state.kb(readonly=True), queries)
    if as_json:
        emit_json({"modes": [s.to_json() for s in results], "notes": notes, "half": half,
                   "queries": {s.mode: s.per_query for s in results},
                   **({"card": [c.to_json() for c in cards], "card_queries": cards[-1].per_query} if cards else {})})
        return
    for note in notes:
        click.echo(f"note: {note}", err=True)
    click.echo(table(results))
    if cards:
        click.echo()
        click.echo(card_table(cards))
    if show_misses:
        for scores in results:
            for row in scores.per_query:
                if row["rr"] < 1 or row.get("answer") is False:
                    click.echo(f"{scores.mode:>9}  rr={row['rr']:.2f} answer={row.get('answer')}  {row['q'][:70]}  → {row['top']}")
        for row in cards[-1].per_query if cards else []:
            if row["shown"] and not row["right"]:
                click.echo(f"     card  wrong  {row['q'][:70]}  → {row['quotes'][0]}")


def _eval_beir(folder: Path, half: str, scratch: Path | None, as_json: bool) -> None:
    from clout.index import beir
    from clout.index.evaluate import half as half_of
    from clout.index.kb import KnowledgeBase

    data = beir.read(folder)
    directory = scratch or Path(tempfile.mkdtemp(prefix="clout-beir-"))
    kb = KnowledgeBase(directory)
    try:
        stored = beir.ingest(kb, data)
        only = None if half == "all" else (lambda qid: half_of(qid) == half)
        results = beir.evaluate(kb, data, only=only)
    finally:
        kb.close()
        if scratch is None:
            shutil.rmtree(directory, ignore_errors=True)
    if as_json:
        emit_json({"modes": [s.to_json() for s in results], "documents": stored, "half": half,
                   "queries": {s.mode: s.per_query for s in results}})
        return
    click.echo(f"{folder}: {stored} documents, {results[0].queries if results else 0} judged queries", err=True)
    click.echo(beir.table(results))
