"""Importing members: who is in the partnership, their agency, and the groups they sit on.

A person is known by their email, so importing the list again, or a longer one, changes only
what differs; nobody is removed by an import. A seat starts on the day it is imported unless a
Since column says otherwise, and ends on the day an Until column gives.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date, datetime
from pathlib import Path
from typing import NamedTuple

from sqlmodel import Session, select

from models.audit import record, snapshot
from models.calendar import calendar_for
from models.dates import DateError
from models.groups import Group, Membership, Role
from models.imports.dates import parse_day
from models.imports.people import EMAIL, People, by_key_or_name
from models.imports.reading import Column, cell_text, norm, read_table
from models.imports.report import Importer, ImportReport, Outcome, RowResult, finish
from models.partnership import Agency, Member, Partnership
from models.people import normalise_email

MEMBER_COLUMNS = (
    Column("email", "Email", ("email", "email address", "e mail", "work email"), ("email",)),
    Column("agency", "Agency", ("agency", "organisation", "organization", "org", "partner agency", "service"),
           ("agency", "organisation", "organization")),
    Column("group", "Group", ("group", "groups", "subgroup", "sub group", "subgroups"), ("group", "groups"),
           required=False),
    Column("role", "Role", ("role", "position", "group role"), ("role",), required=False),
    Column("name", "Name", ("name", "full name", "member", "person"), ("name",)),
    Column("since", "Since", ("since", "seat since", "seat from", "member since", "joined", "start date"),
           ("since", "joined"), required=False),
    Column("until", "Until", ("until", "seat until", "seat to", "member until", "left", "end date"),
           ("until",), required=False),
)


REACTIVATED = "made active again"  # a row's state when it brings back someone removed

ROLE_WORDS = {"": Role.MEMBER, "member": Role.MEMBER, "chair": Role.CHAIR, "chairperson": Role.CHAIR,
              "co chair": Role.CHAIR, "deputy chair": Role.DEPUTY_CHAIR, "deputy": Role.DEPUTY_CHAIR,
              "vice chair": Role.DEPUTY_CHAIR, "deputy chair person": Role.DEPUTY_CHAIR,
              "deputy chair deputy chair": Role.DEPUTY_CHAIR}


def import_members(path: str | Path, *, session: Session, partnership: Partnership, importer: Importer,
                   now: datetime, dry_run: bool = False) -> ImportReport:
    """Import members (Name | Email | Agency | Group | Role, and Since | Until for the days a seat
    runs). A person is known by their email.

    A person may have one row per group. Nobody is removed or made inactive by an import; someone
    removed in chat (`member remove`) whom the file lists is made active again, and their row says
    so (its state is REACTIVATED), since that gives them access again. A seat ends when an Until
    date is given, and a seat that had ended is taken up again by a row that lists it without one.
    A group has one chair and one deputy chair: a row that would make a second is saved without that seat,
    with a warning naming who holds it (the seat is tried again after the rest of the file, so a
    file that changes the chair may list the new one first).
    """
    path = Path(path)
    table = read_table(path, MEMBER_COLUMNS, what="members")
    report = ImportReport("members", path.name, table.sheet, table.header_row, dry_run)
    agencies = by_key_or_name(session.exec(select(Agency).where(Agency.partnership_id == partnership.id)))
    groups = by_key_or_name(session.exec(select(Group).where(Group.partnership_id == partnership.id)))
    people = People.load(session, partnership)
    today = calendar_for(partnership.nation, partnership.timezone).local_date(now)
    seats = _Seats(session, partnership, importer, people, dry_run, today)
    held_back: list[tuple[RowResult, Member, Group, Role, _Span]] = []  # seats someone else holds, to try again
    first_row: dict[str, tuple[int, str, int]] = {}  # email -> (row, name, agency id) as first given
    seen: set[int] = set()  # members held before and met in the file so far: one removed is said to be back once

    for number, values in table.rows:
        email = normalise_email(cell_text(values.get("email")))
        name = cell_text(values.get("name"))
        agency_text = cell_text(values.get("agency"))
        what = f"{name or '(no name)'} <{email or 'no email'}>"
        problems = []
        if not EMAIL.fullmatch(email):
            problems.append(f"Email '{email}' is not an email address" if email else "no email given")
        if not name:
            problems.append("no name given")
        elif len(name) > 200:
            problems.append("the name is longer than 200 characters")
        agency = agencies.get(norm(agency_text))
        if agency is None:
            problems.append(f"Agency: {'no agency given' if not agency_text else repr(agency_text) + ' is unknown'}; "
                            f"use one of: {', '.join(sorted({a.key for a in agencies.values()}))}")
        role_text = norm(cell_text(values.get("role")))
        role = ROLE_WORDS.get(role_text)
        if role is None:
            problems.append(f"Role '{cell_text(values.get('role'))}' is not chair, deputy chair or member")
        group_names = [g.strip() for g in re.split(r"[;,\n]", cell_text(values.get("group"))) if g.strip()]
        row_groups = []
        for group_name in group_names:
            group = groups.get(norm(group_name))
            if group is None:
                problems.append(f"Group '{group_name}' is unknown; use one of: "
                                f"{', '.join(sorted({g.key for g in groups.values()}))}")
            else:
                row_groups.append(group)
        span = _span(values, problems)
        if email in first_row and not problems:
            row0, name0, agency0 = first_row[email]
            if name0 != name or agency0 != agency.id:
                problems.append(f"row {row0} gives this email a different name or agency")
        if problems:
            report.add(number, Outcome.NOT_IMPORTED, what, "; ".join(problems))
            continue
        first_row.setdefault(email, (number, name, agency.id))

        said: list[str] = []
        reactivated = False
        member = people.by_email.get(email)
        created = member is None
        if created:
            member = Member(partnership_id=partnership.id, email=email, name=name, agency_id=agency.id,
                            created_at=now)
            if not dry_run:
                session.add(member)
                session.flush()
                record(session, partnership_id=partnership.id, actor_id=importer.actor_id, actor_label=importer.label[:100], action="member.imported",
                       entity="member", entity_id=member.id, after=snapshot(member, "email", "name", "agency_id"))
            else:
                member.id = -number  # a stand-in so the seats below can be counted
            people.add(member)
            said.append(agency.name)
        else:
            reactivated = not member.active and member.id not in seen  # a dry run keeps them inactive
            seen.add(member.id)
            if reactivated:
                seats.returning.add(member.id)
            before = snapshot(member, "name", "agency_id", "active")
            if member.name != name:
                said.append(f"name {member.name} -> {name}")
            if member.agency_id != agency.id:
                said.append(f"agency -> {agency.name}")
            if reactivated:  # removed in chat (`member remove`): the file brings them back, and says so
                said.append("they had been removed and can use AssureBot again; if they have left, take their "
                            "rows out of the file and `member remove` them again")
            if said and not dry_run:
                member.name, member.agency_id, member.active = name, agency.id, True
                session.add(member)
                record(session, partnership_id=partnership.id, actor_id=importer.actor_id, actor_label=importer.label[:100], action="member.changed",
                       entity="member", entity_id=member.id, before=before,
                       after=snapshot(member, "name", "agency_id", "active"))
        waiting = []
        for group in row_groups:
            if seats.holder(group, role, member) is not None:
                waiting.append(group)
            elif words := seats.take(group, member, role, span):
                said.append(words)
        outcome = Outcome.CREATED if created else (Outcome.UPDATED if said else Outcome.UNCHANGED)
        result = report.add(number, outcome, what, "; ".join(said) if outcome != Outcome.UNCHANGED else "",
                            state=REACTIVATED if reactivated else "")
        held_back += [(result, member, group, role, span) for group in waiting]

    for result, member, group, role, span in held_back:
        holder = seats.holder(group, role, member)
        if holder is not None:
            words = role.value.replace("_", " ")
            result.warning = "; ".join(filter(None, [result.warning, (
                f"not made {words} of {group.key}: {holder.name} is already its {words}, and a group has one. "
                f"To change the {words}, give {holder.name} another role on {group.key} (in this file, or with "
                f"`member add` in chat) and import the file again")]))
        elif words := seats.take(group, member, role, span):
            result.detail = "; ".join(filter(None, [result.detail, words]))
            result.outcome = Outcome.UPDATED if result.outcome == Outcome.UNCHANGED else result.outcome
    finish(session, partnership, importer, report)
    return report


class _Span(NamedTuple):
    """The days a row says a seat runs from and to; None where the row does not say."""

    since: date | None
    until: date | None


def _span(values: dict, problems: list[str]) -> _Span:
    """The Since and Until cells of a row; a problem for each that can't be read, or that is backwards."""
    found: dict[str, date | None] = {}
    for field, label, month_end in (("since", "Since", False), ("until", "Until", True)):
        found[field] = None
        if cell_text(values.get(field)):
            try:
                found[field] = parse_day(values.get(field), month_end=month_end)
            except DateError as error:
                problems.append(f"{label}: {error.message}")
    span = _Span(found["since"], found["until"])
    if span.since is not None and span.until is not None and span.until < span.since:
        problems.append(f"the seat would end ({span.until.isoformat()}) before it starts ({span.since.isoformat()})")
    return span


