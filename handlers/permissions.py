"""Who may see and change what, in one place. A refusal says why and who can do it.

| what                                  | who                                                    |
| ------------------------------------- | ------------------------------------------------------ |
| my answers, my actions, my papers     | me                                                     |
| my agency's returns                   | anyone in my agency                                    |
| a group's attendance answers          | the group's chair and deputy chair, admins             |
| a group's quorum                      | the group's members, admins                            |
| everyone's actions                    | chairs and deputy chairs of any group, admins          |
| another member's action or paper      | chairs of a group the owner sits on, admins            |
| an escalation                         | who raised it, who it is assigned to, the handlers     |
| acting on an escalation               | the handlers (admins, chairs of the escalation group)  |
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from handlers.core import UserError
from models.escalations import Escalation
from models.groups import Group, Membership, Role
from models.partnership import Member
from models.people import admins, chairs_of

CHAIR_ROLES = (Role.CHAIR.value, Role.DEPUTY_CHAIR.value)


class NotAllowed(UserError):
    """A refusal: you may not do this, and here is who can."""


def _names(members: list[Member]) -> str:
    names = [m.name for m in members]
    if not names:
        return "nobody yet"
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def business_unit(session: Session) -> str:
    return _names(admins(session=session)) + " (business unit)"


def is_chair_of(member: Member, group: Group, *, session: Session) -> bool:
    return session.exec(
        select(Membership.id).where(
            Membership.group_id == group.id,
            Membership.member_id == member.id,
            col(Membership.role).in_(CHAIR_ROLES),
        )
    ).first() is not None


def chairs_any_group(member: Member, *, session: Session) -> bool:
    return session.exec(
        select(Membership.id).where(Membership.member_id == member.id, col(Membership.role).in_(CHAIR_ROLES))
    ).first() is not None


def is_escalation_handler(member: Member, *, session: Session) -> bool:
    """Admins, and chairs or deputy chairs of a group that handles escalations (the ARG)."""
    if member.is_admin:
        return True
    return session.exec(
        select(Membership.id)
        .join(Group, Group.id == Membership.group_id)
        .where(
            Membership.member_id == member.id,
            col(Membership.role).in_(CHAIR_ROLES),
            Group.handles_escalations,
        )
    ).first() is not None


def escalation_handlers(*, session: Session) -> list[Member]:
    """Everyone who handles escalations, each once."""
    handlers = {m.id: m for m in admins(session=session)}
    groups = session.exec(select(Group).where(Group.handles_escalations)).all()
    for group in groups:
        for chair in chairs_of(group, session=session):
            handlers.setdefault(chair.id, chair)
    return sorted(handlers.values(), key=lambda m: m.name)


def require_chair_or_admin(member: Member, group: Group, *, session: Session, doing: str) -> None:
    if member.is_admin or is_chair_of(member, group, session=session):
        return
    chairs = chairs_of(group, session=session)
    raise NotAllowed(
        f"Only the chair or deputy chair of {group.name} ({_names(chairs)}) or the business unit "
        f"can {doing}. Ask one of them if you need it."
    )


def require_group_member_or_admin(member: Member, group: Group, *, session: Session, doing: str) -> None:
    if member.is_admin:
        return
    seat = session.exec(
        select(Membership.id).where(Membership.group_id == group.id, Membership.member_id == member.id)
    ).first()
    if seat is None:
        raise NotAllowed(
            f"You don't sit on {group.name}, so you can't {doing}. Its chair or "
            f"{business_unit(session)} can tell you."
        )


def require_overseer(member: Member, *, session: Session, doing: str) -> None:
    """Chairs of any group and admins may see across people and agencies."""
    if member.is_admin or chairs_any_group(member, session=session):
        return
    raise NotAllowed(f"Only chairs and the business unit can {doing}. Ask {business_unit(session)}.")


def chairs_a_group_of(member: Member, other_id: int, *, session: Session) -> bool:
    """True when the member chairs (or deputy-chairs) a group the other person sits on."""
    mine = select(Membership.group_id).where(
        Membership.member_id == member.id, col(Membership.role).in_(CHAIR_ROLES)
    )
    return session.exec(
        select(Membership.id).where(Membership.member_id == other_id, col(Membership.group_id).in_(mine))
    ).first() is not None


def require_owner_or_their_chair(member: Member, owner_id: int, *, session: Session, doing: str) -> None:
    """The owner, an admin, or a chair of a group the owner sits on."""
    if member.id == owner_id or member.is_admin:
        return
    if not chairs_a_group_of(member, owner_id, session=session):
        owner = session.get(Member, owner_id)
        raise NotAllowed(
            f"This belongs to {owner.name if owner else 'someone else'}. Only they, the chair of their "
            f"group or {business_unit(session)} can {doing}."
        )


def require_same_agency(member: Member, agency_id: int, *, session: Session, doing: str) -> None:
    if member.is_admin or member.agency_id == agency_id:
        return
    raise NotAllowed(
        f"That return belongs to another agency; only its people or {business_unit(session)} can {doing}."
    )


def may_see_escalation(member: Member, escalation: Escalation, *, session: Session) -> bool:
    return member.id in (escalation.raised_by_id, escalation.assigned_to_id) or is_escalation_handler(
        member, session=session
    )


def require_escalation_handler(member: Member, *, session: Session, doing: str) -> None:
    if is_escalation_handler(member, session=session):
        return
    raise NotAllowed(
        f"Only the people who handle escalations ({_names(escalation_handlers(session=session))}) can {doing}."
    )


def require_admin(member: Member, *, session: Session, doing: str) -> None:
    if member.is_admin:
        return
    raise NotAllowed(f"Only the business unit ({_names(admins(session=session))}) can {doing}.")
