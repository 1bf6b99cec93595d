"""The reference: a bare ``websockets`` broadcast server, to compare the gateway against.

It speaks just enough of the gateway's protocol for the same load generator to drive it,
with none of the work behind it: no authentication, no database, no Redis, no
permissions, no Markdown.

- ``{"type": "auth", ...}`` is answered with ``{"type": "ready"}`` without a check.
- ``{"type": "subscribe", "topic": T}`` puts the socket in room T and answers
  ``subscribed``. A socket that never subscribes joins nothing.
- ``{"type": "dm.send", "id": ..., "conversation": C, "body": B}`` builds one event frame
  shaped like the gateway's ``message.created`` (``<p>B</p>`` as its html), sends it to
  every socket in room ``dm:C`` with ``websockets.broadcast`` (encoded once), then
  answers the sender with an ``ack``.

Usage: ``python -m bench.reference_server --port PORT`` (listens on 127.0.0.1 only).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import html
import json
import resource
from http import HTTPStatus
from typing import Any

from websockets.asyncio.server import Request, Response, ServerConnection, broadcast, serve

ROOMS: dict[str, set[ServerConnection]] = {}
SEQ: dict[str, int] = {}
NEXT_SOCKET_ID = [0]


def dumps(frame: dict[str, Any]) -> str:
    return json.dumps(frame, separators=(",", ":"), ensure_ascii=False)


def health(connection: ServerConnection, request: Request) -> Response | None:
    if request.path == "/healthz":
        return connection.respond(HTTPStatus.OK, "ok\n")
    return None


async def handler(ws: ServerConnection) -> None:
    NEXT_SOCKET_ID[0] += 1
    socket_id = NEXT_SOCKET_ID[0]
    joined: list[str] = []
    try:
        async for raw in ws:
            try:
                frame = json.loads(raw)
                kind = frame["type"]
            except (ValueError, TypeError, KeyError):
                continue
            if kind == "dm.send":
                topic = f"dm:{frame.get('conversation')}"
                seq = SEQ[topic] = SEQ.get(topic, 0) + 1
                event = {
                    "type": "event",
                    "topic": topic,
                    "seq": seq,
                    "event": "message.created",
                    "data": {
                        "id": seq,
                        "conversation": frame.get("conversation"),
                        "sender": {"id": socket_id, "name": f"socket {socket_id}"},
                        "client_id": frame.get("id"),
                        "html": f"<p>{html.escape(str(frame.get('body', '')), quote=False)}</p>",
                        "created_at": datetime.datetime.now(datetime.UTC).isoformat(),
                        "edited_at": None,
                        "deleted": False,
                    },
                }
                broadcast(ROOMS.get(topic, ()), dumps(event))
                ack = {"type": "ack", "id": frame.get("id"), "message": seq, "seq": seq}
                ack["conversation"] = frame.get("conversation")
                await ws.send(dumps(ack))
            elif kind == "room.chat":
                topic = f"event:{frame.get('event')}"
                seq = SEQ[topic] = SEQ.get(topic, 0) + 1
                event = {
                    "type": "event",
                    "topic": topic,
                    "seq": seq,
                    "event": "room.chat",
                    "data": {
                        "id": seq,
                        "event": frame.get("event"),
                        "author": {"id": socket_id, "name": f"socket {socket_id}", "host": False},
                        "client_id": frame.get("id"),
                        "html": f"<p>{html.escape(str(frame.get('body', '')), quote=False)}</p>",
                        "created_at": datetime.datetime.now(datetime.UTC).isoformat(),
                    },
                }
                broadcast(ROOMS.get(topic, ()), dumps(event))
                ack = {"type": "ack", "id": frame.get("id"), "message": seq, "seq": seq}
                ack["event"] = frame.get("event")
                await ws.send(dumps(ack))
            elif kind == "subscribe":
                topic = str(frame.get("topic"))
                ROOMS.setdefault(topic, set()).add(ws)
                joined.append(topic)
                await ws.send(
                    dumps({"type": "subscribed", "topic": topic, "seq": SEQ.get(topic, 0)})
                )
            elif kind == "auth":
                await ws.send(dumps({"type": "ready", "user": {"id": socket_id}}))
            elif kind == "ping":
                await ws.send('{"type":"pong"}')
    finally:
        for topic in joined:
            room = ROOMS.get(topic)
            if room is not None:
                room.discard(ws)
                if not room:
                    del ROOMS[topic]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    async with serve(
        handler,
        "127.0.0.1",
        args.port,
        compression=None,
        max_size=65536,
        process_request=health,
    ) as server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
