"""`clout serve`: the search page, API and widget through waitress."""
from __future__ import annotations

from dataclasses import replace

import click

from . import cli, pass_state


# Waitress reads requests asynchronously and hands a thread only a complete one, so a slow client
# holds a socket, not a worker; these bound how many sockets and for how long (slowloris).
SLOW_CLIENT_LIMITS = {
    "channel_timeout": 30,  # seconds of silence before a connection is closed
    "connection_limit": 200,
    "cleanup_interval": 10,
    "max_request_header_size": 64 * 1024,
    "max_request_body_size": 1024 * 1024,  # the API takes queries in the URL; bodies stay small
    "backlog": 256,
}


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, envvar="CLOUT_HOST")
@click.option("--port", type=click.IntRange(1, 65535), default=5000, show_default=True, envvar="CLOUT_PORT")
@click.option("--threads", type=click.IntRange(1, 64), default=4, show_default=True, help="Request threads.")
@pass_state
def serve(state, host, port, threads):
    """Serve the knowledge base over HTTP."""
    from waitress import serve as waitress_serve

    from clout.index.threads import one_core_per_request
    from clout.web import create_app

    one_core_per_request()
    # The Host names answered default to the address served on (and localhost): web/security.py.
    app = create_app(settings=replace(state.settings, host=host), kb=state.kb(readonly=True))
    click.echo(f"Clout is serving {state.settings.data_dir} on http://{host}:{port}/  (Ctrl-C stops)")
    waitress_serve(app, host=host, port=port, threads=threads, ident="clout", **SLOW_CLIENT_LIMITS)

