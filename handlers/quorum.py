"""quorum: is the next meeting quorate on the answers so far, and what would make it so."""

from __future__ import annotations

from handlers.common import resolve_group, the_next_meeting
from handlers.core import Command, Context, Target, command
from handlers.permissions import GROUP_MEMBERS, refuse_unless_sees_group
from messages.reply import Button, Reply, Tone
from messages.templates import format_when, say
from models.quorum import quorum_forecast


@command("quorum", summary="is the next meeting quorate on the answers so far?", example="quorum arg",
         usage="quorum [group]", rule=GROUP_MEMBERS,
         target=Target(lambda cmd, ctx: resolve_group(ctx, cmd.args[0] if cmd.args else None, verb="quorum"),
                       lambda ctx, group: refuse_unless_sees_group(ctx, group, "check its quorum")))
def quorum(cmd: Command, ctx: Context) -> Reply:
    group = ctx.target
    meeting = the_next_meeting(ctx, group)
    result = quorum_forecast(meeting, day=ctx.calendar.local_date(meeting.starts_at), scope=ctx.scope,
                             session=ctx.session, asker_id=ctx.actor.id)
    return Reply(
        title=f"{group.name}, {format_when(ctx.calendar.local_datetime(meeting.starts_at))}: "
        + ("quorate" if result.quorate else "not quorate yet"),
        text=say("quorum", result=result, group=group),
        tone=Tone.SUCCESS if result.quorate else Tone.WARNING,
        buttons=[Button("See attendance", f"attendance {group.key}")],
    )
