"""Finding members, their agencies and their seats on groups."""

from __future__ import annotations

from sqlmodel import Session, col, select

from models.groups import Group, Membership, Role
from models.partnership import Agency, Member, Partnership


def member_by_email(email: str, *, session: Session) -> Member | None:
    return session.exec(select(Member).where(Member.email == email.strip().lower())).first()


def member_by_slack_id(slack_user_id: str, *, session: Session) -> Member | None:
    return session.exec(select(Member).where(Member.slack_user_id == slack_user_id)).first()


def member_by_teams_id(aad_object_id: str, *, session: Session) -> Member | None:
    return session.exec(select(Member).where(Member.teams_aad_id == aad_object_id)).first()


def find_member(text: str, *, session: Session, agency_id: int | None = None) -> list[Member]:
    """Members matching an email exactly, or else a name (whole or in part, any case)."""
    text = text.strip().lstrip("@")
    if "@" in text:
        found = member_by_email(text, session=session)
        return [found] if found and found.active else []
    query = select(Member).where(Member.active, col(Member.name).ilike(f"%{text}%"))
    if agency_id is not None:
        query = query.where(Member.agency_id == agency_id)
    matches = list(session.exec(query.order_by(Member.name)))
    exact = [m for m in matches if m.name.lower() == text.lower()]
    return exact or matches


def partnership_of(member: Member, *, session: Session) -> Partnership:
    agency = session.get(Agency, member.agency_id)
    return session.get(Partnership, agency.partnership_id)


def agency_of(member: Member, *, session: Session) -> Agency:
    return session.get(Agency, member.agency_id)


def seats(member: Member, *, session: Session) -> list[tuple[Group, str]]:
    """The groups a member sits on, with their role on each, in group order."""
    rows = session.exec(
        select(Group, Membership.role)
        .join(Membership, Membership.group_id == Group.id)
        .where(Membership.member_id == member.id)
        .order_by(Group.id)
    )
    return [(group, role) for group, role in rows]


def role_in(member: Member, group: Group, *, session: Session) -> str | None:
    return session.exec(
        select(Membership.role).where(Membership.group_id == group.id, Membership.member_id == member.id)
    ).first()


def chairs_of(group: Group, *, session: Session) -> list[Member]:
    """The chair and deputy chair of a group."""
    return list(
        session.exec(
            select(Member)
            .join(Membership, Membership.member_id == Member.id)
            .where(
                Membership.group_id == group.id,
                col(Membership.role).in_([Role.CHAIR.value, Role.DEPUTY_CHAIR.value]),
            )
            .order_by(Membership.role, Member.name)
        )
    )


def admins(*, session: Session) -> list[Member]:
    """The business unit: members with the admin flag."""
    return list(session.exec(select(Member).where(Member.is_admin, Member.active).order_by(Member.name)))


def link_platform_id(member: Member, *, platform: str, user_id: str, session: Session) -> None:
    """Remember a member's Slack or Teams id once they have been matched by email."""
    if platform == "slack":
        member.slack_user_id = user_id
    elif platform == "teams":
        member.teams_aad_id = user_id
    session.add(member)
    session.commit()
