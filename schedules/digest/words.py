"""The words of a digest: each item's line, fields and buttons, and one reply per person.

Most of a sweep's work is the words, so most items are worded only when their digest is read
(a Later) and only the first MAX_ITEMS of a digest are worded at all. A line's shape is rendered
from its template once per combination of the few values the words depend on, and names and
titles are slotted in; the Send deputy form is made once per agency, not once per person.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from functools import lru_cache
from typing import Any, NamedTuple

from messages.buttons import (MAX_DEPUTY_OPTIONS, action_buttons, attend_buttons, deputy_answer_buttons,
                              deputy_choices, paper_buttons, return_buttons)
from messages.reply import Button, Item, Reply, Tone
from messages.templates import environment, format_day, format_when
from models.escalations import CATEGORIES
from models.quorum import QuorumResult
from models.work import RETURN_KIND_NAMES
from schedules.digest.load import Place

MAX_ITEMS = 25
MAX_LISTED = 5  # missing papers named inside one line of the admins' list
CHOICES_KEPT = 500  # agencies whose deputy choices a day handed out in bands holds at most (beyond a band's)

# Values that differ on every line (names, titles) are slotted into a line's shape; the shape is
# rendered from the template once per combination of the few values the words depend on.
FREE_TEXT = frozenset({"id", "title", "period", "group", "meets", "name", "agency", "owner", "what"})
_SLOT = "\x00"


@lru_cache(maxsize=4096)
def _line_shape(kind: str, fixed: tuple) -> tuple[str, ...]:
    slots = {name: f"{_SLOT}{name}{_SLOT}" for name in FREE_TEXT}
    text = environment().get_template("digest_item.txt").render(kind=kind, **slots, **dict(fixed)).strip()
    return tuple(text.split(_SLOT))  # literal, name, literal, name, ..., literal


def item_text(kind: str, **values: Any) -> str:
    """The words of one digest line (messages/templates/digest_item.txt)."""
    shape = _line_shape(kind, tuple(sorted((k, v) for k, v in values.items() if k not in FREE_TEXT)))
    return "".join(part if n % 2 == 0 else str(values[part]) for n, part in enumerate(shape))


day_text = lru_cache(maxsize=4096)(format_day)


@lru_cache(maxsize=512)
def _summary(today: date, count: int, overdue: int, snoozable: bool) -> tuple[str, str]:
    # Counts repeat across thousands of people; rendering each combination once is enough.
    env = environment()
    return (env.get_template("digest_title.txt").render(today=today).strip(),
            env.get_template("digest.txt").render(count=count, overdue=overdue, snoozable=snoozable).strip())


def _snoozable(items: list[Item]) -> bool:
    return any(button.command.startswith("snooze ") for item in items for button in item.buttons)


def report_heading() -> Item:
    """The line above the weekly by-exception items, so they read as the report they are."""
    return Item(text=item_text("report_heading"), key="heading:by-exception")


class Later(NamedTuple):
    """An item decided now and worded when its digest is read: most of a sweep's work is the words."""

    key: str
    build: Any  # build(args) -> Item
    args: Any


