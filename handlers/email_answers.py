"""What the page behind an email link shows, and the answer its one button gives.

A link names its member; everything shown is read within that member's partnership, and only
after the same check a chat button gets (the verb's rule and its target's), so the page shows
nothing the member could not see in chat. Opening the page changes nothing. Pressing its button
runs the link's command through the dispatcher as the member, like any chat button: recorded in
the audit trail as theirs, refused as it would be for them, and (for done and snooze) only once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session, select

from handlers.common import the_next_meeting
from handlers.core import REGISTRY, Command, Context, UserError, parse_command
from handlers.dispatch import Dispatcher, Outcome, Who, refusal_for
from handlers.email_links import Link
from handlers.reminder_platform import PLACES, reachable_on, where_now
from handlers.snooze import LENGTHS, comes_back
from messages.buttons import deputy_choices
from messages.plain import without_code_marks
from messages.reply import Choice, Reply
from messages.templates import format_day, format_when
from models.db import session_for
from models.groups import Group
from models.meetings import Meeting, answer_for, deputising_for
from models.partnership import Member, Platform
from models.people import colleagues, partnership
from models.scope import Scope
from models.submits import MAX_KEY, FormSubmit
from models.work import Action, DataReturn, RETURN_KIND_NAMES

ANSWER_WORDS = {"attending": "attending", "apologies": "apologies", "deputy": "sending a deputy"}


@dataclass
class Shown:
    """A page: its HTTP status, words, the item, and the one thing it offers to do (if any)."""

    status: int
    heading: str
    text: str
    member: str = ""
    fields: list[tuple[str, str]] = field(default_factory=list)
    button: str | None = None
    choices: tuple[Choice, ...] = ()  # a choice to make before pressing (a deputy, a platform)
    choice_label: str = ""
    choice_name: str = ""
    stop: bool = False  # the unsubscribe page: its own button stops reminder emails

    @property
    def ok(self) -> bool:
        return self.status == 200


NOT_VALID = Shown(403, "This link no longer works", "The person it was sent to is no longer active in AssureBot, "
                                                    "so it cannot be used. Ask your business unit if you need help.")
USED = Shown(409, "This link has already been used", "Your answer was recorded the first time, and nothing has "
                                                     "changed now. Each link for marking something done or snoozing "
                                                     "it works once.")
PASSED = Shown(410, "This meeting has passed or changed", "This link was for a meeting that is no longer the "
                                                          "group's next one, so it cannot answer for it. The newest "
                                                          "reminder has links for the next meeting.")


def who_for(member: Member, place_key: str) -> Who:
    """The member as the dispatcher knows someone who pressed a link in their own email."""
    return Who(platform=Platform.EMAIL.value, email=member.email, partnership_key=place_key, display="email link")


def open_link(dispatcher: Dispatcher, link: Link) -> tuple[Shown, Member | None, str]:
    """What the link's page shows (for opening it, and again just before its button runs), with the
    member and their partnership's key. Nothing is changed."""
    with session_for(dispatcher.engine) as session:
        member = session.get(Member, link.member_id)
    if member is None or not member.active or member.partnership_id != link.partnership_id:
        return NOT_VALID, None, ""
    scope = Scope(member.partnership_id)
    with scope.session(dispatcher.engine) as session:
        place = partnership(scope=scope, session=session)
        ctx = dispatcher.context(member, place, scope, session, Platform.EMAIL.value)
        shown = _unsubscribe(ctx) if link.command == "reminders stop" else _answer(ctx, link, session)
    shown.member = member.name
    return shown, member, place.key


def _answer(ctx: Context, link: Link, session: Session) -> Shown:
    cmd = parse_command(link.command, platform=Platform.EMAIL.value)
    verb = REGISTRY.get(cmd.verb)
    try:
        refusal = refusal_for(verb, cmd, ctx)
    except UserError as problem:  # no such item in the member's partnership
        return Shown(404, "There is nothing to answer", without_code_marks(problem.message))
    if refusal:
        return Shown(403, "You can't do this", without_code_marks(refusal))
    if link.once and _claimed(session, link, cmd):
        return USED
    try:
        return _describe(ctx, link, cmd)
    except UserError as problem:
        return Shown(410, "There is nothing to answer now", without_code_marks(problem.message))


def _claimed(session: Session, link: Link, cmd: Command) -> bool:
    command = f"{cmd.verb} {cmd.text}".strip()
    return session.exec(select(FormSubmit.id).where(FormSubmit.nonce == link.claim[:MAX_KEY],
                                                    FormSubmit.member_id == link.member_id,
                                                    FormSubmit.command == command)).first() is not None


def _describe(ctx: Context, link: Link, cmd: Command) -> Shown:
    """The item the link answers for, from the database as it is now, and the button's words."""
    target = ctx.target
    if cmd.verb == "snooze":
        kind, item, length = target
        long = LENGTHS[length]
        _until, when = comes_back(ctx.calendar, ctx.today(), length)
        return Shown(200, f"Snooze this {kind} for {long}?", when, fields=_item_fields(ctx, kind, item),
                     button=f"Snooze for {long}")
    if cmd.verb in ("action done", "return done", "paper done"):
        kind = cmd.verb.split()[0]
        words = "done" if kind == "action" else "submitted"
        return Shown(200, f"Mark this {kind} {words}?", f"It will be recorded as {words} today, by you.",
                     fields=_item_fields(ctx, kind, target), button=f"Mark it {words}")
    if cmd.verb in ("action reopen", "return reopen", "paper reopen"):
        kind = cmd.verb.split()[0]
        words = {"action": "done", "return": "submitted", "paper": "in"}[kind]
        return Shown(200, f"Mark this {kind} not {words} after all?",
                     f"It is chased again, as before it was marked {words}. If it has been marked {words} again "
                     f"since this email, nothing changes.",
                     fields=_item_fields(ctx, kind, target), button=f"Not {words} after all")
    if cmd.verb == "deputise":
        return _deputy_place(ctx, link, cmd, target)
    return _attendance(ctx, link, cmd, target)


