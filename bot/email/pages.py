"""The small web pages behind the links in reminder emails.

GET /email/answer/{token}       the item and one button; nothing changes
POST /email/answer/{token}      the button: the answer, through the dispatcher, as the member
GET /email/unsubscribe/{token}  stop reminder emails, or choose Slack or Teams instead
POST /email/unsubscribe/{token} the same; also a mail client's one-click unsubscribe (RFC 8058)

A POST needs the form token its page carried (made from the link, so a request that did not come
from the page is refused) and, from a browser, an Origin of this site. Every answer is a page with
words, and a link that is not good gets a 4xx page saying why, never an error. The pages keep
their links out of the Referer header, out of caches and out of frames.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from aiohttp import web
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from handlers.core import parse_command
from handlers.dispatch import Dispatcher
from handlers.email_answers import Shown, open_link, press, result
from handlers.email_links import ANSWER, UNSUBSCRIBE, BadLink, ExpiredLink, Link, LinkSigner
from models.clock import Clock

log = logging.getLogger(__name__)

TEMPLATES = Path(__file__).parent / "templates"
ONE_CLICK = "List-Unsubscribe=One-Click"
MAX_FORM = 4096  # bytes a page's form may send

BAD = Shown(403, "This link is not valid", "It is not a link AssureBot made, or part of it has been changed "
                                           "(some email programs break long links across lines). Open the link "
                                           "from the email itself, or use the newest reminder.")
EXPIRED = Shown(410, "This link has expired", "Links in reminder emails work for 14 days, so that an old email "
                                              "cannot change anything. The newest reminder has fresh links.")
NOT_FROM_PAGE = Shown(403, "Nothing was changed", "This request did not come from the page with the button, so "
                                                  "nothing was changed. Open the link from your email and press "
                                                  "the button there.")


@lru_cache(maxsize=1)
def environment() -> Environment:
    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
                       trim_blocks=True, lstrip_blocks=True)


def page(shown: Shown, *, action: str = "", form_token: str = "") -> web.Response:
    """A page as HTML with its status, and headers that keep the link private."""
    nonce = secrets.token_urlsafe(16)
    paragraphs = [block.split("\n") for block in shown.text.split("\n\n") if block.strip()]
    body = environment().get_template("page.html").render(shown=shown, paragraphs=paragraphs, action=action,
                                                          form_token=form_token, nonce=nonce)
    response = web.Response(text=body, status=shown.status, content_type="text/html", charset="utf-8")
    response.headers.update({
        "Cache-Control": "no-store",
        "Referrer-Policy": "same-origin",  # the link never leaves this site in a Referer
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Content-Security-Policy": f"default-src 'none'; style-src 'nonce-{nonce}'; form-action 'self'; "
                                   f"frame-ancestors 'none'; base-uri 'none'",
        "X-Robots-Tag": "noindex, nofollow",
    })
    return response


class EmailPages:
    """The page handlers, given the dispatcher, the link signer and the clock."""

    def __init__(self, dispatcher: Dispatcher, signer: LinkSigner, *, clock: Clock | None = None):
        self.dispatcher = dispatcher
        self.signer = signer
        self.clock = clock
        origin = urlsplit(signer.public_url)
        self.origin = f"{origin.scheme}://{origin.netloc}".lower()

    def attach(self, app: web.Application) -> None:
        app.router.add_get("/email/answer/{token}", self.answer)
        app.router.add_post("/email/answer/{token}", self.answer)
        app.router.add_get("/email/unsubscribe/{token}", self.unsubscribe)
        app.router.add_post("/email/unsubscribe/{token}", self.unsubscribe)

    def now(self) -> datetime:
        return self.clock.now() if self.clock else datetime.now(timezone.utc)

    async def answer(self, request: web.Request) -> web.Response:
        return await self._serve(request, ANSWER)

    async def unsubscribe(self, request: web.Request) -> web.Response:
        return await self._serve(request, UNSUBSCRIBE)

    async def _serve(self, request: web.Request, kind: str) -> web.Response:
        try:
            link = self.signer.read(request.match_info["token"], kind=kind, now=self.now())
        except BadLink as why:
            log.info("an email link that is not valid was opened (%s)", why)
            return page(BAD)
        except ExpiredLink:
            return page(EXPIRED)
        shown, member, place_key = await self._in_worker(open_link, self.dispatcher, link)
        form_token = self.signer.form_token(link)
        if request.method != "POST":
            return page(shown, action=request.path, form_token=form_token)
        if not shown.ok or member is None:
            return page(shown)
        form = await self._form(request)
        one_click = kind == UNSUBSCRIBE and form.get("List-Unsubscribe") == "One-Click" and "form_token" not in form
        if not one_click and not (self._same_site(request) and self.signer.form_token_ok(link, form.get("form_token"))):
            log.info("a POST to an email link came without its page's form token; nothing changed")
            return page(NOT_FROM_PAGE)
        line = self._command(link, shown, form, one_click)
        if line is None:
            return page(Shown(400, "Choose first", "Nothing was changed: choose one of the options, then press the "
                                                   "button.", member=shown.member), action=request.path,
                        form_token=form_token)
        command, values = line
        outcome = await press(self.dispatcher, link, member, place_key,
                              parse_command(command, platform="email", form=values))
        done = result(outcome)
        done.member = shown.member
        return page(done)

    def _command(self, link: Link, shown: Shown, form: dict, one_click: bool) -> tuple[str, dict] | None:
        """The command the button runs, with the choice made on the page (only one it offered)."""
        chosen = form.get(shown.choice_name) if shown.choice_name else None
        offered = {choice.value for choice in shown.choices}
        if link.kind == UNSUBSCRIBE:
            if one_click or (shown.stop and form.get("stop") == "1"):
                return "reminders stop", {}
            return (f"reminders {chosen}", {}) if chosen in offered else None
        if shown.choice_name:
            return (link.command, {shown.choice_name: chosen}) if chosen in offered else None
        return link.command, {}

    def _same_site(self, request: web.Request) -> bool:
        """A browser's POST from this site (a request without Origin, from no browser, passes on its token)."""
        origin = request.headers.get("Origin")
        fetched = request.headers.get("Sec-Fetch-Site")
        if fetched and fetched not in ("same-origin", "none"):
            return False
        return origin is None or origin.lower() == self.origin

    async def _form(self, request: web.Request) -> dict[str, str]:
        if request.content_length is not None and request.content_length > MAX_FORM:
            return {}
        try:
            posted = await request.post()
        except (ValueError, web.HTTPException):
            return {}
        return {key: str(value) for key, value in posted.items() if isinstance(value, str)}

    async def _in_worker(self, function: Callable, *args) -> Awaitable:
        return await asyncio.get_running_loop().run_in_executor(self.dispatcher.pool(), function, *args)
