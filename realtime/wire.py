"""Writing frames straight to daphne's transport, framed once for every follower.

Under daphne each socket is an autobahn protocol on a Twisted transport. The hub frames a
text message once (RFC 6455 header + UTF-8 payload) and writes the same bytes to every
follower's transport, instead of passing a message per socket through ASGI, the session
wrapper and autobahn's framing. The transport's unsent bytes are the socket's send
queue; past ``WS_SEND_QUEUE_BYTES`` the socket is closed and resumes from its cursor.

Elsewhere (the test communicator, another ASGI server) the gateway falls back to
ordinary ASGI sends.
"""

from __future__ import annotations

import functools
import struct
from typing import Any


def text_frame(payload: bytes) -> bytes:
    """A final, unmasked text frame carrying ``payload`` (server to client)."""
    length = len(payload)
    if length < 126:
        header = struct.pack("!BB", 0x81, length)
    elif length < 65536:
        header = struct.pack("!BBH", 0x81, 126, length)
    else:
        header = struct.pack("!BBQ", 0x81, 127, length)
    return header + payload


def find_daphne_protocol(send: Any) -> Any | None:
    """The autobahn protocol behind an ASGI ``send`` under daphne, else None.

    Daphne passes ``partial(server.handle_reply, protocol)``; Channels' session
    middleware wraps it in a bound method whose owner keeps it as ``real_send``.
    """
    candidate = send
    for _ in range(6):
        if isinstance(candidate, functools.partial):
            for arg in candidate.args:
                if (
                    hasattr(arg, "transport")
                    and hasattr(arg, "sendClose")
                    and hasattr(arg, "state")
                ):
                    return arg
            return None
        owner = getattr(candidate, "__self__", None)
        inner = getattr(owner, "real_send", None)
        if inner is None:
            return None
        candidate = inner
    return None


def pending_bytes(transport: Any) -> int:
    """Bytes written to a Twisted transport and not yet taken by the kernel."""
    try:
        return len(transport.dataBuffer) - transport.offset + transport._tempDataLen
    except AttributeError:
        return 0


def write(transport: Any, data: bytes, pending: int | None = None) -> None:
    """Write to a daphne socket: straight to the kernel when nothing is queued before it.

    Twisted's ``transport.write`` always queues and registers the socket with the selector,
    then sends on the next turn of the loop and unregisters: two system calls per socket
    per message besides the send, most of a fan-out's cost. Like asyncio's own transports,
    send at once when the queue is empty, and queue only what the kernel did not take.
    ``pending``: ``pending_bytes(transport)`` if the caller has just measured it.
    """
    if pending is None:
        pending = pending_bytes(transport)
    sock = getattr(transport, "socket", None)
    if pending == 0 and sock is not None and not transport.disconnecting:
        try:
            sent = sock.send(data)
        except (BlockingIOError, InterruptedError):
            sent = 0
        except OSError:
            sent = 0  # let the transport meet the error and close the connection its way
        if sent == len(data):
            return
        data = data[sent:]
    transport.write(data)


def send_to(protocol: Any, data: bytes, limit: int) -> bool:
    """``write`` to a daphne WebSocket protocol if it is open (else nothing). False, with
    nothing written, when more than ``limit`` bytes are queued already. This runs once per
    socket per event in a fan-out: it looks each attribute up once."""
    transport = protocol.transport
    if transport is None or protocol.state != protocol.STATE_OPEN:
        return True
    try:
        pending = len(transport.dataBuffer) - transport.offset + transport._tempDataLen
    except AttributeError:
        pending = 0
    if pending > limit:
        return False
    write(transport, data, pending)
    return True


def is_open(protocol: Any) -> bool:
    return bool(protocol.state == protocol.STATE_OPEN and protocol.transport is not None)
