"""Reading what the business unit types: key=value fields, dates, times, and the member, group or
agency meant, always within the partnership."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timezone

from sqlmodel import select

from handlers.common import find_group, group_list, tell_owner
from handlers.core import Command, Context, UserError, is_option, words_of
from messages.reply import Button, Choice, Reply, Tone
from models import permissions as may
from models.groups import Group
from models.dates import DateError, format_day, local_moment, parse_date, take_date, take_time
from models.dates import parse_time as parse_clock
from models.identifiers import GENERAL, identifying_details, refusal_text
from models.partnership import Agency, Member
from models.people import find_member

Check = Callable[[str, date], str | None]


def split_fields(cmd: Command) -> tuple[dict[str, str], list[str]]:
    """key=value words become fields (form values win); the other words are returned in order.

    A value that holds spaces is quoted (owner="Mark Evans", location='St Mary's Hall'). The words
    are for reading the group, meeting, date or time they name; free text after those (a title, a
    place) is taken as typed with as_typed, never joined back up from the words."""
    fields: dict[str, str] = {}
    words: list[str] = []
    for word in words_of(cmd.text):
        if is_option(word):
            key, _sep, value = word.value.partition("=")
            fields[key.lower()] = value
        else:
            words.append(word.value)
    fields.update({k: v for k, v in cmd.form.items() if v is not None})
    return fields, words


def as_typed(cmd: Command, rest: list[str]) -> str:
    """The free text typed from the first of `rest` on, exactly as typed (a title, a place), `rest`
    being what is left of split_fields' words once the handler has read those at their front (the
    group, a meeting, a date and time). key=value options before it and after it are not part of it."""
    words = sum(not is_option(word) for word in words_of(cmd.text))
    return cmd.text_after(words - len(rest), options=True)


def text_or_option(cmd: Command, fields: dict[str, str], rest: list[str], key: str) -> str:
    """The free text typed (a title, a name, a place) or its `key=` option, and never both: words
    left over beside the option are most often the rest of an option's value typed without quotes
    (name=Sarah Jones), and would otherwise be dropped or saved as something else."""
    typed = as_typed(cmd, rest) if rest else ""
    if fields.get(key) and typed:
        raise UserError(_stray(cmd, rest, key))
    return fields.get(key) or typed


def _stray(cmd: Command, rest: list[str], key: str) -> str:
    """Words that are part of no option: which option they follow, and how to give a value with spaces."""
    words = words_of(cmd.text)
    free = [i for i, word in enumerate(words) if not is_option(word)]
    first = free[len(free) - len(rest)]
    before = words[first - 1] if first else None
    if before is not None and is_option(before):
        option, _sep, value = before.value.partition("=")
        return (f"Nothing was saved: \"{words[first].value}\" after {option}= is part of no option. A value with "
                f"spaces goes in quotes: {option}=\"{value} {words[first].value}\".")
    return (f"Nothing was saved: you gave {key}= and also text beside it; give one or the other (a value with "
            f"spaces goes in quotes: {key}=\"...\").")


def unquoted_name(key: str, given: str | None, member: Member, rest: list[str]) -> None:
    """Refuse a person named without quotes whose name runs on into the free text (owner=Rachel Green
    ICB winter pressures: owner Rachel, title "Green ICB..."), rather than save a wrong title."""
    if not given or "@" in given or not rest:
        return
    name, said = member.name.casefold().split(), given.casefold().split()
    at = next((i for i in range(len(name) - len(said)) if name[i:i + len(said)] == said), None)
    if at is not None and name[at + len(said)] == rest[0].casefold():
        raise UserError(f"Nothing was saved: did you mean {key}=\"{given} {rest[0]}\"? A name with spaces goes in "
                        f"quotes, or give their email ({key}={member.email}).")


def text_problem(text: str, *, what: str, limit: int, required: bool, today: date,
                 where: str = GENERAL, plural: bool = False) -> tuple[str, str] | None:
    """What is wrong with text typed for a field, or None: as a sentence for the reply and as one
    for under the field. A refusal names what is wrong and never repeats the text itself."""
    if required and not text:
        return f"Give the {what}.", f"Give the {what}."
    if len(text) > limit:
        return (f"The {what} is {len(text):,} characters; the most is {limit:,}. Please shorten it.",
                f"At most {limit} characters; this is {len(text)}. Please shorten it.")
    reasons = identifying_details(text, today=today, where=where)
    if reasons:
        refusal = refusal_text(reasons)
        return f"The {what} {'were' if plural else 'was'} not saved. {refusal}", refusal
    return None


def free_text(ctx: Context, value: str | None, *, field: str, what: str, limit: int, required: bool = True,
              where: str = GENERAL, unchanged: str | None = None, plural: bool = False) -> str:
    """Text a person typed for a field, checked where it enters: within its length, and with no
    child's details in it (see text_problem). `unchanged`: what a refusal leaves as it was, when
    the command would have changed more than the text (the meeting's time, the escalation's stage)."""
    text = (value or "").strip()
    problem = text_problem(text, what=what, limit=limit, required=required, today=ctx.today(), where=where,
                           plural=plural)
    if problem:
        said = problem[0] if unchanged is None else f"Nothing changed: {unchanged}. {problem[1]}"
        raise UserError(said, field_errors={field: problem[1]})
    return text


# A field's check is a value, not a closure: a form goes with its reply from the process that
# worked it out to the server's (see bot/apart.py), and so must be something pickle can carry.

@dataclass(frozen=True)
class _TextCheck:
    what: str
    limit: int
    where: str = GENERAL

    def __call__(self, value: str, today: date) -> str | None:
        problem = text_problem(value.strip(), what=self.what, limit=self.limit, required=False, today=today,
                               where=self.where)
        return problem[1] if problem else None


@dataclass(frozen=True)
class _DateCheck:
    past: bool = False

    def __call__(self, value: str, today: date) -> str | None:
        try:
            parse_date(value, today=today, past=self.past)
        except DateError as error:
            return error.sentence
        return None


@dataclass(frozen=True)
class _TimeCheck:
    def __call__(self, value: str, today: date) -> str | None:
        try:
            parse_clock(value)
        except DateError as error:
            return error.sentence
        return None


def text_check(*, what: str, limit: int, where: str = GENERAL) -> Check:
    """A form field's check for free text: free_text's rules, applied to each answer as it is given."""
    return _TextCheck(what, limit, where)


def date_check(*, past: bool = False) -> Check:
    """A form field's check for a date: parse_day's rules (a date that does not exist is named)."""
    return _DateCheck(past)


def time_check() -> Check:
    """A form field's check for a time of day: parse_time's rules (10:00, 2.30pm; 25:00 is named)."""
    return _TimeCheck()


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def parse_day(value: str | None, *, what: str, today: date | None = None, field: str = "date",
              past: bool = False) -> date:
    """The date a person gave for `what` ("the due date"), in any form models.dates reads:
    2027-03-02, 02/03/2027, 2 March 2027, tomorrow, Friday. Words such as tomorrow need `today`;
    `past` reads them looking back. A UserError says what is wrong, on the form's `field` too."""
    try:
        return parse_date(value or "", today=today, past=past)
    except DateError as error:
        if not (value or "").strip():
            raise UserError(f"Give {what}, like 2 March 2027 or 02/03/2027.",
                            field_errors={field: "Give the date, like 2 March 2027 or 02/03/2027."}) from None
        quotes = (f" A date with spaces goes in quotes when typed: {field}=\"next Friday\"."
                  if " " not in (value or "").strip() else "")
        raise UserError(f"{_capital(what)}: {error.message}.{quotes}", field_errors={field: error.sentence}) from None


