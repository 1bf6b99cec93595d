"""One load-generator process: opens its share of the sockets, then runs phases on command.

Driven by ``bench.run`` over stdin/stdout, one JSON document a line:

- stdin, first line: the spec (server address, source address, the sockets to open with
  their token, topic and key). The worker connects, authenticates and subscribes, then
  prints ``READY {...}``.
- stdin, later lines: ``{"cmd": "phase", "phase": ..., "t0": ..., ...}`` runs one phase
  starting at wall-clock time ``t0`` and prints ``RESULT {...}``; ``{"cmd": "stop"}``
  closes the sockets and exits.

Every loop here is bounded in time: phases end at their deadline whatever the server
does, and the worker exits when its stdin closes.
"""

from __future__ import annotations

import asyncio
import json
import random
import resource
import sys
import time
from typing import Any

from bench.wsclient import WSClient, connect

CREATED = b"message.created"
ROOM_CHAT = b'"event":"room.chat"'
ACK = b'{"type":"ack"'
ERROR = b'{"type":"error"'


class Sock:
    """What the worker keeps about one of its sockets."""

    __slots__ = (
        "acked",
        "client",
        "conversation",
        "errors",
        "event",
        "inflight",
        "key",
        "key_bytes",
        "sent",
        "token",
        "topic",
        "wait_for",
        "waiter",
    )

    def __init__(self, spec: dict[str, Any]) -> None:
        self.token: str = spec.get("token", "")
        self.topic: str | None = spec.get("topic")
        self.conversation: int | None = spec.get("conversation")
        self.event: int | None = spec.get("event")  # a live room's event, to chat in it
        self.key: str = spec["key"]
        # How this socket's own messages are recognised in a frame: " s=KEY " in the body.
        self.key_bytes = f" s={self.key} ".encode()
        self.client: WSClient | None = None
        self.wait_for: tuple[str, ...] = ()
        self.waiter: asyncio.Future[dict[str, Any]] | None = None
        self.inflight = 0
        self.sent = 0
        self.acked = 0
        self.errors = 0


class Stats:
    def __init__(self) -> None:
        self.created = 0  # this phase's message.created frames, over all sockets
        self.stale = 0  # message.created frames of an earlier phase
        self.skipped = 0  # open-loop sends skipped: too many unanswered
        self.from_partner = 0  # dm phases: messages from the other person
        self.acks = 0
        self.errors = 0
        self.latencies: list[float] = []
        self.tag = b""


def log(message: str) -> None:
    print(f"[worker] {message}", file=sys.stderr, flush=True)


