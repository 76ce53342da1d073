"""The partnership a request acts within, bound once at the edge so that no query can forget it.

Everything a partnership holds (its people, groups, meetings, papers, returns, actions,
escalations, snoozes, Teams cards and audit trail) is read through a session bound to a
`Scope`. The dispatcher binds one from the person asking; the importers, reports and calendar
feed bind one from the partnership they work for. On a bound session every ORM statement (a
`select`, a `session.get`, a join, a subquery, an ORM UPDATE or DELETE) is limited to that
partnership's rows, by the criteria below. An id from another partnership then reads exactly as
a missing one, so ids cannot be probed.

The query functions in models/ also take the scope by keyword (`*, scope, session`) and use
`scope.where(Model)` themselves, so they are right on any session. Only the loader, the
migrations and the reminder sweep (which works across partnerships, a partnership at a time in
its own rules) use unbound sessions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, TypeVar

from sqlalchemy import event, exists, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import ORMExecuteState, aliased, with_loader_criteria
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session

from models.audit import AuditEvent
from models.base import SCOPE_KEY
from models.db import session_for
from models.delivery import OutboxMessage
from models.escalations import Escalation, EscalationStageChange
from models.groups import Group, Membership
from models.meetings import AttendanceAnswer, Meeting, Paper
from models.partnership import Agency, Member, Partnership
from models.snooze import Snooze
from models.submits import FormSubmit
from models.teams_cards import TeamsCard, TeamsFileOffer
from models.work import Action, ActionUpdate, DataReturn

Row = TypeVar("Row")
S = TypeVar("S")


# Tables as the criteria below see them: aliases of their own, so that a subquery is never
# correlated with the same table in the query it limits.
_MEETING, _GROUP, _ACTION, _AGENCY, _ESCALATION = (aliased(Meeting), aliased(Group), aliased(Action),
                                                   aliased(Agency), aliased(Escalation))
# The group of a seat or a meeting: an alias of its own, always in its own subquery's FROM, since
# these criteria are also applied inside the criteria of papers and attendance answers.
_OWN_GROUP = aliased(Group)


# One criterion per table. Each lambda names only `pid` from outside, so SQLAlchemy caches the
# statement once and binds the partnership id as a parameter each time.
def _criteria(pid: int) -> dict[type, Callable[[Any], ColumnElement[bool]]]:
    return {
        Partnership: lambda cls: cls.id == pid,
        Agency: lambda cls: cls.partnership_id == pid,
        Group: lambda cls: cls.partnership_id == pid,
        Member: lambda cls: cls.partnership_id == pid,
        AuditEvent: lambda cls: cls.partnership_id == pid,
        TeamsCard: lambda cls: cls.partnership_id == pid,
        # A correlated EXISTS checks the group of only the rows a query finds (a person's seats
        # through their own index, a page of meetings in date order), where `group_id IN (...)`
        # first lists every group of the partnership, or probes each of them.
        Membership: lambda cls: exists().where(_OWN_GROUP.id == cls.group_id, _OWN_GROUP.partnership_id == pid)
        .correlate_except(_OWN_GROUP),
        Meeting: lambda cls: exists().where(_OWN_GROUP.id == cls.group_id, _OWN_GROUP.partnership_id == pid)
        .correlate_except(_OWN_GROUP),
        # Two steps from the partnership: a correlated EXISTS looks up only the rows a query finds,
        # where IN (...) would first list every meeting or action of the partnership.
        Paper: lambda cls: exists().where(_MEETING.id == cls.meeting_id, _GROUP.id == _MEETING.group_id,
                                          _GROUP.partnership_id == pid),
        AttendanceAnswer: lambda cls: exists().where(_MEETING.id == cls.meeting_id, _GROUP.id == _MEETING.group_id,
                                                     _GROUP.partnership_id == pid),
        DataReturn: lambda cls: cls.agency_id.in_(select(Agency.id).where(Agency.partnership_id == pid)),
        Action: lambda cls: cls.agency_id.in_(select(Agency.id).where(Agency.partnership_id == pid)),
        Escalation: lambda cls: cls.agency_id.in_(select(Agency.id).where(Agency.partnership_id == pid)),
        ActionUpdate: lambda cls: exists().where(_ACTION.id == cls.action_id, _AGENCY.id == _ACTION.agency_id,
                                                 _AGENCY.partnership_id == pid),
        EscalationStageChange: lambda cls: exists().where(_ESCALATION.id == cls.escalation_id,
                                                          _AGENCY.id == _ESCALATION.agency_id,
                                                          _AGENCY.partnership_id == pid),
        Snooze: lambda cls: cls.member_id.in_(select(Member.id).where(Member.partnership_id == pid)),
        FormSubmit: lambda cls: cls.member_id.in_(select(Member.id).where(Member.partnership_id == pid)),
        TeamsFileOffer: lambda cls: cls.member_id.in_(select(Member.id).where(Member.partnership_id == pid)),
        OutboxMessage: lambda cls: cls.member_id.in_(select(Member.id).where(Member.partnership_id == pid)),
    }


SCOPED_TABLES = frozenset(_criteria(0))
OWNED_KEY = "assurebot.owned"  # (partnership id, model, row id) known to be the partnership's


@dataclass(frozen=True)
class Scope:
    """One partnership: what a request may read and change."""

    partnership_id: int

    def where(self, model: type) -> ColumnElement[bool]:
        """The condition that keeps `model`'s rows to this partnership."""
        return _where(self.partnership_id, model)

    def get(self, model: type[Row], row_id: int | None, *, session: Session) -> Row | None:
        """A row by id, or None when there is none or it belongs to another partnership."""
        if row_id is None:
            return None
        found = session.get(model, row_id)
        if found is None or model not in SCOPED_TABLES:
            return found
        # A row already in the session (loaded unbound, say) is checked rather than trusted; once
        # checked, it is known for the rest of the session (a row never changes partnership).
        checked = session.info.setdefault(OWNED_KEY, set())
        if (self.partnership_id, model, row_id) in checked:
            return found
        if not self.owns(model, row_id, session=session):
            return None
        checked.add((self.partnership_id, model, row_id))
        return found

    def owns(self, model: type, row_id: int, *, session: Session) -> bool:
        return session.exec(select(model.id).where(model.id == row_id, self.where(model))).first() is not None

    def bind(self, session: Session) -> Session:
        """Limit every ORM statement on the session to this partnership; returns the session."""
        bound = session.info.get(SCOPE_KEY)
        if bound is not None and bound != self:
            raise RuntimeError("this session is already bound to another partnership")
        session.info[SCOPE_KEY] = self
        return session

    def session(self, engine: Engine) -> Session:
        """A new session bound to this partnership (loaded objects stay usable after commit)."""
        return self.bind(session_for(engine))


