"""Progress of a long ingest: a live bar on a terminal, nothing extra when output is piped.

Piped output keeps exactly one plain line per item (scripts and tests read those); on a terminal the
same lines scroll above a bar showing items done / total, failures, rate and time left.
"""
from __future__ import annotations

import click


class PlainProgress:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def discovered(self, n: int) -> None:
        pass

    def done(self, line: str, failed: bool) -> None:
        click.echo(line, err=failed)


class BarProgress(PlainProgress):
    def __init__(self):
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self.failures = 0
        self.console = Console()
        self.bar = Progress(
            TextColumn("ingesting"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[failures]} failed"),
            TextColumn("{task.fields[rate]}"),
            TimeRemainingColumn(),
            console=self.console,
            transient=True,
        )
        self.task = self.bar.add_task("ingest", total=0, failures=0, rate="")

    def __enter__(self):
        self.bar.__enter__()
        return self

    def __exit__(self, *exc):
        return self.bar.__exit__(*exc)

    def discovered(self, n: int) -> None:
        total = self.bar.tasks[0].total or 0
        self.bar.update(self.task, total=total + n)

    def done(self, line: str, failed: bool) -> None:
        self.failures += failed
        self.bar.console.print(line, markup=False, highlight=False, style="red" if failed else None)
        task = self.bar.tasks[0]
        speed = task.speed
        self.bar.update(self.task, advance=1, failures=self.failures, rate=f"{speed:.1f}/s" if speed else "")


def progress_for(is_terminal: bool) -> PlainProgress:
    return BarProgress() if is_terminal else PlainProgress()
