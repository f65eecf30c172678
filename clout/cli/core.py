"""`clout search`, `clout stats`, `clout remove`: reading and pruning the knowledge base."""
from __future__ import annotations

import click

from clout.index.vocabulary import DEFAULT_K, DEFAULT_MODE, KINDS, MAX_K, MAX_OFFSET, MIN_K, MODES

from . import cli, emit_json, pass_state


@cli.command()
@click.argument("query")
@click.option("-k", "k", type=click.IntRange(MIN_K, MAX_K), default=DEFAULT_K, show_default=True, help="How many results.")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@click.option("--mode", type=click.Choice(MODES), default=DEFAULT_MODE, show_default=True,
              help="Match words (lexical), meaning (semantic) or both.")
@click.option("--kind", type=click.Choice(KINDS), help="Only articles, or only episodes.")
@click.option("--site", help="Only this site or show (its name as `clout search` shows it).")
@click.option("--author", help="Only authors whose name contains this.")
@click.option("--speaker", help="Only episode passages where this speaker speaks (the whole name), played where they do.")
@click.option("--since", "--from", "date_from", help="Only documents dated on or after this (2017, 2017-09, 2017-09-22).")
@click.option("--until", "--to", "date_to", help="Only documents dated on or before this.")
@click.option("--offset", type=click.IntRange(0, MAX_OFFSET), default=0, help="Skip this many documents (the next page).")
@click.option("--answer/--no-answer", "with_answer", default=True, show_default=True,
              help="With --json: the answer card (`clout ask` prints it) on the first page.")
@pass_state
def search(state, query, k, as_json, mode, kind, site, author, speaker, date_from, date_to, offset, with_answer):
    """Find the passages that answer QUERY."""
    from clout.index.query import parse
    from clout.index.search import Filters, results_json, search as run_search, searched_for

    from .terminal import print_hits

    filters = Filters(kind=kind or "", site=site or "", author=author or "", speaker=speaker or "",
                      date_from=date_from or "", date_to=date_to or "")
    hits = run_search(state.kb(readonly=True), query, k=k, mode=mode, filters=filters, offset=offset)
    if as_json:
        from clout.index.answer import answer

        card = answer(state.kb(readonly=True), query, hits) if with_answer and not offset else None
        emit_json(results_json(query, hits, searched_for(state.kb(readonly=True), query), answer=card))
        return
    fixed = searched_for(state.kb(readonly=True), query)
    if fixed:
        click.echo(f"Showing results for {fixed}")
    print_hits(hits, parse(query).terms, offset)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@pass_state
def stats(state, as_json):
    """What the knowledge base holds, and whether its parts agree."""
    figures = state.kb(readonly=True).stats()
    if as_json:
        emit_json(figures)
        return
    kinds = ", ".join(f"{n} {kind}s" for kind, n in sorted(figures["by_kind"].items())) or "none"
    click.echo(f"documents:   {figures['documents']} ({kinds}); {figures['duplicates']} recorded duplicates")
    click.echo(f"chunks:      {figures['chunks']}")
    click.echo(f"vectors:     {figures['vectors']} ({figures['index_bytes'] / 2**20:.1f} MB index, "
               f"{figures['store_bytes'] / 2**20:.1f} MB store)")
    click.echo(f"consistent:  {'yes' if figures['consistent'] else 'NO'}")
    click.echo(f"model:       {figures['model']} ({figures['dim']} dimensions)")
    click.echo(f"transcripts: {figures['transcripts']} cached")
    click.echo(f"data dir:    {figures['data_dir']}")


@cli.command()
@click.argument("sources", nargs=-1, required=True)
@pass_state
def remove(state, sources):
    """Remove documents by the path or URL they were ingested from."""
    kb = state.kb()
    missing = 0
    with kb.writing():
        for source in sources:
            if kb.remove(source):
                click.echo(f"removed: {source}")
            else:
                missing += 1
                click.echo(f"not found: {source}", err=True)
    if missing:
        raise SystemExit(1)
