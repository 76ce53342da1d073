"""Quorum rules as data on a group, and the forecast for a meeting on the answers so far.

A rule is a mapping with any of these keys; every key given must be met:
  all_of: [la, police, icb]       every listed agency represented
  at_least: 4, of: [d1, ..., d6]  at least k of the listed agencies represented
  min_agencies: 3                 at least n agencies represented (any, or those in `of`)
  min_members: 6                  at least n people present (distinct people: a deputy filling two seats is one)
  chair_required: true            the chair or deputy chair present
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import Date, Integer, and_, bindparam, or_
from sqlmodel import Session, select

from models.groups import Group, Membership, held_on
from models.meetings import DEPUTY_DECLINED, Answer, AttendanceAnswer, Meeting
from models.partnership import Agency, Member
from models.permissions import is_chair_role

RULE_KEYS = {"all_of", "at_least", "of", "min_agencies", "min_members", "chair_required"}


class QuorumRuleError(ValueError):
    """A quorum rule that cannot be read."""


def check_rule(rule: dict[str, Any], agency_keys: set[str]) -> None:
    """Refuse a rule with unknown keys, bad numbers or agencies the partnership doesn't have."""
    unknown = set(rule) - RULE_KEYS
    if unknown:
        raise QuorumRuleError(f"unknown quorum key(s) {sorted(unknown)}; use {sorted(RULE_KEYS)}")
    if not set(rule) - {"chair_required"} and not rule.get("chair_required"):
        raise QuorumRuleError("a quorum rule needs at least one of all_of, at_least, min_agencies, min_members")
    if "at_least" in rule and "of" not in rule:
        raise QuorumRuleError("at_least needs `of`: the agencies it counts")
    for key in ("at_least", "min_agencies", "min_members"):
        if key in rule and (not isinstance(rule[key], int) or rule[key] < 1):
            raise QuorumRuleError(f"{key} must be a whole number of at least 1")
    for key in ("all_of", "of"):
        if key in rule:
            if not isinstance(rule[key], list) or not rule[key]:
                raise QuorumRuleError(f"{key} must be a list of agency keys")
            missing = [k for k in rule[key] if k not in agency_keys]
            if missing:
                raise QuorumRuleError(f"{key} names agencies that are not in the partnership: {missing}")
    if "at_least" in rule and rule["at_least"] > len(rule["of"]):
        raise QuorumRuleError("at_least is more than the number of agencies in `of`")


@dataclass(frozen=True)
class SeatAnswer:
    """One seat on the group and the answer given for the meeting (None: not answered)."""

    member_id: int
    name: str
    agency_key: str
    agency_name: str
    role: str
    answer: str | None
    deputy_name: str | None = None
    deputy_answer: str | None = None  # the deputy's own word: confirmed, declined, or not yet
    deputy_id: int | None = None
    deputy_own_answer: str | None = None  # the deputy's answer for their own seat at this meeting, if any

    @property
    def deputy_declined(self) -> bool:
        """The named deputy can't come: they said so, or they have sent apologies for their own seat
        (which says they won't be in the room at all)."""
        return self.answer == Answer.DEPUTY.value and (self.deputy_answer == DEPUTY_DECLINED
                                                       or self.deputy_own_answer == Answer.APOLOGIES.value)

    def covered(self, deputies_count: bool) -> bool:
        """Someone from this seat is expected in the room."""
        if self.answer == Answer.ATTENDING.value:
            return True
        return deputies_count and self.answer == Answer.DEPUTY.value and not self.deputy_declined

    def who_comes(self) -> int | tuple[str, int]:
        """The person who fills this seat: the member, or the deputy they named. One person may fill two
        seats (a deputy who has a seat of their own, or is named by two members) and is one person in
        the room. A deputy not identified (a caller that gave only the name) counts once per seat."""
        if self.answer == Answer.DEPUTY.value:
            return self.deputy_id if self.deputy_id is not None else ("seat", self.member_id)
        return self.member_id


@dataclass
class QuorumResult:
    quorate: bool
    rule: str
    represented: list[str]  # agency names
    present: int  # people expected in the room, each counted once however many seats they fill
    missing: list[str] = field(default_factory=list)  # what is not met, in words
    would_fix: list[str] = field(default_factory=list)  # what would make it quorate


def describe_rule(rule: dict[str, Any], names: dict[str, str]) -> str:
    """The rule in words, naming agencies as people know them."""
    parts: list[str] = []

    def listed(keys: list[str]) -> str:
        shown = [names.get(k, k) for k in keys]
        return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]

    if "all_of" in rule:
        parts.append(f"all of {listed(rule['all_of'])} represented")
    if "at_least" in rule:
        parts.append(f"at least {rule['at_least']} of {listed(rule['of'])} represented")
    if "min_agencies" in rule:
        scope = f" of {listed(rule['of'])}" if "of" in rule and "at_least" not in rule else ""
        parts.append(f"at least {rule['min_agencies']} agencies{scope} represented")
    if "min_members" in rule:
        parts.append(f"at least {rule['min_members']} people present")
    if rule.get("chair_required"):
        parts.append("the chair or deputy chair present")
    return "; ".join(parts) or "no rule set"


