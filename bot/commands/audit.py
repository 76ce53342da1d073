"""`assurebot audit verify`: walk the audit trail's hash chains and check the database's guards."""

from __future__ import annotations

import sys

from models.audit_verify import verify
from models.db import ready_engine, session_for
from models.tenancy import NoPartnership, partnership_by_key


def audit_verify_command(database_url: str, *, partnership_key: str | None = None) -> int:
    """0 when every chain is whole and the guards are in place; 1 otherwise (each problem printed)."""
    engine = ready_engine(database_url)
    with session_for(engine) as session:
        chosen = None
        if partnership_key:
            chosen = partnership_by_key(partnership_key, session=session)
            if chosen is None:
                print(str(NoPartnership(f"There is no partnership '{partnership_key}'.")), file=sys.stderr)
                return 2
        verdict = verify(session, partnership_id=chosen.id if chosen else None)
    for chain in verdict.chains:
        state = "intact" if not chain.problems else "BROKEN"
        print(f"{chain.name}: {chain.events} events, {state}; head {chain.head}")
        for problem in chain.problems:
            print(f"  - {problem}")
    for problem in verdict.guards:
        print(f"The database's guard is gone: {problem}. Changes to the trail would no longer be refused.")
    if verdict.intact:
        print("The audit trail is intact. Note the head hashes somewhere else (in the minutes, say): a later "
              "check that starts from them shows nothing was rewritten since.")
        return 0
    print("The audit trail has been tampered with or damaged. Keep this output and tell the partnership's "
          "data protection lead.", file=sys.stderr)
    return 1
