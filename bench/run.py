"""``make bench``: the real-time gateway against a bare ``websockets`` broadcast server.

For each server in turn (ours: ``scripts/serve`` in production mode against a fresh
PostgreSQL database and Redis; the reference: ``bench/reference_server.py``), with the
same load generator (``bench/worker.py`` processes on raw asyncio sockets):

1. fan-out to 500 sockets following one topic: a fixed 10 messages/s for latency and
   loss, then saturated deliveries/s (publishers keep a bounded number in flight);
2. direct messages between 100 pairs: 2 messages/s per user for latency and loss,
   then saturated (each user waits for its ack before the next send);
3. a live room of 1,000 (the host and attendees with a place on ``event:{id}``): the host
   chatting at 5 messages/s for latency and loss, then several chatting saturated;
4. 10,000 idle signed-in sockets on a freshly started server process: RSS per socket.

Each scenario starts once the server is quiet again (``settle``).

With ``--baseline REF`` our server at git revision REF runs first, the same way: checked
out with ``git worktree add --detach`` in a temporary directory (removed at the end),
served by that checkout's own ``scripts/serve`` with this interpreter, on a fresh database
of its own, seeded by its own ``bench/seed.py``: before and after a change, in one run.

It prints a table of all side by side with their ratios and writes it, with the date,
the machine and the commands, into docs/benchmarks.md (``--no-docs`` to skip).
Every load loop is bounded in count and time; all traffic stays on loopback.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import json
import os
import platform
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from bench import alerts, dashboard, health
from bench.timing import percentile

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
PG_ADMIN = os.environ.get("BENCH_PG_ADMIN", "postgres://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5")
DOCS = ROOT / "docs" / "benchmarks.md"
RESULTS_START = "<!-- bench:results:start -->"
RESULTS_END = "<!-- bench:results:end -->"
SCENARIOS = ("fanout", "room", "direct", "idle", "health", "dashboard", "alerts")
# The scenarios of the real-time gateway (health and dashboard read over HTTP; alerts
# writes in-process).
SOCKET_SCENARIOS = ("fanout", "room", "direct", "idle")
HEALTH_START = "<!-- bench:health:start -->"
HEALTH_END = "<!-- bench:health:end -->"
DASHBOARD_START = "<!-- bench:dashboard:start -->"
DASHBOARD_END = "<!-- bench:dashboard:end -->"
ALERTS_START = "<!-- bench:alerts:start -->"
ALERTS_END = "<!-- bench:alerts:end -->"

# The server's settings for the run: production mode, rate limits out of the way (the
# load is deliberate), a send queue deep enough for a saturated fan-out.
SERVER_ENV = {
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "DEBUG": "0",
    "LOG_LEVEL": "WARNING",
    "RATE_ACTIONS_PER_SECOND": "100000",
    "RATE_ACTIONS_BURST": "100000",
    "WS_SEND_QUEUE_BYTES": "8388608",
    "DM_MAX_GROUP_SIZE": "1000",
    "ACCESS_TOKEN_SECONDS": "3600",
}


@dataclass
class Config:
    fanout_sockets: int = 500
    fanout_workers: int = 2
    fanout_rate: float = 10.0  # messages/s in the latency phase
    rate_seconds: float = 15.0
    sat_seconds: float = 10.0
    warmup_seconds: float = 2.0
    publishers_per_worker: int = 2
    fanout_window: int = 8  # messages in flight per publisher (until its own copy arrives)
    room_sockets: int = 1000  # a live room: its host and attendees, chatting
    room_rate: float = 5.0
    pairs: int = 100
    dm_rate: float = 2.0  # messages/s per user
    dm_workers: int = 2
    dm_window: int = 1  # sends in flight per socket in the saturated phase (until the ack)
    idle_sockets: int = 10_000
    idle_workers: int = 4
    health_rounds: int = 300  # requests of each kind in the health scenario
    dashboard_rounds: int = 300  # requests of each kind in the dashboard scenario
    servers: tuple[str, ...] = ("ours", "reference")
    scenarios: tuple[str, ...] = SCENARIOS
    write_docs: bool = True
    command: str = "make bench"
    baseline: Baseline | None = None  # our server at another revision, benched first

    @classmethod
    def quick(cls) -> Config:
        return cls(
            fanout_sockets=100,
            room_sockets=200,
            rate_seconds=4.0,
            sat_seconds=4.0,
            warmup_seconds=1.0,
            pairs=20,
            idle_sockets=1000,
            health_rounds=50,
            dashboard_rounds=50,
            write_docs=False,
        )


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def raise_open_files_limit() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = hard if hard == resource.RLIM_INFINITY else min(hard, 1 << 20)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def proc_rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def proc_cmdline(pid: int) -> bytes:
    return Path(f"/proc/{pid}/cmdline").read_bytes()


def proc_cwd(pid: int) -> Path:
    return Path(f"/proc/{pid}/cwd").resolve()


def proc_cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# --- servers ------------------------------------------------------------------------------


class Server:
    name = ""
    root = ROOT  # the tree the server runs from

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = workdir / f"{self.name}.log"

    def command(self) -> list[str]:  # each server says how it starts
        return []

    def env(self) -> dict[str, str]:
        return dict(os.environ)

    def spawn(self) -> None:
        self.port = free_port()
        with open(self.log_path, "ab") as out:
            self.proc = subprocess.Popen(
                self.command(),
                cwd=self.root,
                env=self.env(),
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )

    def healthy(self) -> bool:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise RuntimeError(f"{self.name} server exited:\n{self.log_tail()}")
        try:
            url = f"http://127.0.0.1:{self.port}/healthz"  # loopback only
            with urllib.request.urlopen(url, timeout=2) as response:
                return bool(response.status == 200)
        except OSError:
            return False

    async def start(self) -> None:
        await asyncio.to_thread(self.spawn)
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if await asyncio.to_thread(self.healthy):
                return
            await asyncio.sleep(0.25)
        raise RuntimeError(f"{self.name} server not healthy in time:\n{self.log_tail()}")

    def log_tail(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-3000:]
        except OSError:
            return ""

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


class OurServer(Server):
    """Our server from a tree: this one ("ours"), or a checkout of another revision
    ("baseline"), served by that tree's own ``scripts/serve`` and seeded by its own
    ``bench/seed.py``, with this interpreter and its installed packages."""

    def __init__(
        self, workdir: Path, database_url: str, name: str = "ours", root: Path = ROOT
    ) -> None:
        self.name, self.root = name, root.resolve()
        super().__init__(workdir)
        self.database_url = database_url
        self.migrated = False

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        for key in ("DJANGO_SETTINGS_MODULE", "SERVER_MODE", "CELERY_TASK_ALWAYS_EAGER"):
            env.pop(key, None)
        env.update(SERVER_ENV)
        env.update(
            PYTHON=PY,  # scripts/serve runs the app with it
            DATABASE_URL=self.database_url,
            REDIS_URL=REDIS_URL,
            SECRET_KEY="bench-" + secrets.token_hex(24),
            PORT=str(self.port),
            HOST="127.0.0.1",
            DATA_DIR=str(self.workdir / f"data-{self.name}"),
            SKIP_MIGRATE="1" if self.migrated else "0",
        )
        if not hasattr(self, "_secret"):
            self._secret = env["SECRET_KEY"]
        env["SECRET_KEY"] = self._secret  # the same key across restarts: tokens stay valid
        return env

    def command(self) -> list[str]:
        return [str(self.root / "scripts" / "serve")]

    async def start(self) -> None:
        await super().start()
        self.migrated = True
        if b"daphne_main" not in proc_cmdline(self.pid):
            raise RuntimeError("scripts/serve did not exec daphne: cannot measure its memory")
        # `python -m server.daphne_main` imports from its working directory first.
        cwd = proc_cwd(self.pid)
        if cwd != self.root:
            raise RuntimeError(f"{self.name}: daphne runs in {cwd}, not in {self.root}")

    def check_imports(self) -> dict[str, str]:
        """Where this tree's packages are imported from, run as the server and the seeding
        run (this interpreter, the server's environment, the tree as working directory):
        from the tree itself, not from the editable install of the current one."""
        names = sorted(p.parent.name for p in self.root.glob("*/__init__.py"))
        result = subprocess.run(
            [PY, "-c", IMPORT_CHECK, *names],
            cwd=self.root,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=120,
        )
        if result.returncode != 0:
            raise RuntimeError(f"{self.name}: import check failed:\n{result.stderr[-3000:]}")
        origins: dict[str, str] = json.loads(result.stdout)
        root = str(self.root) + os.sep
        stray = {n: o for n, o in origins.items() if not str(Path(o).resolve()).startswith(root)}
        if stray:
            raise RuntimeError(f"{self.name}: packages not imported from {self.root}: {stray}")
        return origins

    def seed(
        self,
        users: int,
        group: int,
        pairs: int,
        room: int,
        health: bool = False,
        dashboard: bool = False,
    ) -> dict[str, Any]:
        spec_path = self.workdir / f"seed-spec-{self.name}.json"
        out_path = self.workdir / f"seed-out-{self.name}.json"
        spec = {"users": users, "group": group, "pairs": pairs, "room": room, "health": health,
                "dashboard": dashboard}  # fmt: skip
        spec_path.write_text(json.dumps(spec))
        env = self.env()
        env.update(BENCH_SEED_SPEC=str(spec_path), BENCH_SEED_OUT=str(out_path))
        result = subprocess.run(
            [PY, "manage.py", "shell", "-c", "from bench.seed import main; main()"],
            cwd=self.root,
            env=env,
            capture_output=True,
            timeout=600,
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"seeding failed:\n{result.stdout[-2000:]!r}\n{result.stderr[-3000:]!r}"
            )
        data: dict[str, Any] = json.loads(out_path.read_text())
        return data


class ReferenceServer(Server):
    name = "reference"

    def command(self) -> list[str]:
        return [PY, "-m", "bench.reference_server", "--port", str(self.port)]


# Prints where each named top-level package would be imported from, as JSON.
IMPORT_CHECK = """\
import importlib.util, json, sys
spec = {n: importlib.util.find_spec(n) for n in sys.argv[1:]}
print(json.dumps({n: s.origin or "" if s else "" for n, s in spec.items()}))
"""


# --- the baseline: our server at another revision, in a temporary checkout -------------


@dataclass
class Baseline:
    ref: str  # as given
    commit: str
    short: str
    subject: str
    path: Path | None = None  # the checkout, while there is one

    @property
    def label(self) -> str:
        return f"baseline ({self.short})"


def git(*args: str) -> str:
    result = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} failed: {result.stderr.strip()}")
    return result.stdout.strip()


def resolve_baseline(ref: str) -> Baseline:
    commit = git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    return Baseline(
        ref=ref,
        commit=commit,
        short=git("rev-parse", "--short", commit),
        subject=git("log", "-1", "--format=%s", commit),
    )


def add_worktree(baseline: Baseline) -> None:
    path = Path(tempfile.mkdtemp(prefix="edt-bench-baseline-"))
    baseline.path = path
    git("worktree", "add", "--detach", str(path), baseline.commit)
    log(f"baseline: {baseline.ref} = {baseline.short} checked out in {path}")
    for needed in ("scripts/serve", "bench/seed.py"):
        if not (path / needed).exists():
            raise RuntimeError(f"baseline: {baseline.short} has no {needed}: cannot bench it")


def remove_worktree(baseline: Baseline) -> None:
    path, baseline.path = baseline.path, None
    if path is None:
        return
    with contextlib.suppress(RuntimeError):
        git("worktree", "remove", "--force", str(path))
    shutil.rmtree(path, ignore_errors=True)
    with contextlib.suppress(RuntimeError):
        git("worktree", "prune")
    log(f"baseline: removed the checkout {path}")


def our_revision() -> str:
    """This tree's commit, and whether it has changes not committed."""
    with contextlib.suppress(RuntimeError):
        short = git("rev-parse", "--short", "HEAD")
        dirty = git("status", "--porcelain", "--untracked-files=no")
        return short + (" with uncommitted changes" if dirty else "")
    return "unknown"


# --- load generator processes ----------------------------------------------------------


class Workers:
    """A group of bench.worker processes sharing one scenario's sockets."""

    def __init__(self, label: str, workdir: Path) -> None:
        self.label = label
        self.workdir = workdir
        self.procs: list[asyncio.subprocess.Process] = []
        self.stderr_paths: list[Path] = []

    async def start(self, specs: list[dict[str, Any]], budget: float) -> list[dict[str, Any]]:
        for i, spec in enumerate(specs):
            err_path = self.workdir / f"worker-{self.label}-{i}.log"
            self.stderr_paths.append(err_path)
            err = await asyncio.to_thread(open, err_path, "ab")
            try:
                proc = await asyncio.create_subprocess_exec(
                    PY,
                    "-m",
                    "bench.worker",
                    cwd=ROOT,
                    stdin=asyncio.subprocess.PIPE,
                    stdout=asyncio.subprocess.PIPE,
                    stderr=err,
                    limit=1 << 27,
                )
            finally:
                err.close()
            self.procs.append(proc)
            await self._send(proc, spec)
        return await self._collect("READY", budget)

    async def _send(self, proc: asyncio.subprocess.Process, message: dict[str, Any]) -> None:
        assert proc.stdin is not None
        proc.stdin.write((json.dumps(message) + "\n").encode())
        await proc.stdin.drain()

    async def _read(self, proc: asyncio.subprocess.Process, word: str) -> dict[str, Any]:
        assert proc.stdout is not None
        while True:
            line = (await proc.stdout.readline()).decode()
            if not line:
                raise RuntimeError(f"worker exited:\n{self.stderr_tail()}")
            head, _, body = line.partition(" ")
            if head == word:
                result: dict[str, Any] = json.loads(body)
                return result
            if head == "FAILED":
                raise RuntimeError(f"worker failed: {body}\n{self.stderr_tail()}")

    async def _collect(self, word: str, budget: float) -> list[dict[str, Any]]:
        return list(
            await asyncio.wait_for(
                asyncio.gather(*(self._read(p, word) for p in self.procs)), budget
            )
        )

    def stderr_tail(self) -> str:
        return "\n".join(
            p.read_text(errors="replace")[-1500:] for p in self.stderr_paths if p.exists()
        )

    async def command(self, message: dict[str, Any], budget: float) -> list[dict[str, Any]]:
        for proc in self.procs:
            await self._send(proc, message)
        return await self._collect("RESULT", budget)

    async def stop(self) -> None:
        for proc in self.procs:
            if proc.returncode is None:
                with contextlib.suppress(Exception):
                    await self._send(proc, {"cmd": "stop"})
        for proc in self.procs:
            try:
                await asyncio.wait_for(proc.wait(), 30)
            except TimeoutError:
                proc.kill()
                await proc.wait()
        self.procs = []


def split(items: list[Any], parts: int) -> list[list[Any]]:
    size = -(-len(items) // parts)
    return [items[i * size : (i + 1) * size] for i in range(parts) if items[i * size :]]


def worker_specs(server: Any, shares: list[list[dict[str, Any]]], tag: str) -> list[dict[str, Any]]:
    """One load-generator spec per share of sockets, each from its own source address."""
    specs = []
    for w, share in enumerate(shares):
        for j, s in enumerate(share):
            s["key"] = f"{tag}{w}x{j}"
        specs.append(
            {"host": "127.0.0.1", "port": server.port, "local_addr": source_address(w),
             "sockets": share, "concurrency": 25}
        )  # fmt: skip
    return specs


def source_address(i: int) -> str:
    return f"127.0.0.{2 + i}"


async def cpu_during(pid: int, t_start: float, t_end: float) -> float:
    """The share of one core that ``pid`` used between two wall-clock times."""
    await asyncio.sleep(max(0.0, t_start - time.time()))
    before = proc_cpu_seconds(pid)
    await asyncio.sleep(max(0.0, t_end - time.time()))
    return (proc_cpu_seconds(pid) - before) / max(1e-9, t_end - t_start)


# --- scenarios -------------------------------------------------------------------------


async def settle(server: Server, quiet: float = 0.05, budget: float = 30.0) -> None:
    """Wait until the server process uses less than ``quiet`` of a core for a second."""
    deadline = time.monotonic() + budget
    while time.monotonic() < deadline:
        before = proc_cpu_seconds(server.pid)
        await asyncio.sleep(1.0)
        if proc_cpu_seconds(server.pid) - before < quiet:
            return
    log(f"{server.name}: still busy after {budget:.0f} s; going on")


def tag(prefix: str) -> str:
    return prefix + secrets.token_hex(3)


async def fan_out(cfg: Config, server: Server, seed: dict[str, Any], work: Path) -> dict[str, Any]:
    """A group conversation of ``fanout_sockets`` members, all following it."""
    group = seed["group"]
    users = seed["users"][: cfg.fanout_sockets]
    sockets = [{"token": u["token"], "topic": f"dm:{group}", "conversation": group} for u in users]
    return await broadcast(cfg, server, work, "fanout", sockets, cfg.fanout_rate)


async def live_room(
    cfg: Config, server: Server, seed: dict[str, Any], work: Path
) -> dict[str, Any]:
    """A live room of ``room_sockets``: its host (the first socket, who chats at the fixed
    rate) and attendees, several of whom chat in the saturated phase."""
    room = seed["room"]
    users = seed["users"][: cfg.room_sockets]
    sockets = [{"token": u["token"], "topic": f"event:{room}", "event": room} for u in users]
    return await broadcast(cfg, server, work, "room", sockets, cfg.room_rate)


async def broadcast(
    cfg: Config,
    server: Server,
    work: Path,
    label: str,
    sockets: list[dict[str, Any]],
    rate: float,
) -> dict[str, Any]:
    """One topic followed by every socket: a fixed rate for latency and loss, then
    saturated deliveries per second."""
    topic = sockets[0]["topic"]
    shares = split(sockets, cfg.fanout_workers)
    specs = worker_specs(server, shares, "f")
    workers = Workers(f"{server.name}-{label}", work)
    out: dict[str, Any] = {"sockets": len(sockets)}
    try:
        started = time.monotonic()
        await workers.start(specs, budget=300)
        log(f"{server.name}: {len(sockets)} sockets following {topic} "
            f"in {time.monotonic() - started:.1f}s")  # fmt: skip
        await asyncio.sleep(2)  # let the presence announcements of the joins pass

        # Fixed rate: one publisher (itself one of the followers).
        cmd = {"phase": "fanout_rate", "tag": tag("fr"), "rate": rate,
               "max_unacked": int(rate),
               "duration": cfg.rate_seconds, "drain": 30.0}  # fmt: skip
        per_worker = [dict(cmd, publishers=[0] if w == 0 else []) for w in range(len(specs))]
        results, cpu = await command_each(workers, server, per_worker)
        latencies = [x for r in results for x in r["latencies_ms"]]
        acked = sum(r["acked"] for r in results)
        received = sum(r["tagged_total"] for r in results)
        out["rate"] = {
            "messages": acked,
            "skipped": sum(r["skipped"] for r in results),
            "settled": all(r["settled"] for r in results),
            "errors": sum(r["errors"] for r in results),
            "expected": acked * len(sockets),
            "received": received,
            "lost": acked * len(sockets) - received,
            "p50_ms": percentile(latencies, 0.50),
            "p99_ms": percentile(latencies, 0.99),
            "max_ms": max(latencies) if latencies else None,
            "server_cpu": cpu,
            "closed_sockets": sum(r["closed_sockets"] for r in results),
            "error_samples": [e for r in results for e in r["error_samples"]][:3],
        }
        log(f"{server.name}: {label} at {rate}/s: {out['rate']}")
        await asyncio.sleep(1)

        # Saturated: a few publishers, each with a bounded number of messages in flight.
        cmd = {"phase": "fanout_sat", "tag": tag("fs"), "window": cfg.fanout_window,
               "warmup": cfg.warmup_seconds, "duration": cfg.sat_seconds,
               "drain": 30.0}  # fmt: skip
        per_worker = [dict(cmd, publishers=list(range(cfg.publishers_per_worker)))
                      for _ in specs]  # fmt: skip
        results, cpu = await command_each(workers, server, per_worker)
        in_window = sum(r["created_in_window"] for r in results)
        sent = sum(r["sent"] for r in results)
        total = sum(r["created_total"] for r in results)
        out["saturated"] = {
            "settled": all(r["settled"] for r in results),
            "late_from_before": sum(r["stale"] for r in results),
            "deliveries_per_s": in_window / cfg.sat_seconds,
            "messages_per_s": in_window / cfg.sat_seconds / len(sockets),
            "publishers": cfg.publishers_per_worker * len(specs),
            "window": cfg.fanout_window,
            "sent": sent,
            "errors": sum(r["errors"] for r in results),
            "undelivered": sent * len(sockets) - total,
            "server_cpu": cpu,
            "client_cpu": sum(r["cpu_seconds_in_window"] for r in results) / cfg.sat_seconds,
            "closed_sockets": sum(r["closed_sockets"] for r in results),
            "error_samples": [e for r in results for e in r["error_samples"]][:3],
        }
        log(f"{server.name}: saturated {label}: {out['saturated']}")
    finally:
        await workers.stop()
    return out


async def command_each(
    workers: Workers, server: Server, cmds: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], float]:
    """One phase, with a command of its own for each worker and one start time."""
    t0 = time.time() + 1.0
    first = cmds[0]
    t_start = t0 + first.get("warmup", 0.0)
    cpu_task = asyncio.create_task(cpu_during(server.pid, t_start, t_start + first["duration"]))
    for proc, cmd in zip(workers.procs, cmds, strict=True):
        await workers._send(proc, dict(cmd, cmd="phase", t0=t0))
    budget = first.get("warmup", 0.0) + first["duration"] + first.get("drain", 5.0) + 90
    results = await workers._collect("RESULT", budget)
    return results, await cpu_task


async def direct(cfg: Config, server: Server, seed: dict[str, Any], work: Path) -> dict[str, Any]:
    base = cfg.fanout_sockets
    users = seed["users"]
    pairs = []
    for p in range(cfg.pairs):
        conversation = seed["direct"][p]
        pairs.append([
            {"token": users[base + 2 * p + k]["token"], "topic": f"dm:{conversation}",
             "conversation": conversation}
            for k in range(2)
        ])  # fmt: skip
    # Both people of a pair on the same worker: it can tell when all it sent has arrived.
    shares = [[s for pair in share for s in pair] for share in split(pairs, cfg.dm_workers)]
    sockets = [s for share in shares for s in share]
    specs = worker_specs(server, shares, "d")
    workers = Workers(f"{server.name}-direct", work)
    out: dict[str, Any] = {"pairs": cfg.pairs}
    try:
        await workers.start(specs, budget=300)
        log(f"{server.name}: {len(sockets)} sockets in {cfg.pairs} direct conversations")
        await asyncio.sleep(1)

        cmd = {"phase": "dm_rate", "tag": tag("dr"), "rate": cfg.dm_rate, "jitter": True,
               "max_unacked": 4,
               "duration": cfg.rate_seconds, "drain": 30.0}  # fmt: skip
        per_worker = [dict(cmd, publishers=list(range(len(s["sockets"])))) for s in specs]
        results, cpu = await command_each(workers, server, per_worker)
        latencies = [x for r in results for x in r["latencies_ms"]]
        acked = sum(r["acked"] for r in results)
        received = sum(r["from_partner_total"] for r in results)
        out["rate"] = {
            "messages": acked,
            "messages_per_s": acked / cfg.rate_seconds,
            "offered_per_s": cfg.dm_rate * len(sockets),
            "skipped": sum(r["skipped"] for r in results),
            "settled": all(r["settled"] for r in results),
            "errors": sum(r["errors"] for r in results),
            "received": received,
            "lost": acked - received,
            "p50_ms": percentile(latencies, 0.50),
            "p99_ms": percentile(latencies, 0.99),
            "max_ms": max(latencies) if latencies else None,
            "server_cpu": cpu,
            "error_samples": [e for r in results for e in r["error_samples"]][:3],
        }
        log(f"{server.name}: direct messages at {cfg.dm_rate}/s per user: {out['rate']}")
        await asyncio.sleep(1)

        cmd = {"phase": "dm_sat", "tag": tag("ds"), "window": cfg.dm_window,
               "warmup": cfg.warmup_seconds, "duration": cfg.sat_seconds,
               "drain": 30.0}  # fmt: skip
        per_worker = [dict(cmd, publishers=list(range(len(s["sockets"])))) for s in specs]
        results, cpu = await command_each(workers, server, per_worker)
        acked = sum(r["acked"] for r in results)
        delivered = sum(r["from_partner_total"] for r in results)
        out["saturated"] = {
            "settled": all(r["settled"] for r in results),
            "late_from_before": sum(r["stale"] for r in results),
            "delivered_per_s": sum(r["partner_in_window"] for r in results) / cfg.sat_seconds,
            "acked_per_s": sum(r["acks_in_window"] for r in results) / cfg.sat_seconds,
            "sent": sum(r["sent"] for r in results),
            "acked": acked,
            "undelivered": acked - delivered,
            "errors": sum(r["errors"] for r in results),
            "server_cpu": cpu,
            "client_cpu": sum(r["cpu_seconds_in_window"] for r in results) / cfg.sat_seconds,
            "error_samples": [e for r in results for e in r["error_samples"]][:3],
        }
        log(f"{server.name}: saturated direct messages: {out['saturated']}")
    finally:
        await workers.stop()
    return out


async def idle(cfg: Config, server: Server, seed: dict[str, Any], work: Path) -> dict[str, Any]:
    """RSS of a fresh server process before and after ``idle_sockets`` signed-in sockets."""
    users = seed["users"][: cfg.idle_sockets]

    def specs_for(chosen: list[dict[str, Any]], parts: int, label: str) -> list[dict[str, Any]]:
        shares = [[{"token": u["token"]} for u in share] for share in split(chosen, parts)]
        return worker_specs(server, shares, label)

    # Warm up: the first sockets start the hub, the thread pool and the database pool,
    # which are paid once per process, not per socket.
    warm = Workers(f"{server.name}-warmup", work)
    try:
        await warm.start(specs_for(users[-100:], 1, "w"), budget=120)
    finally:
        await warm.stop()
    await asyncio.sleep(3)
    before = proc_rss_kib(server.pid)
    workers = Workers(f"{server.name}-idle", work)
    try:
        started = time.monotonic()
        await workers.start(specs_for(users, cfg.idle_workers, "i"), budget=600)
        took = time.monotonic() - started
        await asyncio.sleep(5)
        after = proc_rss_kib(server.pid)
        status = await workers.command({"cmd": "status"}, 60)
        open_sockets = sum(r["open"] for r in status)
    finally:
        await workers.stop()
    out = {
        "sockets": len(users),
        "open": open_sockets,
        "connect_seconds": took,
        "rss_before_kib": before,
        "rss_after_kib": after,
        "kib_per_socket": (after - before) / max(1, open_sockets),
    }
    log(f"{server.name}: idle sockets: {out}")
    return out


async def bench_server(
    cfg: Config, server: Server, seed: dict[str, Any], work: Path
) -> dict[str, Any]:
    results: dict[str, Any] = {}
    try:
        await server.start()
        log(f"{server.name}: serving on port {server.port} (pid {server.pid})")
        # Each scenario starts on a quiet server: the previous one's sockets closing (a
        # thousand leaving a room, each recorded) must not land in the next one's figures.
        if "fanout" in cfg.scenarios:
            results["fanout"] = await fan_out(cfg, server, seed, work)
            await settle(server)
        if "direct" in cfg.scenarios:
            results["direct"] = await direct(cfg, server, seed, work)
            await settle(server)
        if "room" in cfg.scenarios:
            results["room"] = await live_room(cfg, server, seed, work)
            await settle(server)
        # Our own server only (the reference has no such API), seeded by this tree's seed.
        if "health" in cfg.scenarios and isinstance(server, OurServer) and seed.get("health"):
            await settle(server)
            results["health"] = await health.measure(
                server.port, server.database_url, seed["health"], cfg.health_rounds
            )
            log(f"{server.name}: health: {health.render(results['health'], markdown=False)}")
        if "dashboard" in cfg.scenarios and isinstance(server, OurServer) and seed.get("dashboard"):
            await settle(server)
            results["dashboard"] = await dashboard.measure(
                server.port, seed["dashboard"], cfg.dashboard_rounds
            )
            board = dashboard.render(results["dashboard"], markdown=False)
            log(f"{server.name}: dashboard: {board}")
    finally:
        server.stop()
    if "idle" not in cfg.scenarios:
        return results
    try:
        await server.start()  # a fresh process for the memory figure
        results["idle"] = await idle(cfg, server, seed, work)
    finally:
        server.stop()
    return results


# --- the report -------------------------------------------------------------------------


def fmt(value: float | None, digits: int = 0) -> str:
    if value is None:
        return "-"
    return f"{value:,.{digits}f}"


def ratio(ours: float | None, ref: float | None) -> str:
    if ours is None or ref is None or ref == 0:
        return "-"
    value = ours / ref
    return f"{value:.2f}" if value < 100 else f"{value:,.0f}"


def verdict(ok: bool | None) -> str:
    return "-" if ok is None else ("yes" if ok else "**no**")


def table(cfg: Config, res: dict[str, dict[str, Any]]) -> list[list[str]]:
    def get(server: str, *path: str) -> Any:
        node: Any = res.get(server)
        for key in path:
            if not isinstance(node, dict):
                return None
            node = node.get(key)
        return node

    rows: list[list[str]] = []

    def row(label: str, path: tuple[str, ...], digits: int, target: str,
            check: Any = None, show_ratio: bool = True, unit: Any = None) -> None:  # fmt: skip
        base, ours, ref = (get(s, *path) for s in ("baseline", "ours", "reference"))
        ok = check(ours, ref) if check is not None and ours is not None else None
        shown = [fmt(unit(v) if unit and v is not None else v, digits) for v in (base, ours, ref)]
        if cfg.baseline is None:
            rows.append([label, *shown[1:], ratio(ours, ref) if show_ratio else "-", target,
                         verdict(ok)])  # fmt: skip
        else:
            rows.append([label, *shown, ratio(ours, base) if show_ratio else "-",
                         ratio(ours, ref) if show_ratio else "-", target, verdict(ok)])  # fmt: skip

    n, pairs = cfg.fanout_sockets, cfg.pairs
    row(f"Fan-out to {n}: saturated deliveries/s", ("fanout", "saturated", "deliveries_per_s"), 0,
        ">= 50% of ref", lambda o, r: r is not None and o >= 0.5 * r)  # fmt: skip
    row(f"Fan-out to {n}: server CPU while saturated (1 core = 1.00)",
        ("fanout", "saturated", "server_cpu"), 2, "")  # fmt: skip
    rate = int(cfg.fanout_rate)
    row(f"Fan-out to {n} at {rate} msg/s: p50 latency (ms)", ("fanout", "rate", "p50_ms"), 1, "")
    row(f"Fan-out to {n} at {rate} msg/s: p99 latency (ms)", ("fanout", "rate", "p99_ms"), 1,
        "<= 2x ref", lambda o, r: r is not None and o <= 2 * r)  # fmt: skip
    row(f"Fan-out to {n} at {rate} msg/s: lost of {rate * n * int(cfg.rate_seconds):,}",
        ("fanout", "rate", "lost"), 0, "0", lambda o, r: o == 0, show_ratio=False)  # fmt: skip
    m, room_rate = cfg.room_sockets, int(cfg.room_rate)
    row(f"Live room of {m}: saturated deliveries/s", ("room", "saturated", "deliveries_per_s"),
        0, ">= 50% of ref", lambda o, r: r is not None and o >= 0.5 * r)  # fmt: skip
    row(f"Live room of {m} at {room_rate} msg/s: p50 latency (ms)", ("room", "rate", "p50_ms"),
        1, "")  # fmt: skip
    row(f"Live room of {m} at {room_rate} msg/s: p99 latency (ms)", ("room", "rate", "p99_ms"),
        1, "<= 2x ref", lambda o, r: r is not None and o <= 2 * r)  # fmt: skip
    row(f"Live room of {m} at {room_rate} msg/s: lost of "
        f"{room_rate * m * int(cfg.rate_seconds):,}", ("room", "rate", "lost"), 0, "0",
        lambda o, r: o == 0, show_ratio=False)  # fmt: skip
    per_s = int(cfg.dm_rate * 2 * pairs)
    row(f"Direct, {pairs} pairs, {per_s} msg/s offered: msg/s sent and stored",
        ("direct", "rate", "messages_per_s"), 0, f"{per_s}",
        lambda o, r: o >= 0.99 * per_s)  # fmt: skip
    row(f"Direct, {pairs} pairs, {per_s} msg/s: p50 latency (ms)", ("direct", "rate", "p50_ms"),
        1, "<= 10 ms", lambda o, r: o <= 10)  # fmt: skip
    row(f"Direct, {pairs} pairs, {per_s} msg/s: p99 latency (ms)", ("direct", "rate", "p99_ms"),
        1, "<= 50 ms", lambda o, r: o <= 50)  # fmt: skip
    row(f"Direct, {pairs} pairs, {per_s} msg/s: lost", ("direct", "rate", "lost"), 0, "0",
        lambda o, r: o == 0, show_ratio=False)  # fmt: skip
    row("Direct, saturated: messages/s delivered to the recipient",
        ("direct", "saturated", "delivered_per_s"), 0, ">= 1,000 (ours)",
        lambda o, r: o >= 1000)  # fmt: skip
    row("Direct, saturated: sends acknowledged/s (ours: stored)",
        ("direct", "saturated", "acked_per_s"), 0, "")  # fmt: skip
    row("Direct, saturated: server CPU (1 core = 1.00)", ("direct", "saturated", "server_cpu"),
        2, "")  # fmt: skip
    k = cfg.idle_sockets
    row(f"{k:,} idle sockets: RSS before (MiB)", ("idle", "rss_before_kib"), 1, "", unit=_mib)
    row(f"{k:,} idle sockets: RSS after (MiB)", ("idle", "rss_after_kib"), 1, "", unit=_mib)
    row(f"{k:,} idle sockets: KiB per socket", ("idle", "kib_per_socket"), 1, "<= 48 KiB",
        lambda o, r: o <= 48)  # fmt: skip
    return rows


def _mib(kib: float | None) -> float | None:
    return None if kib is None else kib / 1024


def header(cfg: Config) -> list[str]:
    if cfg.baseline is None:
        return ["", "ours", "reference", "ours/ref", "target", "met"]
    return ["", cfg.baseline.label, "ours", "reference", "ours/baseline", "ours/ref", "target",
            "met"]  # fmt: skip


def render(cfg: Config, rows: list[list[str]], markdown: bool) -> str:
    header_ = header(cfg)
    if markdown:
        lines = ["| " + " | ".join(header_) + " |", "|" + "---|" * len(header_)]
        lines += ["| " + " | ".join(r) + " |" for r in rows]
        return "\n".join(lines)
    widths = [
        max(len(r[i].replace("**", "")) for r in [header_, *rows]) for i in range(len(header_))
    ]
    out = []
    for r in [header_, *rows]:
        cells = [c.replace("**", "") for c in r]
        out.append("  ".join(
            c.ljust(widths[i]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(cells)
        ))  # fmt: skip
    return "\n".join(out)


def machine() -> dict[str, str]:
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    free = subprocess.run(["free", "-g"], capture_output=True, text=True).stdout.rstrip()
    versions = ", ".join(
        f"{name} {metadata.version(name)}" for name in ("django", "channels", "daphne",
                                                         "twisted", "websockets")
    )  # fmt: skip
    return {
        "nproc": str(os.cpu_count()),
        "cpu": model,
        "free": free,
        "python": platform.python_version(),
        "versions": versions,
    }


def notes(cfg: Config, res: dict[str, dict[str, Any]]) -> list[str]:
    out = []
    if cfg.baseline is not None:
        names = {"baseline": "the baseline", "ours": "ours", "reference": "the reference"}
        order = ", then ".join(names[s] for s in cfg.servers)
        out.append(
            f"Baseline: `{cfg.baseline.ref}` = {cfg.baseline.short} "
            f'("{cfg.baseline.subject}"), checked out in a temporary git worktree and served '
            f"by its own scripts/serve with this interpreter and its packages, on a fresh "
            f"database of its own, seeded by its own bench/seed.py. Run order: each server "
            f"through all its scenarios before the next starts: {order}; all driven by this "
            f"tree's load generator."
        )
    for server in ("baseline", "ours", "reference"):
        r = res.get(server, {})
        if cfg.baseline is not None and server == "baseline":
            server = cfg.baseline.label
        fs = r.get("fanout", {}).get("saturated", {})
        ds = r.get("direct", {}).get("saturated", {})
        for label, rate in (("fan-out", r.get("fanout", {}).get("rate")),
                            ("direct", r.get("direct", {}).get("rate"))):  # fmt: skip
            if rate and (rate["skipped"] or rate["errors"] or not rate["settled"]):
                out.append(
                    f"{server}: {label} at a fixed rate: {rate['skipped']:,} sends skipped "
                    f"because the sender already had that many unanswered (the server fell "
                    f"behind), {rate['errors']} errors"
                    + ("" if rate["settled"] else ", still unsettled at the end of the drain")
                    + "."
                )
        if fs:
            out.append(
                f"{server}: saturated fan-out {fs['messages_per_s']:,.0f} messages/s to "
                f"{cfg.fanout_sockets} sockets ({fs['publishers']} publishers, "
                f"{fs['window']} in flight each); server CPU {fs['server_cpu']:.2f} cores, "
                f"load generator {fs['client_cpu']:.2f} cores; undelivered after the drain "
                f"{fs['undelivered']:,}, sockets closed {fs['closed_sockets']}, "
                f"errors {fs['errors']}."
            )
        if ds:
            out.append(
                f"{server}: saturated direct messages: server CPU {ds['server_cpu']:.2f} cores, "
                f"load generator {ds['client_cpu']:.2f} cores; errors {ds['errors']}, "
                f"acknowledged but not delivered after the drain {ds['undelivered']}"
                + ("" if ds["settled"] else " (unsettled at the end of the drain)")
                + "."
            )
        idle_r = r.get("idle")
        if idle_r:
            out.append(
                f"{server}: {idle_r['open']:,} of {idle_r['sockets']:,} idle sockets open at "
                f"the measurement; connecting and signing them in took "
                f"{idle_r['connect_seconds']:.0f} s."
            )
    return out


def commands(cfg: Config) -> list[str]:
    env = " ".join(f"{k}={v}" for k, v in SERVER_ENV.items())
    redis_db = REDIS_URL if REDIS_URL.startswith("redis://127.0.0.1") else "<redis>"
    lines = [
        f"$ {cfg.command}",
        "  = ulimit -n 65536 || ulimit -n $(ulimit -Hn); .venv/bin/python -m bench",
        "which starts, one after the other:",
        f"  DATABASE_URL=postgres://postgres@127.0.0.1:5432/edt_bench_<random> "
        f"REDIS_URL={redis_db} SECRET_KEY=<random> PORT=<free> DATA_DIR=<temp> {env} "
        "scripts/serve",
        "  .venv/bin/python manage.py shell -c 'from bench.seed import main; main()'",
        "  .venv/bin/python -m bench.reference_server --port <free>",
        "  .venv/bin/python -m bench.worker  (2 to 4 at a time, driven over stdin)",
    ]
    if cfg.baseline is not None:
        lines[3:3] = [
            f"  git worktree add --detach <temp> {cfg.baseline.short}  (removed at the end)",
            "  the next two in <temp>, with PYTHON=.venv/bin/python and a database of its own "
            "(the baseline), then here (ours):",
        ]
    return lines


def write_docs(cfg: Config, rows: list[list[str]], res: dict[str, dict[str, Any]]) -> None:
    info = machine()
    today = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    section = "\n".join([
        RESULTS_START,
        "## Latest results",
        "",
        f"Run on {today} with `{cfg.command}`.",
        "",
        *([] if cfg.baseline is None else [
            f"Baseline: `{cfg.baseline.ref}` = {cfg.baseline.commit[:12]} "
            f"(\"{cfg.baseline.subject}\"); ours: {our_revision()}.",
            "",
        ]),
        f"Machine: {info['nproc']} CPUs ({info['cpu'] or 'unknown model'}), "
        f"Python {info['python']}; {info['versions']}.",
        "",
        "```",
        "$ nproc",
        info["nproc"],
        "$ free -g",
        info["free"],
        "```",
        "",
        "Commands (from the repository root):",
        "",
        "```",
        *commands(cfg),
        "```",
        "",
        render(cfg, rows, markdown=True),
        "",
        "Details:",
        "",
        *[f"- {n}" for n in notes(cfg, res)],
        "",
        RESULTS_END,
    ])  # fmt: skip
    text = DOCS.read_text() if DOCS.exists() else ""
    if RESULTS_START in text and RESULTS_END in text:
        head, _, rest = text.partition(RESULTS_START)
        _, _, tail = rest.partition(RESULTS_END)
        text = head + section + tail
    else:
        text = (text.rstrip() + "\n\n" if text else "# Benchmarks\n\n") + section + "\n"
    DOCS.write_text(text)
    log(f"wrote {DOCS.relative_to(ROOT)}")


def write_health_docs(cfg: Config, result: dict[str, Any]) -> None:
    """The health scenario's figures in their own section of docs/benchmarks.md (between
    its markers; added at the end the first time), leaving the other sections alone."""
    info = machine()
    today = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    sizes = result["sizes"]
    section = "\n".join([
        HEALTH_START,
        "## Health records: the results page and a chart series",
        "",
        f"Run on {today} with `{cfg.command}`; ours: {our_revision()}. Machine: "
        f"{info['nproc']} CPUs ({info['cpu'] or 'unknown model'}), Python {info['python']}.",
        "",
        f"One customer with ten years of daily weights ({result['weights']:,}) and monthly "
        f"labs: {result['entered']:,} results entered, {result['stored']:,} stored with the "
        "BMI derived from every weight (`bench/health_seed.py`, in bulk, then the services "
        "derive BMI and interpret; the table vacuumed and analysed as autovacuum would). "
        "Our server alone (`scripts/serve`, production mode, one process), asked over HTTP "
        "on one keep-alive connection with the customer's bearer token, "
        f"{result['rounds']} rounds after 10 of warm-up, each round every request once in "
        "turn (`bench/health.py`): the latency is from the request sent to the last byte "
        "read. References in the same rounds: `GET /healthz` (the middleware and nothing "
        "else) and the same rows read with one raw SQL statement through psycopg. Queries "
        "per request are counted in-process by the seed (the same requests through "
        "Django's test client inside `CaptureQueriesContext`, against the same database); "
        "`tests/profiles/test_results_api.py` checks they do not grow with the results.",
        "",
        health.render(result, markdown=True),
        "",
        f"The series holds {result['rows']['sql_series']:,} weights, drawn as at most 2,000 "
        f"points (the lowest and highest of each of 1,000 time buckets): {sizes['series']:,} "
        "bytes of JSON. The p99 varies between runs: a full garbage collection of the server "
        "process (about 80 ms with its 200,000 or so objects, timed in-process) lands on one "
        "request in a few hundred, most often on the series, which allocates the most; six "
        "runs on 2026-12-03 gave the series a p99 of 24 to 94 ms. Commands: "
        "`make bench BENCH_ARGS=\"--scenarios health --only ours\"` (this section alone), or "
        "a full `make bench`.",
        "",
        HEALTH_END,
    ])  # fmt: skip
    text = DOCS.read_text() if DOCS.exists() else "# Benchmarks\n"
    if HEALTH_START in text and HEALTH_END in text:
        head, _, rest = text.partition(HEALTH_START)
        _, _, tail = rest.partition(HEALTH_END)
        text = head + section + tail
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    DOCS.write_text(text)
    log(f"wrote the health section of {DOCS.relative_to(ROOT)}")


ALERT_MARKS = (ALERTS_START, ALERTS_END)


def run_line(cfg: Config) -> str:
    info = machine()
    today = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        f"Run on {today} with `{cfg.command}`; ours: {our_revision()}. Machine: "
        f"{info['nproc']} CPUs ({info['cpu'] or 'unknown model'}), Python {info['python']}."
    )


def write_section(section: str) -> None:
    """A scenario's section of docs/benchmarks.md, between its markers (added at the end
    the first time), leaving the other sections alone."""
    start, end = section.splitlines()[0], ALERTS_END
    text = DOCS.read_text() if DOCS.exists() else "# Benchmarks\n"
    if start in text and end in text:
        head, _, rest = text.partition(start)
        _, _, tail = rest.partition(end)
        text = head + section + end + tail
    else:
        text = text.rstrip() + "\n\n" + section + end + "\n"
    DOCS.write_text(text)
    log(f"wrote a section of {DOCS.relative_to(ROOT)}")


def bench_alerts(work: Path) -> dict[str, Any]:
    """The alerts scenario on a fresh database of its own, dropped at the end."""
    database, url = create_database()
    log(f"alerts: created database {database}")
    try:
        env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE",)}
        env.update(SERVER_ENV)
        env.update(
            DATABASE_URL=url,
            REDIS_URL=REDIS_URL,
            SECRET_KEY="bench-" + secrets.token_hex(24),
            DATA_DIR=str(work / "data-alerts"),
            SERVER_MODE="production",
        )
        started = time.monotonic()
        result = alerts.measure(ROOT, env, work)
        log(f"alerts: measured in {time.monotonic() - started:.0f}s")
        return result
    finally:
        drop_database(database)
        log(f"alerts: dropped database {database}")


def write_dashboard_docs(cfg: Config, result: dict[str, Any]) -> None:
    """The dashboard scenario's figures in their own section of docs/benchmarks.md
    (between its markers; added at the end the first time)."""
    info = machine()
    today = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    section = "\n".join([
        DASHBOARD_START,
        "## The care team's dashboard",
        "",
        f"Run on {today} with `{cfg.command}`; ours: {our_revision()}. Machine: "
        f"{info['nproc']} CPUs ({info['cpu'] or 'unknown model'}), Python {info['python']}.",
        "",
        f"One dietitian with {result['customers']:,} customers in her care, each with two "
        "years of weekly weights (and their BMI), a height and quarterly labs, a check-in "
        "every day, two active goals; open alerts for one customer in five, unread messages "
        "from one in three, one in ten keeping their weight to themself: "
        f"{result['results']:,} results and {result['check_ins']:,} check-ins in all "
        "(`bench/dashboard_seed.py`: COPY, then the tables vacuumed and analysed). Our "
        "server alone (`scripts/serve`, production mode, one process), asked over HTTP on "
        "one keep-alive connection with the dietitian's bearer token, "
        f"{result['rounds']} rounds after 10 of warm-up, each round every request once in "
        "turn (`bench/dashboard.py`): the latency is from the request sent to the last byte "
        "read. References in the same rounds: `GET /healthz` (the middleware alone) and "
        "`GET /api/me` (an authenticated read of one row). Each dashboard request also "
        "writes its customers to their access logs (one insert of up to 50 rows). Queries "
        "per request are counted in-process by the seed (Django's test client inside "
        "`CaptureQueriesContext`, against the same database); "
        "`tests/advice/test_dashboard.py` checks they do not grow with the customers.",
        "",
        dashboard.render(result, markdown=True),
        "",
        "In-process: the same request through the whole stack in the seed's process "
        "(Django's test client, no HTTP, no other process), the best of 10, and in brackets "
        "the part of it from sending each statement to its answer. What is left is the "
        "process's own work: Python and Django around the statements (the two that matter "
        "are written once as SQL, `advice/dashboard_sql.py`: built through the ORM they "
        "cost about 30 ms of CPU a page, twice what PostgreSQL spent on them), writing the "
        "access log, and the answer's JSON. Before they were (2026-12-03, the dashboard's "
        "function alone, the best of 15): the first page 49 ms (17 in the database), "
        "sorted by alerts 50 (18), by unread 59 (24), one row 30 (5); over HTTP, on a quiet "
        "machine, the first page had p50 60 "
        "and p99 166 ms, sorted by alerts 76 and 228, by unread 74 and 230. The p99 moves "
        "with the machine (other work on its 2 CPUs moves the references' p99 alike). "
        "Commands: "
        "`make bench BENCH_ARGS=\"--scenarios dashboard --only ours\"` (this section "
        "alone), or a full `make bench`.",
        "",
        DASHBOARD_END,
    ])  # fmt: skip
    text = DOCS.read_text() if DOCS.exists() else "# Benchmarks\n"
    if DASHBOARD_START in text and DASHBOARD_END in text:
        head, _, rest = text.partition(DASHBOARD_START)
        _, _, tail = rest.partition(DASHBOARD_END)
        text = head + section + tail
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    DOCS.write_text(text)
    log(f"wrote the dashboard section of {DOCS.relative_to(ROOT)}")


# --- main -------------------------------------------------------------------------------


def create_database() -> tuple[str, str]:
    import psycopg

    name = f"edt_bench_{secrets.token_hex(4)}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name, PG_ADMIN.rsplit("/", 1)[0] + "/" + name


def drop_database(name: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def fake_seed(cfg: Config) -> dict[str, Any]:
    count = max(cfg.idle_sockets, cfg.room_sockets, cfg.fanout_sockets + 2 * cfg.pairs)
    return {
        "users": [{"id": i + 1, "token": "-"} for i in range(count)],
        "group": 1,
        "room": 1,
        "direct": list(range(2, 2 + cfg.pairs)),
    }


async def bench_app(
    cfg: Config, work: Path, name: str, root: Path
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Our server from ``root`` on a fresh database of its own, seeded, then benched; the
    database is dropped at the end. Returns the results and the seed."""
    database, url = create_database()
    log(f"{name}: created database {database}")
    try:
        server = OurServer(work, url, name=name, root=root)
        origins = await asyncio.to_thread(server.check_imports)
        log(f"{name}: imports {', '.join(origins)} from {root}")
        try:
            await server.start()
            users = max(cfg.idle_sockets, cfg.room_sockets, cfg.fanout_sockets + 2 * cfg.pairs)
            sizes = (users, cfg.fanout_sockets, cfg.pairs, cfg.room_sockets)
            if not set(cfg.scenarios) & set(SOCKET_SCENARIOS):
                sizes = (2, 1, 0, 1)  # the HTTP scenarios alone: no crowd of sockets
            started = time.monotonic()
            seed = await asyncio.to_thread(
                server.seed, *sizes, "health" in cfg.scenarios, "dashboard" in cfg.scenarios
            )
            log(f"{name}: seeded {sizes[0]} users in {time.monotonic() - started:.1f}s")
        finally:
            server.stop()
        return await bench_server(cfg, server, seed, work), seed
    finally:
        drop_database(database)
        log(f"{name}: dropped database {database}")


async def amain(cfg: Config) -> int:
    # A TERM signal ends the run as Ctrl-C does: servers and load generators stopped,
    # databases dropped, the baseline's checkout removed.
    main_task = asyncio.current_task()
    assert main_task is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, main_task.cancel)
    limit = raise_open_files_limit()
    need = cfg.idle_sockets + 200
    if limit < need:
        log(f"open-files limit {limit} is below {need}: lower --idle-sockets")
        return 2
    work = Path(tempfile.mkdtemp(prefix="edt-bench-"))
    results: dict[str, dict[str, Any]] = {}
    try:
        seed = fake_seed(cfg)
        # One server after the other, each through all its scenarios: the baseline, ours,
        # then the reference (which checks no tokens: ours' seed, or a made-up one, will do).
        if "baseline" in cfg.servers:
            assert cfg.baseline is not None and cfg.baseline.path is not None
            results["baseline"], _ = await bench_app(cfg, work, "baseline", cfg.baseline.path)
        served = set(cfg.scenarios) - {"alerts"}
        if "ours" in cfg.servers and served:
            results["ours"], seed = await bench_app(cfg, work, "ours", ROOT)
        if "ours" in cfg.servers and "alerts" in cfg.scenarios:
            results.setdefault("ours", {})["alerts"] = await asyncio.to_thread(bench_alerts, work)
        if "reference" in cfg.servers and served:
            results["reference"] = await bench_server(cfg, ReferenceServer(work), seed, work)
    except BaseException:
        log(f"failed; server and worker logs are kept in {work}")
        raise
    rows = table(cfg, results)
    print()
    print(render(cfg, rows, markdown=False))
    print()
    for line in notes(cfg, results):
        print("- " + line)
    if "health" in results.get("ours", {}):
        print()
        print(health.render(results["ours"]["health"], markdown=False))
        print()
        if cfg.write_docs:
            write_health_docs(cfg, results["ours"]["health"])
    if "alerts" in results.get("ours", {}):
        print()
        print(alerts.render(results["ours"]["alerts"], markdown=False))
        print()
        print(alerts.top_of_profile(results["ours"]["alerts"]))
        if cfg.write_docs:
            write_section(
                alerts.section(results["ours"]["alerts"], lambda: run_line(cfg), *ALERT_MARKS)
            )

    if "dashboard" in results.get("ours", {}):
        print()
        print(dashboard.render(results["ours"]["dashboard"], markdown=False))
        print()
        if cfg.write_docs:
            write_dashboard_docs(cfg, results["ours"]["dashboard"])
    (work / "results.json").write_text(json.dumps(results, indent=2, default=str))
    complete = {"ours", "reference"} <= set(cfg.servers) and set(cfg.scenarios) == set(SCENARIOS)
    if cfg.write_docs and complete:
        write_docs(cfg, rows, results)
    if os.environ.get("BENCH_KEEP_LOGS"):
        print(f"logs kept in {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small, short run (no docs)")
    parser.add_argument("--only", choices=["ours", "reference"], help="bench one server only")
    parser.add_argument(
        "--scenarios",
        default=",".join(SCENARIOS),
        help=f"comma-separated subset of {','.join(SCENARIOS)} (default: all); "
        "health alone: --scenarios health --only ours (dashboard alike)",
    )
    parser.add_argument(
        "--baseline",
        metavar="REF",
        help="also bench our server at git revision REF (a temporary checkout), before ours",
    )
    parser.add_argument("--idle-sockets", type=int)
    parser.add_argument("--no-docs", action="store_true", help="do not write docs/benchmarks.md")
    args = parser.parse_args(argv)
    cfg = Config.quick() if args.quick else Config()
    if args.only:
        cfg.servers = (args.only,)
    if args.baseline:
        try:
            cfg.baseline = resolve_baseline(args.baseline)
        except RuntimeError:
            parser.error(f"--baseline: no commit {args.baseline!r} in this repository")
        cfg.servers = ("baseline", *cfg.servers)
    cfg.scenarios = tuple(x.strip() for x in args.scenarios.split(",") if x.strip())
    unknown = set(cfg.scenarios) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenarios: {', '.join(sorted(unknown))}")
    if args.idle_sockets:
        cfg.idle_sockets = args.idle_sockets
    if args.no_docs:
        cfg.write_docs = False
    cfg.command = "make bench" if argv is None and not sys.argv[1:] else (
        "python -m bench " + " ".join(sys.argv[1:] if argv is None else argv)
    )  # fmt: skip
    if cfg.baseline is None:
        return asyncio.run(amain(cfg))
    try:
        add_worktree(cfg.baseline)
        return asyncio.run(amain(cfg))
    finally:
        remove_worktree(cfg.baseline)


if __name__ == "__main__":
    sys.exit(main())
