"""A day's digests handed out a band of people at a time: the same digests as a whole day decided
at once, in the same order, while holding only a band of people's own returns and actions."""

from __future__ import annotations

import gc
from datetime import datetime, timezone

import pytest
from sqlmodel import select

from messages.payload import reply_to_payload
from models.clock import FixedClock
from models.db import session_for
from models.delivery import OutboxMessage
from schedules import outbox
from schedules.digest import decide, stream, sweep, words
from schedules.digest.decide import Sweep
from schedules.digest.words import Later
from schedules.remind import queue_day
from tests.schedules.test_statements import MONDAY, busy_partnership


def _as_sent(digests) -> list[tuple[int, int, dict]]:
    return [(d.member.id, d.partnership_id, reply_to_payload(d.reply)) for d in digests]


def _owned() -> int:
    """How many people's own returns and actions are held in memory, decided and not yet let go."""
    return sum(1 for held in gc.get_objects()
               if isinstance(held, Later) and held.key.split(":")[0] in ("return", "action"))


@pytest.mark.parametrize(("band", "kept"), [(1, 1), (2, 500), (7, 500)])
def test_a_day_streamed_in_bands_is_the_day_decided_whole(session, monkeypatch, band, kept):
    """The same digests, also when each band's deputies to offer are read again (`kept`: how many
    agencies' choices are held between bands)."""
    busy_partnership(session, 12)  # leavers' returns for the business unit, chairs, asks, the report
    whole = _as_sent(sweep(session, on=MONDAY).digests)
    monkeypatch.setattr(decide, "BAND", band)
    monkeypatch.setattr(words, "CHOICES_KEPT", kept)
    quiet, digests = stream(session, on=MONDAY)
    assert _as_sent(digests) == whole
    assert quiet == []
    assert [member_id for member_id, _, _ in whole] == sorted(member_id for member_id, _, _ in whole)
    assert any("Orphan 0" in item["text"] for _, _, payload in whole for item in payload["items"]), \
        "the day has a leaver's return, for the business unit"
    assert any(field.get("options") for _, _, payload in whole for item in payload["items"]
               for button in item["buttons"] if button.get("form") for field in button["form"]["fields"]), \
        "the day has attendance asks offering deputies"


@pytest.mark.parametrize(("band", "most"), [(3, 4 * 3), (10**9, None)])
def test_only_a_band_of_peoples_own_items_is_held_at_once(session, monkeypatch, band, most):
    """Each of the 30 members has two returns or actions in the day; streamed three people at a
    time, no more than four people's are held when a digest is handed out. (In one band, all of
    them are held: the check can fail.)"""
    busy_partnership(session, 30)
    monkeypatch.setattr(decide, "BAND", band)
    day = Sweep(session, MONDAY, None)
    assert day.prepare()
    held = []
    for digest in day.digests(by_band=True):
        held.append(_owned())
        digest.reply  # worded and let go, as queue_day does
        digest.release()
    assert held
    if most is None:
        assert max(held) >= 60
    else:
        assert max(held) <= most, held


def test_queued_a_few_at_a_time_the_outbox_holds_the_same_day(engine, monkeypatch):
    """queue_day reads the due items on a connection of its own while it commits each chunk of
    the outbox: with bands of one person and chunks of two, the rows are those of one go."""
    with session_for(engine) as session:
        busy_partnership(session, 12)
    clock = FixedClock(datetime(2026, 11, 23, 7, tzinfo=timezone.utc))

    def queued() -> list[tuple]:
        with session_for(engine) as session:
            rows = session.exec(select(OutboxMessage).order_by(OutboxMessage.member_id)).all()
            found = [(r.member_id, r.platform, r.kind, r.payload) for r in rows]
            for row in rows:
                session.delete(row)
            session.commit()
        return found

    first = queue_day(engine, MONDAY, clock=clock)
    whole = queued()
    monkeypatch.setattr(decide, "BAND", 1)
    monkeypatch.setattr(outbox, "QUEUE_CHUNK", 2)
    again = queue_day(engine, MONDAY, clock=clock)
    assert (again.people, again.queued) == (first.people, first.queued) == (len(whole), len(whole))
    assert queued() == whole
