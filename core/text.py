"""User text: Markdown rendered to HTML, then sanitized with bleach on the way in."""

from __future__ import annotations

import re
import threading
from collections.abc import MutableMapping

import bleach
import markdown
from bleach.linkifier import DEFAULT_CALLBACKS, build_url_re

ALLOWED_TAGS = frozenset(
    {
        "p", "br", "strong", "em", "b", "i", "code", "pre", "blockquote",
        "ul", "ol", "li", "a", "h3", "h4", "hr", "del",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": ["href", "title", "rel"]}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})


def _nofollow(
    attrs: MutableMapping[tuple[str | None, str], str], new: bool = False
) -> MutableMapping[tuple[str | None, str], str]:
    attrs[(None, "rel")] = "nofollow noopener noreferrer"
    return attrs


_URL_RE = build_url_re(protocols=["http", "https"])
# bleach's Cleaner and Linker keep parser state and are not thread-safe; sends run in
# several worker threads at once, so each thread has its own.
_local = threading.local()


def _sanitizers() -> tuple[bleach.Cleaner, bleach.linkifier.Linker]:
    pair = getattr(_local, "pair", None)
    if pair is None:
        cleaner = bleach.Cleaner(
            tags=ALLOWED_TAGS,
            attributes=ALLOWED_ATTRIBUTES,
            protocols=ALLOWED_PROTOCOLS,
            strip=True,
            filters=[],
        )
        linker = bleach.linkifier.Linker(
            callbacks=[*DEFAULT_CALLBACKS, _nofollow], url_re=_URL_RE, parse_email=False
        )
        pair = _local.pair = (cleaner, linker)
    return pair


# Text with nothing Markdown, HTML or a link could make of it: no markup characters, no
# line breaks, no list or heading start, no scheme or "www.". Its HTML is just a paragraph.
PLAIN = re.compile(r"^(?![-+\s]|\d+[.)])[^\s*_`\[\]<>&\\!#|~:/]*(?: [^\s*_`\[\]<>&\\!#|~:/]+)*$")


def is_plain(text: str) -> bool:
    return PLAIN.match(text) is not None and "www." not in text.lower()


# ``nl2br``: a single line break is kept as one (people write messages and posts line by
# line, not in Markdown paragraphs); an empty line still starts a new paragraph.
MARKDOWN_EXTENSIONS = ("fenced_code", "sane_lists", "nl2br")


def render_markdown(text: str) -> str:
    if is_plain(text):
        return f"<p>{text}</p>"  # nothing to render or sanitize: the same as the long way
    html = markdown.markdown(text, extensions=list(MARKDOWN_EXTENSIONS), output_format="html")
    cleaner, linker = _sanitizers()
    return linker.linkify(cleaner.clean(html))


# How deep a JSON document a client sends may nest. Every document this server takes is
# a few levels deep (a FHIR bundle about eight); deeper ones are refused before anything
# walks them recursively.
MAX_JSON_DEPTH = 32


def json_problem(value: object, max_depth: int = MAX_JSON_DEPTH) -> str | None:
    """What is wrong with a JSON-like value a client sent, or None: a NUL character in
    any text or key (PostgreSQL refuses it in text and in JSON alike), or nesting deeper
    than ``max_depth``. Walked without recursion, so no document can exhaust the stack."""
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return "must not contain NUL characters"
            continue
        if isinstance(item, dict):
            children: list[object] = [*item.keys(), *item.values()]
        elif isinstance(item, list | tuple | set):
            children = list(item)
        else:
            continue
        if depth > max_depth:
            return f"is nested too deeply (at most {max_depth} levels)"
        stack.extend((child, depth + 1) for child in children)
    return None
