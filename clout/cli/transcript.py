"""`clout transcript`: an episode's timed transcript as WebVTT, SRT, plain text or JSON, or its chapters."""
from __future__ import annotations

import click

from . import cli, pass_state


@cli.command()
@click.argument("episode")
@click.option("--format", "fmt", type=click.Choice(["vtt", "srt", "txt", "json", "chapters"]), default="vtt",
              show_default=True, help="vtt writes <v Name> voice tags, srt opens cues with the name; "
                                      "chapters is a Podcasting 2.0 JSON chapters file.")
@click.option("-o", "--output", type=click.File("w", encoding="utf-8"), default="-", help="Write to a file instead.")
@pass_state
def transcript(state, episode, fmt, output):
    """Print the transcript of EPISODE (the path or URL it was ingested from, or its document id)."""
    from clout.ingest.captions import format_captions
    from clout.ingest.chapters import format_chapters

    store = state.kb(readonly=True).store
    doc = store.document_by_source(episode)
    if doc is None and episode.isdigit():
        doc = store.document(int(episode))
    if doc is None:
        raise click.ClickException(f"{episode}: no such document in {state.settings.data_dir}")
    if doc.kind != "episode" or not doc.segments:
        raise click.ClickException(f"{episode}: it is an {doc.kind} with no timed transcript")
    if fmt == "chapters":
        output.write(format_chapters(doc.chapters))
        return
    output.write(format_captions(doc.segments, fmt, title=doc.title))
