"""What is due for whom on a day, and one digest per person with the most urgent first.

`sweep(session, on=day)` reads what every partnership's digests need with a fixed set of SQL
statements: their number does not depend on how many members, items or partnerships there are
(only the lists inside them grow). Each partnership's rules (schedules.rules) are then applied
in Python on its own working-day calendar. Nothing is written here; the outbox queues and sends.

Items come back every day their rule says, until they are done (filtered in SQL) or snoozed
(until the snooze ends). An item whose owner has left goes to the business unit instead, so an
overdue item never disappears silently.
"""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, timezone
from functools import cached_property, lru_cache
from typing import Any, NamedTuple

from sqlalchemy import and_, case, func, select, text
from sqlalchemy.orm import aliased
from sqlmodel import Session

from messages.buttons import MAX_DEPUTY_OPTIONS, action_buttons, attend_buttons, deputy_choices, paper_buttons, return_buttons
from messages.reply import Button, Item, Reply, Tone
from messages.templates import environment, format_day, format_when
from models.escalations import CATEGORIES, Escalation
from models.groups import Group, Membership
from models.meetings import AttendanceAnswer, Meeting, MeetingStatus, Paper, missed, missed_clause, seat_outcome
from models.partnership import Agency, Member, Partnership
from models.permissions import CHAIR_ROLES, escalation_handler_ids
from models.quorum import SeatAnswer, evaluate_quorum
from models.snooze import Snooze
from models.work import RETURN_KIND_NAMES, Action, ActionStatus, DataReturn
from models.calendar import WorkingCalendar, calendar_for
from schedules.rules import Cadence, Rules, RulesError, rules_for

MAX_ITEMS = 25
MAX_LISTED = 5  # missing papers named inside one line of the admins' list
# Minutes of meetings older than this are not chased any more (history loaded from a file).
MINUTES_LOOK_BACK = timedelta(days=183)

# Most urgent first: escalations waiting, then overdue (longest first), due today, coming up
# (soonest first), and the weekly by-exception report last.
ESCALATION, OVERDUE, TODAY, AHEAD, REPORT = range(5)


class Recipient(NamedTuple):
    """What delivery needs to know about a person (the attributes `bot.delivery` reads on a Member)."""

    id: int
    name: str
    email: str
    agency_id: int
    preferred_platform: str
    slack_user_id: str | None
    teams_aad_id: str | None
    teams_unreachable: bool
    is_admin: bool
    active: bool


RECIPIENT_COLUMNS = (Member.id, Member.name, Member.email, Member.agency_id, Member.preferred_platform,
                     Member.slack_user_id, Member.teams_aad_id, Member.teams_unreachable, Member.is_admin,
                     Member.active)


def owner_columns(owner) -> tuple:
    """An item's owner as a Recipient, read with the item (o_id, o_name, ...): last in the row."""
    return tuple(getattr(owner, column.key).label(f"o_{column.key}") for column in RECIPIENT_COLUMNS)


class _Later(NamedTuple):
    """An item decided now and worded when its digest is read: most of a sweep's work is the words."""

    key: str
    build: Any  # build(args) -> Item
    args: Any


@dataclass
class Digest:
    """One person's message for a day. The reply is built when first read (within the sweep's session)."""

    member: Recipient
    partnership_id: int
    on: date
    entries: list = field(repr=False)
    builder: Any = field(repr=False)
    kind: str = "digest"

    @cached_property
    def reply(self) -> Reply:
        return self.builder(self.entries)


@dataclass
class Day:
    """Every digest of a day, and the partnerships that have none because it is not a working day."""

    on: date
    digests: list[Digest] = field(default_factory=list)
    quiet: list[str] = field(default_factory=list)

    def replies(self) -> list[Reply]:
        """Every digest worded (within the sweep's session), in the digests' order."""
        with cycle_collector_paused():
            return [digest.reply for digest in self.digests]


