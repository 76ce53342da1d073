"""The figures behind the by-exception reports: attendance, returns, actions and escalations.

Each function reads what it needs in a few queries and returns plain tables (headers and
rows of plain values), so the same figures go to chat, to CSV and to Excel unchanged.
Escalation figures are counts, dates and references only: never the summary text.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from statistics import median
from typing import Any

from sqlmodel import Session, col, func, select

from models.escalations import CATEGORIES, Escalation, EscalationStageChange
from models.groups import Group, Membership, seat_held
from models.meetings import (ABSENT, APOLOGIES, ATTENDED, DEPUTISED, OUTCOMES, AttendanceAnswer, Meeting,
                             MeetingStatus, missed, seat_outcome)
from models.partnership import Agency, Member, Partnership
from models.partnership_settings import expected_rate_percent
from models.work import RETURN_KIND_NAMES, Action, ActionStatus, DataReturn
from models.calendar import WorkingCalendar

DEFAULT_EXPECTED_RATE = 75
DEFAULT_MISSED_IN_A_ROW = 2



@dataclass
class Table:
    """One table of a report: a CSV file, or a sheet of the workbook."""

    name: str  # short, for file names: "members"
    title: str  # the workbook's sheet name, so at most 31 characters
    headers: list[str]
    rows: list[list[Any]]


@dataclass
class ReportScope:
    """Whose figures a report covers: one group, some groups (a chair's), or the whole partnership."""

    key: str  # for file names: "arg", "my-groups", "all"
    name: str
    group_ids: list[int] | None = None  # None: everything in the partnership


@dataclass
class ReportData:
    kind: str
    title: str
    scope: ReportScope
    start: date
    end: date
    tables: list[Table]
    # What the chat reply says in a few lines; see messages/templates/report_<kind>.txt.
    highlights: dict[str, Any] = field(default_factory=dict)
    chart: dict[str, Any] | None = None
    # More lines for the workbook's About sheet: (what, says).
    notes: list[tuple[str, str]] = field(default_factory=list)


def _bounds(start: date, end: date, calendar: WorkingCalendar) -> tuple[datetime, datetime]:
    """The UTC moments from the start of `start` to the end of `end`, in the partnership's zone."""
    lo = datetime.combine(start, time(0, 0), tzinfo=calendar.zone).astimezone(timezone.utc)
    hi = datetime.combine(end, time(23, 59, 59, 999999), tzinfo=calendar.zone).astimezone(timezone.utc)
    return lo, hi


def _agency_names(session: Session, partnership: Partnership) -> dict[int, str]:
    return dict(session.exec(select(Agency.id, Agency.name).where(Agency.partnership_id == partnership.id)).all())


def _setting(settings: dict[str, Any], *path: str) -> Any:
    value: Any = settings
    for key in path:
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


def expected_rate(partnership: Partnership, group: Group) -> int:
    """The attendance rate a group expects, in per cent: `attendance.groups.<key>.expected_rate`,
    else `attendance.expected_rate` in the partnership's settings, else 75."""
    settings = partnership.settings or {}
    value = _setting(settings, "attendance", "groups", group.key, "expected_rate")
    if value is None:
        value = _setting(settings, "attendance", "expected_rate")
    rate = expected_rate_percent(value)
    return DEFAULT_EXPECTED_RATE if rate is None else rate


def missed_in_a_row(partnership: Partnership, group: Group) -> int:
    """How many missed meetings in a row make an exception; the reminders' by-exception setting."""
    settings = partnership.settings or {}
    for path in (("reminders", "groups", group.key, "by_exception", "missed_in_a_row"),
                 ("reminders", "by_exception", "missed_in_a_row")):
        value = _setting(settings, *path)
        if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
            return value
    return DEFAULT_MISSED_IN_A_ROW


def _day(value: date) -> str:
    return f"{value.day} {value:%b %Y}"


def _rate(represented: int, meetings: int) -> int | None:
    return round(100 * represented / meetings) if meetings else None


# --- attendance ---------------------------------------------------------------------------------------


def _outcome(answer: AttendanceAnswer | None, answers: dict[tuple[int, int], AttendanceAnswer]) -> str:
    if answer is None:
        return seat_outcome(None, None)
    own = answers.get((answer.meeting_id, answer.deputy_id)) if answer.deputy_id else None
    return seat_outcome(answer.answer, answer.attended, answer.deputy_answer, own.answer if own else None)


def attendance_report(group: Group, *, session: Session, partnership: Partnership, calendar: WorkingCalendar,
                      start: date, end: date, now: datetime) -> ReportData:
    """Per member and agency: attended, deputised, apologies, absent without word; and the exceptions.

    Each seat is counted only at the meetings held while it was held: someone who joined last week
    has not missed the meetings before, and someone who left is not absent from those after. A
    meeting whose attendance is not recorded yet (`attended MEETING-ID` not run) is left out of the
    figures, and named in the reply and the files: nobody is absent from it on no evidence."""
    lo, hi = _bounds(start, end, calendar)
    meetings = list(session.exec(
        select(Meeting).where(Meeting.group_id == group.id, Meeting.status == MeetingStatus.SCHEDULED.value,
                              Meeting.starts_at >= lo, Meeting.starts_at <= min(hi, now))
        .order_by(Meeting.starts_at)))
    seats = session.exec(
        select(Member, Membership.role, Membership.since, Membership.until)
        .join(Membership, Membership.member_id == Member.id)
        .where(Membership.group_id == group.id,
               (col(Membership.since).is_(None)) | (Membership.since <= end),
               (col(Membership.until).is_(None)) | (Membership.until >= start))
        .order_by(Member.name)).all()
    answers = {(a.meeting_id, a.member_id): a for a in session.exec(
        select(AttendanceAnswer).where(col(AttendanceAnswer.meeting_id).in_([m.id for m in meetings] or [0])))}
    agencies = _agency_names(session, partnership)
    rate_expected = expected_rate(partnership, group)
    run_limit = missed_in_a_row(partnership, group)
    days = {m.id: calendar.local_date(m.starts_at) for m in meetings}
    recorded = {meeting_id for (meeting_id, _), a in answers.items() if a.attended is not None}
    counted = [m for m in meetings if m.id in recorded]
    left_out = [{"id": m.id, "day": days[m.id]} for m in meetings if m.id not in recorded]

    member_rows, exception_rows = [], []
    by_agency: dict[int, Counter] = defaultdict(Counter)
    agency_seats: Counter = Counter()
    agency_seat_meetings: Counter = Counter()
    represented_at: dict[int, set[int]] = defaultdict(set)
    for member, role, since, until in seats:
        held = [m for m in meetings if seat_held(since, until, days[m.id])]
        # None where attendance is not recorded: not counted, and it breaks a run of meetings missed.
        outcomes = [_outcome(answers.get((m.id, member.id)), answers) if m.id in recorded else None for m in held]
        counts = Counter(o for o in outcomes if o is not None)
        seat_meetings = sum(counts.values())
        agency_seats[member.agency_id] += 1
        agency_seat_meetings[member.agency_id] += seat_meetings
        by_agency[member.agency_id].update(counts)
        for meeting, outcome in zip(held, outcomes, strict=True):
            if outcome in (ATTENDED, DEPUTISED):
                represented_at[member.agency_id].add(meeting.id)
        rate = _rate(counts[ATTENDED] + counts[DEPUTISED], seat_meetings)
        exceptions = []
        streak = _longest_missed_run(outcomes)
        if len(streak) >= run_limit:
            missed_days = ", ".join(_day(days[held[i].id]) for i in streak)
            exceptions.append(f"missed {len(streak)} in a row without a deputy")
            exception_rows.append([member.name, agencies.get(member.agency_id, ""),
                                   f"missed {len(streak)} in a row without a deputy", missed_days])
        if rate is not None and rate < rate_expected:
            exceptions.append(f"attendance {rate}% (expected {rate_expected}%)")
            exception_rows.append([member.name, agencies.get(member.agency_id, ""),
                                   f"below the expected {rate_expected}%",
                                   f"attended or deputised at {counts[ATTENDED] + counts[DEPUTISED]} "
                                   f"of {seat_meetings} meetings ({rate}%)"])
        member_rows.append([member.name, agencies.get(member.agency_id, ""), role.replace("_", " "), seat_meetings,
                            counts[ATTENDED], counts[DEPUTISED], counts[APOLOGIES], counts[ABSENT], rate,
                            "; ".join(exceptions)])

    agency_rows, chart_rows = [], []
    for agency_id in sorted(agency_seats, key=lambda a: agencies.get(a, "")):
        counts = by_agency[agency_id]
        rate = _rate(counts[ATTENDED] + counts[DEPUTISED], agency_seat_meetings[agency_id])
        agency_rows.append([agencies.get(agency_id, ""), agency_seats[agency_id], len(counted),
                            len(represented_at[agency_id]), counts[ATTENDED], counts[DEPUTISED], counts[APOLOGIES],
                            counts[ABSENT], rate])
        chart_rows.append((agencies.get(agency_id, ""), [counts[o] for o in OUTCOMES]))
    return ReportData(
        kind="attendance",
        title=f"Attendance: {group.name}",
        scope=ReportScope(group.key, group.name, [group.id]),
        start=start, end=end,
        tables=[
            Table("agencies", "Attendance by agency",
                  ["Agency", "Seats", "Meetings", "Meetings represented", "Attended", "Deputised", "Apologies",
                   "Absent without word", "Attendance rate %"], agency_rows),
            Table("members", "Attendance by member",
                  ["Member", "Agency", "Role", "Meetings", "Attended", "Deputised", "Apologies",
                   "Absent without word", "Attendance rate %", "Exceptions"], member_rows),
            Table("exceptions", "By exception",
                  ["Member", "Agency", "Exception", "Detail"], [*_not_recorded_rows(left_out), *exception_rows]),
        ],
        highlights={"meetings": len(meetings), "exceptions": exception_rows, "expected_rate": rate_expected,
                    "missed_in_a_row": run_limit, "members": len(member_rows), "left_out": left_out},
        chart={"group": group.name, "rows": chart_rows, "labels": list(OUTCOMES), "expected_rate": rate_expected,
               "meetings": len(counted), "left_out": [_day(m["day"]) for m in left_out]},
        notes=[("Left out", f"{_day(m['day'])} (meeting {m['id']}): {NOT_RECORDED}; record who came with "
                            f"`attended {m['id']}`") for m in left_out],
    )


NOT_RECORDED = "attendance not recorded, so left out of these figures"


def _not_recorded_rows(left_out: list[dict[str, Any]]) -> list[list[Any]]:
    """The meetings left out, as rows of the exceptions table: when held, and how to record them."""
    return [["", "", NOT_RECORDED, f"{_day(m['day'])} (meeting {m['id']}): record who came with `attended {m['id']}`"]
            for m in left_out]


def _longest_missed_run(outcomes: list[str | None]) -> list[int]:
    """The indexes of the longest run of meetings missed without a deputy (the latest if tied); a
    meeting whose attendance is not recorded (None) ends a run."""
    best: list[int] = []
    current: list[int] = []
    for index, outcome in enumerate(outcomes):
        if missed(outcome):
            current.append(index)
            if len(current) >= len(best):
                best = list(current)
        else:
            current = []
    return best


# --- scope: a chair's groups, or everything ---------------------------------------------------------


def scope_agency_ids(scope: ReportScope, *, session: Session, partnership: Partnership) -> list[int]:
    """The agencies with a seat on the scope's groups, or all the partnership's."""
    if scope.group_ids is None:
        return list(_agency_names(session, partnership))
    return sorted(set(session.exec(
        select(Member.agency_id).join(Membership, Membership.member_id == Member.id)
        .where(col(Membership.group_id).in_(scope.group_ids or [0]))).all()))


def scope_members(scope: ReportScope, *, partnership: Partnership):
    """The members seated on the scope's groups, or everyone in the partnership, as a subquery:
    listed as values, a large partnership's people would be more than a statement may carry."""
    if scope.group_ids is None:
        return select(Member.id).join(Agency, Agency.id == Member.agency_id) \
            .where(Agency.partnership_id == partnership.id)
    return select(Membership.member_id).where(col(Membership.group_id).in_(scope.group_ids or [0]))


# --- returns --------------------------------------------------------------------------------------------


def returns_report(scope: ReportScope, *, session: Session, partnership: Partnership, calendar: WorkingCalendar,
                   start: date, end: date, now: datetime) -> ReportData:
    """Returns due in the period, by agency: on time, late by how many working days, outstanding."""
    today = calendar.local_date(now)
    agency_ids = scope_agency_ids(scope, session=session, partnership=partnership)
    agencies = _agency_names(session, partnership)
    rows = session.exec(
        select(DataReturn, Member.name).join(Member, Member.id == DataReturn.owner_id)
        .where(col(DataReturn.agency_id).in_(agency_ids or [0]), DataReturn.due_date >= start,
               DataReturn.due_date <= end)
        .order_by(DataReturn.due_date, DataReturn.id)).all()
    detail, per_agency = [], defaultdict(Counter)
    worst: dict[int, int] = defaultdict(int)
    for item, owner in rows:
        submitted = calendar.local_date(item.submitted_at) if item.submitted_at else None
        if submitted is not None:
            late_by = max(0, calendar.working_days_between(item.due_date, submitted))
            status = "late" if late_by or submitted > item.due_date else "on time"
        elif item.due_date < today:
            late_by, status = calendar.working_days_between(item.due_date, today), "outstanding"
        else:
            late_by, status = 0, "not yet due"
        per_agency[item.agency_id][status] += 1
        if status in ("late", "outstanding"):
            worst[item.agency_id] = max(worst[item.agency_id], late_by)
        detail.append([f"#{item.id}", agencies.get(item.agency_id, ""), item.title,
                       RETURN_KIND_NAMES.get(item.kind, item.kind), item.period,
                       owner, item.due_date, submitted, status, late_by if status in ("late", "outstanding") else None])
    summary = []
    for agency_id in sorted(per_agency, key=lambda a: agencies.get(a, "")):
        c = per_agency[agency_id]
        summary.append([agencies.get(agency_id, ""), sum(c.values()), c["on time"], c["late"], c["outstanding"],
                        c["not yet due"], worst.get(agency_id) or None])
    totals = Counter()
    for c in per_agency.values():
        totals.update(c)
    outstanding = sorted((r for r in detail if r[8] == "outstanding"), key=lambda r: -r[9])
    return ReportData(
        kind="returns", title=f"Returns: {scope.name}", scope=scope, start=start, end=end,
        tables=[
            Table("agencies", "Returns by agency",
                  ["Agency", "Due in period", "On time", "Late", "Outstanding", "Not yet due",
                   "Most working days late"], summary),
            Table("returns", "Returns due in the period",
                  ["Ref", "Agency", "Return", "Kind", "Period", "Responsible", "Due", "Submitted", "Status",
                   "Working days late"], detail),
        ],
        highlights={"total": len(detail), "on_time": totals["on time"], "late": totals["late"],
                    "outstanding": totals["outstanding"], "not_yet_due": totals["not yet due"],
                    "most_overdue": outstanding[:3]},
    )


# --- actions --------------------------------------------------------------------------------------------

SOURCE_TYPES = (
    ("Section 11", ("s11", "section 11", "s.11")),
    ("Section 175/157", ("s175", "section 175", "s157", "section 157")),
    ("Review", ("review", "cspr", "lcspr", "rapid", "sar", "dhr", "serious case")),
    ("Audit", ("audit",)),
    ("Scrutiny", ("scrutiny",)),
    ("Inspection", ("jtai", "inspection", "ofsted", "ilacs")),
)


def source_type(source: str) -> str:
    """The kind of source an action came from, from the words people use: audit, review, S11..."""
    text = source.lower()
    for name, words in SOURCE_TYPES:
        if any(w in text for w in words):
            return name
    return "Other" if text.strip() else "Not given"


def actions_report(scope: ReportScope, *, session: Session, partnership: Partnership, calendar: WorkingCalendar,
                   start: date, end: date, now: datetime) -> ReportData:
    """Open and overdue actions today, and those completed in the period, by agency and by source."""
    today = calendar.local_date(now)
    lo, hi = _bounds(start, end, calendar)
    agencies = _agency_names(session, partnership)
    # Columns, not Action objects: the whole partnership's report can run to a million rows.
    rows = session.exec(
        select(Action.id, Action.title, Action.status, Action.due_date, Action.completed_at, Action.agency_id,
               Action.source, Member.name).join(Member, Member.id == Action.owner_id)
        .where(col(Action.owner_id).in_(scope_members(scope, partnership=partnership)),
               (Action.status == ActionStatus.OPEN.value)
               | ((Action.status == ActionStatus.DONE.value) & (Action.completed_at >= lo)
                  & (Action.completed_at <= hi)))
        .order_by(Action.due_date, Action.id))
    kinds = {}  # a source's kind, worked out once per source
    days_overdue = {}  # working days overdue, once per due date
    detail = []
    groups: dict[tuple[str, str], Counter] = defaultdict(Counter)
    oldest: dict[tuple[str, str], tuple[int, str, str, int]] = {}  # (id, title, owner, working days overdue)
    overall_oldest = None
    for action_id, title, action_status, due_date, completed_at, agency_id, source, owner in rows:
        agency = agencies.get(agency_id, "")
        kind = kinds.get(source)
        if kind is None:
            kind = kinds[source] = source_type(source)
        overdue_by = None
        if action_status == ActionStatus.OPEN.value:
            status = "overdue" if due_date < today else "open"
            if status == "overdue":
                overdue_by = days_overdue.get(due_date)
                if overdue_by is None:
                    overdue_by = days_overdue[due_date] = calendar.working_days_between(due_date, today)
        else:
            status = "completed"
        completed = calendar.local_date(completed_at) if completed_at else None
        detail.append([f"#{action_id}", title, owner, agency, source, kind, due_date, status, completed, overdue_by])
        # Rows come oldest due first, so the first overdue row of each kind is its oldest.
        for key in (("Agency", agency), ("Source", kind)):
            counter = groups[key]
            counter["open"] += status in ("open", "overdue")
            counter["overdue"] += status == "overdue"
            counter["completed"] += status == "completed"
            if status == "overdue":
                oldest.setdefault(key, (action_id, title, owner, overdue_by))
        if status == "overdue" and overall_oldest is None:
            overall_oldest = (action_id, title, owner, overdue_by)
    summary = []
    for by in ("Agency", "Source"):
        for key in sorted(k for k in groups if k[0] == by):
            counter = groups[key]
            old = oldest.get(key)
            summary.append([by, key[1], counter["open"], counter["overdue"], counter["completed"],
                            f"#{old[0]} {old[1]} ({old[2]}, {old[3]} working day{'s' * (old[3] != 1)})"
                            if old else None])
    statuses = Counter(r[7] for r in detail)
    return ReportData(
        kind="actions", title=f"Actions: {scope.name}", scope=scope, start=start, end=end,
        tables=[
            Table("summary", "Actions by agency and source",
                  ["By", "Name", "Open", "Overdue", "Completed in period", "Oldest overdue"], summary),
            Table("actions", "Open and completed actions",
                  ["Ref", "Action", "Owner", "Agency", "Source", "Source type", "Due", "Status", "Completed",
                   "Working days overdue"], detail),
        ],
        highlights={"open": statuses["open"] + statuses["overdue"], "overdue": statuses["overdue"],
                    "completed": statuses["completed"],
                    "oldest": {"ref": f"#{overall_oldest[0]}", "title": overall_oldest[1],
                               "owner": overall_oldest[2], "days": overall_oldest[3]} if overall_oldest else None},
    )


# --- escalations ----------------------------------------------------------------------------------------


def escalations_report(*, session: Session, partnership: Partnership, calendar: WorkingCalendar, start: date,
                       end: date, now: datetime) -> ReportData:
    """Escalations raised in the period: counts by agency raising and handling, category and stage
    reached, and working days to acknowledge and to close. References and counts only."""
    lo, hi = _bounds(start, end, calendar)
    agencies = _agency_names(session, partnership)
    in_period = (col(Escalation.agency_id).in_(list(agencies) or [0]), Escalation.raised_at >= lo,
                 Escalation.raised_at <= hi)
    raised = list(session.exec(select(Escalation).where(*in_period).order_by(Escalation.raised_at, Escalation.id)))
    reached = dict(session.exec(select(EscalationStageChange.escalation_id, func.max(EscalationStageChange.stage))
                                .where(col(EscalationStageChange.escalation_id).in_(
                                    select(Escalation.id).where(*in_period)))
                                .group_by(EscalationStageChange.escalation_id)).all())
    assignee_agency = dict(session.exec(select(Member.id, Member.agency_id).where(
        col(Member.id).in_({e.assigned_to_id for e in raised if e.assigned_to_id} or {0}))).all())

    detail = []
    for e in raised:
        raised_day = calendar.local_date(e.raised_at)
        ack_day = calendar.local_date(e.acknowledged_at) if e.acknowledged_at else None
        closed_day = calendar.local_date(e.closed_at) if e.closed_at else None
        handling = agencies.get(assignee_agency.get(e.assigned_to_id), "Not assigned") if e.assigned_to_id \
            else "Not assigned"
        detail.append({
            "ref": f"E{e.id}", "case": e.case_reference or "", "raised": raised_day,
            "raising": agencies.get(e.agency_id, ""), "handling": handling,
            "category": CATEGORIES.get(e.category, e.category), "urgency": e.urgency,
            "stage": max(reached.get(e.id, e.stage), e.stage),
            "acknowledged": ack_day,
            "to_acknowledge": calendar.working_days_between(raised_day, ack_day) if ack_day else None,
            "closed": closed_day,
            "to_close": calendar.working_days_between(raised_day, closed_day) if closed_day else None,
        })
    summary = []
    for label, key in (("Agency raising", "raising"), ("Agency handling", "handling"), ("Category", "category"),
                       ("Stage reached", "stage"), ("Urgency", "urgency")):
        buckets: dict[Any, list[dict]] = defaultdict(list)
        for row in detail:
            buckets[row[key]].append(row)
        for value in sorted(buckets, key=str):
            items = buckets[value]
            summary.append([label, f"Stage {value}" if key == "stage" else value, len(items),
                            *_timings(items)])
    open_now = sum(1 for r in detail if r["closed"] is None)
    return ReportData(
        kind="escalations", title="Escalations", scope=ReportScope("all", "the partnership"), start=start, end=end,
        tables=[
            Table("summary", "Escalations summary",
                  ["Measure", "Value", "Raised", "Acknowledged", "Median working days to acknowledge", "Closed",
                   "Median working days to close"], summary),
            Table("escalations", "Escalations (references only)",
                  ["Ref", "Case reference", "Raised", "Agency raising", "Agency handling", "Category", "Urgency",
                   "Stage reached", "Acknowledged", "Working days to acknowledge", "Closed",
                   "Working days to close"],
                  [list(r.values()) for r in detail]),
        ],
        highlights={"raised": len(detail), "open": open_now, "closed": len(detail) - open_now,
                    "median_acknowledge": _median([r["to_acknowledge"] for r in detail]),
                    "median_close": _median([r["to_close"] for r in detail])},
    )


def _median(values: Iterable[int | None]) -> float | int | None:
    known = [v for v in values if v is not None]
    if not known:
        return None
    m = median(known)
    return int(m) if float(m).is_integer() else round(m, 1)


def _timings(items: list[dict]) -> list[Any]:
    acknowledged = [r["to_acknowledge"] for r in items if r["to_acknowledge"] is not None]
    closed = [r["to_close"] for r in items if r["to_close"] is not None]
    return [len(acknowledged), _median(acknowledged), len(closed), _median(closed)]