class Worker:
    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self.host: str = spec["host"]
        self.port: int = spec["port"]
        self.local_addr = (spec["local_addr"], 0) if spec.get("local_addr") else None
        self.socks = [Sock(s) for s in spec["sockets"]]
        self.stats = Stats()
        self.handler = self.on_setup_frame
        self.phase: str = ""
        self.window = 1
        self.close_codes: dict[int, int] = {}

    # --- frames ------------------------------------------------------------------------

    def on_frame(self, client: WSClient, buf: bytearray, start: int, end: int) -> None:
        self.handler(client.state, buf, start, end)

    def on_setup_frame(self, sock: Sock, buf: bytearray, start: int, end: int) -> None:
        waiter = sock.waiter
        if waiter is None or waiter.done():
            return
        frame = json.loads(bytes(buf[start:end]))
        if frame.get("type") in sock.wait_for or frame.get("type") == "error":
            waiter.set_result(frame)

    def on_phase_frame(self, sock: Sock, buf: bytearray, start: int, end: int) -> None:
        stats = self.stats
        phase = self.phase
        head = min(end, start + 100)
        if buf.find(CREATED, start, head) >= 0 or buf.find(ROOM_CHAT, start, head) >= 0:
            if buf.find(stats.tag, start, end) < 0:
                stats.stale += 1  # from an earlier phase, still arriving
                return
            stats.created += 1
            if phase == "fanout_sat":
                # A publisher's message is done when its own copy comes back.
                if sock.inflight and buf.find(sock.key_bytes, start, end) >= 0:
                    sock.inflight -= 1
                    sock.acked += 1
                    self.publish_more(sock)
                return
            if phase == "dm_sat":
                if buf.find(sock.key_bytes, start, end) < 0:
                    stats.from_partner += 1
                return
            if phase == "dm_rate" and buf.find(sock.key_bytes, start, end) >= 0:
                return  # the echo of one's own message
            t_at = buf.find(b" t=", start, end)
            if t_at >= 0:
                t_end = buf.find(b"<", t_at, end)
                stats.latencies.append(time.time() - float(buf[t_at + 3 : t_end]))
                if phase == "dm_rate":
                    stats.from_partner += 1
            return
        if buf.startswith(ACK, start):
            if buf.find(stats.tag, start, end) < 0:
                return
            stats.acks += 1
            if phase != "fanout_sat":
                sock.acked += 1
            if phase == "dm_sat":
                sock.inflight -= 1
                self.publish_more(sock)
            return
        if buf.startswith(ERROR, start):
            stats.errors += 1
            sock.errors += 1
            if len(self.error_samples) < 5:
                self.error_samples.append(bytes(buf[start:end]).decode(errors="replace"))
            if sock.inflight and phase in ("dm_sat", "fanout_sat"):
                sock.inflight -= 1
                self.publish_more(sock)

    # --- set-up -----------------------------------------------------------------------

    async def request(self, sock: Sock, frame: dict[str, Any], *wait_for: str) -> dict[str, Any]:
        assert sock.client is not None
        sock.wait_for = wait_for
        sock.waiter = asyncio.get_running_loop().create_future()
        sock.client.send_text(json.dumps(frame))
        try:
            return await asyncio.wait_for(sock.waiter, 30)
        finally:
            sock.waiter = None

    async def open_one(self, sock: Sock, gate: asyncio.Semaphore) -> None:
        async with gate:
            for attempt in range(3):
                try:
                    client = await connect(
                        self.host, self.port, self.on_frame, local_addr=self.local_addr
                    )
                    break
                except Exception as exc:
                    if attempt == 2:
                        raise
                    log(f"connect failed ({exc!r}); retrying")
                    await asyncio.sleep(0.5)
            client.state = sock
            sock.client = client
            reply = await self.request(sock, {"type": "auth", "token": sock.token}, "ready")
            if reply["type"] != "ready":
                raise RuntimeError(f"auth refused: {reply}")
            if sock.topic:
                reply = await self.request(
                    sock, {"type": "subscribe", "topic": sock.topic}, "subscribed"
                )
                if reply["type"] != "subscribed":
                    raise RuntimeError(f"subscribe refused: {reply}")

    async def open_all(self) -> dict[str, Any]:
        started = time.monotonic()
        gate = asyncio.Semaphore(self.spec.get("concurrency", 50))
        await asyncio.gather(*(self.open_one(s, gate) for s in self.socks))
        return {"sockets": len(self.socks), "seconds": round(time.monotonic() - started, 2)}

    # --- phases -----------------------------------------------------------------------

    def send_message(self, sock: Sock, stamp: bool = True) -> None:
        """dm.send on the socket's conversation; the body carries tag, key, count and time."""
        assert sock.client is not None
        sock.sent += 1
        n = sock.sent
        body = f"bench {self.stats.tag.decode()} n={n} s={sock.key} t={time.time():.6f}"
        frame: dict[str, Any] = {"id": f"{self.stats.tag.decode()}.{sock.key}.{n}", "body": body}
        if sock.event is not None:
            frame.update(type="room.chat", event=sock.event)
        else:
            frame.update(type="dm.send", conversation=sock.conversation)
        sock.client.send_text(json.dumps(frame, separators=(",", ":")))

    def publish_more(self, sock: Sock) -> None:
        if not self.publishing or sock.client is None or sock.client.closed:
            return
        while sock.inflight < self.window:
            sock.inflight += 1
            self.send_message(sock)

    async def run_phase(self, cmd: dict[str, Any]) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        self.phase = phase = cmd["phase"]
        self.stats = stats = Stats()
        stats.tag = cmd["tag"].encode()
        self.error_samples: list[str] = []
        self.publishing = False
        for sock in self.socks:
            sock.inflight = sock.sent = sock.acked = sock.errors = 0
        publishers = [self.socks[i] for i in cmd.get("publishers", [])]
        t0: float = cmd["t0"]
        warm: float = cmd.get("warmup", 0.0)
        duration: float = cmd["duration"]
        t_start, t_end = t0 + warm, t0 + warm + duration
        self.handler = self.on_phase_frame
        snapshots: dict[str, tuple[int, int, int, float]] = {}

        def snapshot(name: str) -> None:
            cpu = resource.getrusage(resource.RUSAGE_SELF)
            snapshots[name] = (
                stats.created,
                stats.acks,
                stats.from_partner,
                cpu.ru_utime + cpu.ru_stime,
            )

        def at(when: float, callback: Any, *args: Any) -> asyncio.TimerHandle:
            return loop.call_at(loop.time() + max(0.0, when - time.time()), callback, *args)

        at(t_start, snapshot, "start")
        at(t_end, snapshot, "end")
        await asyncio.sleep(max(0.0, t0 - time.time()))

        if phase in ("fanout_sat", "dm_sat"):
            self.window = cmd.get("window", 1)
            self.publishing = True
            for sock in publishers:
                self.publish_more(sock)
            await asyncio.sleep(max(0.0, t_end - time.time()))
            self.publishing = False
        else:  # open loop at a fixed rate per publisher
            rate: float = cmd["rate"]
            schedule: list[tuple[float, int]] = []
            for index in range(len(publishers)):
                offset = random.random() / rate if cmd.get("jitter") else 0.0
                k = 0
                while t0 + offset + k / rate < t_end:
                    schedule.append((t0 + offset + k / rate, index))
                    k += 1
            schedule.sort()
            # Open loop, but bounded: a socket with max_unacked sends unanswered skips its
            # turn (counted), so an overloaded server does not build a backlog for later.
            max_unacked = cmd.get("max_unacked", 4)
            for when, index in schedule:
                delay = when - time.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                sock = publishers[index]
                if sock.client is None or sock.client.closed:
                    continue
                if sock.sent - sock.acked - sock.errors >= max_unacked:
                    stats.skipped += 1
                    continue
                self.send_message(sock)
        await asyncio.sleep(max(0.0, t_end - time.time()))
        settled = await self.drain(publishers, cmd.get("drain", 30.0))
        self.handler = self.on_setup_frame
        snapshot("final")
        start, end = snapshots.get("start"), snapshots.get("end")
        assert start is not None and end is not None
        return {
            "phase": phase,
            "window_seconds": duration,
            "created_in_window": end[0] - start[0],
            "acks_in_window": end[1] - start[1],
            "partner_in_window": end[2] - start[2],
            "cpu_seconds_in_window": round(end[3] - start[3], 3),
            "created_total": stats.created,
            "tagged_total": stats.created,
            "stale": stats.stale,
            "skipped": stats.skipped,
            "settled": settled,
            "from_partner_total": stats.from_partner,
            "sent": sum(s.sent for s in self.socks),
            "acked": sum(s.acked for s in self.socks),
            "errors": stats.errors,
            "error_samples": self.error_samples,
            "closed_sockets": sum(1 for s in self.socks if s.client is None or s.client.closed),
            "latencies_ms": [round(x * 1000, 3) for x in stats.latencies],
        }

    async def drain(self, publishers: list[Sock], cap: float) -> bool:
        """Wait for what is still on its way: until every send is answered (and, for direct
        messages, delivered to the partner) and nothing arrived for a second; or until
        nothing arrived for 5 s; at most ``cap`` seconds. True if everything settled."""
        stats = self.stats
        deadline = time.time() + cap
        last = (-1, -1, -1)
        quiet_since = time.time()
        while time.time() < deadline:
            await asyncio.sleep(0.25)
            counts = (stats.created, stats.acks, stats.errors)
            if counts != last:
                last, quiet_since = counts, time.time()
                continue
            quiet = time.time() - quiet_since
            answered = all(s.sent <= s.acked + s.errors for s in publishers)
            if self.phase.startswith("dm"):
                answered = answered and stats.from_partner >= sum(s.acked for s in publishers)
            # Missed live events are caught up from the event log within the server's tail
            # check (5 s by default): wait longer than that before calling them lost.
            if (answered and quiet >= 1.0) or quiet >= 10.0:
                return answered
        return False

    def close_all(self) -> dict[str, Any]:
        codes: dict[str, int] = {}
        for sock in self.socks:
            if sock.client is None:
                continue
            if sock.client.closed:
                code = str(sock.client.close_code)
                codes[code] = codes.get(code, 0) + 1
            sock.client.close()
        return {"closed_before_stop": codes}


async def main() -> None:
    spec = json.loads(await asyncio.to_thread(sys.stdin.readline))
    worker = Worker(spec)
    try:
        ready = await worker.open_all()
    except Exception as exc:
        print("FAILED " + json.dumps({"error": repr(exc)}), flush=True)
        return
    print("READY " + json.dumps(ready), flush=True)
    while True:
        line = await asyncio.to_thread(sys.stdin.readline)
        if not line:
            break
        cmd = json.loads(line)
        if cmd["cmd"] == "stop":
            break
        if cmd["cmd"] == "status":
            open_count = sum(1 for s in worker.socks if s.client and not s.client.closed)
            print("RESULT " + json.dumps({"open": open_count}), flush=True)
            continue
        result = await worker.run_phase(cmd)
        print("RESULT " + json.dumps(result), flush=True)
    summary = worker.close_all()
    await asyncio.sleep(0.5)
    print("STOPPED " + json.dumps(summary), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