def scope_of(session: Session) -> Scope | None:
    """The partnership a session is bound to, if any."""
    return session.info.get(SCOPE_KEY)


@event.listens_for(Session, "loaded_as_persistent")
def _keep_for_the_request(session: Session, instance: Any) -> None:
    """Hold what a request's session loads until the session ends: the identity map holds rows only
    weakly, so the buttons checked after a handler would otherwise load its rows again one by one.

    A row loaded while the session is bound came through the partnership's criteria, so it is
    known to be the partnership's: Scope.get need not ask the database again."""
    scope = session.info.get(SCOPE_KEY)
    if scope is not None:
        session.info.setdefault("assurebot.loaded", []).append(instance)
        if type(instance) in SCOPED_TABLES:
            session.info.setdefault(OWNED_KEY, set()).add((scope.partnership_id, type(instance), instance.id))


@event.listens_for(Session, "do_orm_execute")
def _limit_to_the_bound_partnership(state: ORMExecuteState) -> None:
    scope = state.session.info.get(SCOPE_KEY)
    if scope is None or state.is_column_load or state.is_relationship_load:
        return
    if not (state.is_select or state.is_update or state.is_delete):
        return
    statement = state.statement
    if _REUSED.get(id(statement)) is statement:
        state.statement = _limited(id(statement), scope.partnership_id)
        return
    state.statement = statement.options(*_options(scope.partnership_id))


# Statements built once and run again and again with other parameters (a member's id, a day): the
# few that every command runs. Built anew each time, such a statement costs more in Python than in
# the database (a few dozen comparisons, and a cache key over every scoped table's criteria); limited
# to a partnership once and kept, its cache key is worked out once too. Held here for good, so an
# id is never another statement's.
_REUSED: dict[int, Any] = {}


def reused(statement: S) -> S:
    """Mark a statement that is built once and kept (at import, or per partnership) as run again and
    again: on a bound session it is limited to the partnership as any statement is, but only once."""
    _REUSED[id(statement)] = statement
    return statement


@lru_cache(maxsize=1024)
def _limited(statement_id: int, pid: int) -> Any:
    return _REUSED[statement_id].options(*_options(pid))


@lru_cache(maxsize=1024)
def _where(pid: int, model: type) -> ColumnElement[bool]:
    """Built once per partnership and table: a condition is never changed by the statements using it."""
    return _criteria(pid)[model](model)


@lru_cache(maxsize=64)
def _options(pid: int) -> tuple:
    return tuple(with_loader_criteria(model, criterion, include_aliases=True)
                 for model, criterion in _criteria(pid).items())
