"""`clout analytics`: the tables /admin/analytics shows (searches per day, top queries, content gaps, opens, plays)."""
from __future__ import annotations

import csv
import sys
import time

import click

from clout.errors import CloutError

from . import cli, emit_json, pass_state

COLUMNS = ("table", "label", "searches", "zero_result", "low_confidence", "opens", "plays", "seconds", "doc_id", "start")


class AnalyticsError(CloutError):
    """The analytics cannot be read as asked (a bad --since); the message says why."""


def _report(state, since: str) -> dict:
    from clout.index.analytics import parse_since, report
    from clout.index.kb import DB_FILE
    from clout.index.store import Store
    from clout.index.store.analytics import ANALYTICS_FILE, AnalyticsDB

    try:
        start = parse_since(since) if since else time.time() - 30 * 86400
    except ValueError:
        raise AnalyticsError(f"--since {since!r} is not a date like 2026-11-01") from None
    data_dir = state.settings.data_dir
    store = Store(data_dir / DB_FILE, readonly=True) if (data_dir / DB_FILE).exists() else None

    def title_of(doc_id: int) -> str:
        doc = store.document(doc_id, segments=False) if store else None
        return (doc.title or "Untitled") if doc else f"(document {doc_id}, since removed)"

    return report(AnalyticsDB(data_dir / ANALYTICS_FILE), start, title_of)


def _rows(data: dict):
    """Every table as rows of COLUMNS, for --csv."""
    for d in data["days"]:
        yield {"table": "day", "label": d["day"], "searches": d["searches"], "zero_result": d["zero_result"],
               "low_confidence": d["low_confidence"]}
    for table in ("top_queries", "zero_result", "low_confidence"):
        for g in data[table]:
            yield {"table": table, "label": g["query"], "searches": g["searches"], "zero_result": g["zero_result"],
                   "low_confidence": g["low_confidence"]}
    for d in data["documents"]:
        yield {"table": "documents", "label": d["title"], "opens": d["opens"], "doc_id": d["doc_id"]}
    for m in data["moments"]:
        yield {"table": "moments", "label": m["title"], "plays": m["plays"], "seconds": m["seconds"], "doc_id": m["doc_id"],
               "start": m["start"]}


@cli.command()
@click.option("--since", default="", metavar="DATE", help="From this day (UTC; default: the last 30 days).")
@click.option("--json", "as_json", is_flag=True, help="The whole report as JSON.")
@click.option("--csv", "as_csv", is_flag=True, help="Every table as CSV rows, the first column naming the table.")
@pass_state
def analytics(state, since, as_json, as_csv):
    """What people searched for, what they found nothing on, what they opened and played."""
    data = _report(state, since)
    if as_json:
        emit_json(data)
        return
    if as_csv:
        writer = csv.DictWriter(sys.stdout, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(_rows(data))
        return
    t = data["totals"]
    click.echo(f"Since {data['since']}: {t['searches']} searches, {t['zero_result']} with no results, "
               f"{t['low_confidence']} with only weak results, {t['answered']} answered by a card, {t['clicks']} opened, {t['plays']} plays "
               f"({t['seconds_played'] / 60:.1f} minutes heard), {t['mean_latency_ms']} ms a search")
    click.echo("\nSearches per day")
    for d in data["days"]:
        click.echo(f"  {d['day']}  {d['searches']:5}  {'#' * min(60, d['searches'])}")
    for table, title, field in (("zero_result", "No results (content gaps)", "zero_result"),
                                ("low_confidence", "Only weak results (content gaps)", "low_confidence"),
                                ("top_queries", "Top queries", "searches")):
        click.echo(f"\n{title}")
        for g in data[table]:
            click.echo(f"  {g[field]:5}  {g['query']}")
        if not data[table]:
            click.echo("  none")
    click.echo("\nMost opened documents")
    for d in data["documents"]:
        click.echo(f"  {d['opens']:5}  {d['title']}")
    click.echo("\nMost played moments")
    for m in data["moments"]:
        click.echo(f"  {m['plays']:5} plays  {m['seconds'] / 60:6.1f} min  {m['title']} from {int(m['start']) // 60}:{int(m['start']) % 60:02d}")