@contextmanager
def cycle_collector_paused():
    """Hold Python's cycle collector while a sweep makes its many small objects.

    They form no cycles, and each collection would walk all of them again: pausing halves the
    time of a large sweep. Reference counting frees memory as usual; the collector resumes after.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class WorkingDayCount:
    """Working days between two dates at a glance, for a range of dates (the calendar walks day by day)."""

    def __init__(self, calendar: WorkingCalendar, first: date, last: date):
        self.calendar = calendar
        self.first, self.last = first, last
        running, self._upto = 0, []
        for offset in range((last - first).days + 1):
            running += calendar.is_working_day(first + timedelta(offset))
            self._upto.append(running)

    def reach_back(self, first: date) -> None:
        """Cover dates back to `first` as well (the oldest open item may be years old)."""
        if first < self.first:
            self.__init__(self.calendar, first, self.last)

    def between(self, start: date, end: date) -> int:
        """As WorkingCalendar.working_days_between: working days after `start` up to and including `end`."""
        if self.first <= start <= self.last and self.first <= end <= self.last:
            return self._upto[(end - self.first).days] - self._upto[(start - self.first).days]
        return self.calendar.working_days_between(start, end)

    def when(self, due: date, today: date) -> tuple[str, int]:
        """("ahead", n), ("today", 0) or ("overdue", n): where a date stands from today, in working days.

        A date on a weekend or bank holiday counts as today on the working day before it.
        """
        if due >= today:
            lead = self.between(today, due)
            return ("today", 0) if lead == 0 else ("ahead", lead)
        return "overdue", self.between(due, today)


def start_of_day(day: date, calendar: WorkingCalendar) -> datetime:
    """Local midnight at the start of a day, as a UTC moment."""
    return datetime.combine(day, time(0, 0), tzinfo=calendar.zone).astimezone(timezone.utc)


def is_report_day(calendar: WorkingCalendar, day: date, weekday: int) -> bool:
    """The weekly report goes on its weekday, or on the first working day after it that week."""
    if not calendar.is_working_day(day) or day.weekday() < weekday:
        return False
    monday = day - timedelta(day.weekday())
    earlier = (monday + timedelta(d) for d in range(weekday, day.weekday()))
    return not any(calendar.is_working_day(d) for d in earlier)


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


@lru_cache(maxsize=256)
def _summary(today: date, count: int, overdue: int) -> tuple[str, str]:
    # Counts repeat across thousands of people; rendering each combination once is enough.
    env = environment()
    return (env.get_template("digest_title.txt").render(today=today).strip(),
            env.get_template("digest.txt").render(count=count, overdue=overdue).strip())


def sweep(session: Session, *, on: date, partnership_ids: Iterable[int] | None = None) -> Day:
    """Every digest due on `on` (a local date), for all partnerships or the ones given."""
    with cycle_collector_paused():
        return _Sweep(session, on, None if partnership_ids is None else set(partnership_ids)).run()


class _AttendButtons:
    """attend_buttons for many people without building each agency's list of deputies per person.

    The handler offers a member's colleagues (their agency, less themselves) in the Send deputy
    form. Here each agency's choices are made once, each group's buttons once, and each person
    gets that form with their agency's choices, less themselves.
    """

    def __init__(self, colleagues: dict[int, list]):
        self.colleagues = colleagues
        self.choices: dict[int, tuple] = {}
        self.shapes: dict[str, list[Button]] = {}

    def agency_choices(self, agency_id: int) -> tuple:
        if agency_id not in self.choices:
            people = self.colleagues.get(agency_id, [])
            made = ()
            for start in range(0, len(people), MAX_DEPUTY_OPTIONS):  # deputy_form takes a form's worth
                made += deputy_choices(people[start:start + MAX_DEPUTY_OPTIONS])
            self.choices[agency_id] = made
        return self.choices[agency_id]

    def for_seat(self, group_key: str, agency_id: int, email: str) -> list[Button]:
        options = tuple(c for c in self.agency_choices(agency_id) if c.value != email)[:MAX_DEPUTY_OPTIONS]
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


# --- the sweep ------------------------------------------------------------------------------


@dataclass
class _Place:
    """A partnership as the sweep sees it: its rules, calendar, people and groups."""

    row: Partnership
    rules: Rules
    calendar: WorkingCalendar
    count: WorkingDayCount
    report_day: bool
    agencies: dict[int, Any] = field(default_factory=dict)  # id -> (id, key, name)
    groups: dict[int, Group] = field(default_factory=dict)
    admins: list[Recipient] = field(default_factory=list)
    chairs: dict[int, list[Recipient]] = field(default_factory=dict)  # group id -> chair, deputy chair
    decisions: dict[tuple, tuple | None] = field(default_factory=dict)  # (kind, due date) -> _Sweep.decide

    @cached_property
    def id(self) -> int:
        return self.row.id

    @cached_property
    def escalation_handlers(self) -> set[int]:
        """Who handles this partnership's escalations, by the rule the chat commands use."""
        return escalation_handler_ids([a.id for a in self.admins],
                                      {g: [c.id for c in chairs] for g, chairs in self.chairs.items()},
                                      [g.id for g in self.groups.values() if g.handles_escalations])

    @cached_property
    def agency_names(self) -> dict[str, str]:
        return {a.key: a.name for a in self.agencies.values()}


