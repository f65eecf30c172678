"""Fault points for the crash-safety tests. CLOUT_TEST_CRASH_AT=stage:n kills this process with SIGKILL
the n-th time it reaches `stage` (embedded, commit, save); CLOUT_TEST_STOP_AT=stage stops it with
SIGSTOP the first time (restore), so a test can act while it holds its locks, then SIGCONT it.
Unset, each call is one comparison."""
from __future__ import annotations

import os
import signal

_SPEC = os.environ.get("CLOUT_TEST_CRASH_AT", "")
_STAGE, _, _WHEN = _SPEC.partition(":")
_STOP = os.environ.get("CLOUT_TEST_STOP_AT", "")
_seen = 0


def fault_point(stage: str) -> None:
    global _seen, _STOP
    if stage == _STOP:
        _STOP = ""
        os.kill(os.getpid(), signal.SIGSTOP)
    if stage != _STAGE:
        return
    _seen += 1
    if _seen >= int(_WHEN or 1):
        os.kill(os.getpid(), signal.SIGKILL)
