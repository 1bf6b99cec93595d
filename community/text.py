"""User text: Markdown rendered to HTML, then sanitized with bleach on the way in."""

from __future__ import annotations

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


_cleaner = bleach.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    protocols=ALLOWED_PROTOCOLS,
    strip=True,
    filters=[],
)


_linker = bleach.linkifier.Linker(
    callbacks=[*DEFAULT_CALLBACKS, _nofollow],
    url_re=build_url_re(protocols=["http", "https"]),
    parse_email=False,
)


def render_markdown(text: str) -> str:
    html = markdown.markdown(text, extensions=["fenced_code", "sane_lists"], output_format="html")
    clean = _cleaner.clean(html)
    return _linker.linkify(clean)
