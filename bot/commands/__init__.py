"""The `assurebot` commands that work on the database: remind, report, import and calendar."""

from __future__ import annotations

import sys

from sqlalchemy.engine import Engine

from models.db import session_for
from models.scope import Scope
from models.tenancy import NoPartnership, partnership_for_email, the_partnership


def chosen_scope(engine: Engine, *, email: str | None, key: str | None) -> Scope | None:
    """The partnership a command works in: the person's (--as, --member), the one named with
    --partnership, or the database's only one. None, with the reason printed, when it is not clear."""
    with session_for(engine) as session:
        try:
            chosen = (partnership_for_email(email, key=key, session=session) if email
                      else the_partnership(key, session=session))
        except NoPartnership as problem:
            print(str(problem), file=sys.stderr)
            return None
    return Scope(chosen.id)
