"""Who may see and do what: pure rules over what is known about a person, written once.

The verbs in handlers/ declare which of these rules they need, the dispatcher checks them before
a handler runs, help lists only what passes, and every button is checked against the person who
sees it. The reminder sweep builds its lists and buttons with the same rules.

| what                                        | who                                                        |
| ------------------------------------------- | ---------------------------------------------------------- |
| my answers, my actions, my papers           | me                                                         |
| my agency's returns                         | anyone in my agency                                        |
| a group's attendance answers, its meetings  | the group's chair and deputy chair, the business unit      |
| a group's quorum                            | the group's members, the business unit                     |
| everyone's actions, an agency's             | chairs and deputy chairs of any group, the business unit   |
| another member's action or paper            | a chair of a group the owner sits on, the business unit    |
| an escalation                               | who raised it, who it is assigned to, the handlers         |
| acknowledging, moving or closing it         | the handlers, and the person it is assigned to             |
| assigning it                                | the handlers                                               |
| handling escalations                        | the business unit, chairs of a group that handles them     |
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from models.groups import Role

CHAIR_ROLES = frozenset({Role.CHAIR.value, Role.DEPUTY_CHAIR.value})


def is_chair_role(role: str | None) -> bool:
    """Chair or deputy chair: both chair a meeting and both watch attendance."""
    return role in CHAIR_ROLES


@dataclass(frozen=True)
class Person:
    """What the rules need to know about someone, read once per request (see models.people)."""

    id: int
    name: str
    partnership_id: int
    agency_id: int
    is_admin: bool
    seats: Mapping[int, str] = field(default_factory=dict)  # group id -> role
    escalation_groups: frozenset[int] = frozenset()  # the partnership's groups that handle escalations
    assigned_escalations: int = 0  # open escalations assigned to them
    deputy_meetings: Mapping[int, int] = field(default_factory=dict)  # meetings named to attend as a deputy -> group
    changing_seats: frozenset[int] = frozenset()  # groups where their seat starts or ends after today


def sits_on(person: Person, group_id: int) -> bool:
    return group_id in person.seats


def deputises_at(person: Person, group_id: int) -> bool:
    """Named as somebody's deputy at a scheduled meeting of the group."""
    return group_id in person.deputy_meetings.values()


def chairs(person: Person, group_id: int) -> bool:
    return is_chair_role(person.seats.get(group_id))


def chaired_groups(person: Person) -> list[int]:
    return sorted(g for g, role in person.seats.items() if is_chair_role(role))


def chairs_any(person: Person) -> bool:
    return any(is_chair_role(role) for role in person.seats.values())


def oversees(person: Person) -> bool:
    """Chairs and the business unit see across people and agencies (actions, reports)."""
    return person.is_admin or chairs_any(person)


def manages_group(person: Person, group_id: int) -> bool:
    """Meetings, papers, attendance records and minutes of a group: its chairs and the business unit."""
    return person.is_admin or chairs(person, group_id)


def may_see_group(person: Person, group_id: int) -> bool:
    """A group's quorum and papers list: its members and the business unit."""
    return person.is_admin or sits_on(person, group_id)


def acts_for(person: Person, owner_id: int, owner_groups: Iterable[int]) -> bool:
    """Someone's action or paper: they, a chair of a group they sit on, or the business unit."""
    return person.id == owner_id or person.is_admin or any(chairs(person, g) for g in owner_groups)


def in_agency(person: Person, agency_id: int) -> bool:
    """An agency's returns: its people and the business unit."""
    return person.is_admin or person.agency_id == agency_id


def handles_escalations(person: Person) -> bool:
    """The business unit, and chairs or deputy chairs of a group that handles escalations."""
    return person.is_admin or any(chairs(person, g) for g in person.escalation_groups)


def may_see_escalation(person: Person, raised_by_id: int, assigned_to_id: int | None) -> bool:
    return person.id in (raised_by_id, assigned_to_id) or handles_escalations(person)


def may_work_on_escalation(person: Person, assigned_to_id: int | None) -> bool:
    """Acknowledge, move between stages, close: the handlers and the person it is assigned to."""
    return handles_escalations(person) or (assigned_to_id is not None and person.id == assigned_to_id)


def may_work_on_escalations_at_all(person: Person) -> bool:
    """Whether the escalation verbs are for this person at all (help, forms)."""
    return handles_escalations(person) or person.assigned_escalations > 0


def escalation_handler_ids(admin_ids: Iterable[int], chairs_by_group: Mapping[int, Iterable[int]],
                           escalation_groups: Iterable[int]) -> set[int]:
    """Everyone who handles a partnership's escalations, from its admins and its groups' chairs."""
    found = set(admin_ids)
    for group_id in escalation_groups:
        found.update(chairs_by_group.get(group_id, ()))
    return found
