"""Progress bars for long ingest steps: one per feed (episodes), one per episode (audio minutes).

Ingest reports events through `Context.progress(event, payload)`; this turns them into rich bars on
a terminal and into nothing elsewhere, so logs and pipes stay one line per item.
"""
from __future__ import annotations

import sys
from typing import Callable


def reporter(enabled: bool | None = None) -> tuple[Callable[[str, dict], None], Callable[[], None]]:
    """(report, stop): the callback for Context.progress and what to call when the batch ends."""
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled:
        return (lambda event, payload: None), (lambda: None)
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
    from rich.text import Text

    class AudioMinutes(TextColumn):
        def render(self, task):  # audio minutes done of total, and speed against real time
            if task.fields.get("unit") == "bytes":
                total = f"/{task.total / 2**20:.0f}" if task.total else ""
                return Text(f"{task.completed / 2**20:.1f}{total} MB")
            if task.fields.get("unit") != "audio":
                return Text(f"{task.completed:.0f}/{task.total:.0f}" if task.total else f"{task.completed:.0f}")
            speed = f"  {task.speed:.1f}x real time" if task.speed else ""
            return Text(f"{task.completed / 60:.1f}/{(task.total or 0) / 60:.1f} min{speed}")

    bars = Progress(
        TextColumn("{task.description}"), BarColumn(), AudioMinutes("{task.completed:.0f}/{task.total:.0f}"),
        TimeRemainingColumn(), console=Console(stderr=True), transient=True,
    )
    tasks: dict[tuple[str, str], int] = {}
    feed_task: list[int] = []

    def task(kind: str, source: str, description: str, total, unit: str = "") -> int:
        key = (kind, source)
        if key not in tasks:
            tasks[key] = bars.add_task(description[:48], total=total, unit=unit)
        return tasks[key]

    def report(event: str, payload: dict) -> None:
        source = payload.get("source", "")
        if event == "feed":
            bars.start()
            feed_task[:] = [task("feed", source, payload.get("title") or source, payload.get("episodes"))]
        elif event == "episode" and feed_task:
            bars.advance(feed_task[0], 1)
        elif event == "download":
            bars.start()
            t = task("download", source, "downloading " + source.rsplit("/", 1)[-1], payload.get("total"), "bytes")
            bars.update(t, completed=payload["done"])
        elif event == "transcribe":
            bars.start()
            t = task("transcribe", source, "transcribing " + source.rsplit("/", 1)[-1], payload["total"], "audio")
            bars.update(t, completed=payload["done"])
            if payload["done"] >= payload["total"]:
                bars.remove_task(t)

    return report, bars.stop
