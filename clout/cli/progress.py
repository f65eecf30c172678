"""Progress of a long ingest or sync: live bars on a terminal, nothing extra when output is piped.

Piped output keeps exactly one plain line per item (scripts and tests read those). On a terminal the
same lines scroll above one live display: items done / total with failures, rate and time left, a
bar per feed (episodes), per download (MB) and per transcription (audio minutes, real-time factor).
Ingest reports through `Context.progress(event, payload)`; `handle` is that callback.
"""
from __future__ import annotations

import click


class PlainProgress:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def handle(self, event: str, payload: dict) -> None:
        pass

    def done(self, line: str, failed: bool) -> None:
        click.echo(line, err=failed)


class BarProgress(PlainProgress):
    """One rich live display for everything (rich allows only one at a time)."""

    def __init__(self):
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
        from rich.text import Text

        class Figures(TextColumn):
            def render(self, task):
                unit = task.fields.get("unit")
                if unit == "bytes":
                    total = f"/{task.total / 2**20:.0f}" if task.total else ""
                    return Text(f"{task.completed / 2**20:.1f}{total} MB")
                if unit == "audio":
                    # Audio seconds done per wall second since the episode started: transcripts
                    # arrive in bursts, so rich's own moving speed would swing wildly.
                    elapsed = task.elapsed or 0
                    speed = f"  {task.completed / elapsed:.1f}x real time" if elapsed > 1 and task.completed else ""
                    return Text(f"{task.completed / 60:.1f}/{(task.total or 0) / 60:.1f} min{speed}")
                done = f"{task.completed:.0f}/{task.total:.0f}" if task.total else f"{task.completed:.0f}"
                extra = task.fields.get("extra", "")
                return Text(f"{done}{extra}")

        self.failures = 0
        self.bar = Progress(
            TextColumn("{task.description}"), BarColumn(), Figures(""), TimeRemainingColumn(),
            console=Console(), transient=True,
        )
        self.items = self.bar.add_task("ingesting", total=0, unit="items", extra="")
        self.tasks: dict[tuple[str, str], int] = {}

    def __enter__(self):
        self.bar.__enter__()
        return self

    def __exit__(self, *exc):
        return self.bar.__exit__(*exc)

    def _task(self, kind: str, source: str, description: str, total, unit: str = "") -> int:
        key = (kind, source)
        if key not in self.tasks:
            self.tasks[key] = self.bar.add_task(description[:48], total=total, unit=unit, extra="")
        return self.tasks[key]

    def handle(self, event: str, payload: dict) -> None:
        source = payload.get("source", "")
        name = source.rsplit("/", 1)[-1]
        if event == "discovered":
            total = self.bar.tasks[0].total or 0
            self.bar.update(self.items, total=total + payload.get("items", 0))
        elif event == "feed":
            self._task("feed", source, payload.get("title") or source, payload.get("episodes"))
        elif event == "episode":
            feeds = [t for (kind, _), t in self.tasks.items() if kind == "feed"]
            if feeds:
                self.bar.advance(feeds[-1], 1)
        elif event == "download":
            t = self._task("download", source, "downloading " + name, payload.get("total"), "bytes")
            self.bar.update(t, completed=payload["done"])
        elif event == "transcribe":
            t = self._task("transcribe", source, "transcribing " + name, payload["total"], "audio")
            self.bar.update(t, completed=payload["done"])
            if payload["done"] >= payload["total"]:
                self.bar.remove_task(t)
                del self.tasks[("transcribe", source)]

    def done(self, line: str, failed: bool) -> None:
        self.failures += failed
        self.bar.console.print(line, markup=False, highlight=False, style="red" if failed else None)
        speed = self.bar.tasks[0].speed
        rate = f"  {speed:.1f}/s" if speed else ""
        self.bar.update(self.items, advance=1, extra=f"  {self.failures} failed{rate}")


def progress_for(is_terminal: bool) -> PlainProgress:
    return BarProgress() if is_terminal else PlainProgress()
