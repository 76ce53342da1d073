"""help and whoami: what I can do here, and who the bot thinks I am."""

from __future__ import annotations

from handlers.core import REGISTRY, Command, Context, command
from messages.reply import Button, Reply
from messages.templates import say
from models import permissions as may
from models.groups import Role
from models.partnership import first_name
from models.people import agency_of, seats

ROLE_NAMES = {Role.CHAIR.value: "chair", Role.DEPUTY_CHAIR.value: "deputy chair", Role.MEMBER.value: "member"}
AUDIENCES = (
    ("everyone", "For everyone"),
    ("members", "For members of a group"),
    ("chairs", "For chairs and the business unit"),
    ("admins", "For the business unit"),
    ("handlers", "For the people who handle escalations"),
)


# What each person uses most, in the order they use it; `help all` lists everything they may run.
EVERYDAY = (
    ("actions", "your actions, overdue first"),
    ("meetings", "upcoming meetings and papers deadlines"),
    ("attend", "answer for the next meeting"),
    ("quorum", "is the next meeting quorate?"),
    ("papers", "papers for the next meeting"),
    ("returns", "your agency's outstanding returns"),
    ("escalate", "raise a concern privately"),
    ("escalations", "escalations you raised or handle"),
    ("report", "a by-exception report"),
    ("member add", "add someone to AssureBot"),
)


@command("help", summary="what I can do here (help all: every command)", example="help", usage="help [all]")
def show_help(cmd: Command, ctx: Context) -> Reply:
    """The commands this person uses most (fits a phone screen), or with `help all` every command
    they may run, grouped by who they are for, with one example each."""
    mine = [verb for verb in REGISTRY.values() if verb.rule.allows(ctx.person)]
    buttons = [Button("My actions", "actions"), Button("Raise an escalation", "escalate")]
    if [word.lower() for word in cmd.args[:1]] == ["all"]:  # `HELP ALL` too: people type in any case
        sections = [(title, [v for v in mine if v.audience == key]) for key, title in AUDIENCES]
        return Reply(title="Everything I can do for you",
                     text=say("help_all", sections=[(title, verbs) for title, verbs in sections if verbs],
                              platform=ctx.platform),
                     buttons=buttons, private=True)
    names = {verb.name for verb in mine}
    everyday = [(name, words) for name, words in EVERYDAY if name in names]
    # Papers for those on a group, else their agency's returns; the escalations list for those who handle them.
    left_out = {"returns" if ctx.person.seats else "papers"} | (set() if may.handles_escalations(ctx.person)
                                                              else {"escalations"})
    everyday = [(name, words) for name, words in everyday if name not in left_out]
    return Reply(title="What I can do",
                 text=say("help", name=first_name(ctx.actor), everyday=everyday, others=len(mine) - len(everyday),
                          platform=ctx.platform),
                 buttons=buttons, private=True)


@command("whoami", summary="who I think you are: name, agency, groups and roles", example="whoami")
def whoami(cmd: Command, ctx: Context) -> Reply:
    agency = agency_of(ctx.actor, scope=ctx.scope, session=ctx.session)
    my_seats = [(g, ROLE_NAMES.get(role, role)) for g, role in seats(ctx.actor, scope=ctx.scope, session=ctx.session, on=ctx.today())]
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