class _Sweep:
    def __init__(self, session: Session, on: date, partnership_ids: set[int] | None):
        self.session = session
        # Column queries run on the connection: rows come back as plain tuples, without ORM loading.
        self.db = session.connection()
        self.on = on
        self.partnership_ids = partnership_ids
        self.places: dict[int, _Place] = {}
        self.agency_place: dict[int, _Place] = {}
        self.group_place: dict[int, _Place] = {}
        self.entries: dict[int, list[tuple[tuple, Item]]] = defaultdict(list)
        self.owner_of: dict[int, _Place] = {}
        self.known: dict[int, Recipient] = {}
        self.snoozed: set[tuple[int, str, int]] = set()
        self.quiet: list[str] = []
        self.seats: dict[int, list] = {}  # meeting id -> seats, for asks and forecasts
        self.absent: dict[int, list] = {}  # past meeting id -> seats of those who missed it
        self.asked_agencies: set[int] = set()
        self.attend_buttons: _AttendButtons | None = None
        self.past_meetings: dict[int, list] = {}
        # Bound once: thousands of items share these instead of a bound method each.
        self.word_action, self.word_return = self.action_item, self.return_item

    # The order of the steps below is the order of the statements; each runs once per sweep.

    def run(self) -> Day:
        self.load_partnerships()
        if not self.places:
            return Day(self.on, quiet=self.quiet)
        self.load_agencies_groups_and_people()
        self.load_snoozes()
        self.returns_and_actions()
        self.meetings()
        self.minutes_overdue()
        self.escalations()
        if any(p.report_day for p in self.places.values()):
            self.by_exception()
        return Day(self.on, self.digests(), self.quiet)

    def load_partnerships(self) -> None:
        query = select(Partnership)
        if self.partnership_ids is not None:
            query = query.where(Partnership.id.in_(self.partnership_ids or {0}))
        for row in self.session.scalars(query.order_by(Partnership.id)):
            calendar = calendar_for(row.nation, row.timezone)
            if not calendar.is_working_day(self.on):
                why = calendar.bank_holiday(self.on) or "a weekend"
                self.quiet.append(f"{row.name}: {format_day(self.on)} is not a working day ({why}), "
                                  f"so no reminders go out.")
                continue
            try:
                rules = rules_for(row.settings)
            except RulesError as error:
                # Better the default reminders than none: nothing overdue may go quiet.
                self.quiet.append(f"{row.name}: the reminder settings have a problem ({error}); "
                                  f"the default rules are used until it is fixed.")
                rules = Rules()
            # Wide enough for every date a rule looks at; dates outside it are counted the slow way.
            count = WorkingDayCount(calendar, self.on - timedelta(days=400), self.on + timedelta(days=200))
            self.places[row.id] = _Place(row, rules, calendar, count,
                                         is_report_day(calendar, self.on, rules.exception_weekday))

    def load_agencies_groups_and_people(self) -> None:
        ids = list(self.places)
        for row in self.db.execute(select(Agency.id, Agency.key, Agency.name, Agency.partnership_id)
                                        .where(Agency.partnership_id.in_(ids))):
            place = self.places[row.partnership_id]
            place.agencies[row.id] = row
            self.agency_place[row.id] = place
        groups = select(Group.id, Group.partnership_id, Group.key, Group.name, Group.papers_notice_working_days,
                        Group.clear_days, Group.deputies_count, Group.quorum, Group.handles_escalations,
                        Group.minutes_within_days)
        for group in self.db.execute(groups.where(Group.partnership_id.in_(ids)).order_by(Group.id)):
            self.places[group.partnership_id].groups[group.id] = group
            self.group_place[group.id] = self.places[group.partnership_id]
        admins = (select(*RECIPIENT_COLUMNS).join(Agency, Agency.id == Member.agency_id)
                  .where(Member.is_admin, Member.active, Agency.partnership_id.in_(ids)))
        for row in self.db.execute(admins.order_by(Member.name)):
            person = Recipient(*row)
            self.known[person.id] = person
            self.agency_place[person.agency_id].admins.append(person)
        chairs = (select(Membership.group_id, *RECIPIENT_COLUMNS)
                  .join(Member, Member.id == Membership.member_id)
                  .join(Group, Group.id == Membership.group_id)
                  .where(Membership.role.in_(CHAIR_ROLES), Member.active, Group.partnership_id.in_(ids))
                  .order_by(Membership.role, Member.name))
        for group_id, *values in self.db.execute(chairs):
            person = Recipient(*values)
            self.known[person.id] = person
            self.group_place[group_id].chairs.setdefault(group_id, []).append(person)

    def load_snoozes(self) -> None:
        # A snooze holds until (and not including) its `until` day.
        rows = self.db.execute(select(Snooze.member_id, Snooze.item_kind, Snooze.item_id)
                                    .where(Snooze.until > self.on))
        self.snoozed = {tuple(row) for row in rows}

    def add(self, member_id: int, sort_key: tuple, item: Item | _Later) -> None:
        self.entries[member_id].append((sort_key, item))

    @staticmethod
    def urgency(when: str, days: int, kind_rank: int, item_id: int) -> tuple:
        tier = {"overdue": OVERDUE, "today": TODAY, "ahead": AHEAD}[when]
        return tier, -days if when == "overdue" else days, kind_rank, item_id

    # --- returns and actions --------------------------------------------------------------

    def trigger_dates(self, cadence_of, earliest: date | None) -> list[date]:
        """Every due date that puts an item in today's digest under some partnership's rules.

        Going back to the earliest open item keeps long-overdue items coming back on their
        cadence; the exact rule is applied again per partnership when the rows come back.
        """
        found: set[date] = set()
        for place in self.places.values():
            cadence: Cadence = cadence_of(place.rules)
            last = place.calendar.add_working_days(self.on, cadence.furthest_ahead + 1)
            first = min(earliest or self.on, self.on)
            day = first
            while day <= last:
                if cadence.reminds(*place.count.when(day, self.on)):
                    found.add(day)
                day += timedelta(days=1)
        return sorted(found)

    def returns_and_actions(self) -> None:
        earliest = self.db.execute(select(
            select(func.min(Action.due_date)).where(Action.status == ActionStatus.OPEN.value).scalar_subquery(),
            select(func.min(DataReturn.due_date)).where(DataReturn.submitted_at.is_(None)).scalar_subquery(),
        )).one()
        oldest = min((d for d in earliest if d is not None), default=self.on)
        for place in self.places.values():
            place.count.reach_back(oldest)
        owner = aliased(Member)
        # Only whether the owner is still here (and their name, for the business unit if not): the
        # rest of what delivery needs is read once per person, for those who get a digest.
        return_dates = self.trigger_dates(lambda r: r.returns, earliest[1])
        if return_dates:
            rows = self.db.execute(
                select(DataReturn.id, DataReturn.title, DataReturn.period, DataReturn.kind, DataReturn.due_date,
                       DataReturn.owner_id, DataReturn.agency_id, owner.active.label("o_active"),
                       owner.name.label("o_name"))
                .join(owner, owner.id == DataReturn.owner_id)
                .where(DataReturn.submitted_at.is_(None), DataReturn.due_date.in_(return_dates))).all()
            for row in rows:
                self.one_return(row)
        action_dates = self.trigger_dates(lambda r: r.actions, earliest[0])
        if action_dates:
            rows = self.db.execute(
                select(Action.id, Action.title, Action.source, Action.due_date, Action.owner_id, Action.agency_id,
                       owner.active.label("o_active"), owner.name.label("o_name"))
                .join(owner, owner.id == Action.owner_id)
                .where(Action.status == ActionStatus.OPEN.value, Action.due_date.in_(action_dates))).all()
            for row in rows:
                self.one_action(row)

    def decide(self, place: _Place, kind: str, due: date) -> tuple | None:
        """Whether a return or action due on `due` is in today's digest under the place's rules:
        (when, days, tier, order) if so. Thousands of items share a due date, so each date is
        worked out once per kind and partnership."""
        decisions = place.decisions
        if (kind, due) not in decisions:
            cadence = place.rules.returns if kind == "return" else place.rules.actions
            when, days = place.count.when(due, self.on)
            tier, order, *_ = self.urgency(when, days, 0, 0)
            decisions[kind, due] = (when, days, tier, order) if cadence.reminds(when, days) else None
        return decisions[kind, due]

    def one_return(self, row) -> None:
        return_id, _title, _period, kind, due, owner_id, agency_id, owner_active, _owner_name = row
        place = self.agency_place.get(agency_id)
        if place is None or (owner_id, "return", return_id) in self.snoozed:
            return
        decision = self.decide(place, "return", due)
        if decision is None:
            return
        _when, _days, tier, order = decision
        if not owner_active:
            fields = [("Due", day_text(due)), ("Kind", RETURN_KIND_NAMES.get(kind, kind))]
            return self.orphan(place, "A return", row, fields, (tier, order, 2, return_id))
        self.owner_of.setdefault(owner_id, place)
        self.entries[owner_id].append(((tier, order, 2, return_id),
                                       _Later(f"return:{return_id}", self.word_return, row)))

    def return_item(self, row) -> Item:
        when, days, *_ = self.decide(self.agency_place[row.agency_id], "return", row.due_date)
        text = item_text("return", when=when, days=days, id=row.id, title=row.title, period=row.period,
                         has_period=bool(row.period))
        return Item(text=text, key=f"return:{row.id}", buttons=return_buttons(row.id, responsible=True),
                    fields=[("Due", day_text(row.due_date)), ("Kind", RETURN_KIND_NAMES.get(row.kind, row.kind))])

    def one_action(self, row) -> None:
        action_id, _title, _source, due, owner_id, agency_id, owner_active, _owner_name = row
        place = self.agency_place.get(agency_id)
        if place is None or (owner_id, "action", action_id) in self.snoozed:
            return
        decision = self.decide(place, "action", due)
        if decision is None:
            return
        _when, _days, tier, order = decision
        if not owner_active:
            return self.orphan(place, "An action", row, self.action_fields(row), (tier, order, 3, action_id))
        self.owner_of.setdefault(owner_id, place)
        self.entries[owner_id].append(((tier, order, 3, action_id),
                                       _Later(f"action:{action_id}", self.word_action, row)))

    @staticmethod
    def action_fields(row) -> list[tuple[str, str]]:
        return [("Due", day_text(row.due_date))] + ([("From", row.source)] if row.source else [])

    def action_item(self, row) -> Item:
        when, days, *_ = self.decide(self.agency_place[row.agency_id], "action", row.due_date)
        return Item(text=item_text("action", when=when, days=days, id=row.id, title=row.title),
                    key=f"action:{row.id}", fields=self.action_fields(row), buttons=action_buttons(row.id))

    def know_owner(self, row, place: _Place) -> None:
        if row.o_id not in self.known:
            self.known[row.o_id] = Recipient(*row[-len(RECIPIENT_COLUMNS):])
            self.owner_of[row.o_id] = place

    def orphan(self, place: _Place, what: str, row, fields: list, sort_key: tuple) -> None:
        """An item whose owner has left goes to the business unit, to give to someone."""
        kind = "return" if what == "A return" else "action" if what == "An action" else "paper"
        item = Item(text=item_text("orphan", what=what, id=row.id, title=row.title, owner=row.o_name),
                    key=f"{kind}:{row.id}", fields=fields)
        for admin in place.admins:
            self.add(admin.id, sort_key, item)

    # --- meetings: papers, attendance, quorum ---------------------------------------------

    def meetings(self) -> None:
        """Papers reminders and missing lists, attendance asks and quorum forecasts."""
        horizon, earliest = 0, None
        for place in self.places.values():
            for group in place.groups.values():
                rules = place.rules.for_group(group.key)
                horizon = max(horizon, group.papers_notice_working_days + group.clear_days
                              + rules.papers.furthest_ahead, max(rules.attendance_ask_before, default=0),
                              rules.quorum_forecast_before or 0)
            start = start_of_day(self.on, place.calendar)
            earliest = start if earliest is None else min(earliest, start)
        latest = max(start_of_day(p.calendar.add_working_days(self.on, horizon + 1), p.calendar)
                     for p in self.places.values())
        upcoming = self.db.execute(
            select(Meeting.id, Meeting.group_id, Meeting.starts_at, Meeting.location)
            .where(Meeting.status == MeetingStatus.SCHEDULED.value, Meeting.starts_at >= earliest,
                   Meeting.starts_at < latest, Meeting.group_id.in_(list(self.group_place)))
            .order_by(Meeting.starts_at, Meeting.id)).all()

        papers_for: dict[int, tuple] = {}  # meeting id -> (place, group, meeting, deadline, when, days, remind, list)
        asks: dict[int, tuple] = {}  # meeting id -> (place, group, meeting, days)
        forecasts: dict[int, tuple] = {}
        next_seen: set[int] = set()
        for meeting in upcoming:
            place = self.group_place[meeting.group_id]
            group = place.groups[meeting.group_id]
            rules = place.rules.for_group(group.key)
            day = place.calendar.local_date(meeting.starts_at)
            if day < self.on:
                continue
            deadline = place.calendar.papers_due(day, group.papers_notice_working_days, group.clear_days)
            when, days = place.count.when(deadline, self.on)
            remind = rules.papers.reminds(when, days)
            missing_list = when == "today" and rules.admins_on_papers_deadline
            if remind or missing_list:
                papers_for[meeting.id] = (place, group, meeting, deadline, when, days, remind, missing_list)
            if meeting.group_id in next_seen:
                continue  # people answer for a group's next meeting only
            next_seen.add(meeting.group_id)
            lead = place.count.between(self.on, day)
            if lead in rules.attendance_ask_before and lead > 0:
                asks[meeting.id] = (place, group, meeting, lead)
            if rules.quorum_forecast_before is not None and lead == rules.quorum_forecast_before and group.quorum:
                forecasts[meeting.id] = (place, group, meeting, lead)

        if papers_for:
            self.papers(papers_for)
        if any(p.report_day for p in self.places.values()):
            self.past_meetings = self.load_past_meetings()
        if asks or forecasts:
            self.seats = self.load_seats(set(asks) | set(forecasts))
        past = {m.id for ms in self.past_meetings.values() for m in ms}
        if past:
            self.absent = self.load_seats(past, absent_only=True)
        if asks:
            self.attendance_asks(asks)
        for place, group, meeting, lead in forecasts.values():
            self.quorum_forecast(place, group, meeting, lead)

    def papers(self, papers_for: dict[int, tuple]) -> None:
        owner = aliased(Member)
        rows = self.db.execute(
            select(Paper.id, Paper.title, Paper.meeting_id, Paper.owner_id, *owner_columns(owner))
            .join(owner, owner.id == Paper.owner_id)
            .where(Paper.submitted_at.is_(None), Paper.meeting_id.in_(list(papers_for)))
            .order_by(Paper.meeting_id, Paper.id))
        missing: dict[int, list] = defaultdict(list)
        for row in rows:
            place, group, meeting, deadline, when, days, remind, missing_list = papers_for[row.meeting_id]
            missing[row.meeting_id].append(row)
            if not remind or (row.owner_id, "paper", row.id) in self.snoozed:
                continue
            sort_key = self.urgency(when, days, 1, row.id)
            if not row.o_active:
                self.orphan(place, "A paper", row, self.paper_fields(place, group, meeting, deadline), sort_key)
                continue
            self.know_owner(row, place)
            self.add(row.owner_id, sort_key,
                     _Later(f"paper:{row.id}", self.paper_item, (place, group, meeting, deadline, row, when, days)))
        for meeting_id, rows in missing.items():
            place, group, meeting, deadline, when, days, remind, missing_list = papers_for[meeting_id]
            if not missing_list:
                continue
            meets = format_when(place.calendar.local_datetime(meeting.starts_at))
            item = Item(text=item_text("papers_missing", group=group.name, meets=meets, missing=len(rows)),
                        key=f"papers-missing:{meeting_id}",
                        fields=[(f"#{r.id} {r.title}", r.o_name) for r in rows[:MAX_LISTED]]
                        + ([("...", f"and {len(rows) - MAX_LISTED} more")] if len(rows) > MAX_LISTED else []),
                        buttons=[Button("See papers", f"papers {group.key}")])
            for admin in place.admins:
                self.add(admin.id, (TODAY, 0, 6, meeting_id), item)

    @staticmethod
    def paper_fields(place: _Place, group, meeting, deadline: date) -> list[tuple[str, str]]:
        meets = format_when(place.calendar.local_datetime(meeting.starts_at))
        return [("Meeting", f"{group.name}, {meets}"),
                ("Papers due", day_text(deadline) + (" (clear days)" if group.clear_days else ""))]

    def paper_item(self, args: tuple) -> Item:
        place, group, meeting, deadline, row, when, days = args
        return Item(text=item_text("paper", when=when, days=days, id=row.id, title=row.title, group=group.name),
                    key=f"paper:{row.id}", fields=self.paper_fields(place, group, meeting, deadline),
                    buttons=paper_buttons(row.id))

    def load_seats(self, meeting_ids: set[int], *, absent_only: bool = False) -> dict[int, list]:
        """Every seat on each meeting's group with the answer given (or only those who missed it)."""
        deputy = aliased(Member)
        absent = missed_clause(AttendanceAnswer.answer, AttendanceAnswer.attended)
        rows = self.db.execute(
            select(Meeting.id.label("meeting_id"), Membership.role, Agency.key.label("agency_key"),
                   Agency.name.label("agency_name"), AttendanceAnswer.answer, AttendanceAnswer.attended,
                   deputy.name.label("deputy_name"), *RECIPIENT_COLUMNS)
            .join(Membership, Membership.group_id == Meeting.group_id)
            .join(Member, Member.id == Membership.member_id)
            .join(Agency, Agency.id == Member.agency_id)
            .outerjoin(AttendanceAnswer, and_(AttendanceAnswer.meeting_id == Meeting.id,
                                              AttendanceAnswer.member_id == Member.id))
            .outerjoin(deputy, deputy.id == AttendanceAnswer.deputy_id)
            .where(Meeting.id.in_(list(meeting_ids)), Member.active, *([absent] if absent_only else []))
            .order_by(Meeting.id, Agency.name, Member.name)).all()
        seats: dict[int, list] = defaultdict(list)
        for row in rows:
            seats[row.meeting_id].append(row)
        return seats

    def attendance_asks(self, asks: dict[int, tuple]) -> None:
        for meeting_id, (place, group, meeting, lead) in asks.items():
            for seat in self.seats.get(meeting_id, []):
                if seat.answer is None and (seat.id, "meeting", meeting_id) not in self.snoozed:
                    self.asked_agencies.add(seat.agency_id)
                    if seat.id not in self.known:
                        self.known[seat.id] = Recipient(*seat[-len(RECIPIENT_COLUMNS):])
                    self.add(seat.id, (AHEAD, lead, 4, meeting_id),
                             _Later(f"meeting:{meeting_id}", self.ask_item, (place, group, meeting, lead, seat)))

    def ask_item(self, args: tuple) -> Item:
        place, group, meeting, lead, seat = args
        if self.attend_buttons is None:  # the first ask worded loads every asked agency's people at once
            self.attend_buttons = _AttendButtons(self.load_colleagues(self.asked_agencies))
        meets = format_when(place.calendar.local_datetime(meeting.starts_at))
        return Item(text=item_text("attend", group=group.name, meets=meets, days=lead), key=f"meeting:{meeting.id}",
                    fields=[("Where", meeting.location)] if meeting.location else [],
                    buttons=self.attend_buttons.for_seat(group.key, seat.agency_id, seat.email))

    def load_colleagues(self, agency_ids: set[int]) -> dict[int, list]:
        """Up to a form's worth of active people per agency, to offer as deputies."""
        if not agency_ids:
            return {}
        place = func.row_number().over(partition_by=Member.agency_id, order_by=(Member.name, Member.id))
        ranked = (select(Member.id, Member.name, Member.email, Member.agency_id, place.label("place"))
                  .where(Member.active, Member.agency_id.in_(list(agency_ids))).subquery())
        rows = self.db.execute(select(ranked.c.id, ranked.c.name, ranked.c.email, ranked.c.agency_id)
                                    .where(ranked.c.place <= MAX_DEPUTY_OPTIONS + 1)
                                    .order_by(ranked.c.agency_id, ranked.c.place))
        found: dict[int, list] = defaultdict(list)
        for row in rows:
            found[row.agency_id].append(row)
        return found

    def quorum_forecast(self, place: _Place, group: Group, meeting, lead: int) -> None:
        seats = [SeatAnswer(s.id, s.name, s.agency_key, s.agency_name, s.role, s.answer, s.deputy_name)
                 for s in self.seats.get(meeting.id, [])]
        result = evaluate_quorum(group.quorum, seats, deputies_count=group.deputies_count,
                                 agency_names=place.agency_names)
        meets = format_when(place.calendar.local_datetime(meeting.starts_at))
        fields = [("Rule", result.rule)]
        fields += [("Missing", line) for line in result.missing]
        fields += [("Would make it quorate", line) for line in result.would_fix]
        item = Item(text=item_text("quorum", group=group.name, meets=meets, quorate=result.quorate),
                    key=f"quorum:{meeting.id}", fields=fields,
                    buttons=[Button("See attendance", f"attendance {group.key}"),
                             Button("Check quorum", f"quorum {group.key}")])
        for chair in place.chairs.get(group.id, []):
            self.add(chair.id, (AHEAD, lead, 5, meeting.id), item)

    # --- escalations ------------------------------------------------------------------------

    def escalations(self) -> None:
        raiser = aliased(Member)
        rows = self.db.execute(
            select(Escalation.id, Escalation.agency_id, Escalation.raised_at, Escalation.category,
                   Escalation.urgency, Escalation.stage, Escalation.stage_entered_at, Escalation.acknowledged_at,
                   Escalation.raised_by_id, Escalation.assigned_to_id, raiser.name.label("raiser_name"))
            .join(raiser, raiser.id == Escalation.raised_by_id)
            .where(Escalation.closed_at.is_(None), Escalation.agency_id.in_(list(self.agency_place)))
            .order_by(Escalation.raised_at, Escalation.id))
        for row in rows:
            place = self.agency_place[row.agency_id]
            rules, local = place.rules, place.calendar.local_date
            waiting = place.count.between(local(row.raised_at), self.on)
            unacknowledged = row.acknowledged_at is None and waiting > rules.acknowledge_within
            in_stage = place.count.between(local(row.stage_entered_at), self.on)
            timescale = rules.stage_days(row.stage)
            stage_over = in_stage > timescale
            if not (unacknowledged or stage_over):
                continue
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
            readers = place.escalation_handlers | ({row.assigned_to_id} if row.assigned_to_id else set())
            urgent_first = 0 if row.urgency == "urgent" else 1
            for member_id in readers:
                self.add(member_id, (ESCALATION, urgent_first, -max(waiting, in_stage), row.id),
                         own if member_id == row.raised_by_id else item)

    def minutes_overdue(self) -> None:
        """Minutes not circulated within the group's limit (Solihull: two weeks): the business unit is told."""
        limit = min((g.minutes_within_days for p in self.places.values() for g in p.groups.values()), default=14)
        latest = datetime.combine(self.on - timedelta(days=limit), time(0), tzinfo=timezone.utc)
        rows = self.db.execute(
            select(Meeting.id, Meeting.group_id, Meeting.starts_at)
            .join(Group, Group.id == Meeting.group_id)
            .where(Meeting.status == MeetingStatus.SCHEDULED.value, Meeting.minutes_circulated_at.is_(None),
                   Meeting.starts_at < latest, Meeting.starts_at >= latest - MINUTES_LOOK_BACK,
                   Group.partnership_id.in_(list(self.places))))
        for row in rows:
            place = self.group_place[row.group_id]
            group = place.groups[row.group_id]
            held = place.calendar.local_date(row.starts_at)
            days = (self.on - held).days
            if days <= group.minutes_within_days:
                continue
            entry = ((OVERDUE, -days, 5, row.id), _Later(f"minutes:{row.id}", self.minutes_item,
                                                          (row.id, group, held, days)))
            for admin in place.admins:
                self.entries[admin.id].append(entry)

    @staticmethod
    def minutes_item(args: tuple) -> Item:
        meeting_id, group, held, days = args
        return Item(text=item_text("minutes", group=group.name, meets=day_text(held), days=days,
                                   limit=group.minutes_within_days),
                    key=f"minutes:{meeting_id}", buttons=[Button("Minutes are out", f"minutes {meeting_id}",
                                                                 style="primary")])

    # --- the weekly by-exception report -----------------------------------------------------

    def load_past_meetings(self) -> dict[int, list]:
        """Each reporting group's last few meetings before today, newest first."""
        groups, deepest, before = [], 1, None
        for place in self.places.values():
            if not place.report_day:
                continue
            groups += list(place.groups)
            deepest = max([deepest] + [place.rules.for_group(g.key).missed_in_a_row for g in place.groups.values()])
            start = start_of_day(self.on, place.calendar)
            before = start if before is None else max(before, start)
        if not groups:
            return {}
        order = func.row_number().over(partition_by=Meeting.group_id,
                                       order_by=(Meeting.starts_at.desc(), Meeting.id.desc()))
        ranked = (select(Meeting.id, Meeting.group_id, Meeting.starts_at, order.label("back"))
                  .where(Meeting.status == MeetingStatus.SCHEDULED.value, Meeting.starts_at < before,
                         Meeting.group_id.in_(groups)).subquery())
        rows = self.db.execute(select(ranked.c.id, ranked.c.group_id, ranked.c.starts_at)
                                    .where(ranked.c.back <= deepest).order_by(ranked.c.group_id, ranked.c.back))
        past: dict[int, list] = defaultdict(list)
        for row in rows:
            past[row.group_id].append(row)
        return past

    def by_exception(self) -> None:
        for group_id, meetings in self.past_meetings.items():
            place = self.group_place[group_id]
            group = place.groups[group_id]
            in_a_row = place.rules.for_group(group.key).missed_in_a_row
            if len(meetings) < in_a_row:
                continue
            last = meetings[:in_a_row]
            missed_all: dict[int, Any] | None = None
            for meeting in last:
                missed = {s.id: s for s in self.absent.get(meeting.id, []) if self.missed(s)}
                missed_all = missed if missed_all is None else {k: v for k, v in missed_all.items() if k in missed}
            for seat in (missed_all or {}).values():
                item = Item(
                    text=item_text("missed", name=seat.name, agency=seat.agency_name, count=in_a_row, group=group.name),
                    key=f"missed:{group_id}:{seat.id}",
                    fields=[("Meetings", ", ".join(format_day(place.calendar.local_date(m.starts_at))
                                                   for m in reversed(last)))],
                    buttons=[Button("See attendance", f"attendance {group.key}")])
                readers = place.chairs.get(group_id, []) + place.admins
                for member_id in {m.id for m in readers}:
                    self.add(member_id, (REPORT, 0, 7, group_id, seat.id), item)
        self.long_overdue()

    @staticmethod
    def missed(seat) -> bool:
        """Nobody from the seat there (as the attendance report counts it)."""
        return missed(seat_outcome(seat.answer, seat.attended))

    def long_overdue(self) -> None:
        """Returns and actions overdue by more than the partnership's limit: how many and the oldest, by agency."""
        reporting = [p for p in self.places.values() if p.report_day]
        cutoff = {p.row.id: p.calendar.add_working_days(self.on, -p.rules.overdue_more_than) for p in reporting}
        found: dict[int, dict[str, tuple[int, date]]] = defaultdict(dict)
        for model, open_clause, label in (
            (DataReturn, DataReturn.submitted_at.is_(None), "Returns"),
            (Action, Action.status == ActionStatus.OPEN.value, "Actions"),
        ):
            rows = self.db.execute(
                select(model.agency_id, func.count(), func.min(model.due_date))
                .join(Agency, Agency.id == model.agency_id)
                .where(open_clause, model.due_date < max(cutoff.values()),  # a range on the index
                       Agency.partnership_id.in_(list(cutoff)),
                       model.due_date < case(cutoff, value=Agency.partnership_id))
                .group_by(model.agency_id))
            for agency_id, count, oldest in rows:
                found[agency_id][label] = (count, oldest)
        chairs_watching = self.chairs_by_agency(reporting) if found else {}
        for agency_id, kinds in found.items():
            place = self.agency_place[agency_id]
            agency = place.agencies[agency_id]
            total = sum(count for count, _ in kinds.values())
            fields = [(label, f"{count}, the oldest due {day_text(oldest)}")
                      for label, (count, oldest) in sorted(kinds.items())]
            item = Item(text=item_text("long_overdue", agency=agency.name, count=total,
                                       days=place.rules.overdue_more_than),
                        key=f"overdue:{agency_id}", fields=fields,
                        buttons=[Button("See their actions", f"actions agency {agency.key}")])
            readers = {m.id for m in place.admins} | chairs_watching.get(agency_id, set())
            for member_id in readers:
                self.add(member_id, (REPORT, 1, -total, agency_id), item)

    def chairs_by_agency(self, reporting: list[_Place]) -> dict[int, set[int]]:
        """Which chairs see an agency in the report: those chairing a group the agency sits on."""
        chair = aliased(Membership)
        seat = aliased(Membership)
        rows = self.db.execute(
            select(chair.member_id, Member.agency_id).distinct()
            .join(seat, seat.group_id == chair.group_id)
            .join(Member, Member.id == seat.member_id)
            .where(chair.role.in_(CHAIR_ROLES), Member.active,
                   chair.group_id.in_([g for p in reporting for g in p.groups]))).all()
        watching: dict[int, set[int]] = defaultdict(set)
        for chair_id, agency_id in rows:
            watching[agency_id].add(chair_id)
        return watching

    # --- one reply per person ---------------------------------------------------------------

    def digests(self) -> list[Digest]:
        unknown = [member_id for member_id in self.entries if member_id not in self.known]
        if unknown:
            # One statement however many people (too many for bound parameters): the ids are the
            # database's own integers, written into the statement as numbers.
            ids = text(f"member.id IN ({','.join(map(str, map(int, unknown)))})")
            known, make = self.known, Recipient._make
            for row in self.db.execute(select(*RECIPIENT_COLUMNS).where(ids)):
                known[row[0]] = make(row)
        found = []
        known, entries, on, reply = self.known, self.entries, self.on, self.reply
        for member_id in sorted(entries):
            person = known[member_id]
            if not person.active:
                continue
            place = self.agency_place.get(person.agency_id) or self.owner_of.get(member_id)
            found.append(Digest(person, place.id, on, entries[member_id], reply))
        return found

    def reply(self, entries: list[tuple[tuple, Item | _Later]]) -> Reply:
        """One person's digest: most urgent first, each item once, the first MAX_ITEMS worded."""
        entries.sort(key=lambda entry: entry[0])
        chosen, seen, pressing = [], set(), 0
        for sort_key, item in entries:
            if item.key not in seen:
                seen.add(item.key)
                chosen.append(item)
                pressing += sort_key[0] <= OVERDUE
        title, text = _summary(self.on, len(chosen), pressing)
        shown = [item.build(item.args) if isinstance(item, _Later) else item for item in chosen[:MAX_ITEMS]]
        return Reply(title=title, text=text, items=shown, more=len(chosen) - len(shown),
                     more_hint="type `actions`, `returns` or `papers` to see them all" if len(chosen) > MAX_ITEMS
                     else None, tone=Tone.WARNING if pressing else Tone.INFO, private=True)
