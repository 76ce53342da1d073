"""help and whoami: what I can do here, and who the bot thinks I am."""

from __future__ import annotations

from handlers.core import REGISTRY, Command, Context, command
from handlers.permissions import chairs_any_group, is_escalation_handler
from messages.reply import Button, Reply
from messages.templates import say
from models.groups import Role
from models.people import agency_of, seats

ROLE_NAMES = {Role.CHAIR.value: "chair", Role.DEPUTY_CHAIR.value: "deputy chair", Role.MEMBER.value: "member"}
AUDIENCES = (
    ("everyone", "For everyone"),
    ("chairs", "For chairs and the business unit"),
    ("handlers", "For the people who handle escalations"),
)


@command("help", summary="what I can do here", example="help", usage="help")
async def show_help(cmd: Command, ctx: Context) -> Reply:
    """The commands this person can use, grouped by role, with one example each."""
    audiences = {"everyone"}
    if ctx.actor.is_admin or chairs_any_group(ctx.actor, session=ctx.session):
        audiences.add("chairs")
    if is_escalation_handler(ctx.actor, session=ctx.session):
        audiences.add("handlers")
    sections = [
        (title, [v for v in REGISTRY.values() if v.audience == key])
        for key, title in AUDIENCES
        if key in audiences
    ]
    return Reply(
        title="What I can do",
        text=say("help", sections=sections, name=ctx.actor.name.split()[0], platform=ctx.platform),
        buttons=[Button("My actions", "actions"), Button("Meetings", "meetings"), Button("Raise an escalation", "escalate")],
        private=True,
    )


@command("whoami", summary="who I think you are: name, agency, groups and roles", example="whoami")
async def whoami(cmd: Command, ctx: Context) -> Reply:
    agency = agency_of(ctx.actor, session=ctx.session)
    my_seats = [(g, ROLE_NAMES.get(role, role)) for g, role in seats(ctx.actor, session=ctx.session)]
    return Reply(
        title=ctx.actor.name,
        text=say(
            "whoami",
            member=ctx.actor,
            agency=agency,
            seats=my_seats,
            partnership=ctx.partnership,
            handler=is_escalation_handler(ctx.actor, session=ctx.session),
        ),
        private=True,
    )
