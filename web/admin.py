"""Admin routes (admin keys only, web/access.py checks): /admin/analytics, and POST /api/sync to start a sync.

The charts are SVG drawn here and in the template: no script and no build step, and every label is
text escaped by the template.
"""
from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time

from flask import Blueprint, abort, current_app, jsonify, render_template, request

from clout.index.analytics import day_of, parse_since, report

from .errors import error

bp = Blueprint("admin", __name__)
api_bp = Blueprint("admin_api", __name__)
DEFAULT_DAYS = 30
CHART = {"width": 760, "height": 220, "left": 44, "right": 8, "top": 12, "bottom": 28}


def _kb():
    return current_app.extensions["clout_kb"]


def _since() -> float:
    raw = request.args.get("since", "")
    if not raw:
        return time.time() - DEFAULT_DAYS * 86400
    try:
        return parse_since(raw)
    except ValueError:
        abort(400, description=f"since must be a date like 2026-11-01, not {raw[:40]!r}")


def _title_of(doc_id: int) -> str:
    doc = _kb().store.document(doc_id, segments=False)
    return (doc.title or "Untitled") if doc is not None else f"(document {doc_id}, since removed)"


def _nice(value: int) -> int:
    """The top of the axis: 1, 2 or 5 times a power of ten, at least value."""
    step = 1
    while True:
        for m in (1, 2, 5):
            if m * step >= value:
                return m * step
        step *= 10


def day_chart(days: list[dict], since: float, until: float) -> dict:
    """Bar geometry for searches per day, every day in the range (days with no searches are 0)."""
    by_day = {d["day"]: d for d in days}
    start = dt.date.fromisoformat(day_of(since))
    count = (dt.date.fromisoformat(day_of(until)) - start).days + 1
    series = [by_day.get((start + dt.timedelta(days=i)).isoformat(), {"day": (start + dt.timedelta(days=i)).isoformat(),
              "searches": 0, "zero_result": 0, "low_confidence": 0}) for i in range(max(1, count))]
    c = CHART
    plot_w, plot_h = c["width"] - c["left"] - c["right"], c["height"] - c["top"] - c["bottom"]
    top = _nice(max([d["searches"] for d in series] + [1]))
    step = plot_w / len(series)
    bars = []
    for i, d in enumerate(series):
        height = plot_h * d["searches"] / top
        gaps = d["zero_result"] + d["low_confidence"]
        gap_height = plot_h * gaps / top
        bars.append({
            "x": round(c["left"] + i * step + step * 0.1, 2), "w": round(max(1.0, step * 0.8), 2),
            "y": round(c["top"] + plot_h - height, 2), "h": round(height, 2),
            "gy": round(c["top"] + plot_h - gap_height, 2), "gh": round(gap_height, 2),
            "title": f"{d['day']}: {d['searches']} searches, {gaps} with no or weak results",
        })
    every = max(1, len(series) // 6)
    labels = [{"x": round(c["left"] + i * step + step / 2, 2), "text": d["day"][5:]}
              for i, d in enumerate(series) if i % every == 0 or i == len(series) - 1]
    ticks = [{"y": round(c["top"] + plot_h - plot_h * v / top, 2), "text": str(v)} for v in (0, top // 2, top) if v or v == 0]
    return {**c, "bars": bars, "labels": labels, "ticks": ticks, "base": c["top"] + plot_h, "plot_right": c["width"] - c["right"]}


@bp.get("/admin/analytics")
def analytics():
    recorder = current_app.extensions.get("clout_recorder")
    since, now = _since(), time.time()
    if recorder is None:
        return render_template("admin_analytics.html", off=True, since=day_of(since))
    data = report(recorder.db, since, _title_of)
    most = lambda rows, field: max([r[field] for r in rows] + [1])
    return render_template("admin_analytics.html", off=False, data=data, chart=day_chart(data["days"], since, now),
                           since=data["since"], most=most, clock=lambda s: f"{int(s) // 60}:{int(s) % 60:02d}")


def _running():
    child = current_app.extensions.get("clout_sync_child")
    return child if child is not None and child.poll() is None else None


@api_bp.post("/sync")
def sync():
    """Start `clout sync` for every followed source in a process of its own (this server only reads the store)."""
    from clout.pipeline.sync import SyncBusy, sync_lock

    from .snapshots import Pinned

    kb = _kb()
    if isinstance(kb, Pinned):
        return error(409, "this server serves published snapshots: run `clout sync` (and `clout publish`) where the knowledge base is written")
    if _running() is not None:
        return error(409, f"a sync started here is still running (pid {_running().pid})")
    try:
        with sync_lock(kb.data_dir):
            pass
    except SyncBusy as e:
        return error(409, str(e))
    log = open(kb.data_dir / "sync.log", "ab")
    child = subprocess.Popen([sys.executable, "-m", "clout", "--data-dir", str(kb.data_dir), "sync", "--quiet"],
                             stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    log.close()
    current_app.extensions["clout_sync_child"] = child
    return jsonify({"ok": True, "status": "started", "pid": child.pid}), 202


@api_bp.get("/sync")
def sync_status():
    """Whether a sync started here is running, and how each source's last sync went."""
    sources = [{"name": s.name, "kind": s.kind, "last_sync": s.last_sync, "last_ok": s.last_ok,
                "last_error": s.last_error, "items": s.items} for s in _kb().store.sources()]
    return jsonify({"running": _running() is not None, "sources": sources})