class _AttendButtons:
    """attend_buttons for many people without building each agency's list of deputies per person.

    The handler offers a member's colleagues (their agency, less themselves and those who have
    sent apologies for the meeting) in the Send deputy form. Here each agency's choices are made
    once, each group's buttons once, and each person gets that form with their agency's choices,
    less themselves and those away from the meeting (`away`, read with the meetings' seats). The
    choices are read for many agencies in one statement (`need`); a day handed out in bands keeps
    only its band's (`keep`).
    """

    def __init__(self, read: Callable[[set[int], int], dict[int, list]]):
        self.read = read
        self.choices: dict[int, tuple] = {}
        self.shapes: dict[str, list[Button]] = {}
        self.away: dict[int, frozenset[str]] = {}  # meeting id -> emails of those who sent apologies
        self.more: dict[int, int] = {}  # agency id -> the most of its people away from one meeting

    def apologies(self, rows) -> None:
        """Who has sent apologies for the meetings asked about: (meeting id, email, agency id), each once.
        An agency's choices are read that much longer, so a form still holds a form's worth."""
        away: dict[int, set[str]] = defaultdict(set)
        counted: dict[tuple[int, int], int] = defaultdict(int)
        for meeting_id, email, agency_id in rows:
            away[meeting_id].add(email)
            counted[meeting_id, agency_id] += 1
        self.away = {meeting_id: frozenset(emails) for meeting_id, emails in away.items()}
        self.more = {}
        for (_meeting_id, agency_id), count in counted.items():
            self.more[agency_id] = max(self.more.get(agency_id, 0), count)

    def need(self, agency_ids) -> None:
        """Read the choices of the agencies given that are not held yet, in one statement: longer by
        the most people any of them has away from one meeting."""
        missing = set(agency_ids) - self.choices.keys()
        if not missing:
            return
        found = self.read(missing, max((self.more.get(agency_id, 0) for agency_id in missing), default=0))
        for agency_id in missing:
            people, made = found.get(agency_id, []), ()
            for start in range(0, len(people), MAX_DEPUTY_OPTIONS):  # deputy_form takes a form's worth
                made += deputy_choices(people[start:start + MAX_DEPUTY_OPTIONS])
            self.choices[agency_id] = made

    def keep(self, agency_ids) -> None:
        """Hold these agencies' choices, and as many of the others as fit in CHOICES_KEPT (those
        used longest ago let go first), so a band's agencies need not be read again by the next."""
        for agency_id in agency_ids:  # last used last: the dict's order is the order of use
            made = self.choices.pop(agency_id, None)
            if made is not None:
                self.choices[agency_id] = made
        over = len(self.choices) + len(set(agency_ids) - self.choices.keys()) - CHOICES_KEPT
        for agency_id in list(self.choices)[:max(0, over)]:
            if agency_id not in agency_ids:
                del self.choices[agency_id]

    def agency_choices(self, agency_id: int) -> tuple:
        if agency_id not in self.choices:
            self.need({agency_id})
        return self.choices[agency_id]

    def for_seat(self, group_key: str, agency_id: int, email: str, meeting_id: int) -> list[Button]:
        away = self.away.get(meeting_id, ())
        options = tuple(c for c in self.agency_choices(agency_id)
                        if c.value != email and c.value not in away)[:MAX_DEPUTY_OPTIONS]
        if not options:  # nobody else in the agency: the form asks for a name or email instead
            return attend_buttons(group_key)
        if group_key not in self.shapes:
            self.shapes[group_key] = attend_buttons(group_key, [_Someone()])
        buttons = self.shapes[group_key]
        form = buttons[2].form
        own = replace(form, fields=(replace(form.fields[0], options=options),))
        return [*buttons[:2], replace(buttons[2], form=own)]


class _Someone(NamedTuple):
    email: str = ""
    name: str = ""