# Words people put around the day something was done ("submitted on 30/11", "completed Friday").
DONE_WORDS = frozenset({"on", "done", "completed", "complete", "submitted", "sent", "circulated", "was", "were",
                        "it", "they", "in", "out"})


def done_on(cmd: Command, ctx: Context, *, after: int, what: str, example: str,
            not_before: date | None = None, earliest: datetime | None = None) -> datetime:
    """When something was done: now, or the day typed after the command's first `after` words
    (`return done 4 30/11/2026`, `minutes 1 on 6 Nov`, `action done 12 completed Friday`), read
    looking back. A day to come, a day before `not_before`, or words that are not a day are
    refused, never dropped: the record would otherwise say today while the person said otherwise."""
    typed = [word for word in cmd.args[after:] if word.lower().strip(",.") not in DONE_WORDS]
    if not typed:
        return ctx.now()
    text = " ".join(typed)
    try:
        day = parse_date(text, today=ctx.today(), past=True)
    except DateError as error:
        raise UserError(f"Nothing was saved: I couldn't read the day {what} ({error.message}). Give the day after "
                        f"the number, e.g. `{example}`, or nothing for today.") from None
    if day > ctx.today():
        raise UserError(f"Nothing was saved: {format_day(day)} is still to come. Give the day {what}, or nothing for "
                        f"today.")
    if not_before is not None and day < not_before:
        raise UserError(f"Nothing was saved: {format_day(day)} is before {format_day(not_before)}. Give the day "
                        f"{what}, or nothing for today.")
    if day == ctx.today():
        return ctx.now()
    # That day at the time it is now: each marking keeps a moment of its own (an Undo is matched to
    # it), and the day is the day given whatever the time; but never before `earliest` on that day
    # (minutes out before the meeting began, an action done before it was set).
    clock = ctx.calendar.local_datetime(ctx.now()).time().replace(microsecond=0)
    try:
        moment = local_moment(day, clock, ctx.calendar.zone)
    except DateError:  # a time the clocks skipped that day (going forward in March)
        moment = local_moment(day, time(12, 0), ctx.calendar.zone)
    if earliest is not None and ctx.calendar.local_date(earliest) == day and moment < earliest:
        return earliest
    return moment


