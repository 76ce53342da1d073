"""Finding members within a partnership, their agencies and seats, and what the rules know of them."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from sqlalchemy import Date, Integer, String, and_, bindparam, cast, literal_column, null, or_, union_all
from sqlmodel import Session, col, func, select

from models.audit import record
from models.escalations import Escalation
from models.groups import Group, Membership, held_on
from models.meetings import AttendanceAnswer, deputy_meetings_query
from models.partnership import Agency, Member, Partnership
from models.permissions import CHAIR_ROLES, Person, escalation_handler_ids
from models.scope import Scope, reused


def partnership(*, scope: Scope, session: Session) -> Partnership:
    return session.exec(select(Partnership).where(scope.where(Partnership))).one()


def member(member_id: int | None, *, scope: Scope, session: Session) -> Member | None:
    """A member by id, or None when there is none in this partnership."""
    return scope.get(Member, member_id, session=session)


def normalise_email(email: str) -> str:
    """An email as it is stored and compared: without surrounding spaces, in lower case."""
    return email.strip().lower()


def member_by_email(email: str, *, scope: Scope, session: Session) -> Member | None:
    """The member with this email in any case (Nurse@X.org is nurse@x.org), or None. Emails are kept
    in lower case, so the index finds them; one kept otherwise (before that rule) is found too."""
    wanted = normalise_email(email)
    found = session.exec(select(Member).where(scope.where(Member), Member.email == wanted)
                         .order_by(Member.id)).first()
    if found is not None:
        return found
    return session.exec(select(Member).where(scope.where(Member), func.lower(Member.email) == wanted)
                        .order_by(Member.id)).first()


def member_by_slack_id(slack_user_id: str, *, scope: Scope, session: Session) -> Member | None:
    return session.exec(_member_by(scope.partnership_id, "slack_user_id"), params={"id": slack_user_id}).first()


def member_by_teams_id(aad_object_id: str, *, scope: Scope, session: Session) -> Member | None:
    return session.exec(_member_by(scope.partnership_id, "teams_aad_id"), params={"id": aad_object_id}).first()


@lru_cache(maxsize=None)  # two per partnership
def _member_by(pid: int, column: str):
    """The member with a platform id (every command looks one up), built once per partnership."""
    return reused(select(Member).where(Scope(pid).where(Member),
                                       getattr(Member, column) == bindparam("id", type_=String)))


def find_member(text: str, *, scope: Scope, session: Session, agency_id: int | None = None) -> list[Member]:
    """Active members matching an email exactly, or else a name (whole or in part, any case)."""
    text = text.strip().lstrip("@")
    if "@" in text:
        found = member_by_email(text, scope=scope, session=session)
        return [found] if found and found.active else []
    if not text:
        return []
    query = select(Member).where(scope.where(Member), Member.active, col(Member.name).ilike(f"%{text}%"))
    if agency_id is not None:
        query = query.where(Member.agency_id == agency_id)
    matches = list(session.exec(query.order_by(Member.name).limit(50)))
    exact = [m for m in matches if m.name.lower() == text.lower()]
    return exact or matches


def agency_of(member: Member, *, scope: Scope, session: Session) -> Agency:
    return session.exec(select(Agency).where(scope.where(Agency), Agency.id == member.agency_id)).one()


COLLEAGUES_OFFERED = 100  # as many as a choice list on a phone can hold (messages.buttons.MAX_DEPUTY_OPTIONS)


def colleagues(member: Member, *, scope: Scope, session: Session, limit: int = COLLEAGUES_OFFERED,
               away_from: int | None = None) -> list[Member]:
    """Everyone else active in the member's agency, by name (the first `limit` of them); with
    `away_from` (a meeting), less those who have sent apologies for it: none of them can deputise there."""
    query = select(Member).where(scope.where(Member), Member.agency_id == member.agency_id, Member.id != member.id,
                                 Member.active)
    if away_from is not None:
        query = query.where(~select(AttendanceAnswer.id).where(
            AttendanceAnswer.meeting_id == away_from, AttendanceAnswer.member_id == Member.id,
            AttendanceAnswer.answer == "apologies").exists())
    return list(session.exec(query.order_by(Member.name).limit(limit)))


def _held(on: date | None) -> tuple:
    """The condition for seats held on `on`; none when `on` is None (every seat recorded)."""
    return () if on is None else (held_on(on),)


def _held_param(dated: bool) -> tuple:
    """_held for a statement built once: the day is its parameter `on` (see _on)."""
    return (held_on(bindparam("on", type_=Date)),) if dated else ()


def _on(on: date | None) -> dict[str, date]:
    """The parameter of _held_param's condition, when there is a day."""
    return {} if on is None else {"on": on}


