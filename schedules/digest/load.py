"""Everything a day's digests need from the database, read with a fixed set of statements.

Their number does not depend on how many members, items or partnerships there are (only the
lists inside them grow), which tests/schedules/test_statements.py holds the sweep to. Column
queries run on the connection, so rows come back as plain tuples without ORM loading: a large
sweep reads tens of thousands of them. Which rows to ask for (the due dates, the window of
meetings) is the deciding's business; here is only how to read them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from functools import cached_property
from typing import Any, NamedTuple

from sqlalchemy import Date, Integer, and_, case, column, exists, func, or_, select, text
from sqlalchemy.orm import aliased
from sqlmodel import Session

from messages.buttons import MAX_DEPUTY_OPTIONS
from messages.templates import format_day
from models.calendar import WorkingCalendar, calendar_for
from models.escalations import Escalation
from models.groups import Group, Membership, held_on, seat_held
from models.meetings import AttendanceAnswer, Meeting, MeetingStatus, Paper, missed_clause
from models.partnership import Agency, Member, Partnership
from models.permissions import CHAIR_ROLES, escalation_handler_ids
from models.snooze import Snooze
from models.work import Action, ActionStatus, DataReturn
from schedules.digest.working_days import WorkingDayCount, is_report_day, start_of_day
from schedules.rules import Rules, RulesError, rules_for

# Minutes of meetings older than this are not chased any more (history loaded from a file).
MINUTES_LOOK_BACK = timedelta(days=183)
STREAMED = {"yield_per": 2000}  # due returns and actions fetched this many at a time (one statement)


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
    email_off: bool


RECIPIENT_COLUMNS = (Member.id, Member.name, Member.email, Member.agency_id, Member.preferred_platform,
                     Member.slack_user_id, Member.teams_aad_id, Member.teams_unreachable, Member.is_admin,
                     Member.active, Member.email_off)


def owner_columns(owner) -> tuple:
    """An item's owner as a Recipient, read with the item (o_id, o_name, ...): last in the row."""
    return tuple(getattr(owner, column.key).label(f"o_{column.key}") for column in RECIPIENT_COLUMNS)


@dataclass
class Place:
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
    decisions: dict[tuple, tuple | None] = field(default_factory=dict)  # (kind, due date) -> Sweep.decide

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


# Rows fetched from the driver at once when a large result is read in parts: a call for each row
# costs more than the row, and fetching the whole result at once would hold every row together.
FETCHED_TOGETHER = 5000


