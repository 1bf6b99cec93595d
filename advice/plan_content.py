"""What a care plan (or a template) holds, checked once for every door: a title, a
Markdown body (kept as written, and as the sanitized HTML made from it), recommendations
(short texts), tasks (``{"text"}``), attachments (``{"title", "url"}``, https only) and a
change note. Each limit is refused with the field it is about, before anything is stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from core.errors import ServiceError
from core.text import render_markdown

MAX_TITLE = 200
MAX_BODY = 20_000
MAX_ITEMS = 50
MAX_ITEM = 300
MAX_ATTACHMENTS = 20
MAX_URL = 2_000
MAX_NOTE = 500

_https = URLValidator(schemes=["https"])


@dataclass
class Content:
    """A plan's words, checked (``check_content``)."""

    title: str
    body: str = ""
    recommendations: list[str] = field(default_factory=list)
    tasks: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[dict[str, str]] = field(default_factory=list)

    @property
    def body_html(self) -> str:
        return render_markdown(self.body) if self.body.strip() else ""


def _text(value: object, name: str, limit: int, *, required: bool = True) -> str:
    if not isinstance(value, str):
        raise ServiceError(f"{name} must be text", field=name)
    text = value.strip()
    if required and not text:
        raise ServiceError(f"{name} must not be empty", field=name)
    if len(text) > limit:
        raise ServiceError(f"{name} must be at most {limit} characters", field=name)
    if "\x00" in text:
        raise ServiceError(f"{name} must not contain NUL characters", field=name)
    return text


def check_url(value: object, name: str) -> str:
    """An https address a browser opens as a page: no other scheme (no ``javascript:``,
    no ``http:`` that a network could rewrite), no user name or password in it."""
    url = _text(value, name, MAX_URL)
    try:
        _https(url)
    except ValidationError:
        raise ServiceError(f"{name} must be an https:// address", field=name) from None
    if "@" in (urlsplit(url).netloc or ""):
        raise ServiceError(f"{name} must not hold a user name or password", field=name)
    return url


def check_content(
    title: object,
    body: object = "",
    recommendations: object = (),
    tasks: object = (),
    attachments: object = (),
) -> Content:
    """The plan's words, each checked; raises ``ServiceError`` naming the field at fault."""
    checked_body = _text(body, "body", MAX_BODY, required=False)
    recs = list(recommendations) if isinstance(recommendations, list | tuple) else None
    if recs is None or len(recs) > MAX_ITEMS:
        raise ServiceError(
            f"recommendations: a list of at most {MAX_ITEMS}", field="recommendations"
        )
    task_list = list(tasks) if isinstance(tasks, list | tuple) else None
    if task_list is None or len(task_list) > MAX_ITEMS:
        raise ServiceError(f"tasks: a list of at most {MAX_ITEMS}", field="tasks")
    files = list(attachments) if isinstance(attachments, list | tuple) else None
    if files is None or len(files) > MAX_ATTACHMENTS:
        raise ServiceError(f"attachments: a list of at most {MAX_ATTACHMENTS}", field="attachments")
    checked_tasks = []
    for i, task in enumerate(task_list):
        text = task.get("text") if isinstance(task, dict) else None
        checked_tasks.append({"text": _text(text, f"tasks.{i}.text", MAX_ITEM), "done_at": None})
    checked_files = []
    for i, item in enumerate(files):
        if not isinstance(item, dict):
            raise ServiceError("an attachment has a title and a url", field=f"attachments.{i}")
        checked_files.append(
            {
                "title": _text(item.get("title"), f"attachments.{i}.title", MAX_TITLE),
                "url": check_url(item.get("url"), f"attachments.{i}.url"),
            }
        )
    return Content(
        title=_text(title, "title", MAX_TITLE),
        body=checked_body,
        recommendations=[_text(r, f"recommendations.{i}", MAX_ITEM) for i, r in enumerate(recs)],
        tasks=checked_tasks,
        attachments=checked_files,
    )


def check_note(value: object) -> str:
    return _text(value, "change_note", MAX_NOTE, required=False)
