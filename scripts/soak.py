"""Soak: serve for an hour under steady queries while ingest runs now and then, and watch the
server's memory, open files and the WAL's size; they should stay flat. Not part of CI.

    python scripts/soak.py --data-dir /tmp/soak-data [--minutes 60] [--rate 10] [--out soak.json]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_scale import ROOT, Server, rss_mb  # noqa: E402
from load_test import open_loop  # noqa: E402


def open_files(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--minutes", type=float, default=60)
    parser.add_argument("--rate", type=float, default=10, help="Queries a second.")
    parser.add_argument("--ingest-every", type=float, default=300, help="Seconds between ingest runs.")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    if not (args.data_dir / "clout.db").exists():
        subprocess.run([sys.executable, "-m", "clout", "--data-dir", str(args.data_dir), "ingest", str(ROOT / "corpus")],
                       cwd=ROOT, check=True)
    server = Server(args.data_dir)
    samples: list[dict] = []
    stop = threading.Event()
    started = time.monotonic()

    def ingest_now_and_then() -> None:
        n = 0
        while not stop.wait(args.ingest_every):
            n += 1
            folder = Path(tempfile.mkdtemp(prefix="clout-soak-"))
            (folder / f"soak-{n}.txt").write_text(f"Soak note {n}\n\n" + f"Note {n} about sponsors and budgets. " * 40)
            subprocess.run([sys.executable, "-m", "clout", "--data-dir", str(args.data_dir), "ingest", str(folder)],
                           cwd=ROOT, capture_output=True)

    threading.Thread(target=ingest_now_and_then, daemon=True).start()
    try:
        while time.monotonic() - started < args.minutes * 60:
            load = open_loop("127.0.0.1", server.port, args.rate, 60, workers=16)
            wal = args.data_dir / "clout.db-wal"
            sample = {"minute": round((time.monotonic() - started) / 60, 1), "rss_mb": rss_mb(server.proc.pid),
                      "open_files": open_files(server.proc.pid), "wal_mb": round(wal.stat().st_size / 2**20, 2) if wal.exists() else 0,
                      "errors": load["errors"], "p99_ms": load["p99_ms"]}
            samples.append(sample)
            print(json.dumps(sample), flush=True)
            if args.out:
                args.out.write_text(json.dumps(samples, indent=1))
    finally:
        stop.set()
        server.stop()
    return samples


if __name__ == "__main__":
    main()
