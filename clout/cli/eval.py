"""`clout eval FILE`: how well search ranks labelled queries, lexical, semantic and hybrid side by side."""
from __future__ import annotations

import click

from . import cli, emit_json, pass_state


def _weights(ctx, param, value):
    if value is None:
        return None
    try:
        lexical, semantic = (float(x) for x in value.split(","))
    except ValueError:
        raise click.BadParameter(f"give two numbers, lexical,semantic (like 1,0.7), not {value!r}") from None
    return lexical, semantic


@cli.command("eval")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--weights", callback=_weights, help="Fusion weights lexical,semantic (default: the built-in ones).")
@click.option("--json", "as_json", is_flag=True, help="Print the figures (and each query's) as JSON.")
@click.option("--show-misses", is_flag=True, help="List the queries whose top result is not relevant.")
@pass_state
def eval_command(state, file, weights, as_json, show_misses):
    """Score search on FILE: [{"q": ..., "relevant": {source: grade}, "answer": phrase}, ...].

    Prints nDCG@10, MRR@10, recall@5 and how often the top passage contains the answer phrase.
    """
    from clout.index.evaluate import evaluate, load_queries, table

    queries = load_queries(file)
    results, notes = evaluate(state.kb(readonly=True), queries, weights=weights)
    if as_json:
        emit_json({"modes": [s.to_json() for s in results], "notes": notes,
                   "queries": {s.mode: s.per_query for s in results}})
        return
    for note in notes:
        click.echo(f"note: {note}", err=True)
    click.echo(table(results))
    if show_misses:
        for scores in results:
            for row in scores.per_query:
                if row["rr"] < 1 or row.get("answer") is False:
                    click.echo(f"{scores.mode:>9}  rr={row['rr']:.2f} answer={row.get('answer')}  {row['q'][:70]}  → {row['top']}")