def seats(member: Member, *, scope: Scope, session: Session, on: date | None = None) -> list[tuple[Group, str]]:
    """The groups a member sits on (on the day `on`, when given), with their role on each, in group order."""
    rows = session.exec(
        select(Group, Membership.role)
        .join(Membership, Membership.group_id == Group.id)
        .where(scope.where(Group), Membership.member_id == member.id, *_held(on))
        .order_by(Group.id)
    )
    return [(group, role) for group, role in rows]


def role_in(member: Member, group: Group, *, scope: Scope, session: Session, on: date | None = None) -> str | None:
    return session.exec(
        select(Membership.role).where(scope.where(Membership), Membership.group_id == group.id,
                                      Membership.member_id == member.id, *_held(on))
    ).first()


def group_ids_of(member_id: int, *, scope: Scope, session: Session, on: date | None = None) -> list[int]:
    """The groups someone sits on (to see whether a chair of theirs is asking)."""
    return list(session.exec(select(Membership.group_id).where(scope.where(Membership),
                                                               Membership.member_id == member_id, *_held(on))))


def chairs_of(group: Group, *, scope: Scope, session: Session, on: date | None = None) -> list[Member]:
    """The chair and deputy chair of a group (on the day `on`, when given)."""
    statement = _chairs_statement(scope.partnership_id, dated=on is not None)
    return list(session.exec(statement, params={"group_id": group.id, **_on(on)}))


@lru_cache(maxsize=None)  # two per partnership: with a day, and without
def _chairs_statement(pid: int, *, dated: bool):
    """`chairs_of`'s statement, built once (who may answer for a group is asked of most commands)."""
    return reused(
        select(Member)
        .join(Membership, Membership.member_id == Member.id)
        .where(Scope(pid).where(Member), Membership.group_id == bindparam("group_id", type_=Integer),
               col(Membership.role).in_(CHAIR_ROLES), Member.active, *_held_param(dated))
        .order_by(Membership.role, Member.name))


def admins(*, scope: Scope, session: Session, for_update: bool = False) -> list[Member]:
    """The business unit: active members with the admin flag (`for_update`: their rows held until the
    transaction ends, where the database holds rows)."""
    query = select(Member).where(scope.where(Member), Member.is_admin, Member.active).order_by(Member.name)
    return list(session.exec(query.with_for_update() if for_update else query))


def escalation_groups(*, scope: Scope, session: Session) -> frozenset[int]:
    """The partnership's groups whose chairs handle escalations."""
    return frozenset(session.exec(_escalation_groups_query(scope)))


def _escalation_groups_query(scope: Scope):
    return select(Group.id).where(scope.where(Group), Group.handles_escalations)


def escalation_handlers(*, scope: Scope, session: Session, on: date | None = None) -> list[Member]:
    """Everyone who handles the partnership's escalations (with a chair's seat held on `on`, when
    given), each once, by name."""
    business_unit = admins(scope=scope, session=session)
    groups = escalation_groups(scope=scope, session=session)
    seated = session.exec(
        select(Membership.group_id, Member).join(Member, Member.id == Membership.member_id)
        .where(scope.where(Member), Member.active, col(Membership.group_id).in_(groups or {0}),
               col(Membership.role).in_(CHAIR_ROLES), *_held(on))).all()
    people = {m.id: m for m in business_unit} | {m.id: m for _g, m in seated}
    by_group: dict[int, list[int]] = {}
    for group_id, chair in seated:
        by_group.setdefault(group_id, []).append(chair.id)
    wanted = escalation_handler_ids([m.id for m in business_unit], by_group, groups)
    return sorted((people[i] for i in wanted), key=lambda m: m.name)


# What `person` reads, in one statement: each row is (a, b, c, what), `what` saying which list it belongs to.
_SEAT, _HANDLING_GROUP, _ASSIGNED, _DEPUTY, _CHANGING_SEAT = range(5)
_NO_NUMBER, _NO_TEXT = cast(null(), Integer), cast(null(), String)


