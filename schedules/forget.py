"""What AssureBot lets go of as it runs: the Teams cards it keeps to update them in place after a
tap (each holds what its card showed, an escalation's summary among them) and the claims of
taps and forms, once they are older than any use. At start, and again with each day's digests,
so a server that runs for months keeps no more than one restarted every night."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine

from models.db import session_for
from models.submits import prune_submits
from models.teams_cards import prune_cards

log = logging.getLogger(__name__)

# Cards older than this are no longer updated in place after a tap (the tap still works).
KEEP_CARDS = timedelta(days=60)
KEEP_CLAIMS = timedelta(days=60)  # taps and forms older than this are not double-checked any more


def forget_old(engine: Engine, *, now: datetime) -> tuple[int, int]:
    """Forget Teams cards and tap claims past their keeping; how many of each."""
    with session_for(engine) as session:
        cards = prune_cards(now - KEEP_CARDS, session=session)
        claims = prune_submits(now - KEEP_CLAIMS, session=session)
    if cards:
        log.info("forgot %d Teams cards older than %d days", cards, KEEP_CARDS.days)
    return cards, claims
