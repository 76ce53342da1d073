"""A Reply as an email: HTML and plain text from the same neutral Reply the chat platforms render.

The HTML is made for Outlook (desktop, web and phone) and Gmail: tables for layout, inline styles,
no images and no scripts, every colour at 4.5:1 or better. Each button that can be answered from
an email becomes a link to a page of its own (see handlers.email_links); the others are left out.

Nothing about an escalation but its number, category, urgency and when it was raised ever goes
into an email: a Reply about one escalation is replaced by that alone, and so is each escalation
line of a digest (its words, who raised it and anything typed into it are left out).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from messages.plain import LinkFor, render_plain, without_code_marks
from messages.reply import Button, EscalationAlert, Item, Reply, Tone

HTML_DIR = Path(__file__).parent / "html"
MAX_SUBJECT = 120
ESCALATION_KEY = "escalation:"
# A digest's escalation line, as schedules.digest words it from its template: numbers only.
ESCALATION_LINE = re.compile(r"Escalation E\d+ \((?:urgent|routine)\): (?:not acknowledged after \d+ working days?)?"
                             r"(?:; )?(?:at stage \d+ for \d+ working days?, longer than its \d+ working days?)?")
WHEN = re.compile(r"\w{3} \d{1,2} \w{3} \d{4}(?: \d{2}:\d{2})?")
PRIVATE = ("To keep it private, this email does not say what it is about. See it in AssureBot in Slack or Teams, "
           "or ask the business unit.")


@dataclass(frozen=True)
class RenderedEmail:
    """An email's subject and its two parts."""

    subject: str
    html: str
    text: str


@lru_cache(maxsize=1)
def environment() -> Environment:
    """Jinja2 for HTML: everything put into a page is escaped, and a missing value is an error."""
    return Environment(loader=FileSystemLoader(HTML_DIR), autoescape=True, undefined=StrictUndefined,
                       trim_blocks=True, lstrip_blocks=True)


def for_email(reply: Reply) -> Reply:
    """What of a reply may go by email: an escalation only as its alert, and no form or files."""
    if reply.escalation is not None:
        return escalation_reply(reply.escalation, tone=reply.tone)
    items = [_escalation_item(item) if item.key.startswith(ESCALATION_KEY) else item for item in reply.items]
    return replace(reply, items=items, form=None, files=[], notices=[])


def escalation_reply(alert: EscalationAlert, *, tone: Tone = Tone.INFO) -> Reply:
    return Reply(title=f"{alert.headline}: E{alert.number}", text=f"Escalation E{alert.number} needs your "
                 f"attention. {PRIVATE}", tone=tone, private=True,
                 fields=[("Category", alert.category), ("Urgency", alert.urgency), ("Raised", alert.raised)])


def _escalation_item(item: Item) -> Item:
    number = item.key.removeprefix(ESCALATION_KEY)
    text = item.text if ESCALATION_LINE.fullmatch(item.text) else f"Escalation E{number} needs attention"
    fields = []
    for label, value in item.fields:
        when = WHEN.match(value)
        if label == "Category":
            fields.append((label, value))
        elif label == "Raised" and when:  # when, never by whom
            fields.append((label, when.group(0)))
    return Item(text=text, key=item.key, fields=fields)


def render_email(reply: Reply, *, links: LinkFor, unsubscribe_url: str, link_days: int) -> RenderedEmail:
    """The email for a reply: its subject, HTML and plain text, each button that can be answered by
    email as a link (`links`), and the way to stop these emails or choose Slack or Teams."""
    safe = for_email(reply)
    subject = without_code_marks(safe.title or safe.text.split("\n", 1)[0] or "A message from AssureBot")
    subject = subject if len(subject) <= MAX_SUBJECT else subject[:MAX_SUBJECT - 3].rstrip() + "..."
    html = environment().get_template("email.html").render(
        subject=subject, title=without_code_marks(safe.title or ""), tone=safe.tone.value,
        paragraphs=_paragraphs(safe.text), fields=safe.fields,
        items=[{"text": without_code_marks(item.text), "fields": item.fields,
                "links": _links(item.key, item.buttons, links)} for item in safe.items],
        more=_more(safe), links=_links("", safe.buttons, links), unsubscribe_url=unsubscribe_url,
        link_days=link_days)
    text = without_code_marks(render_plain(safe, links=links))
    text += (f"\n\n--\nEach link above is for you only and works for {link_days} days; please don't forward this "
             f"email.\nStop these emails, or get your reminders in Slack or Teams: {unsubscribe_url}\n")
    return RenderedEmail(subject=subject, html=html, text=text)


def _links(key: str, buttons: list[Button], links: LinkFor) -> list[dict]:
    found = []
    for button in buttons:
        url = links(key, button)
        if url:
            found.append({"label": button.label, "url": url, "primary": button.style == "primary"})
    return found


def _paragraphs(text: str) -> list[list[str]]:
    return [block.split("\n") for block in without_code_marks(text).split("\n\n") if block.strip()]


def _more(reply: Reply) -> str:
    if not reply.more:
        return ""
    return without_code_marks(f"...and {reply.more} more" + (f" ({reply.more_hint})" if reply.more_hint else ""))