def parse_time(value: str | None) -> time:
    """The time of day a person gave: 10:00, 14:30, 2.30pm, noon. A UserError says what is wrong."""
    try:
        return parse_clock(value or "")
    except DateError as error:
        raise UserError(error.sentence, field_errors={"time": error.sentence}) from None


def take_day(words: list[str], *, what: str, today: date, field: str = "date") -> tuple[date, list[str]]:
    """The date at the start of the words a person typed, which may be several words
    (2 March 2027, next Tuesday), and the words after it; a UserError as parse_day's."""
    if not words:
        return parse_day(None, what=what, today=today, field=field), []
    try:
        return take_date(words, today=today)
    except DateError as error:
        raise UserError(f"{_capital(what)}: {error.message}.", field_errors={field: error.sentence}) from None


def take_clock(words: list[str]) -> tuple[time, list[str]]:
    """The time at the start of the words a person typed (10am, or 2.30 pm), and the words after it."""
    try:
        return take_time(words)
    except DateError as error:
        raise UserError(error.sentence, field_errors={"time": error.sentence}) from None


def the_member(ctx: Context, text: str | None, *, what: str, field: str | None = None) -> Member:
    """Exactly one registered member of the partnership by email or name, or a reply saying what to do
    (on the form's `field` too, when it came from a form)."""
    if not text:
        raise _problem(f"Who is the {what}? Give their email, e.g. owner=name@agency.example.org.", field,
                       "Give their work email.")
    found = find_member(text, scope=ctx.scope, session=ctx.session)
    if len(found) == 1:
        return found[0]
    if not found:
        raise _problem(f"'{text}' is not a member of the partnership, so can't be the {what}. "
                       f"Add them first with `member add`.", field,
                       "Not a member of the partnership: give a member's work email, or add them first with "
                       "`member add`.")
    raise _problem(f"'{text}' matches {len(found)} people; give the {what}'s email.", field,
                   f"That matches {len(found)} people; give their work email.")


