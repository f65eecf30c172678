"""Search results for a person at a terminal: rich formatting on a TTY, plain lines otherwise."""
from __future__ import annotations

import sys

import click


def clock(seconds: float | None) -> str:
    if seconds is None:
        return ""
    s = int(seconds)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


def _byline(hit) -> str:
    return " · ".join(p for p in (hit.site, hit.author, hit.date) if p)


def _when(hit) -> str:
    if hit.kind != "episode" or hit.start is None:
        return ""
    return f"{hit.speaker}, {clock(hit.start)} ▶" if hit.speaker else f"▶ {clock(hit.start)}"


def print_hits(hits, terms, offset: int = 0, rich: bool | None = None) -> None:
    if not hits:
        click.echo("No results.")
        return
    if rich is None:
        rich = sys.stdout.isatty()
    if rich:
        _print_rich(hits, terms, offset)
        return
    for rank, hit in enumerate(hits, offset + 1):
        when = f"  {_when(hit)}" if _when(hit) else ""
        click.echo(click.style(f"{rank}. {hit.title or hit.source}", bold=True) + when)
        if _byline(hit):
            click.echo(f"   {_byline(hit)}")
        click.echo(f"   {hit.snippet}")
        more = f"  (+{hit.more} more from this document)" if hit.more else ""
        click.echo(click.style(f"   {hit.url or hit.source}{more}", dim=True))
        click.echo()


def _print_rich(hits, terms, offset: int) -> None:
    from rich.console import Console
    from rich.text import Text

    from clout.index.highlight import marked

    console = Console(highlight=False)
    for rank, hit in enumerate(hits, offset + 1):
        head = Text(f"{rank}. ", style="bold")
        head.append(hit.title or hit.source, style="bold cyan")
        if _when(hit):
            head.append(f"  {_when(hit)}", style="bold green")
        head.append(f"  [{hit.kind}]", style="dim")
        console.print(head)
        if _byline(hit):
            console.print(Text(f"   {_byline(hit)}", style="italic"))
        body = Text("   " + hit.snippet)  # Text never interprets markup in scraped text
        for start, end in marked(hit.snippet, terms):
            body.stylize("bold yellow", start + 3, end + 3)
        console.print(body)
        more = f"  (+{hit.more} more from this document)" if hit.more else ""
        console.print(Text(f"   {hit.url or hit.source}{more}", style="dim"))
        console.print()
