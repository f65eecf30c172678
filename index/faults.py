"""Crash points for the crash-safety tests: CLOUT_TEST_CRASH_AT=stage:n kills this process with SIGKILL
the n-th time it reaches `stage` (embedded, commit, save). Unset, each call is one dictionary lookup."""
from __future__ import annotations

import os
import signal

_SPEC = os.environ.get("CLOUT_TEST_CRASH_AT", "")
_STAGE, _, _WHEN = _SPEC.partition(":")
_seen = 0


def fault_point(stage: str) -> None:
    global _seen
    if stage != _STAGE:
        return
    _seen += 1
    if _seen >= int(_WHEN or 1):
        os.kill(os.getpid(), signal.SIGKILL)
