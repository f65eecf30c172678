"""`clout ingest --ray ADDRESS`: discovery and storing on this machine, loading and preparing on a Ray cluster.

The driver (this process) discovers items, sends each to a `ray_worker.Loader` actor with what the
store knows of it, and stores what comes back in the order it was sent, through the same sink as a
local ingest: same documents, same order, same duplicates. SQLite stays the single source of truth
and keeps its crash safety, since only this process writes it. An item whose worker died (its node
lost) is sent to another worker; Ctrl-C cancels what is in flight, and a rerun continues as locally.
"""
from __future__ import annotations

import logging
import os
from collections import deque
from dataclasses import dataclass

from clout.errors import CloutError

log = logging.getLogger(__name__)

ADDRESS_ENV = "CLOUT_RAY_ADDRESS"
CPUS_ENV = "CLOUT_RAY_CPUS_PER_WORKER"  # cores each worker reserves (and its threads use)
ATTEMPTS = 3  # workers an item may outlive before it is reported as failed
IN_FLIGHT_PER_WORKER = 2  # one running, one queued: a worker never waits for the driver


class RayError(CloutError):
    """The cluster cannot be used: no address answers, or its workers run another Clout."""


@dataclass
class _Task:
    item: object
    ref: object
    actor: object
    attempt: int


