"""How one event travels between server processes: the Redis channel of a topic, and
``seq|skip_user|frame`` as its message. The cursor and the echo control travel outside
the JSON, so a hub never parses a frame."""

from __future__ import annotations

CHANNEL_PREFIX = "edt:t:"


def channel(topic: str) -> str:
    return CHANNEL_PREFIX + topic


def encode(seq: int | None, frame: str, skip_user: int | None = None) -> bytes:
    head = b"" if seq is None else str(seq).encode()
    skip = b"" if skip_user is None else str(skip_user).encode()
    return head + b"|" + skip + b"|" + frame.encode()


def decode(data: bytes) -> tuple[int | None, int | None, str]:
    head, _, rest = data.partition(b"|")
    skip, _, body = rest.partition(b"|")
    return (int(head) if head else None), (int(skip) if skip else None), body.decode()
