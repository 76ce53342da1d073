"""help and whoami: what I can do here, and who the bot thinks I am."""

from __future__ import annotations

from handlers.core import REGISTRY, Command, Context, command
from messages.reply import Button, Reply
from messages.templates import say
from models import permissions as may
from models.groups import Role
from models.people import agency_of, seats

ROLE_NAMES = {Role.CHAIR.value: "chair", Role.DEPUTY_CHAIR.value: "deputy chair", Role.MEMBER.value: "member"}
AUDIENCES = (
    ("everyone", "For everyone"),
    ("members", "For members of a group"),
    ("chairs", "For chairs and the business unit"),
    ("admins", "For the business unit"),
    ("handlers", "For the people who handle escalations"),
)


@command("help", summary="what I can do here", example="help", usage="help")
def show_help(cmd: Command, ctx: Context) -> Reply:
    """The commands this person may run, grouped by who they are for, with one example each."""
    mine = [verb for verb in REGISTRY.values() if verb.rule.allows(ctx.person)]
    sections = [(title, [v for v in mine if v.audience == key]) for key, title in AUDIENCES]
    return Reply(
        title="What I can do",
        text=say("help", sections=[(title, verbs) for title, verbs in sections if verbs],
                 name=ctx.actor.name.split()[0], platform=ctx.platform),
        buttons=[Button("My actions", "actions"), Button("Meetings", "meetings"),
                 Button("Raise an escalation", "escalate")],
        private=True,
    )


@command("whoami", summary="who I think you are: name, agency, groups and roles", example="whoami")
def whoami(cmd: Command, ctx: Context) -> Reply:
    agency = agency_of(ctx.actor, scope=ctx.scope, session=ctx.session)
    my_seats = [(g, ROLE_NAMES.get(role, role)) for g, role in seats(ctx.actor, scope=ctx.scope, session=ctx.session)]
    return Reply(
        title=ctx.actor.name,
        text=say(
            "whoami",
            member=ctx.actor,
            agency=agency,
            seats=my_seats,
            partnership=ctx.partnership,
            handler=may.handles_escalations(ctx.person),
        ),
        private=True,
    )
