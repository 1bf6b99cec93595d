"""A socket's followed topics: replay after a cursor, live delivery in seq order, gaps.

Per topic the socket keeps the last ``seq`` it delivered. While it replays from the log,
live events wait in ``pending``; afterwards only the next seq is written, anything at or
below the cursor is a duplicate and dropped, and a jump ahead asks the hub to catch the
topic up from the log. So each follower gets every durable event once, in order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Subscription:
    durable: bool
    presence: bool = False
    announced: bool = False  # this socket counts in the topic's presence
    seq: int | None = None  # the last seq written to the socket
    replaying: bool = True
    pending: dict[int, tuple[str, bytes | None]] = field(default_factory=dict)


Write = Callable[[str, bytes | None], None]


def deliver(
    sub: Subscription, seq: int | None, frame: str, wire: bytes | None, write: Write
) -> bool:
    """Write what is due now; return True when a gap needs a catch-up from the log."""
    if seq is None or not sub.durable:
        write(frame, wire)
        return False
    if sub.replaying or sub.seq is None:
        sub.pending[seq] = (frame, wire)
        return False
    if seq <= sub.seq:
        return False
    if seq != sub.seq + 1:
        sub.pending[seq] = (frame, wire)
        return True
    write(frame, wire)
    sub.seq = seq
    return drain(sub, write) if sub.pending else False


def drain(sub: Subscription, write: Write) -> bool:
    """Write pending events that are now next in line; True if a gap remains."""
    assert sub.seq is not None
    for seq in sorted(sub.pending):
        if seq <= sub.seq:
            del sub.pending[seq]
        elif seq == sub.seq + 1:
            frame, wire = sub.pending.pop(seq)
            write(frame, wire)
            sub.seq = seq
        else:
            return True
    return False
