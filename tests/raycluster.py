"""A throwaway two-node Ray cluster for tests: a head and a worker node, on loopback in a private network namespace.

Ray binds to the machine's network address unless that is all it has; in a namespace of its own
(`unshare -n`, loopback brought up) loopback is the only interface, so the cluster, the HTTP servers
the tests start and every client stay on 127.0.0.1. Each node is a `ray start --block` we start in a
session of its own and stop by its pid (SIGTERM: Ray's own shutdown of what it started), or kill by
its process group with SIGKILL to lose a node. Nothing is stopped by name.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent
RAY = str(BIN / "ray")
# A throwaway cluster on a namespace's loopback, reachable by nothing else: no tokens to hand around.
ENV = {"RAY_AUTH_MODE": "disabled", "RAY_USAGE_STATS_ENABLED": "0", "PYTHONUNBUFFERED": "1"}
NODE_ARGS = ["--num-cpus", "1", "--object-store-memory", str(100 * 2**20), "--disable-usage-stats", "--block"]


def unshare_refused() -> str:
    """Why a private network namespace cannot be made here ("" when it can)."""
    if not shutil.which("unshare") or not shutil.which("nsenter"):
        return "unshare/nsenter (util-linux) are not installed"
    if not shutil.which("ip"):
        return "ip (iproute2) is not installed, to bring loopback up in the namespace"
    try:
        done = subprocess.run(["unshare", "-n", "true"], capture_output=True, text=True, timeout=30)
    except OSError as e:
        return f"unshare cannot run ({e})"
    return "" if done.returncode == 0 else f"unshare -n is not permitted here ({done.stderr.strip()})"


class Namespace:
    """A private network namespace, held open by a sleeping process; commands join it with nsenter."""

    def __init__(self):
        self.holder = subprocess.Popen(["unshare", "-n", "sh", "-c", "ip link set lo up && echo up && exec sleep 86400"],
                                       stdout=subprocess.PIPE, text=True)
        if self.holder.stdout.readline().strip() != "up":
            self.holder.kill()
            raise RuntimeError("could not bring loopback up in a new network namespace")
        self.prefix = ["nsenter", f"--net=/proc/{self.holder.pid}/ns/net", "--"]

    def env(self, extra: dict | None = None) -> dict:
        return {**os.environ, **ENV, **(extra or {})}

    def popen(self, args: list[str], env: dict | None = None, **kw) -> subprocess.Popen:
        return subprocess.Popen(self.prefix + list(args), env=self.env(env), **kw)

    def run(self, args: list[str], env: dict | None = None, timeout: float = 600, **kw) -> subprocess.CompletedProcess:
        return subprocess.run(self.prefix + list(args), env=self.env(env), capture_output=True, text=True,
                              timeout=timeout, **kw)

    def close(self) -> None:
        self.holder.kill()
        self.holder.wait()


class Cluster:
    """`ray start --head` and one `ray start --address` worker node, each with one CPU."""

    def __init__(self, ns: Namespace, port: int = 6390, client_port: int = 10001):
        self.ns, self.port = ns, port
        self.address = f"127.0.0.1:{port}"
        self.client_address = f"ray://127.0.0.1:{client_port}"  # Ray Client, for a driver outside the cluster
        self.temp = tempfile.mkdtemp(prefix="ray", dir="/tmp")  # short: Ray's socket paths must fit 107 bytes
        self.logs = Path(self.temp) / "node-logs"
        self.logs.mkdir()
        self.head = self._node("head", ["--head", "--port", str(port), "--ray-client-server-port", str(client_port),
                                       "--include-dashboard", "false", "--temp-dir", self.temp])
        self._wait(1)
        self.worker = self._node("worker", ["--address", self.address])
        self._wait(2)

    def _node(self, name: str, args: list[str]) -> subprocess.Popen:
        log = open(self.logs / f"{name}.log", "w")
        # A session of its own: its process group is the node, so SIGKILL to the group loses the node.
        return self.ns.popen([RAY, "start", *args, *NODE_ARGS], stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def _wait(self, nodes: int, timeout: float = 180) -> None:
        code = ("import ray; ray.init(address=%r, logging_level='ERROR'); "
                "print(sum(1 for n in ray.nodes() if n['Alive']))") % self.address
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(p.poll() is not None for p in (self.head, getattr(self, "worker", self.head))):
                raise RuntimeError(f"a Ray node exited while starting: {self.log_tail()}")
            done = self.ns.run([sys.executable, "-c", code], timeout=120)
            if done.returncode == 0 and done.stdout.strip().splitlines()[-1:] == [str(nodes)]:
                return
            time.sleep(1)
        raise RuntimeError(f"the Ray cluster did not reach {nodes} nodes in {timeout:.0f} s: {self.log_tail()}")

    def log_tail(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text()[-2000:]}" for p in sorted(self.logs.glob("*.log")))

    def kill_worker_node(self) -> None:
        """SIGKILL every process of the worker node: `ray start`, its raylet and agents (their process
        group) and the worker processes its raylet started (children of those, in groups of their own)."""
        group = self.worker.pid
        members = _pids_in_group(group)
        children = [pid for pid, ppid in _parents().items() if ppid in members and pid not in members]
        os.killpg(group, signal.SIGKILL)
        for pid in children:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.worker.wait()

    def stop(self) -> None:
        for node in (self.worker, self.head):
            if node.poll() is None:
                node.terminate()  # `ray start --block` shuts down the node's processes on SIGTERM
                try:
                    node.wait(60)
                except subprocess.TimeoutExpired:
                    os.killpg(node.pid, signal.SIGKILL)
                    node.wait()
        shutil.rmtree(self.temp, ignore_errors=True)


def _parents() -> dict[int, int]:
    out = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[int(stat.parent.name)] = int(fields[1])
    return out


def _pids_in_group(pgid: int) -> set[int]:
    out = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:
            out.add(int(stat.parent.name))
    return out