class Cluster:
    """The workers of one ingest on one cluster; `loads` is what `ingest.batch.run` takes."""

    def __init__(self, address: str, settings, cpus_per_worker: int | None = None):
        try:
            import ray
        except ImportError:
            raise RayError("--ray needs Ray: pip install 'clout[ray]' (make install includes it)") from None
        from clout.index.threads import worker_env

        self.ray = ray
        self.cpus = cpus_per_worker or max(1, int(os.environ.get(CPUS_ENV) or 1))
        _check_reachable(address)
        try:
            # Workers' own logs stay on their nodes: their output must not interleave with the progress here.
            ray.init(address=address, log_to_driver=False, logging_level=logging.WARNING, configure_logging=False)
        except Exception as e:  # ConnectionError, or whatever ray.init says of an address it cannot use
            raise RayError(f"cannot connect to the Ray cluster at {address} ({type(e).__name__}: {e})") from None
        from .ray_worker import Loader

        self._actor_class = ray.remote(Loader).options(
            num_cpus=self.cpus, max_restarts=0, runtime_env={"env_vars": worker_env(self.cpus)})
        self.settings = settings
        self.nodes = len([n for n in ray.nodes() if n.get("Alive") and n.get("Resources", {}).get("CPU", 0) >= self.cpus])
        size = int(ray.cluster_resources().get("CPU", 0) // self.cpus)
        if size < 1:
            self.close()
            raise RayError(f"the Ray cluster at {address} has no node with {self.cpus} free CPUs for a worker")
        self._starting: dict = {}  # info ref -> actor, until its models have loaded
        self.ready: dict = {}  # actor -> items in flight
        self.dead = 0
        for _ in range(size):
            self._start()
        self._await_first()

    def _start(self) -> None:
        actor = self._actor_class.remote(self.settings)
        self._starting[actor.info.remote()] = actor

    def _await_first(self, timeout: float = 600) -> None:
        """Wait for the first worker (its models loading), then check that it runs this Clout."""
        from importlib.metadata import version

        done, _ = self.ray.wait(list(self._starting), num_returns=1, timeout=timeout)
        if not done:
            self.close()
            raise RayError(f"no Ray worker started within {timeout:.0f} s")
        try:
            info = self.ray.get(done[0])
        except Exception as e:
            self.close()
            raise RayError(f"a Ray worker could not start ({type(e).__name__}: {str(e).splitlines()[0]})") from None
        if info["clout"] != version("clout"):
            self.close()
            raise RayError(f"the Ray workers run Clout {info['clout']}, this is {version('clout')}: install the same on every node")
        self._promote()

    def _promote(self, timeout: float = 0) -> None:
        """Workers whose models have loaded start taking items; one that died starting is dropped."""
        if not self._starting:
            return
        done, _ = self.ray.wait(list(self._starting), num_returns=len(self._starting), timeout=timeout)
        for ref in done:
            actor = self._starting.pop(ref)
            try:
                self.ray.get(ref)
            except Exception as e:
                log.warning("a Ray worker did not start: %s", str(e).splitlines()[0])
                continue
            self.ready[actor] = 0

    def where(self) -> str:
        """For the summary line: where the work ran."""
        workers = len(self.ready) + self.dead
        lost = f" ({self.dead} lost, their items sent to others)" if self.dead else ""
        return f"on Ray: {self.nodes} node{'s' * (self.nodes != 1)}, {workers} worker{'s' * (workers != 1)}{lost}"

    def run(self, sources, ctx, kb, sink, dry_run: bool = False):
        """`ingest.batch.run` with loading on the cluster: one Outcome per item, as locally."""
        from clout.ingest.batch import run

        return run(sources, ctx, self.sink(kb, sink), dry_run=dry_run, loads=lambda items, ctx: self.loads(items, ctx, kb))

    # -- the batch's loads() -----------------------------------------------------------------
    def loads(self, items, ctx, kb):
        """(item, Loaded or exception) for each item, in order; kb answers what the store knows."""
        pending: deque[_Task] = deque()
        try:
            for item in items:
                pending.append(self._submit(item, ctx, kb, 1))
                while len(pending) >= IN_FLIGHT_PER_WORKER * max(1, len(self.ready)):
                    yield self._result(pending.popleft(), ctx, kb)
            while pending:
                yield self._result(pending.popleft(), ctx, kb)
        finally:
            for task in pending:  # Ctrl-C, or a sink that stopped the batch: drop what is queued
                self.ray.cancel(task.ref)

    def _submit(self, item, ctx, kb, attempt: int) -> _Task:
        self._promote()
        if not self.ready:
            self._promote(timeout=120)  # every worker died: wait for replacements to start
        if not self.ready:
            from clout.ingest.errors import StopBatch

            raise StopBatch("no Ray worker is left to load items (every one died and none could be started again)")
        actor = min(self.ready, key=self.ready.get)
        self.ready[actor] += 1
        known = kb.known(item.source)
        # A page discovery already fetched goes with its item (kept for a retry): fetched once, as locally.
        page = ctx.discovered_pages.get(item.source) if item.kind == "page" else None
        ref = actor.load.remote(item, ctx.options, known, kb.voiceprints(item.hint.get("site", "")),
                                _cached_transcripts(kb, known, ctx), page)
        return _Task(item, ref, actor, attempt)

    def _result(self, task: _Task, ctx, kb):
        from clout.ingest.errors import IngestError, Unchanged

        lost = _lost_errors(self.ray)
        while True:
            try:
                value = self.ray.get(task.ref)
            except lost as e:
                self._bury(task.actor, e)
                if task.attempt >= ATTEMPTS:
                    return task.item, IngestError(task.item.source, f"{ATTEMPTS} Ray workers died loading it")
                task = self._submit(task.item, ctx, kb, task.attempt + 1)
                continue
            except self.ray.exceptions.RayTaskError as e:  # the item could not be sent or returned: a bug
                value = ("error", task.item.source, str(e).splitlines()[0])
            if task.actor in self.ready:
                self.ready[task.actor] -= 1
            ctx.discovered_pages.pop(task.item.source, None)
            if isinstance(value, tuple):
                kind, source, detail = value
                if kind == "unchanged":
                    return task.item, Unchanged(source, detail)
                if kind == "failed":
                    return task.item, IngestError(source, detail)
                return task.item, RuntimeError(detail)
            return task.item, value

    def _bury(self, actor, error) -> None:
        """A worker died (its process or its node): forget it, and start one to take its place, which
        Ray places wherever a CPU is free (on a lost node's replacement, when the cluster gets one)."""
        if self.ready.pop(actor, None) is not None:
            self.dead += 1
            log.warning("a Ray worker died (%s); its items go to the others", type(error).__name__)
            self._start()

    def sink(self, kb, store):
        """The batch's sink: the transcripts a worker heard are cached, then the document stored as locally."""
        def sink(loaded):
            for audio_hash, model, language, segments in loaded.transcripts:
                kb.store.put_transcript(audio_hash, model, language, segments)
            return store(loaded.doc, loaded.prepared)

        return sink

    def close(self) -> None:
        try:
            self.ray.shutdown()  # the job's actors end with it
        except Exception:  # pragma: no cover - shutting down after a failed init
            pass


def _lost_errors(ray) -> tuple:
    """The errors that mean the worker, not the item, is gone."""
    names = ("RayActorError", "ActorUnavailableError", "WorkerCrashedError", "ObjectLostError", "NodeDiedError",
             "OwnerDiedError", "LocalRayletDiedError")
    return tuple(getattr(ray.exceptions, n) for n in names if hasattr(ray.exceptions, n))


def _cached_transcripts(kb, known, ctx) -> dict:
    """The cached transcripts of the audio a stored episode was heard from: a re-ingest of the same
    audio then costs the worker a decode, never a second transcription."""
    audio_hash = (known or {}).get("extra", {}).get("audio_hash")
    if not audio_hash:
        return {}
    model = ctx.options.whisper_model or ctx.settings.whisper_model
    out = {}
    for key in (model, model + "#words"):
        rows = kb.store.get_transcript(audio_hash, key)
        if rows:
            out[(audio_hash, key)] = rows
    return out


def _check_reachable(address: str) -> None:
    """Refuse at once an address where nothing listens: ray.init would retry it for minutes."""
    import socket
    from urllib.parse import urlsplit

    if address == "auto":
        return
    try:
        where = urlsplit(address if "://" in address else f"gcs://{address}")
        host, port = where.hostname, where.port
    except ValueError:
        host, port = None, None
    if not host or not port:
        raise RayError(f"{address!r} is not a Ray address: give HOST:PORT (as `ray start --head` prints it) or ray://HOST:PORT")
    try:
        socket.create_connection((host, port), timeout=10).close()
    except OSError as e:
        raise RayError(f"nothing answers at the Ray address {address} ({e.strerror or e}); is the cluster started?") from None


__all__ = ["Cluster", "RayError", "ADDRESS_ENV"]