def evaluate_quorum(
    rule: dict[str, Any], seats: list[SeatAnswer], *, deputies_count: bool, agency_names: dict[str, str],
    asker_id: int | None = None,
) -> QuorumResult:
    """Whether the answers so far make the meeting quorate, what is missing and what would fix it.
    `asker_id`: the member who asked, told what is theirs to do rather than to ask themselves."""
    present = [s for s in seats if s.covered(deputies_count)]
    represented = {s.agency_key for s in present}
    people = len({s.who_comes() for s in present})
    names = dict(agency_names)

    def status_of(agency_key: str) -> str:
        """Why an agency is not represented, and what would change that."""
        own = [s for s in seats if s.agency_key == agency_key]
        if not own:
            return f"{names.get(agency_key, agency_key)} has nobody on the group"
        waiting = [s.name for s in own if s.answer is None and s.member_id != asker_id]
        yours = any(s.answer is None and s.member_id == asker_id for s in own)
        if waiting or yours:
            asks = [f"ask {', '.join(waiting)}"] if waiting else []
            return (f"{names.get(agency_key, agency_key)} has not answered ("
                    + "; ".join(asks + (["you have not answered yet"] if yours else [])) + ")")
        if any(s.answer == Answer.DEPUTY.value for s in own) and not deputies_count:
            return f"{names.get(agency_key, agency_key)} is sending a deputy, and deputies don't count here"
        declined = [s for s in own if s.deputy_declined]
        if declined and declined[0].deputy_id is not None and declined[0].deputy_id == asker_id:
            why = ("you have sent apologies for your own seat" if declined[0].deputy_answer != DEPUTY_DECLINED
                   else "you said you can't come")
            return (f"{names.get(agency_key, agency_key)}'s deputy is you, and {why} ({declined[0].name} has "
                    f"been told, to name someone else)")
        if declined:
            mine = declined[0].member_id == asker_id
            deputy = f"{names.get(agency_key, agency_key)}'s deputy ({declined[0].deputy_name})"
            if declined[0].deputy_answer != DEPUTY_DECLINED:
                todo = "name someone else" if mine else f"ask {declined[0].name} to name someone else"
                return f"{deputy} has sent apologies for their own seat ({todo})"
            todo = "answer again" if mine else f"ask {declined[0].name} to answer again"
            return f"{deputy} can't come ({todo})"
        return f"{names.get(agency_key, agency_key)} sent apologies with no deputy"

    def not_answered(waiting: list[SeatAnswer]) -> str:
        """Who has not answered, the person asking first, as "you"."""
        return ", ".join(["you"] * any(s.member_id == asker_id for s in waiting)
                         + [s.name for s in waiting if s.member_id != asker_id])

    missing: list[str] = []
    would_fix: list[str] = []
    quorate = True

    if "all_of" in rule:
        absent = [k for k in rule["all_of"] if k not in represented]
        if absent:
            quorate = False
            missing.extend(status_of(k) for k in absent)
            who = "a member or a named deputy" if deputies_count else "a member: deputies don't count here"
            would_fix.append("someone from " + ", ".join(names.get(k, k) for k in absent) + f" ({who})")
    if "at_least" in rule:
        have = [k for k in rule["of"] if k in represented]
        short = rule["at_least"] - len(have)
        if short > 0:
            quorate = False
            absent = [k for k in rule["of"] if k not in represented]
            missing.append(f"{len(have)} of {len(rule['of'])} represented, {rule['at_least']} needed")
            missing.extend(status_of(k) for k in absent)
            would_fix.append(f"{short} more of: " + ", ".join(names.get(k, k) for k in absent))
    if "min_agencies" in rule:
        scope = rule["of"] if "of" in rule and "at_least" not in rule else None
        counted = [k for k in represented if scope is None or k in scope]
        short = rule["min_agencies"] - len(counted)
        if short > 0:
            quorate = False
            missing.append(f"{len(counted)} agencies represented, {rule['min_agencies']} needed")
            would_fix.append(f"{short} more {'agency' if short == 1 else 'agencies'} represented")
    if "min_members" in rule:
        short = rule["min_members"] - people
        if short > 0:
            quorate = False
            missing.append(f"{people} {'person' if people == 1 else 'people'} coming, {rule['min_members']} needed")
            waiting = not_answered([s for s in seats if s.answer is None])
            hint = f" (not answered yet: {waiting})" if waiting else ""
            would_fix.append(f"{short} more {'person' if short == 1 else 'people'}{hint}")
    if rule.get("chair_required"):
        chairs = [s for s in seats if is_chair_role(s.role)]
        if not any(s.answer == Answer.ATTENDING.value for s in chairs):
            quorate = False
            waiting = not_answered([s for s in chairs if s.answer is None])
            missing.append("neither the chair nor the deputy chair is confirmed"
                           + (f" (not answered: {waiting})" if waiting else ""))
            would_fix.append("the chair or deputy chair attending")

    return QuorumResult(
        quorate=quorate,
        rule=describe_rule(rule, names),
        represented=sorted(names.get(k, k) for k in represented),
        present=people,
        missing=missing,
        would_fix=would_fix,
    )


