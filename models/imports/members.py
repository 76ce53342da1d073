"""Importing members: who is in the partnership, their agency, and the groups they sit on.

A person is known by their email, so importing the list again, or a longer one, changes only
what differs; nobody is removed by an import.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from sqlmodel import Session, select

from models.audit import record, snapshot
from models.groups import Group, Membership, Role
from models.imports.people import EMAIL, People, by_key_or_name
from models.imports.reading import Column, cell_text, norm, read_table
from models.imports.report import Importer, ImportReport, Outcome, finish
from models.partnership import Agency, Member, Partnership

MEMBER_COLUMNS = (
    Column("email", "Email", ("email", "email address", "e mail", "work email"), ("email",)),
    Column("agency", "Agency", ("agency", "organisation", "organization", "org", "partner agency", "service"),
           ("agency", "organisation", "organization")),
    Column("group", "Group", ("group", "groups", "subgroup", "sub group", "subgroups"), ("group", "groups"),
           required=False),
    Column("role", "Role", ("role", "position", "group role"), ("role",), required=False),
    Column("name", "Name", ("name", "full name", "member", "person"), ("name",)),
)


ROLE_WORDS = {"": Role.MEMBER, "member": Role.MEMBER, "chair": Role.CHAIR, "chairperson": Role.CHAIR,
              "co chair": Role.CHAIR, "deputy chair": Role.DEPUTY_CHAIR, "deputy": Role.DEPUTY_CHAIR,
              "vice chair": Role.DEPUTY_CHAIR, "deputy chair person": Role.DEPUTY_CHAIR,
              "deputy chair deputy chair": Role.DEPUTY_CHAIR}


def import_members(path: str | Path, *, session: Session, partnership: Partnership, importer: Importer,
                   now: datetime, dry_run: bool = False) -> ImportReport:
    """Import members (Name | Email | Agency | Group | Role). A person is known by their email.

    A person may have one row per group. Nobody is removed or made inactive by an import.
    """
    path = Path(path)
    table = read_table(path, MEMBER_COLUMNS, what="members")
    report = ImportReport("members", path.name, table.sheet, table.header_row, dry_run)
    agencies = by_key_or_name(session.exec(select(Agency).where(Agency.partnership_id == partnership.id)))
    groups = by_key_or_name(session.exec(select(Group).where(Group.partnership_id == partnership.id)))
    people = People.load(session, partnership)
    seats = {(s.group_id, s.member_id): s for s in session.exec(
        select(Membership).join(Group, Group.id == Membership.group_id).where(Group.partnership_id == partnership.id))}
    first_row: dict[str, tuple[int, str, int]] = {}  # email -> (row, name, agency id) as first given

    for number, values in table.rows:
        email = cell_text(values.get("email")).lower()
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
        if email in first_row and not problems:
            row0, name0, agency0 = first_row[email]
            if name0 != name or agency0 != agency.id:
                problems.append(f"row {row0} gives this email a different name or agency")
        if problems:
            report.add(number, Outcome.NOT_IMPORTED, what, "; ".join(problems))
            continue
        first_row.setdefault(email, (number, name, agency.id))

        said: list[str] = []
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
            before = snapshot(member, "name", "agency_id", "active")
            if member.name != name:
                said.append(f"name {member.name} -> {name}")
            if member.agency_id != agency.id:
                said.append(f"agency -> {agency.name}")
            if not member.active:
                said.append("made active again")
            if said and not dry_run:
                member.name, member.agency_id, member.active = name, agency.id, True
                session.add(member)
                record(session, partnership_id=partnership.id, actor_id=importer.actor_id, actor_label=importer.label[:100], action="member.changed",
                       entity="member", entity_id=member.id, before=before,
                       after=snapshot(member, "name", "agency_id", "active"))
        for group in row_groups:
            seat = seats.get((group.id, member.id))
            if seat is None:
                said.append(f"{role.value.replace('_', ' ')} of {group.key}")
                seat = Membership(group_id=group.id, member_id=member.id, role=role.value)
                seats[(group.id, member.id)] = seat
                if not dry_run:
                    session.add(seat)
                    session.flush()
                    record(session, partnership_id=partnership.id, actor_id=importer.actor_id, actor_label=importer.label[:100],
                           action="membership.imported", entity="membership", entity_id=seat.id,
                           after=snapshot(seat, "group_id", "member_id", "role"))
            elif seat.role != role.value:
                said.append(f"{group.key} role {seat.role.replace('_', ' ')} -> {role.value.replace('_', ' ')}")
                if not dry_run:
                    before = snapshot(seat, "role")
                    seat.role = role.value
                    session.add(seat)
                    record(session, partnership_id=partnership.id, actor_id=importer.actor_id, actor_label=importer.label[:100],
                           action="membership.changed", entity="membership", entity_id=seat.id, before=before,
                           after=snapshot(seat, "role"))
        outcome = Outcome.CREATED if created else (Outcome.UPDATED if said else Outcome.UNCHANGED)
        report.add(number, outcome, what, "; ".join(said) if outcome != Outcome.UNCHANGED else "")
    finish(session, partnership, importer, report)
    return report
