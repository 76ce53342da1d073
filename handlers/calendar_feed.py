"""calendar: a member's own calendar link, with their groups' meetings and their deadlines."""

from __future__ import annotations

from handlers.core import Command, Context, command
from handlers.permissions import business_unit
from messages.reply import Reply, Tone
from messages.templates import say
from schedules.ical import feed_url, member_token


@command("calendar", summary="your own calendar link: meetings and your deadlines in Outlook", example="calendar")
async def calendar(cmd: Command, ctx: Context) -> Reply:
    # Settings are read here, not at import, so a changed PUBLIC_URL or secret needs no restart of tests.
    from bot.settings import get_settings

    settings = get_settings()
    secret = settings.calendar_secret.get_secret_value() if settings.calendar_secret else ""
    if not settings.public_url or not secret:
        return Reply(text=say("calendar_off", business_unit=business_unit(ctx.session)), tone=Tone.WARNING,
                     private=True)
    url = feed_url(settings.public_url, member_token(ctx.actor.id, secret))
    webcal = "webcal://" + url.split("://", 1)[1] if "://" in url else url
    return Reply(title="Your calendar link", text=say("calendar_link", url=url, webcal=webcal), private=True)