def seat_answers(meeting: Meeting, *, day: date, scope, session: Session) -> list[SeatAnswer]:
    """Every seat on the meeting's group held on its `day` (the partnership's date of the meeting),
    with its answer, in one query."""
    return seats_for([(meeting, day)], scope=scope, session=session)[meeting.id]


def seats_for(meetings: list[tuple[Meeting, date]], *, scope, session: Session) -> dict[int, list[SeatAnswer]]:
    """seat_answers for several meetings (each with its day) in one query: meeting id -> seats."""
    if len(meetings) == 1:  # a chair's `quorum`, `attendance`: one statement built once per partnership
        (meeting, day), = meetings
        rows = session.exec(_one_meetings_seats(scope.partnership_id),
                            params={"meeting_id": meeting.id, "group_id": meeting.group_id, "day": day}).all()
    else:
        held = or_(*(and_(Meeting.id == meeting.id, held_on(day)) for meeting, day in meetings))
        rows = session.exec(_seats_query(scope, Meeting.id.in_([m.id for m, _ in meetings]),
                                         Membership.group_id.in_({m.group_id for m, _ in meetings}), held)).all()
    found: dict[int, list[SeatAnswer]] = {meeting.id: [] for meeting, _ in meetings}
    for meeting_id, *seat in rows:
        found[meeting_id].append(SeatAnswer(*seat))
    return found


@lru_cache(maxsize=None)
def _one_meetings_seats(pid: int):
    from models.scope import Scope, reused

    return reused(_seats_query(Scope(pid), Meeting.id == bindparam("meeting_id", type_=Integer),
                               Membership.group_id == bindparam("group_id", type_=Integer),
                               held_on(bindparam("day", type_=Date))))


def _seats_query(scope, *which):
    """Each seat on the meetings' groups with its answer (and a named deputy's), for the meetings `which` picks.

    A named deputy's own answer for the meeting comes too: one who has sent apologies for their own
    seat is not coming, whatever they said about deputising."""
    deputy = Member.__table__.alias("deputy")
    deputys_own = AttendanceAnswer.__table__.alias("deputys_own")
    return (
        select(
            Meeting.id,
            Member.id,
            Member.name,
            Agency.key,
            Agency.name,
            Membership.role,
            AttendanceAnswer.answer,
            deputy.c.name,
            AttendanceAnswer.deputy_answer,
            AttendanceAnswer.deputy_id,
            deputys_own.c.answer,
        )
        .join(Membership, Membership.member_id == Member.id)
        .join(Meeting, Meeting.group_id == Membership.group_id)
        .join(Agency, Agency.id == Member.agency_id)
        .outerjoin(
            AttendanceAnswer,
            (AttendanceAnswer.member_id == Member.id) & (AttendanceAnswer.meeting_id == Meeting.id),
        )
        .outerjoin(deputy, deputy.c.id == AttendanceAnswer.deputy_id)
        .outerjoin(deputys_own, (deputys_own.c.member_id == AttendanceAnswer.deputy_id)
                   & (deputys_own.c.meeting_id == Meeting.id))
        .where(scope.where(Member), Member.active, *which)
        .order_by(Meeting.id, Agency.name, Member.name)
    )


def quorum_forecast(meeting: Meeting, *, day: date, scope, session: Session,
                    asker_id: int | None = None) -> QuorumResult:
    """The quorum verdict for a meeting on its `day`, on the answers given so far."""
    return quorum_forecasts([(meeting, day)], scope=scope, session=session, asker_id=asker_id)[meeting.id]


def quorum_forecasts(meetings: list[tuple[Meeting, date]], *, scope, session: Session,
                     asker_id: int | None = None) -> dict[int, QuorumResult]:
    """quorum_forecast for several meetings (each with its day), in two queries: meeting id -> verdict."""
    if not meetings:
        return {}
    groups = {m.group_id: scope.get(Group, m.group_id, session=session) for m, _ in meetings}
    seats = seats_for(meetings, scope=scope, session=session)
    # The names of the agencies the rules or the seats mention, not every agency of the partnership.
    keys = {seat.agency_key for found in seats.values() for seat in found}
    for group in groups.values():
        keys |= set((group.quorum or {}).get("all_of", [])) | set((group.quorum or {}).get("of", []))
    agency_names = dict(session.exec(select(Agency.key, Agency.name)
                                     .where(scope.where(Agency), Agency.key.in_(sorted(keys)))).all())
    return {meeting.id: evaluate_quorum(groups[meeting.group_id].quorum, seats[meeting.id],
                                        deputies_count=groups[meeting.group_id].deputies_count,
                                        agency_names=agency_names, asker_id=asker_id)
            for meeting, _ in meetings}
