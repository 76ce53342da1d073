"""The demo's year of history: reports that look like what a partnership shows its Executive."""

from datetime import date, datetime, timezone

from sqlmodel import Session, select

from bot.demo import demo_yaml
from handlers.core import parse_command
from handlers.dispatch import Dispatcher, Who
from models.clock import FixedClock
from models.escalations import Escalation
from models.loader import load_text
from models.meetings import Meeting
from models.work import Action, DataReturn

TODAY = date(2026, 11, 27)
CHAIR = "helen.carter@council.example.org"


def loaded(engine):
    with Session(engine) as session:
        load_text(demo_yaml(TODAY, history=True), session=session)
    return Dispatcher(engine, clock=FixedClock(datetime(2026, 11, 27, 9, tzinfo=timezone.utc)))


def ask(dispatcher: Dispatcher, line: str) -> str:
    reply = dispatcher.execute(parse_command(line), Who(platform="console", email=CHAIR)).reply
    assert not reply.is_error, reply.text
    return reply.text


def test_a_year_of_meetings_returns_actions_and_escalations_is_there(engine):
    loaded(engine)
    with Session(engine) as session:
        held = session.exec(select(Meeting).where(Meeting.starts_at < datetime(2026, 11, 27, tzinfo=timezone.utc),
                                                  Meeting.group_id == 1)).all()
        assert len(held) == 6 and sum(m.minutes_circulated_at is not None for m in held) == 5
        kinds = {a.status for a in session.exec(select(Action))}
        assert kinds == {"open", "done", "dropped"}
        submitted = [r for r in session.exec(select(DataReturn)) if r.submitted_at]
        assert any(r.submitted_at.date() > r.due_date for r in submitted)  # some late
        assert any(r.submitted_at.date() <= r.due_date for r in submitted)  # most on time
        escalations = session.exec(select(Escalation)).all()
        assert {e.stage for e in escalations} >= {1, 2, 3}
        assert any(e.closed_at for e in escalations) and any(e.acknowledged_at is None for e in escalations)
    with Session(engine) as session:  # loading it again changes nothing
        assert load_text(demo_yaml(TODAY, history=True), session=session).summary() == \
            "created nothing; updated nothing"


def test_the_reports_tell_a_story_rather_than_a_wall_of_absences(engine):
    dispatcher = loaded(engine)
    attendance = ask(dispatcher, "report attendance arg")
    assert "6 meetings of Assurance and Review Group" in attendance
    below = attendance.count("below the expected 75%")
    assert 2 <= below <= 7  # of 13: some, not most
    assert "missed 3 in a row without a deputy" in attendance  # one member the chair should follow up
    returns = ask(dispatcher, "report returns")
    assert "on time" in returns and "late" in returns and "outstanding" in returns
    actions = ask(dispatcher, "report actions")
    assert "completed" in actions and "overdue" in actions
    escalations = ask(dispatcher, "report escalations")
    assert "1 closed" in escalations and "Median time to acknowledge" in escalations
    past = ask(dispatcher, "meetings past arg")
    assert "6 meetings" in past
