"""`clout keys create|list|revoke|require`: API keys, and whether this knowledge base asks for them."""
from __future__ import annotations

import datetime as dt

import click

from . import cli, emit_json, pass_state


def _keys(state):
    # The store alone: managing keys needs neither the embedding model nor the vectors.
    from clout.index.keys import Keys
    from clout.index.kb import DB_FILE
    from clout.index.store import Store

    return Keys(Store(state.settings.data_dir / DB_FILE))


def _when(timestamp: float | None) -> str:
    return dt.datetime.fromtimestamp(timestamp, dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC") if timestamp else "never"


@cli.group()
def keys():
    """API keys: `search` keys search; `admin` keys also see analytics and can start a sync."""


@keys.command("create")
@click.argument("name")
@click.option("--scope", type=click.Choice(["search", "admin"]), default="search", show_default=True)
@click.option("--origin", "origins", multiple=True, metavar="URL",
              help="A site whose pages may use this key from a browser (the widget); repeat for several.")
@click.option("--expires", default="", metavar="DATE", help="Last day the key works (UTC), e.g. 2026-12-31.")
@click.option("--rate", type=click.IntRange(min=0), default=0, help="Requests a minute for this key (0: CLOUT_RATE_LIMIT).")
@pass_state
def keys_create(state, name, scope, origins, expires, rate):
    """Create a key called NAME and print it, once."""
    key, token = _keys(state).create(name, scope, origins, expires, rate)
    click.echo(token)
    where = f" from {', '.join(key.origins)}" if key.origins else ""
    until = f", until {_when(key.expires_at)}" if key.expires_at else ""
    click.echo(f"created {scope} key {name!r}{where}{until}. It is shown only now: store it safely.", err=True)


@keys.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def keys_list(state, as_json):
    """Every key: name, scope, origins, status, expiry (never the key itself)."""
    rows = _keys(state).all()
    if as_json:
        emit_json([{"name": k.name, "scope": k.scope, "origins": list(k.origins), "rate_limit": k.rate_limit,
                    "status": k.status(), "created_at": k.created_at, "expires_at": k.expires_at,
                    "revoked_at": k.revoked_at} for k in rows])
        return
    if not rows:
        click.echo("No keys yet: `clout keys create NAME --scope admin`.")
        return
    for k in rows:
        click.echo(f"{k.name}  [{k.scope}]  {k.status()}  created {_when(k.created_at)}  expires {_when(k.expires_at)}"
                   + (f"  origins {' '.join(k.origins)}" if k.origins else ""))


@keys.command("revoke")
@click.argument("name")
@pass_state
def keys_revoke(state, name):
    """Revoke NAME: refused from the next request on, also by a running server."""
    _keys(state).revoke(name)
    click.echo(f"revoked key {name!r}")


@keys.command("require")
@click.argument("switch", type=click.Choice(["on", "off"]))
@pass_state
def keys_require(state, switch):
    """Make every search (page, API, widget, media, documents) ask for a key, or not (CLOUT_REQUIRE_KEY=1 forces on)."""
    _keys(state).require(switch == "on")
    click.echo("keys are required to search this knowledge base" if switch == "on"
               else "searching no longer needs a key (unless CLOUT_REQUIRE_KEY=1)")
