"""Old Teams cards (what a card showed, an escalation's summary among it) and tap claims are let go
of by the daily job, not only when the server starts: a server up for months keeps no more."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from bot.delivery import Delivery
from models.db import session_for
from models.partnership import Member
from models.submits import FormSubmit
from models.teams_cards import TeamsCard
from schedules.remind import ReminderJobs
from tests.conftest import PRACTITIONER


async def test_the_daily_job_forgets_cards_and_claims_older_than_sixty_days_and_keeps_the_rest(demo, clock):
    now = clock.now()
    with session_for(demo) as session:
        jo = session.exec(select(Member).where(Member.email == PRACTITIONER)).one()
        for age, slug in ((61, "old"), (59, "recent")):
            session.add(TeamsCard(partnership_id=jo.partnership_id, conversation_id=f"a:{slug}", activity_id="1",
                                  card={"body": [{"text": "E1 Concern about a family"}]},
                                  updated_at=now - timedelta(days=age)))
            session.add(FormSubmit(nonce=slug, member_id=jo.id, command="escalate", at=now - timedelta(days=age)))
        session.commit()

    await ReminderJobs(demo, Delivery(), clock=clock).run_day()

    with session_for(demo) as session:
        assert session.exec(select(TeamsCard.conversation_id)).all() == ["a:recent"]
        assert session.exec(select(FormSubmit.nonce)).all() == ["recent"]


async def test_old_cards_are_forgotten_even_when_refreshing_the_statistics_fails(demo, clock, monkeypatch):
    import schedules.remind

    def busy(_engine):
        raise RuntimeError("the database is busy")

    monkeypatch.setattr(schedules.remind, "refresh_statistics", busy)
    with session_for(demo) as session:
        session.add(TeamsCard(partnership_id=None, conversation_id="a:old", activity_id="1", card={},
                              updated_at=clock.now() - timedelta(days=61)))
        session.commit()
    await ReminderJobs(demo, Delivery(), clock=clock).run_day()
    with session_for(demo) as session:
        assert session.exec(select(TeamsCard.conversation_id)).all() == []