class Words:
    """The wording that needs the sweep: each decision made, the colleagues to offer, the day."""

    def __init__(self, on: date, agency_place: dict[int, Place],
                 colleagues: Callable[[set[int], int], dict[int, list]], asked: Callable[[], set[int]]):
        self.on = on
        self.agency_place = agency_place
        self.attend_buttons = _AttendButtons(colleagues)
        self.asked = asked  # every asked agency: read when the first attendance ask is worded
        self.band = False  # whether the choices are read a band of people at a time (`for_band`)

    def apologies(self, rows) -> None:
        """Who has sent apologies for the meetings asked about: left out of those meetings' deputy choices."""
        self.attend_buttons.apologies(rows)

    def for_band(self, agency_ids: set[int]) -> None:
        """The attendance asks about to be worded are these agencies' people's: hold their choices
        only, read together, instead of every asked agency's for the whole day."""
        self.band = True
        self.attend_buttons.keep(agency_ids)
        self.attend_buttons.need(agency_ids)

    def return_item(self, row) -> Item:
        # Only items the sweep put in a digest are worded, so the decision for their date is made.
        when, days, *_ = self.agency_place[row.agency_id].decisions["return", row.due_date]
        text = item_text("return", when=when, days=days, id=row.id, title=row.title, period=row.period,
                         has_period=bool(row.period))
        return Item(text=text, key=f"return:{row.id}", buttons=return_buttons(row.id, responsible=True),
                    fields=return_fields(row))

    def action_item(self, row) -> Item:
        when, days, *_ = self.agency_place[row.agency_id].decisions["action", row.due_date]
        return Item(text=item_text("action", when=when, days=days, id=row.id, title=row.title),
                    key=f"action:{row.id}", fields=action_fields(row), buttons=action_buttons(row.id))

    def ask_item(self, args: tuple) -> Item:
        place, group, meeting, lead, seat = args
        if not self.band and not self.attend_buttons.choices:
            self.attend_buttons.need(self.asked())  # the first ask worded reads every asked agency's people
        meets = format_when(place.calendar.local_datetime(meeting.starts_at))
        return Item(text=item_text("attend", group=group.name, meets=meets, days=lead), key=f"meeting:{meeting.id}",
                    fields=[("Where", meeting.location)] if meeting.location else [],
                    buttons=self.attend_buttons.for_seat(group.key, seat.agency_id, seat.email, meeting.id))

    def reply(self, chosen: list[Item | Later], pressing: int, *, report_from: int | None = None) -> Reply:
        """One person's digest from its items, most urgent first, and how many are escalations or overdue;
        the weekly by-exception items (from `report_from` on) under a heading of their own."""
        shown = [item.build(item.args) if isinstance(item, Later) else item for item in chosen[:MAX_ITEMS]]
        title, text = _summary(self.on, len(chosen), pressing, _snoozable(shown))
        more = len(chosen) - len(shown)
        if report_from is not None and report_from < len(shown):
            shown.insert(report_from, report_heading())
        return Reply(title=title, text=text, items=shown, more=more,
                     more_hint="type `actions`, `returns` or `papers` to see them all" if len(chosen) > MAX_ITEMS
                     else None, tone=Tone.WARNING if pressing else Tone.INFO, private=True)


# --- returns, actions and papers ------------------------------------------------------------


def return_fields(row) -> list[tuple[str, str]]:
    return [("Due", day_text(row.due_date)), ("Kind", RETURN_KIND_NAMES.get(row.kind, row.kind))]


def action_fields(row) -> list[tuple[str, str]]:
    return [("Due", day_text(row.due_date))] + ([("From", row.source)] if row.source else [])


def paper_fields(place: Place, group, meeting, deadline: date) -> list[tuple[str, str]]:
    meets = format_when(place.calendar.local_datetime(meeting.starts_at))
    return [("Meeting", f"{group.name}, {meets}"),
            ("Papers due", day_text(deadline) + (" (clear days)" if group.clear_days else ""))]


def paper_item(args: tuple) -> Item:
    place, group, meeting, deadline, row, when, days = args
    return Item(text=item_text("paper", when=when, days=days, id=row.id, title=row.title, group=group.name),
                key=f"paper:{row.id}", fields=paper_fields(place, group, meeting, deadline),
                buttons=paper_buttons(row.id))


def orphan_item(what: str, row, fields: list) -> Item:
    """An item whose owner has left, for the business unit to give to someone."""
    kind = "return" if what == "A return" else "action" if what == "An action" else "paper"
    return Item(text=item_text("orphan", what=what, id=row.id, title=row.title, owner=row.o_name),
                key=f"{kind}:{row.id}", fields=fields)


# --- meetings: papers missing, quorum, minutes ----------------------------------------------


def papers_missing_item(place: Place, group, meeting, rows: list) -> Item:
    meets = format_when(place.calendar.local_datetime(meeting.starts_at))
    return Item(text=item_text("papers_missing", group=group.name, meets=meets, missing=len(rows)),
                key=f"papers-missing:{meeting.id}",
                fields=[(f"#{r.id} {r.title}", r.o_name) for r in rows[:MAX_LISTED]]
                + ([("...", f"and {len(rows) - MAX_LISTED} more")] if len(rows) > MAX_LISTED else []),
                buttons=[Button("See papers", f"papers {group.key}")])


