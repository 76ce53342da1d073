"""Checking the audit trail: every chain walked from its first event to its head, and the database's
guards against changing it still in place. `assurebot audit verify` prints what this finds."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import text
from sqlmodel import Session, select

from models.audit import GENESIS, NO_PARTNERSHIP, AuditChain, AuditEvent, event_hash
from models.partnership import Partnership

SQLITE_GUARDS = ("audit_event_no_update", "audit_event_no_delete")
POSTGRESQL_GUARDS = ("audit_event_no_change", "audit_event_no_truncate")


@dataclass
class Chain:
    """One partnership's trail as found."""

    chain_id: int
    name: str
    events: int = 0
    head: str = GENESIS
    problems: list[str] = field(default_factory=list)


@dataclass
class Verdict:
    chains: list[Chain]
    guards: list[str]  # problems with the database's own protection

    @property
    def intact(self) -> bool:
        return not self.guards and not any(c.problems for c in self.chains)


def verify(session: Session, *, partnership_id: int | None = None) -> Verdict:
    """Walk each chain (or the one partnership's) and check the guards."""
    names = {p.id: p.name for p in session.exec(select(Partnership))}
    heads = {c.chain_id: c for c in session.exec(select(AuditChain))}
    found = set(session.exec(select(AuditEvent.chain_id).distinct())) | set(heads)
    if partnership_id is not None:
        found &= {partnership_id}
    chains = []
    for chain_id in sorted(found):
        name = "events about no partnership" if chain_id == NO_PARTNERSHIP else names.get(chain_id, f"#{chain_id}")
        chains.append(_walk(session, Chain(chain_id, name), heads.get(chain_id)))
    return Verdict(chains, guards(session))


def _walk(session: Session, chain: Chain, head: AuditChain | None) -> Chain:
    """Name the first event that does not fit: changed, missing, out of order, or the end cut off."""
    expected_seq, previous = 1, GENESIS
    rows = session.exec(select(AuditEvent).where(AuditEvent.chain_id == chain.chain_id)
                        .order_by(AuditEvent.seq, AuditEvent.id)).all()
    chain.events = len(rows)
    # Events are written in chain order, so their ids rise with their places; a fall is a reordering.
    for before, after in zip(rows, rows[1:]):
        if after.id < before.id and after.seq != before.seq:
            chain.problems.append(f"event {before.id} ({before.action}, place {before.seq}) was written after "
                                  f"event {after.id} (place {after.seq}); events were reordered")
            break
    for event in rows if not chain.problems else []:
        where = f"event {event.id} ({event.action}, place {event.seq})"
        if event.seq != expected_seq:
            chain.problems.append(f"{where}: expected place {expected_seq}; "
                                  f"{'events are missing before it' if event.seq > expected_seq else 'a place is used twice'}")
            break
        if event.prev_hash != previous:
            chain.problems.append(f"{where}: does not follow the event before it; the chain was broken here")
            break
        if event_hash(event.model_dump()) != event.hash:
            chain.problems.append(f"{where}: its content no longer matches its hash; it was changed")
            break
        expected_seq, previous = expected_seq + 1, event.hash
    chain.head = previous
    if not chain.problems:
        if head is None:
            chain.problems.append("the chain's head is missing")
        elif (head.seq, head.last_hash) != (expected_seq - 1, previous):
            chain.problems.append(f"the chain's head says {head.seq} events but {expected_seq - 1} were found; "
                                  f"events were removed from its end, or the head was changed")
    return chain


def guards(session: Session) -> list[str]:
    """What is missing from the database's own refusal to change the audit trail."""
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        present = set(session.execute(text(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_event'")).scalars())
        return [f"the trigger {name} has been removed" for name in SQLITE_GUARDS if name not in present]
    if dialect == "postgresql":
        state = dict(session.execute(text(
            "SELECT tgname, tgenabled FROM pg_trigger WHERE tgrelid = 'audit_event'::regclass")).all())
        problems = [f"the trigger {name} has been removed" for name in POSTGRESQL_GUARDS if name not in state]
        problems += [f"the trigger {name} is switched off" for name in POSTGRESQL_GUARDS
                     if state.get(name) == "D"]
        return problems
    return []
