"""A minimal WebSocket client on a bare asyncio protocol, for the load generator.

The load generator has to read hundreds of thousands of frames per second on a 2-core
machine that also runs the server under test, so it does not use a full client library
(which builds a message object per frame and runs a task per connection). This client
does the opening handshake, masks what it sends, answers pings, and hands each text
frame to a callback as ``(buffer, start, end)`` so the callback can count or look into
the frame without copying it. It offers no extensions (no compression).
"""

from __future__ import annotations

import asyncio
import base64
import os
import struct
from collections.abc import Callable
from typing import Any

try:
    from websockets.speedups import apply_mask as _apply_mask
except ImportError:  # pragma: no cover - the C speedups ship with the wheels

    def _apply_mask(data: bytes, mask: bytes) -> bytes:
        repeated = (mask * (len(data) // 4 + 1))[: len(data)]
        value = int.from_bytes(data, "big") ^ int.from_bytes(repeated, "big")
        return value.to_bytes(len(data), "big")


OnFrame = Callable[["WSClient", bytearray, int, int], None]


def client_frame(opcode: int, payload: bytes) -> bytes:
    """A final, masked frame (client to server)."""
    mask = os.urandom(4)
    length = len(payload)
    if length < 126:
        header = struct.pack("!BB", 0x80 | opcode, 0x80 | length)
    elif length < 65536:
        header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, length)
    else:
        header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, length)
    return header + mask + _apply_mask(payload, mask)


class HandshakeError(Exception):
    pass


class WSClient(asyncio.Protocol):
    """One client socket. ``on_frame`` sees every text frame of the server."""

    def __init__(self, host: str, port: int, path: str, on_frame: OnFrame | None) -> None:
        self.host, self.port, self.path = host, port, path
        self.on_frame = on_frame
        self.transport: asyncio.Transport | None = None
        self.buf = bytearray()
        self.upgraded = False
        self.closed = False
        self.close_code: int | None = None
        self.handshake: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.lost: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        # Free for the scenario: per-socket state that the callback keeps.
        self.state: Any = None

    # --- asyncio protocol --------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        key = base64.b64encode(os.urandom(16)).decode()
        request = (
            f"GET {self.path} HTTP/1.1\r\n"
            f"Host: {self.host}:{self.port}\r\n"
            "Upgrade: websocket\r\n"
            "Connection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\n"
            "Sec-WebSocket-Version: 13\r\n"
            f"Origin: http://{self.host}:{self.port}\r\n"  # the site itself, port included
            "\r\n"
        )
        transport.write(request.encode())

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if not self.handshake.done():
            self.handshake.set_exception(HandshakeError(f"connection lost: {exc}"))
        if not self.lost.done():
            self.lost.set_result(None)

    def data_received(self, data: bytes) -> None:
        buf = self.buf
        buf += data
        if not self.upgraded:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                return
            status_line = bytes(buf[: buf.find(b"\r\n")])
            if b" 101 " not in status_line + b" ":
                if not self.handshake.done():
                    self.handshake.set_exception(HandshakeError(status_line.decode("latin-1")))
                self.abort()
                return
            del buf[: end + 4]
            self.upgraded = True
            if not self.handshake.done():
                self.handshake.set_result(None)
        self._frames()

    def _frames(self) -> None:
        buf = self.buf
        n = len(buf)
        pos = 0
        on_frame = self.on_frame
        while n - pos >= 2:
            b0 = buf[pos]
            length = buf[pos + 1] & 0x7F
            head = 2
            if length == 126:
                if n - pos < 4:
                    break
                length = (buf[pos + 2] << 8) | buf[pos + 3]
                head = 4
            elif length == 127:
                if n - pos < 10:
                    break
                length = int.from_bytes(buf[pos + 2 : pos + 10], "big")
                head = 10
            end = pos + head + length
            if end > n:
                break
            opcode = b0 & 0x0F
            if opcode == 1 or opcode == 2 or opcode == 0:
                # The servers here never fragment; a continuation is counted as its own frame.
                if on_frame is not None:
                    on_frame(self, buf, pos + head, end)
            elif opcode == 9:  # ping: answer with the same payload
                self._write(client_frame(0x0A, bytes(buf[pos + head : end])))
            elif opcode == 8:  # close
                if length >= 2:
                    self.close_code = (buf[pos + head] << 8) | buf[pos + head + 1]
                self._write(client_frame(0x08, bytes(buf[pos + head : pos + head + 2])))
                self.abort()
                return
            pos = end
        if pos:
            del buf[:pos]

    # --- sending -----------------------------------------------------------------------

    def _write(self, data: bytes) -> None:
        if self.transport is not None and not self.closed:
            self.transport.write(data)

    def send_text(self, text: str) -> None:
        self._write(client_frame(0x01, text.encode()))

    def close(self) -> None:
        """Send a close frame and end the connection without waiting for the reply."""
        if self.transport is not None and not self.closed:
            self._write(client_frame(0x08, struct.pack("!H", 1000)))
            self.transport.close()

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()


async def connect(
    host: str,
    port: int,
    on_frame: OnFrame | None,
    *,
    path: str = "/ws/",
    local_addr: tuple[str, int] | None = None,
    limit_s: float = 20.0,
) -> WSClient:
    loop = asyncio.get_running_loop()
    _, client = await asyncio.wait_for(
        loop.create_connection(
            lambda: WSClient(host, port, path, on_frame), host, port, local_addr=local_addr
        ),
        limit_s,
    )
    await asyncio.wait_for(client.handshake, limit_s)
    return client
