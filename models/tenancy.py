"""Which partnership a request is for: the edge where a scope is chosen, before anything is read.

- Slack: the workspace (team id, or Enterprise Grid organisation) the signed request came from.
- Teams: the Microsoft 365 tenant of the authenticated activity.
- The console and the command line: the partnership the person (by email) belongs to, or the
  one named with --partnership.

A database with one partnership and no workspace or tenant ids takes a request as that
partnership's only when it comes from the server's home: the workspace of the single Slack bot
token, the tenant of a Single Tenant Teams bot, or Teams' local mode on this machine. A request
from anywhere else (another workspace that installed the app, another organisation's tenant on a
Multi Tenant bot) is refused: whoever runs that workspace or tenant decides the emails its
accounts report, so matching people by email there would let them answer as any member. Once a
database holds two partnerships, each needs its ids, and a request from a workspace or tenant no
partnership owns is refused.
"""

from __future__ import annotations

from sqlalchemy import String, bindparam
from sqlmodel import Session, col, func, select

from models.partnership import Member, Partnership
from models.people import normalise_email
from models.scope import Scope, reused


class NoPartnership(LookupError):
    """No partnership owns this request; the message says what to do."""


def scope_for(partnership: Partnership) -> Scope:
    return Scope(partnership.id)


# Every request starts with one of these: built once, with the ids as parameters.
_FIRST_TWO = reused(select(Partnership).order_by(Partnership.id).limit(2))
_BY_SLACK_TEAM = reused(select(Partnership).where(Partnership.slack_team_id == bindparam("id", type_=String)))
_BY_SLACK_ENTERPRISE = reused(select(Partnership).where(
    Partnership.slack_enterprise_id == bindparam("id", type_=String), col(Partnership.slack_team_id).is_(None)))
_BY_TENANT = reused(select(Partnership).where(Partnership.teams_tenant_id == bindparam("id", type_=String)))


def only_partnership(*, session: Session) -> Partnership | None:
    """The database's one partnership, or None when there are none or several."""
    found = session.exec(_FIRST_TWO).all()
    return found[0] if len(found) == 1 else None


def partnership_by_key(key: str, *, session: Session) -> Partnership | None:
    return session.exec(select(Partnership).where(Partnership.key == key.strip().lower())).first()


def partnership_for_slack(team_id: str | None, enterprise_id: str | None = None, *,
                          session: Session, home: bool = False) -> Partnership | None:
    """The partnership that owns a Slack workspace (or Enterprise Grid organisation); `home`: the
    request comes from the single bot token's own workspace (see the module's docstring)."""
    if team_id:
        found = session.exec(_BY_SLACK_TEAM, params={"id": team_id}).first()
        if found is not None:
            return found
    if enterprise_id:
        found = session.exec(_BY_SLACK_ENTERPRISE, params={"id": enterprise_id}).first()
        if found is not None:
            return found
    return _the_unclaimed_one(session, Partnership.slack_team_id, Partnership.slack_enterprise_id) if home else None


def partnership_for_tenant(tenant_id: str | None, *, session: Session, home: bool = False) -> Partnership | None:
    """The partnership that owns a Microsoft 365 tenant; `home`: the activity comes from the Single
    Tenant bot's own tenant, or from the local mode (see the module's docstring)."""
    if tenant_id:
        found = session.exec(_BY_TENANT, params={"id": tenant_id}).first()
        if found is not None:
            return found
    return _the_unclaimed_one(session, Partnership.teams_tenant_id) if home else None


def _the_unclaimed_one(session: Session, *id_columns) -> Partnership | None:
    """With exactly one partnership and no ids set on it, everything is that partnership's."""
    only = only_partnership(session=session)
    if only is None or any(getattr(only, column.key) for column in id_columns):
        return None
    return only


def partnerships_of_email(email: str, *, session: Session) -> list[Partnership]:
    """Every partnership where someone with this email is an active member."""
    return list(session.exec(
        select(Partnership).join(Member, Member.partnership_id == Partnership.id)
        .where(func.lower(Member.email) == normalise_email(email), Member.active).order_by(Partnership.key)))


def _named(key: str, session: Session) -> Partnership:
    found = partnership_by_key(key, session=session)
    if found is None:
        keys = ", ".join(session.exec(select(Partnership.key).order_by(Partnership.key)).all()) or "none yet"
        raise NoPartnership(f"There is no partnership '{key}'. The partnerships here are: {keys}.")
    return found


def partnership_for_email(email: str, *, key: str | None = None, session: Session) -> Partnership:
    """The console's and command line's choice: the partnership named, or the person's only one."""
    if key:
        return _named(key, session)
    found = partnerships_of_email(email, session=session)
    if len(found) > 1:
        raise NoPartnership(f"{email} is a member of more than one partnership here ("
                            + ", ".join(p.key for p in found) + "); say which with --partnership KEY.")
    if found:
        return found[0]
    only = only_partnership(session=session)
    if only is not None:
        return only
    raise NoPartnership(f"There is no active member with the email {email}.")


def the_partnership(key: str | None, *, session: Session) -> Partnership:
    """For commands that act for a partnership rather than a person: the one named, or the only one."""
    if key:
        return _named(key, session)
    found = session.exec(select(Partnership).order_by(Partnership.id).limit(2)).all()
    if not found:
        raise NoPartnership("There is no partnership in this database yet. Load one first with "
                            "`assurebot load partnership.yaml`.")
    if len(found) > 1:
        raise NoPartnership("This database holds more than one partnership; say which with --partnership KEY.")
    return found[0]
