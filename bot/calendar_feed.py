"""GET /calendar/{token}.ics: a member's own calendar feed, for Outlook to subscribe to."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone

from aiohttp import web

from bot.settings import Settings
from handlers.calendar_feed import member_calendar, member_for_token
from models.clock import Clock
from models.db import session_for
from models.scope import Scope

log = logging.getLogger(__name__)


def feed_handler(engine, settings: Settings, *, clock: Clock | None = None) -> Callable[..., Awaitable[object]]:
    """The aiohttp handler for GET /calendar/{token}.ics. Anything but a good token gets a plain 404."""

    async def calendar_feed(request: web.Request) -> web.StreamResponse:
        secret = settings.calendar_secret.get_secret_value() if settings.calendar_secret else ""
        if not secret:
            log.warning("a calendar link was opened but CALENDAR_SECRET is not set, so calendar links are off; "
                        "answering 404")
            raise web.HTTPNotFound()
        now = clock.now() if clock else datetime.now(timezone.utc)
        with session_for(engine) as session:
            member = member_for_token(request.match_info["token"], session=session, secret=secret)
        if member is None:
            log.info("a calendar link with a wrong or withdrawn token was opened; answering 404")
            raise web.HTTPNotFound()
        scope = Scope(member.partnership_id)
        with scope.session(engine) as session:
            body = member_calendar(member, scope=scope, session=session, now=now)
        return web.Response(body=body, content_type="text/calendar", charset="utf-8",
                            headers={"Cache-Control": "private, max-age=300",
                                     "Content-Disposition": 'inline; filename="assurebot.ics"'})

    return calendar_feed
