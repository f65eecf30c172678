"""`clout ask QUESTION`: the answer card in a terminal, the sentences that answer quoted word for word."""
from __future__ import annotations

import click

from clout.index.vocabulary import KINDS

from . import cli, emit_json, is_tty, pass_state
from .terminal import clock

NO_ANSWER = "No confident answer in the knowledge base; `clout search` lists the passages nearest the question."


@cli.command()
@click.argument("question")
@click.option("--json", "as_json", is_flag=True, help='Print the answer as JSON: {"quotes": [...]}, or null.')
@click.option("--kind", type=click.Choice(KINDS), help="Only answers from articles, or only from episodes.")
@pass_state
def ask(state, question, as_json, kind):
    """The sentences of the knowledge base that answer QUESTION, with where they come from."""
    from clout.index.answer import answer
    from clout.index.search import Filters, search

    kb = state.kb(readonly=True)
    card = answer(kb, question, search(kb, question, filters=Filters(kind=kind or "")))
    if as_json:
        emit_json(card)
    elif card is None:
        click.echo(NO_ANSWER)
    elif is_tty():
        print_rich(card)
    else:
        print_plain(card)


def _where(quote: dict) -> str:
    """Who said it and when: the speaker and the moment for an episode, the author and date for an article."""
    if quote["kind"] == "episode":
        who = quote["speaker"] or quote["author"]
        return " · ".join(p for p in (who, f"{clock(quote['start'])} ▶", quote["date"]) if p)
    return " · ".join(p for p in (quote["author"], quote["date"]) if p)


def print_plain(card: dict) -> None:
    for i, quote in enumerate(card["quotes"]):
        if i:
            click.echo()
        click.echo(f"“{quote['text']}”")
        click.echo(f"  — {quote['title'] or quote['source']}" + (f" ({_where(quote)})" if _where(quote) else ""))
        click.echo(f"  {quote['url']}")


def print_rich(card: dict) -> None:
    from rich.console import Console
    from rich.panel import Panel
    from rich.text import Text

    console = Console(highlight=False)
    for quote in card["quotes"]:
        body = Text(f"“{quote['text']}”")  # Text, never markup: the quote is scraped text
        body.append("\n\n— ")
        body.append(quote["title"] or quote["source"], style="bold cyan")
        if _where(quote):
            body.append(f"  {_where(quote)}", style="bold green" if quote["kind"] == "episode" else "italic")
        body.append(f"\n{quote['url']}", style="dim")
        console.print(Panel(body, title=Text(quote["kind"], style="dim"), title_align="left", expand=False))
