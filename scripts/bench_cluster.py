"""Clout on a cluster, measured on this machine: ingest items/s and audio-minutes/s locally vs on a 2-node
Ray cluster (the same files), and search queries/s from one `clout serve --snapshot` replica vs two.

The cluster is tests/raycluster.py's: a head and a worker node of one CPU each, in a private network
namespace (needs root for `unshare -n`). On one machine both nodes share its cores, so this measures
what the cluster path costs and keeps, not what more machines add; the README says what to expect there.

    python scripts/bench_cluster.py [--notes 30] [--speeches 3] [--seconds 15]
"""
from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from conftest import DATA  # noqa: E402
from raycluster import Cluster, Namespace, unshare_refused  # noqa: E402
from test_concurrency import write_notes  # noqa: E402

CLOUT = [sys.executable, "-m", "clout"]
SPEECH = DATA / "audio" / "jfk.flac"
SPEECH_SECONDS = 11.0


def ingest(ns, data_dir: Path, folder: Path, address: str = "") -> float:
    """Seconds the command took, from its own summary line (models loading included, process start not)."""
    args = [*CLOUT, "--data-dir", str(data_dir), "ingest", *(["--ray", address] if address else []), str(folder)]
    done = ns.run(args, cwd=ROOT)
    if done.returncode != 0:
        sys.exit(f"ingest failed: {done.stderr[-2000:]}")
    return float(re.search(r" in ([0-9.]+) s", done.stdout.splitlines()[-1]).group(1))


def ingest_rates(ns, work: Path, notes: int, speeches: int, address: str) -> dict:
    text, audio = work / "text", work / "audio"
    write_notes(text, notes)
    audio.mkdir()
    for i in range(speeches):
        shutil.copy(SPEECH, audio / f"speech-{i}.flac")
    out = {}
    for where, addr in (("local", ""), ("ray", address)):
        t_text = ingest(ns, work / f"data-{where}-text", text, addr)
        t_audio = ingest(ns, work / f"data-{where}-audio", audio, addr)
        out[where] = {"items_per_s": round(notes / t_text, 2), "text_seconds": t_text,
                      "audio_minutes_per_s": round(speeches * SPEECH_SECONDS / 60 / t_audio, 3), "audio_seconds": t_audio}
        print(f"{where:>5}: {out[where]['items_per_s']} text items/s ({notes} in {t_text:.1f} s), "
              f"{out[where]['audio_minutes_per_s']} audio-minutes/s ({speeches} x {SPEECH_SECONDS:.0f} s in {t_audio:.1f} s)",
              flush=True)
    return out


def queries_per_second(work: Path, seconds: float) -> dict:
    data, snapshots = work / "data-local-text", work / "snapshots"
    subprocess.run([*CLOUT, "--data-dir", str(data), "publish", str(snapshots)], check=True, cwd=ROOT, capture_output=True)
    out = {}
    for count in (1, 2):
        ports = [18700 + i for i in range(count)]
        replicas = [subprocess.Popen([*CLOUT, "serve", "--snapshot", str(snapshots), "--port", str(p)], cwd=ROOT,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True) for p in ports]
        try:
            for r, p in zip(replicas, ports):
                r.stdout.readline()  # printed just before waitress binds: wait for the socket
                _listening(p)
                _get(p, "warm up")
            done, stop = [0], threading.Event()

            def client(port: int, n: int):
                while not stop.is_set():
                    _get(port, f"zorblax{n % 30} sponsor decision {n}")  # never the same text: no cached query vector
                    done[0] += 1
                    n += 1

            threads = [threading.Thread(target=client, args=(ports[i % count], i)) for i in range(8)]
            started = time.monotonic()
            for t in threads:
                t.start()
            time.sleep(seconds)
            stop.set()
            for t in threads:
                t.join()
            out[count] = round(done[0] / (time.monotonic() - started), 1)
            print(f"{count} replica{'s' * (count > 1)}: {out[count]} queries/s (8 client threads)", flush=True)
        finally:
            for r in replicas:
                r.terminate()
                r.wait(30)
    return out


def _listening(port: int, timeout: float = 120) -> None:
    import socket

    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=5).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def _get(port: int, q: str) -> None:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/search?q={urllib.request.quote(q)}", timeout=120) as r:
        r.read()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=30)
    parser.add_argument("--speeches", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    refused = unshare_refused()
    if refused:
        sys.exit(f"bench_cluster needs a private network namespace: {refused}")
    work = Path(tempfile.mkdtemp(prefix="clout-bench-cluster-"))
    ns = Namespace()
    try:
        cluster = Cluster(ns)
        try:
            figures = {"ingest": ingest_rates(ns, work, args.notes, args.speeches, cluster.address)}
        finally:
            cluster.stop()
    finally:
        ns.close()
    figures["queries_per_s"] = queries_per_second(work, args.seconds)
    shutil.rmtree(work, ignore_errors=True)
    if args.out:
        args.out.write_text(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