def person(member: Member, *, scope: Scope, session: Session, on: date | None = None) -> Person:
    """What the rules need to know about a member, read in one statement: their seats are those
    held on the day `on` (today, for someone asking), or every seat recorded when it is None; with a
    day, also the groups where their seat starts or ends after it (for a meeting, the seat held on
    the meeting's own day is what counts)."""
    statement = _person_statement(scope.partnership_id, dated=on is not None)
    rows = session.exec(statement, params={"member_id": member.id, **_on(on)}).all()
    return Person(id=member.id, name=member.name, partnership_id=scope.partnership_id, agency_id=member.agency_id,
                  is_admin=member.is_admin, seats={a: c for a, _b, c, what in rows if what == _SEAT},
                  escalation_groups=frozenset(a for a, _b, _c, what in rows if what == _HANDLING_GROUP),
                  assigned_escalations=sum(a for a, _b, _c, what in rows if what == _ASSIGNED),
                  deputy_meetings={a: b for a, b, _c, what in rows if what == _DEPUTY},
                  changing_seats=frozenset(a for a, _b, _c, what in rows if what == _CHANGING_SEAT))


@lru_cache(maxsize=None)  # two per partnership: with a day, and without
def _person_statement(pid: int, *, dated: bool):
    """`person`'s statement for a partnership, built once: the member (and the day) are parameters."""
    scope = Scope(pid)
    member_id = bindparam("member_id", type_=Integer)

    def tagged(query, *padding, what: int):
        return query.add_columns(*padding, literal_column(str(what), Integer))

    on = bindparam("on", type_=Date)
    changing = ([tagged(select(Membership.group_id).where(
        scope.where(Membership), Membership.member_id == member_id,
        or_(Membership.since > on, and_(col(Membership.until).is_not(None), held_on(on)))),
        _NO_NUMBER, _NO_TEXT, what=_CHANGING_SEAT)] if dated else [])
    return reused(union_all(
        tagged(select(Membership.group_id).where(scope.where(Membership), Membership.member_id == member_id,
                                                 *_held_param(dated)),
               _NO_NUMBER, Membership.role, what=_SEAT),
        *changing,
        tagged(_escalation_groups_query(scope), _NO_NUMBER, _NO_TEXT, what=_HANDLING_GROUP),
        tagged(select(func.count(Escalation.id)).where(scope.where(Escalation), Escalation.assigned_to_id == member_id,
                                                      col(Escalation.closed_at).is_(None)),
               _NO_NUMBER, _NO_TEXT, what=_ASSIGNED),
        tagged(deputy_meetings_query(member_id, scope=scope), _NO_TEXT, what=_DEPUTY),
    ))


def link_platform_id(member: Member, *, platform: str, user_id: str, session: Session) -> None:
    """Remember a member's Slack or Teams id once they have been matched by email."""
    if platform == "slack":
        member.slack_user_id = user_id
    elif platform == "teams":
        member.teams_aad_id = user_id
    session.add(member)
    session.commit()


def identify(*, scope: Scope, session: Session, email: str | None = None, slack_user_id: str | None = None,
             teams_aad_id: str | None = None, label: str = "") -> Member | None:
    """The active member behind a platform identity, within the partnership: by their platform id, or
    else by an email the platform vouches for, linking the platform id to them the first time.

    An account whose id is not yet known but whose email belongs to a member already linked to
    another account (a guest account, say) is answered as that member, and not relinked."""
    found = None
    if slack_user_id:
        found = member_by_slack_id(slack_user_id, scope=scope, session=session)
    if found is None and teams_aad_id:
        found = member_by_teams_id(teams_aad_id, scope=scope, session=session)
    if found is None and email:
        found = member_by_email(email, scope=scope, session=session)
        if found is not None and found.active:
            _link(found, slack_user_id=slack_user_id, teams_aad_id=teams_aad_id, label=label, session=session)
    return found if found is not None and found.active else None


def _link(member: Member, *, slack_user_id: str | None, teams_aad_id: str | None, label: str,
          session: Session) -> None:
    for platform, new_id, column in (("slack", slack_user_id, "slack_user_id"),
                                     ("teams", teams_aad_id, "teams_aad_id")):
        if not new_id or getattr(member, column):
            continue
        # The audit event is added first so that it commits together with the link.
        record(session, actor_id=member.id, actor_label=label[:100], action=f"member.{platform}_linked",
               entity="member", entity_id=member.id, before={column: None},
               after={column: new_id, "matched_by": "email"})
        link_platform_id(member, platform=platform, user_id=new_id, session=session)