class Load:
    """The sweep's statements, one method each, and what they tell about the partnerships.

    The places (and which place each agency and group belongs to) and the people known so far
    are kept here, for the deciding to look up.
    """

    def __init__(self, session: Session, on: date):
        self.session = session
        self.on = on
        self.places: dict[int, Place] = {}
        self.agency_place: dict[int, Place] = {}
        self.group_place: dict[int, Place] = {}
        self.known: dict[int, Recipient] = {}
        self.quiet: list[str] = []

    @property
    def db(self):
        """The session's connection. Column queries run on it: rows come back as plain tuples,
        without ORM loading. Asked for each time, since a day queued a chunk at a time commits in
        between, and the first attendance ask worded after a commit still reads colleagues."""
        return self.session.connection()

    # --- the partnerships, their agencies, groups and people ----------------------------------

    def partnerships(self, partnership_ids: set[int] | None) -> None:
        query = select(Partnership)
        if partnership_ids is not None:
            query = query.where(Partnership.id.in_(partnership_ids or {0}))
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
            self.places[row.id] = Place(row, rules, calendar, count,
                                        is_report_day(calendar, self.on, rules.exception_weekday))

    def agencies_groups_and_people(self) -> None:
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
                  .where(Membership.role.in_(CHAIR_ROLES), Member.active, Group.partnership_id.in_(ids),
                         held_on(self.on))
                  .order_by(Membership.role, Member.name))
        for group_id, *values in self.db.execute(chairs).all():
            person = Recipient(*values)
            self.known[person.id] = person
            self.group_place[group_id].chairs.setdefault(group_id, []).append(person)

    def snoozes(self) -> set[tuple[int, str, int]]:
        # A snooze holds until (and not including) its `until` day.
        rows = self.db.execute(select(Snooze.member_id, Snooze.item_kind, Snooze.item_id)
                                    .where(Snooze.until > self.on))
        return {tuple(row) for row in rows}

    def recipients(self, member_ids: list[int]) -> None:
        """What delivery needs about the people not known yet (item owners are read with their items)."""
        # One statement however many people (too many for bound parameters): the ids are the
        # database's own integers, written into the statement as numbers.
        ids = text(f"member.id IN ({','.join(map(str, map(int, member_ids)))})")
        known, make = self.known, Recipient._make
        for row in self.db.execute(select(*RECIPIENT_COLUMNS).where(ids)):
            known[row[0]] = make(row)

    # --- returns and actions ----------------------------------------------------------------

    def earliest_open(self):
        """The due date of the oldest open action and of the oldest open return: (action, return)."""
        return self.db.execute(select(
            select(func.min(Action.due_date)).where(Action.status == ActionStatus.OPEN.value).scalar_subquery(),
            select(func.min(DataReturn.due_date)).where(DataReturn.submitted_at.is_(None)).scalar_subquery(),
        )).one()

    # Read as streams in owner order, those who have left first (their items go to the business
    # unit), each row with its owner as a Recipient (last in the row): the deciding hands out a
    # band of people's digests as soon as the streams have passed them, so a day is never held in
    # memory whole. `db` is a connection of its own when digests are queued (committed) meanwhile.

    def returns_due(self, dates: list[date], db=None):
        owner = aliased(Member)
        return (db or self.db).execute(
            select(DataReturn.id, DataReturn.title, DataReturn.period, DataReturn.kind, DataReturn.due_date,
                   DataReturn.owner_id, DataReturn.agency_id, *owner_columns(owner))
            .join(owner, owner.id == DataReturn.owner_id)
            .where(DataReturn.submitted_at.is_(None), DataReturn.due_date.in_(dates))
            .order_by(owner.active, DataReturn.owner_id, DataReturn.id), execution_options=STREAMED)

    def actions_due(self, dates: list[date], db=None):
        owner = aliased(Member)
        return (db or self.db).execute(
            select(Action.id, Action.title, Action.source, Action.due_date, Action.owner_id, Action.agency_id,
                   *owner_columns(owner))
            .join(owner, owner.id == Action.owner_id)
            .where(Action.status == ActionStatus.OPEN.value, Action.due_date.in_(dates))
            .order_by(owner.active, Action.owner_id, Action.id), execution_options=STREAMED)

    # --- meetings: papers, attendance, quorum ---------------------------------------------

    def upcoming_meetings(self, earliest: datetime, latest: datetime) -> list:
        return self.db.execute(
            select(Meeting.id, Meeting.group_id, Meeting.starts_at, Meeting.location)
            .join(Group, Group.id == Meeting.group_id)
            .where(Meeting.status == MeetingStatus.SCHEDULED.value, Meeting.starts_at >= earliest,
                   Meeting.starts_at < latest, Group.partnership_id.in_(list(self.places)))
            .order_by(Meeting.starts_at, Meeting.id)).all()

    def papers_owed(self, meeting_ids: list[int]):
        """Papers not in yet for these meetings, each with its owner as a Recipient (last in the row)."""
        owner = aliased(Member)
        return self.db.execute(
            select(Paper.id, Paper.title, Paper.meeting_id, Paper.owner_id, *owner_columns(owner))
            .join(owner, owner.id == Paper.owner_id)
            .where(Paper.submitted_at.is_(None), Paper.meeting_id.in_(meeting_ids))
            .order_by(Paper.meeting_id, Paper.id))

    def seats(self, meeting_ids: set[int]) -> tuple[dict[int, list], set[tuple[int, str, int]]]:
        """Every seat held on the day of each meeting of its group, with the answer given; and who
        has sent apologies for each meeting, held seat or not: (meeting id, email, agency id), for
        none of them can deputise there."""
        deputy, deputys_own = aliased(Member), aliased(AttendanceAnswer)
        rows = self.db.execute(
            select(Meeting.id.label("meeting_id"), Meeting.group_id.label("group_id"),
                   Meeting.starts_at.label("starts_at"), Membership.since, Membership.until, Membership.role,
                   Agency.key.label("agency_key"), Agency.name.label("agency_name"), AttendanceAnswer.answer,
                   AttendanceAnswer.attended, deputy.name.label("deputy_name"), AttendanceAnswer.deputy_answer,
                   AttendanceAnswer.deputy_id, deputys_own.answer.label("deputy_own_answer"),
                   *RECIPIENT_COLUMNS)
            .join(Membership, Membership.group_id == Meeting.group_id)
            .join(Member, Member.id == Membership.member_id)
            .join(Agency, Agency.id == Member.agency_id)
            .outerjoin(AttendanceAnswer, and_(AttendanceAnswer.meeting_id == Meeting.id,
                                              AttendanceAnswer.member_id == Member.id))
            .outerjoin(deputy, deputy.id == AttendanceAnswer.deputy_id)
            # A deputy who has sent apologies for their own seat there is not coming for anyone.
            .outerjoin(deputys_own, and_(deputys_own.meeting_id == Meeting.id,
                                         deputys_own.member_id == AttendanceAnswer.deputy_id))
            .where(Meeting.id.in_(list(meeting_ids)), Member.active)
            .order_by(Meeting.id, Agency.name, Member.name)).all()
        seats: dict[int, list] = defaultdict(list)
        days: dict[int, date] = {}
        away: set[tuple[int, str, int]] = set()
        for row in rows:
            if row.answer == "apologies":
                away.add((row.meeting_id, row.email, row.agency_id))
            day = days.get(row.meeting_id)
            if day is None:
                day = days[row.meeting_id] = self.group_place[row.group_id].calendar.local_date(row.starts_at)
            if seat_held(row.since, row.until, day):
                seats[row.meeting_id].append(row)
        return seats, away

    def deputies_to_ask(self, meeting_ids: set[int]) -> list:
        """Named deputies who have not yet said whether they can go: the member who named them, and
        the deputy as a Recipient (last in the row). One who has sent apologies for their own seat at
        that meeting has said it already (their member was told)."""
        named_by, own = aliased(Member), aliased(AttendanceAnswer)
        return list(self.db.execute(
            select(AttendanceAnswer.meeting_id, named_by.name.label("named_by"), *RECIPIENT_COLUMNS)
            .join(Member, Member.id == AttendanceAnswer.deputy_id)
            .join(named_by, named_by.id == AttendanceAnswer.member_id)
            .outerjoin(own, and_(own.meeting_id == AttendanceAnswer.meeting_id, own.member_id == Member.id))
            .where(AttendanceAnswer.meeting_id.in_(list(meeting_ids)), AttendanceAnswer.answer == "deputy",
                   AttendanceAnswer.deputy_answer.is_(None), Member.active,
                   or_(own.answer.is_(None), own.answer != "apologies"))
            .order_by(AttendanceAnswer.meeting_id, Member.id)))

    def colleagues(self, agency_ids: set[int], more: int = 0) -> dict[int, list]:
        """Up to a form's worth of active people per agency, to offer as deputies, and `more` besides
        (for those who cannot deputise at a meeting, left out of its form)."""
        if not agency_ids:
            return {}
        place = func.row_number().over(partition_by=Member.agency_id, order_by=(Member.name, Member.id))
        ranked = (select(Member.id, Member.name, Member.email, Member.agency_id, place.label("place"))
                  .where(Member.active, Member.agency_id.in_(list(agency_ids))).subquery())
        rows = self.db.execute(select(ranked.c.id, ranked.c.name, ranked.c.email, ranked.c.agency_id)
                                    .where(ranked.c.place <= MAX_DEPUTY_OPTIONS + 1 + more)
                                    .order_by(ranked.c.agency_id, ranked.c.place)).all()
        found: dict[int, list] = defaultdict(list)
        for row in rows:
            found[row.agency_id].append(row)
        return found

    def minutes_not_out(self):
        """Meetings held longer ago than the shortest minutes limit whose minutes are not circulated."""
        limit = min((g.minutes_within_days for p in self.places.values() for g in p.groups.values()), default=14)
        latest = datetime.combine(self.on - timedelta(days=limit), time(0), tzinfo=timezone.utc)
        return self.db.execute(
            select(Meeting.id, Meeting.group_id, Meeting.starts_at)
            .join(Group, Group.id == Meeting.group_id)
            .where(Meeting.status == MeetingStatus.SCHEDULED.value, Meeting.minutes_circulated_at.is_(None),
                   Meeting.starts_at < latest, Meeting.starts_at >= latest - MINUTES_LOOK_BACK,
                   Group.partnership_id.in_(list(self.places))))

    # --- escalations ------------------------------------------------------------------------

    def open_escalations(self):
        raiser = aliased(Member)
        return self.db.execute(
            select(Escalation.id, Escalation.agency_id, Escalation.raised_at, Escalation.category,
                   Escalation.urgency, Escalation.stage, Escalation.stage_entered_at, Escalation.acknowledged_at,
                   Escalation.raised_by_id, Escalation.assigned_to_id, raiser.name.label("raiser_name"))
            .join(raiser, raiser.id == Escalation.raised_by_id)
            .join(Agency, Agency.id == Escalation.agency_id)
            .where(Escalation.closed_at.is_(None), Agency.partnership_id.in_(list(self.places)))
            .order_by(Escalation.raised_at, Escalation.id))

    # --- the weekly by-exception report -----------------------------------------------------

    def past_meetings(self) -> dict[int, list]:
        """Each reporting group's last few meetings before today, newest first."""
        reporting, deepest, before = [], 1, None
        for place in self.places.values():
            if not place.report_day or not place.groups:
                continue
            reporting.append(place.id)
            deepest = max([deepest] + [place.rules.for_group(g.key).missed_in_a_row for g in place.groups.values()])
            start = start_of_day(self.on, place.calendar)
            before = start if before is None else max(before, start)
        if not reporting:
            return {}
        order = func.row_number().over(partition_by=Meeting.group_id,
                                       order_by=(Meeting.starts_at.desc(), Meeting.id.desc()))
        ranked = (select(Meeting.id, Meeting.group_id, Meeting.starts_at, order.label("back"))
                  .join(Group, Group.id == Meeting.group_id)
                  .where(Meeting.status == MeetingStatus.SCHEDULED.value, Meeting.starts_at < before,
                         Group.partnership_id.in_(reporting)).subquery())
        rows = self.db.execute(select(ranked.c.id, ranked.c.group_id, ranked.c.starts_at)
                                    .where(ranked.c.back <= deepest).order_by(ranked.c.group_id, ranked.c.back)).all()
        past: dict[int, list] = defaultdict(list)
        for row in rows:
            past[row.group_id].append(row)
        return past

    def long_overdue(self, cutoff: dict[int, date]) -> dict[int, dict[str, tuple[int, date]]]:
        """Per agency, how many returns and actions are due before their partnership's cutoff, and the oldest."""
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
        return found

    def missed_in_a_row(self, last: dict[int, list]) -> list:
        """The seats that missed every one of their group's meetings given (`last`: group id -> its
        last meetings): held on each of those days, and nobody from the seat there. A seat that did
        not answer for a meeting whose attendance is not recorded yet has not missed it on that
        evidence. Counted in SQL, so only the seats to report come back, whatever the size of the
        partnership."""
        days = [(meeting.id, group_id, self.group_place[group_id].calendar.local_date(meeting.starts_at), len(meetings))
                for group_id, meetings in last.items() for meeting in meetings]
        if not days:
            return []
        past = listed_values(self.db, days, (("meeting_id", Integer), ("group_id", Integer), ("day", Date),
                                             ("needed", Integer)), name="past")
        deputys_own, recorded = aliased(AttendanceAnswer), aliased(AttendanceAnswer)
        return self.db.execute(
            select(past.c.group_id, Member.id, Member.name, Agency.name.label("agency_name"))
            .select_from(past)
            .join(Membership, Membership.group_id == past.c.group_id)
            .join(Member, Member.id == Membership.member_id)
            .join(Agency, Agency.id == Member.agency_id)
            .outerjoin(AttendanceAnswer, and_(AttendanceAnswer.meeting_id == past.c.meeting_id,
                                              AttendanceAnswer.member_id == Member.id))
            .where(Member.active, held_on(past.c.day),
                   missed_clause(AttendanceAnswer.answer, AttendanceAnswer.attended, AttendanceAnswer.deputy_answer,
                                 exists().where(deputys_own.meeting_id == past.c.meeting_id,
                                                deputys_own.member_id == AttendanceAnswer.deputy_id,
                                                deputys_own.answer == "apologies")),
                   or_(AttendanceAnswer.id.is_not(None),
                       exists().where(recorded.meeting_id == past.c.meeting_id, recorded.attended.is_not(None))))
            .group_by(past.c.group_id, Member.id, Member.name, Agency.name)
            .having(func.count(past.c.meeting_id.distinct()) == func.max(past.c.needed))
            .order_by(past.c.group_id, Agency.name, Member.name)).all()

    def seat_agencies(self, partnership_ids: list[int]) -> dict[int, set[int]]:
        """The agencies with a seat held today on each group of these partnerships: group id -> agency ids.

        The groups are found through their partnership, never listed in the statement: given ten
        thousand group ids, SQLite would probe every one of them for each member."""
        rows = self.db.execute(
            select(Membership.group_id, Member.agency_id).distinct()
            .join(Group, Group.id == Membership.group_id)
            .join(Member, Member.id == Membership.member_id)
            .where(Member.active, held_on(self.on), Group.partnership_id.in_(partnership_ids)))
        found: dict[int, set[int]] = defaultdict(set)
        for part in rows.partitions(FETCHED_TOGETHER):  # about a row a seat: read a part at a time
            for group_id, agency_id in part:
                found[group_id].add(agency_id)
        return found


def listed_values(db, rows: list[tuple], columns: tuple[tuple[str, Any], ...], *, name: str):
    """Rows of integers and dates as a table in the statement (VALUES), however many there are:
    bound parameters run out at a few tens of thousands. Only ints and dates are written in, as
    numbers and ISO dates, so nothing from outside reaches the SQL text."""
    date_sql = "'{}'::date" if db.dialect.name == "postgresql" else "'{}'"

    def literal(value) -> str:
        if isinstance(value, date):
            return date_sql.format(value.isoformat())
        return str(int(value))

    body = ", ".join("(" + ", ".join(literal(v) for v in row) + ")" for row in rows)
    textual = text(f"VALUES {body}").columns(*(column(f"column{n}", kind) for n, (_, kind) in
                                               enumerate(columns, start=1)))
    inner = textual.subquery(f"{name}_values")
    return select(*(inner.c[f"column{n}"].label(label) for n, (label, _) in enumerate(columns, start=1))) \
        .subquery(name)
