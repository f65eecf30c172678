"""`clout serve`: the search page, API and widget through waitress."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

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
@click.option("--snapshot", "snapshot_dir", type=click.Path(file_okay=False, path_type=Path), envvar="CLOUT_SNAPSHOT_DIR",
              help="Serve the newest snapshot `clout publish` wrote in this directory, and follow newer ones.")
@click.option("--poll", type=click.FloatRange(0.1, 3600), default=2.0, show_default=True,
              help="With --snapshot: seconds between looks for a newer snapshot.")
@pass_state
def serve(state, host, port, threads, snapshot_dir, poll):
    """Serve the knowledge base over HTTP (or, with --snapshot, the published snapshots in a directory)."""
    from waitress import serve as waitress_serve

    from clout.index.threads import one_core_per_request
    from clout.web import create_app

    one_core_per_request()
    # The Host names answered default to the address served on (and localhost): web/security.py.
    settings = replace(state.settings, host=host)
    if snapshot_dir is not None:
        from clout.index.follow import Follower
        from clout.index.snapshot import SnapshotError

        follower = Follower(snapshot_dir, poll_seconds=poll)
        if not follower.poll():
            why = "; ".join(follower.refused.values()) or "there is none"
            raise SnapshotError(f"no snapshot in {snapshot_dir} can be served ({why}): run `clout publish {snapshot_dir}`")
        follower.start()
        app = create_app(settings=settings, follower=follower)
        what = f"snapshot {follower.name} of {snapshot_dir} (following newer ones)"
    else:
        app = create_app(settings=settings, kb=state.kb(readonly=True))
        what = str(state.settings.data_dir)
    click.echo(f"Clout is serving {what} on http://{host}:{port}/  (Ctrl-C stops)")
    try:
        waitress_serve(app, host=host, port=port, threads=threads, ident="clout", **SLOW_CLIENT_LIMITS)
    finally:
        recorder = app.extensions.get("clout_recorder")
        if recorder is not None:  # the searches of the last few seconds, still waiting to be written
            recorder.flush(timeout=2)

