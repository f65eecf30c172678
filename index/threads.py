"""How many threads each kind of work runs on: the one place FAISS, torch and ONNX Runtime are told.

A query is one core's work and a server answers many at once, so everything on the query path runs
on one thread and concurrency comes from the server's request threads. Bulk work (training an index,
adding many vectors, embedding a batch of passages) is one job that should use every core.
"""
from __future__ import annotations

import os
from contextlib import contextmanager

QUERY_THREADS = 1


def one_thread_per_query() -> None:
    """FAISS searches on the calling thread alone. Called before each search: OpenMP keeps the setting
    per calling thread, and a server's request threads each search.

    One short query gains nothing from more threads and loses to them when other requests are busy:
    OpenMP threads spinning against the server's other threads made a 20k scan take 18 ms instead of 3
    (measured on 2 cores), and exact search over 100k vectors took 13 ms on one thread, 20 ms on two.
    Ingest does not search, so its embedding keeps every core.
    """
    import faiss

    faiss.omp_set_num_threads(QUERY_THREADS)


@contextmanager
def all_cores():
    """Training and bulk adds are one job that should use every core; then the thread's setting is
    put back as it was. (FAISS and torch share one OpenMP runtime: leaving it at 1 here made every
    later embedding in the same process run on one core, at half the speed on two.)"""
    import faiss

    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(os.cpu_count() or 1)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before)


def one_core_per_request() -> None:
    """For a server process: torch on one thread. Each request embeds one short query: one core does it
    in ~15 ms, while two cores' threads contending with the other requests' made it 20x slower on a busy
    2-core machine (measured by scripts/bench_scale.py). Concurrency comes from the server's threads.

    torch's thread count is global to the process, which is why only a server sets it: an ingest in the
    same process would embed its passages on one core too.
    """
    import torch

    torch.set_num_threads(QUERY_THREADS)


def query_session_options():
    """ONNX Runtime session options for encoding queries: one thread, run sequentially.

    One short query gains nothing from a second thread, and while an ingest or another request is busy,
    multi-threaded encoding was several times slower (183 ms vs 26 ms measured). Unlike torch's, a
    session's thread count is its own, so the query path can lower it without slowing ingest.
    """
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = QUERY_THREADS
    options.inter_op_num_threads = QUERY_THREADS
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    return options


def worker_env(cpus: int) -> dict[str, str]:
    """The environment of a Ray worker process that reserves `cpus` of its node: torch, CTranslate2
    (Whisper) and OpenMP all read OMP_NUM_THREADS when their thread pools start, so a worker uses the
    cores it reserved and no more. Left to their defaults, each of N workers on a node would start a
    thread per core (CTranslate2: 4) and N workers would fight over the same cores.

    Whisper's words can differ in a detail with the number of threads its decoder ran on (floating
    sums in another order), so a cluster ingest equals a local one run on as many threads per item:
    `OMP_NUM_THREADS=1 clout ingest ...` beside one CPU per worker (tests/test_ray.py compares them).
    """
    return {"OMP_NUM_THREADS": str(cpus), "MKL_NUM_THREADS": str(cpus)}