def _item_fields(ctx: Context, kind: str, item) -> list[tuple[str, str]]:
    if isinstance(item, Action):
        return [("Action", f"#{item.id} {item.title}"), ("Due", format_day(item.due_date))] + (
            [("From", item.source)] if item.source else [])
    if isinstance(item, DataReturn):
        return [("Return", f"#{item.id} {item.title}" + (f" ({item.period})" if item.period else "")),
                ("Kind", RETURN_KIND_NAMES.get(item.kind, item.kind)), ("Due", format_day(item.due_date))]
    meeting = ctx.scope.get(Meeting, item.meeting_id, session=ctx.session)
    group = ctx.scope.get(Group, meeting.group_id, session=ctx.session)
    return [("Paper", f"#{item.id} {item.title}"),
            ("For", f"{group.name}, {format_when(ctx.calendar.local_datetime(meeting.starts_at))}")]


def _attendance(ctx: Context, link: Link, cmd: Command, group: Group) -> Shown:
    meeting = the_next_meeting(ctx, group)
    if link.item.startswith("meeting:") and link.item != f"meeting:{meeting.id}":
        return PASSED
    when = format_when(ctx.calendar.local_datetime(meeting.starts_at))
    fields = [("Meeting", group.name), ("When", when)] + ([("Where", meeting.location)] if meeting.location else [])
    earlier = answer_for(meeting.id, ctx.actor.id, scope=ctx.scope, session=ctx.session)
    if earlier is not None:
        fields.append(("Your answer so far", ANSWER_WORDS.get(earlier.answer, earlier.answer)))
    answer = cmd.args[-1].lower()
    if answer == "yes":
        return Shown(200, f"Will you be at {group.name}?", "Press the button to say you will be there.",
                     fields=fields, button="Yes, I'll be there")
    if answer == "no":
        return Shown(200, f"Send apologies for {group.name}?", "Press the button to send your apologies.",
                     fields=fields, button="Send my apologies")
    choices = deputy_choices(colleagues(ctx.actor, scope=ctx.scope, session=ctx.session))
    if not choices:
        return Shown(200, f"Send a deputy to {group.name}", "Nobody else from your agency is registered in "
                     "AssureBot yet, so there is nobody to choose. Ask your business unit to add them.", fields=fields)
    return Shown(200, f"Send a deputy to {group.name}?", "Your deputy must be from your own agency. They will be "
                 "told, and asked to confirm.", fields=fields, button="Send this deputy", choices=choices,
                 choice_label="Who will attend for you?", choice_name="deputy")


def _deputy_place(ctx: Context, link: Link, cmd: Command, group: Group) -> Shown:
    """A deputy who also sits on the group: going in the colleague's place, or for their own seat only."""
    meeting = the_next_meeting(ctx, group)
    if link.item.startswith("meeting:") and link.item != f"meeting:{meeting.id}":
        return PASSED
    row = deputising_for(meeting.id, ctx.actor.id, scope=ctx.scope, session=ctx.session)
    colleague = ctx.scope.get(Member, row.member_id, session=ctx.session) if row is not None else None
    if colleague is None:
        return Shown(410, "There is nothing to answer now", f"Nobody has named you as their deputy for the next "
                                                            f"{group.name} meeting.")
    fields = [("Meeting", group.name), ("When", format_when(ctx.calendar.local_datetime(meeting.starts_at))),
              ("Deputising for", colleague.name)]
    if cmd.args[-1].lower() == "no":
        return Shown(200, "Go only for your own seat?", f"{colleague.name} will be told you won't go in their place. "
                     f"Your answer for your own seat stays as it is.", fields=fields, button="Just my own seat")
    return Shown(200, f"Go in {colleague.name}'s place?", f"{colleague.name} will be told you will go for them.",
                 fields=fields, button="Yes, I'll go for them")


def _unsubscribe(ctx: Context) -> Shown:
    member = ctx.actor
    choices = tuple(Choice(p, f"Get them {PLACES[p]}") for p in reachable_on(ctx, member)
                    if p != Platform.EMAIL.value or member.email_off)
    emailed = member.preferred_platform == Platform.EMAIL.value and not member.email_off
    return Shown(200, "Your reminder emails", f"Your reminders come {where_now(member)}.", stop=emailed,
                 button="Save my choice" if choices else None, choices=choices,
                 choice_label="Where should your reminders come instead?" if emailed else "Where should they come?",
                 choice_name="platform")


async def press(dispatcher: Dispatcher, link: Link, member: Member, place_key: str, cmd: Command) -> Outcome:
    """Run the link's command as its member, through the same path as a chat button, and send its notices."""
    outcome = await dispatcher.run(cmd, who_for(member, place_key), once=link.claim if link.once else None)
    await dispatcher.deliver(outcome)
    return outcome


def result(outcome: Outcome) -> Shown:
    """The page after the button: what the dispatcher answered, as chat would have shown it."""
    if outcome.repeated:
        return USED
    reply: Reply = outcome.reply
    heading = reply.title or ("Not done" if reply.is_error else "Done")
    return Shown(409 if reply.is_error else 200, without_code_marks(heading), without_code_marks(reply.text),
                 fields=list(reply.fields))
