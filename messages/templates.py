"""Jinja2 templates that produce the words of each reply.

Templates make plain text only; each platform's renderer escapes it for its own markup, so
user text can never turn into a mention or a link.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

TEMPLATE_DIR = Path(__file__).parent / "templates"


def format_day(value: date | datetime) -> str:
    """A date as people read it: Thu 24 Dec 2026."""
    return f"{value:%a} {value.day} {value:%b %Y}"


def format_when(value: datetime) -> str:
    """A local date and time: Tue 5 Jan 2027 10:00."""
    return f"{format_day(value)} {value:%H:%M}"


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """'1 action', '3 actions', '10,001 characters'."""
    word = singular if count == 1 else (plural_form or singular + "s")
    return f"{count:,} {word}"


def shorten(text: str, limit: int) -> str:
    """At most `limit` characters: cut after the last whole word that fits, and "…" to show it was cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    if text[limit - 1] != " " and " " in head:
        head = head.rsplit(" ", 1)[0]
    return head.rstrip(" ,;:.-") + "…"


@lru_cache(maxsize=1)
def sentence(text: str) -> str:
    """Text ended as a sentence: a full stop added unless it ends with one already (or ? or !)."""
    text = text.strip()
    return text if not text or text[-1] in ".?!" else f"{text}."


def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        undefined=StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters["day"] = format_day
    env.filters["when"] = format_when
    env.filters["plural"] = plural
    env.filters["number"] = "{:,}".format  # 391,984, as `plural` writes its counts
    env.filters["sentence"] = sentence
    return env


def say(template: str, /, **values: object) -> str:
    """Render `templates/<template>.txt` with the values; a missing value is an error, not ''."""
    return environment().get_template(f"{template}.txt").render(**values).strip()