def _problem(message: str, field: str | None, under_field: str) -> UserError:
    return UserError(message, field_errors={field: under_field} if field else None)


def the_group(ctx: Context, key: str | None) -> Group:
    group = find_group(ctx, key) if key else None
    if group is None:
        raise UserError(f"Which group? The groups are: {group_list(ctx)}.")
    return group


def the_agency(ctx: Context, key: str | None, *, field: str | None = None) -> Agency:
    agency = ctx.session.exec(select(Agency).where(ctx.scope.where(Agency),
                                                   Agency.key == (key or "").lower())).first()
    if agency is None:
        raise _problem("Which agency? agency= one of: " + ", ".join(c.value for c in agency_choices(ctx)) + ".",
                       field, "Choose the agency.")
    return agency


def group_choices(ctx: Context, *, managed_only: bool = False) -> tuple[Choice, ...]:
    """The groups to choose from; only those the person runs when `managed_only`."""
    groups = ctx.session.exec(select(Group).where(ctx.scope.where(Group)).order_by(Group.key))
    return tuple(Choice(g.key, g.name) for g in groups
                 if not managed_only or may.manages_group(ctx.person, g.id))


def agency_choices(ctx: Context) -> tuple[Choice, ...]:
    agencies = ctx.session.exec(select(Agency).where(ctx.scope.where(Agency)).order_by(Agency.name))
    return tuple(Choice(a.key, a.name) for a in agencies)


# --- Undo: a button for the marking it undoes, not for one made since -----------------------

UNDO_STAMP = "%Y%m%dT%H%M%S"


def undo_stamp(moment: datetime) -> str:
    """The moment a thing was marked done, as an Undo button carries it (UTC, to the second)."""
    return (moment.astimezone(timezone.utc) if moment.tzinfo else moment).strftime(UNDO_STAMP)


def undo_button(command: str, moment: datetime, label: str = "Undo") -> Button:
    """Undo for the marking made at `moment`: pressed after it was marked again, it undoes nothing."""
    return Button(label, f"{command} marked={undo_stamp(moment)}")


def marked_reply(ctx: Context, text: str, *, changed: bool, reopen: str, moment: datetime | None,
                 owner_id: int | None, title: str, told: str, put_right: str) -> Reply:
    """The reply to marking something done, in or submitted (with Undo when it changed), and its owner
    told when it is not theirs (`told`, after the name of who marked it), with `put_right` (Not done
    after all) to undo that same marking."""
    reply = Reply(text=text, tone=Tone.SUCCESS if changed else Tone.INFO, changed=changed,
                  buttons=[undo_button(reopen, moment)] if changed else [])
    if changed:
        tell_owner(ctx, reply, owner_id, title=title, text=told, buttons=[undo_button(reopen, moment, put_right)])
    return reply


def stale_undo(subject: str, since: str, day: date, command: str) -> Reply:
    """The answer to an Undo (or Not done after all) pressed after what it belongs to was `since`
    ("marked done again"), recorded for `day` (which a marking backdated may put before the message)."""
    return Reply(text=f"{subject} has been {since} since that message (recorded for {format_day(day)}), so that "
                      f"button changed nothing. If that is wrong too, type `{command}`.", tone=Tone.INFO)


def undoing_an_earlier_marking(cmd: Command, moment: datetime | None) -> bool:
    """Whether an Undo button was pressed for a marking other than the one now recorded (`moment`):
    an old message's Undo, pressed after the thing was marked done again."""
    stamp = split_fields(cmd)[0].get("marked")
    return stamp is not None and moment is not None and stamp != undo_stamp(moment)
