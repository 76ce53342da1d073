"""help and whoami: what I can do here, and who the bot thinks I am."""

from __future__ import annotations

from handlers.core import REGISTRY, Command, Context, Verb, closest_verbs, command
from messages.reply import Button, Reply
from messages.templates import say, sentence
from models import permissions as may
from models.groups import Role
from models.identifiers import GENERAL, mask_identifiers
from models.partnership import first_name
from models.people import agency_of, seats

MAX_ECHO = 60  # of what was asked about, repeated in the answer
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


@command("help", summary="what I can do here (help all: every command; help COMMAND: how to use one)",
         example="help meeting add", usage="help [all | COMMAND]")
def show_help(cmd: Command, ctx: Context) -> Reply:
    """The commands this person uses most (fits a phone screen), with `help all` every command
    they may run, grouped by who they are for, with one example each, and with `help COMMAND` how
    to use that one."""
    mine = [verb for verb in REGISTRY.values() if verb.rule.allows(ctx.person)]
    buttons = [Button("My actions", "actions"), Button("Raise an escalation", "escalate")]
    asked = [word.lower().lstrip("/") for word in cmd.args]
    if asked and asked != ["all"]:
        return _help_with(cmd, asked, mine, ctx)
    if asked == ["all"]:  # `HELP ALL` too: people type in any case
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


def _help_with(cmd: Command, asked: list[str], mine: list[Verb], ctx: Context) -> Reply:
    """How to use the command asked about, or each of a family's (`help meeting`: meeting add, move,
    cancel...) that this person may run; a command that is not for them says who it is for."""
    named = next((REGISTRY[name] for name in (" ".join(asked[:2]), asked[0]) if name in REGISTRY), None)
    family = [verb for verb in mine if verb.name.split()[0] in (asked[0], asked[0].rstrip("s"), f"{asked[0]}s")]
    if named is not None and named not in mine:
        return Reply(title=named.name, text=f"`{named.name}`: {sentence(named.summary)} {named.rule.refusal(ctx)}",
                     private=True)
    heads_a_family = named is not None and any(verb.name.startswith(f"{named.name} ") for verb in mine)
    shown = [named] if named is not None and not heads_a_family else family
    if not shown:
        typed = " ".join(cmd.args)[:MAX_ECHO]  # as typed: a name is known by its capitals
        shown_typed = mask_identifiers(typed, today=ctx.today(), where=GENERAL)  # never a child's details
        theirs = {verb.name for verb in mine} | {verb.name.split()[0] for verb in mine}
        suggestions = [name for name in closest_verbs(asked[0]) if name in theirs] if shown_typed == typed else []
        return Reply(text=say("help_unknown", typed=shown_typed, suggestions=suggestions), private=True,
                     buttons=[Button("Every command", "help all")])
    return Reply(title=shown[0].name if len(shown) == 1 else f"{asked[0]} commands",
                 text=say("help_verbs", verbs=shown, platform=ctx.platform), private=True,
                 buttons=[Button("Every command", "help all")])


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