def quorum_item(place: Place, group, meeting, result: QuorumResult) -> Item:
    meets = format_when(place.calendar.local_datetime(meeting.starts_at))
    fields = [("Rule", result.rule)]
    fields += [("Missing", line) for line in result.missing]
    fields += [("Would make it quorate", line) for line in result.would_fix]
    return Item(text=item_text("quorum", group=group.name, meets=meets, quorate=result.quorate),
                key=f"quorum:{meeting.id}", fields=fields,
                buttons=[Button("See attendance", f"attendance {group.key}"),
                         Button("Check quorum", f"quorum {group.key}")])


def minutes_item(args: tuple) -> Item:
    meeting_id, group, held, days = args
    return Item(text=item_text("minutes", group=group.name, meets=day_text(held), days=days,
                               limit=group.minutes_within_days),
                key=f"minutes:{meeting_id}", buttons=[Button("Minutes are out", f"minutes {meeting_id}",
                                                             style="primary")])


# --- escalations and the weekly by-exception report -----------------------------------------


def escalation_items(place: Place, row, *, unacknowledged: bool, waiting: int, stage_over: bool, in_stage: int,
                     timescale: int) -> tuple[Item, Item]:
    """The item for those who handle the escalation, and the one for whoever raised it."""
    # What was raised and by whom, never the summary: a digest can be read over a shoulder.
    fields = [("Raised", f"{format_when(place.calendar.local_datetime(row.raised_at))} by {row.raiser_name}, "
                         f"{place.agencies[row.agency_id].name}"),
              ("Category", CATEGORIES.get(row.category, row.category))]
    see = Button("See escalations", "escalations")
    acknowledge = Button("Acknowledge", f"escalation ack {row.id}", style="primary")
    text = item_text("escalation", id=row.id, urgency=row.urgency, unacknowledged=unacknowledged,
                     waiting=waiting, stage_over=stage_over, stage=row.stage, in_stage=in_stage,
                     timescale=timescale)
    item = Item(text=text, key=f"escalation:{row.id}", fields=fields,
                buttons=[acknowledge, see] if unacknowledged else [see])
    # Whoever raised it is not asked to acknowledge it (someone else must see it).
    own = Item(text=text, key=f"escalation:{row.id}", fields=fields, buttons=[see])
    return item, own


def missed_days(place: Place, meetings: list) -> str:
    """The days of the meetings missed, oldest first (`meetings` come newest first)."""
    return ", ".join(format_day(place.calendar.local_date(m.starts_at)) for m in reversed(meetings))


def missed_item(args: tuple) -> Item:
    group, seat, in_a_row, days = args
    return Item(
        text=item_text("missed", name=seat.name, agency=seat.agency_name, count=in_a_row, group=group.name),
        key=f"missed:{group.id}:{seat.id}", fields=[("Meetings", days)],
        buttons=[Button("See attendance", f"attendance {group.key}")])


def long_overdue_item(place: Place, agency, kinds: dict[str, tuple[int, date]], total: int) -> Item:
    fields = [(label, f"{count}, the oldest due {day_text(oldest)}")
              for label, (count, oldest) in sorted(kinds.items())]
    return Item(text=item_text("long_overdue", agency=agency.name, count=total, days=place.rules.overdue_more_than),
                key=f"overdue:{agency.id}", fields=fields,
                buttons=[Button("See their actions", f"actions agency {agency.key}")])


def deputy_ask_item(place: Place, group, meeting, lead: int, named_by: str, *, seated: bool = False) -> Item:
    """For a named deputy who has not said whether they can go (`seated`: with a seat of their own on
    the group, for which their answer counts too)."""
    meets = format_when(place.calendar.local_datetime(meeting.starts_at))
    return Item(text=item_text("deputy", group=group.name, meets=meets, days=lead, name=named_by, seated=seated),
                key=f"meeting:{meeting.id}", fields=[("Where", meeting.location)] if meeting.location else [],
                buttons=deputy_answer_buttons(group.key, seated=seated))
