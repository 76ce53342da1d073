"""quorum: is the next meeting quorate on the answers so far, and what would make it so."""

from __future__ import annotations

from handlers.common import resolve_group, the_next_meeting
from handlers.core import Command, Context, command
from handlers.permissions import require_group_member_or_admin
from messages.reply import Button, Reply, Tone
from messages.templates import format_when, say
from models.quorum import quorum_forecast


@command("quorum", summary="is the next meeting quorate on the answers so far?", example="quorum arg",
         usage="quorum [group]", audience="chairs")
async def quorum(cmd: Command, ctx: Context) -> Reply:
    group = resolve_group(ctx, cmd.args[0] if cmd.args else None, verb="quorum")
    require_group_member_or_admin(ctx.actor, group, session=ctx.session, doing="check its quorum")
    meeting = the_next_meeting(ctx, group)
    result = quorum_forecast(meeting, session=ctx.session)
    return Reply(
        title=f"{group.name}, {format_when(ctx.calendar.local_datetime(meeting.starts_at))}: "
        + ("quorate" if result.quorate else "not quorate yet"),
        text=say("quorum", result=result, group=group),
        tone=Tone.SUCCESS if result.quorate else Tone.WARNING,
        buttons=[Button("See attendance", f"attendance {group.key}")],
    )