class _Seats:
    """The partnership's seats on its groups, changed as the file says."""

    def __init__(self, session: Session, partnership: Partnership, importer: Importer, people: People,
                 dry_run: bool, today: date):
        self.session, self.partnership, self.importer, self.people = session, partnership, importer, people
        self.dry_run = dry_run
        self.today = today
        # Members this import brings back: a seat their removal ended today runs on as it was.
        self.returning: set[int] = set()
        self.by_group: dict[int, dict[int, Membership]] = defaultdict(dict)
        for seat in session.exec(select(Membership).join(Group, Group.id == Membership.group_id)
                                 .where(Group.partnership_id == partnership.id)):
            self.by_group[seat.group_id][seat.member_id] = seat

    def holder(self, group: Group, role: Role, member: Member) -> Member | None:
        """Someone else active who is the group's chair (or deputy chair), when `member` would be the second."""
        seat = self.by_group[group.id].get(member.id)
        if role == Role.MEMBER or (seat is not None and seat.role == role.value):
            return None
        return next((self.people.by_id[member_id] for member_id, other in self.by_group[group.id].items()
                     if other.role == role.value and member_id != member.id
                     and member_id in self.people.by_id and self.people.by_id[member_id].active), None)

    def take(self, group: Group, member: Member, role: Role, span: _Span) -> str:
        """Seat the member on the group in this role (from Since, or today), or change their seat; what
        changed, in words."""
        seat = self.by_group[group.id].get(member.id)
        label = self.importer.label[:100]
        if seat is None:
            seat = Membership(group_id=group.id, member_id=member.id, role=role.value,
                              since=span.since or self.today, until=span.until)
            self.by_group[group.id][member.id] = seat
            if not self.dry_run:
                self.session.add(seat)
                self.session.flush()
                record(self.session, partnership_id=self.partnership.id, actor_id=self.importer.actor_id,
                       actor_label=label, action="membership.imported", entity="membership", entity_id=seat.id,
                       after=snapshot(seat, "group_id", "member_id", "role", "since", "until"))
            return f"{role.value.replace('_', ' ')} of {group.key}" + _dates(seat.since, seat.until, self.today)
        changes: dict[str, object] = {}
        words = []
        if seat.role != role.value:
            changes["role"] = role.value
            words.append(f"{group.key} role {seat.role.replace('_', ' ')} -> {role.value.replace('_', ' ')}")
        ended = seat.until is not None and seat.until < self.today
        undone = member.id in self.returning and seat.until == self.today  # ended by their removal today
        if ended and span.until is None:  # listed again without an end: taken up again
            changes.update(since=span.since or self.today, until=None)
            words.append(f"back on {group.key}" + _dates(changes["since"], None, self.today))
        elif undone and span.until is None:  # held on as it was
            changes["until"] = None
            words.append(f"back on {group.key}")
        else:
            if span.since is not None and span.since != seat.since:
                changes["since"] = span.since
            if span.until is not None and span.until != seat.until:
                changes["until"] = span.until
            if "since" in changes or "until" in changes:
                words.append(f"seat on {group.key}" + _dates(changes.get("since", seat.since),
                                                             changes.get("until", seat.until), None))
        if not changes:
            return ""
        before = snapshot(seat, *changes)
        for key, value in changes.items():
            setattr(seat, key, value)  # kept in step on a dry run too, so the rows after it see it
        if not self.dry_run:
            self.session.add(seat)
            record(self.session, partnership_id=self.partnership.id, actor_id=self.importer.actor_id,
                   actor_label=label, action="membership.changed", entity="membership", entity_id=seat.id,
                   before=before, after=snapshot(seat, *changes))
        return "; ".join(words)


def _dates(since: date | None, until: date | None, today: date | None) -> str:
    """A seat's days in a report line (" from 2026-04-01 until 2027-03-31"); a start of `today` goes unsaid."""
    return (f" from {since.isoformat()}" if since is not None and since != today else "") + \
        (f" until {until.isoformat()}" if until is not None else "")
