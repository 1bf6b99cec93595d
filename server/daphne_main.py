"""Runs daphne with the WebSocket options this server documents.

Daphne's autobahn protocol drops the TCP connection when a frame breaks a limit, so the
client sees 1006 and cannot tell why. With ``failByDrop`` off it completes the closing
handshake with the proper code instead: 1009 for a frame or message over the size limit.
Closing also waits long enough for a slow reader to reach the close frame.
Usage is daphne's own: ``python -m server.daphne_main [daphne options] server.asgi:application``.
"""

from __future__ import annotations

import asyncio
import os
import sys
from typing import Any

if os.environ.get("EVENT_LOOP", "uvloop") == "uvloop":
    import uvloop

    # Before daphne.server is imported: it makes its event loop (and Twisted's reactor on
    # top of it) at import time.
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())

import daphne.server
from daphne.cli import CommandLineInterface
from daphne.ws_protocol import WebSocketFactory


class CleanCloseWebSocketFactory(WebSocketFactory):
    def setProtocolOptions(self, **options: Any) -> None:
        options.setdefault("failByDrop", False)
        # A socket closed for falling behind (4500) has up to WS_SEND_QUEUE_BYTES queued
        # before its close frame: give a slow reader time to get to it.
        options.setdefault("closeHandshakeTimeout", 30)
        super().setProtocolOptions(**options)


def main() -> None:
    # The gateway's queries run in worker threads that wait on the network often. With
    # CPython's default 5 ms switch interval, each finished wait can queue that long for
    # the interpreter lock behind the event loop; a shorter interval keeps them moving.
    sys.setswitchinterval(float(os.environ.get("PYTHON_SWITCH_INTERVAL", "0.0005")))
    daphne.server.WebSocketFactory = CleanCloseWebSocketFactory
    CommandLineInterface.entrypoint()


if __name__ == "__main__":
    main()
