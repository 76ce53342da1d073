"""SQLite's planner is told how large the partnership's tables are, so a group's question reads the
group's rows, not the whole partnership's."""

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import event, insert, select

from bot.delivery import Delivery
from bot.demo import demo_yaml
from models.clock import FixedClock
from models.db import make_engine, migrate, refresh_statistics, session_for
from models.groups import Group, Membership
from models.loader import load_text
from models.meetings import Meeting
from models.partnership import Agency, Member
from models.quorum import seats_for
from models.scope import Scope
from schedules.remind import ReminderJobs

NOW = datetime(2026, 11, 23, 9, tzinfo=timezone.utc)


@pytest.fixture
def grown(tmp_path):
    """The demo partnership with 3,000 more members, 60 of them on a new group of their own."""
    engine = make_engine(f"sqlite:///{tmp_path / 'grown.db'}")
    migrate(engine)
    with session_for(engine) as session:
        load_text(demo_yaml(NOW.date()), session=session)
        partnership_id, agency_id = session.execute(select(Agency.partnership_id, Agency.id)).first()
        session.execute(insert(Member), [
            {"partnership_id": partnership_id, "email": f"m{n}@grown.example.org", "name": f"Member {n}",
             "agency_id": agency_id, "preferred_platform": "console", "is_admin": False, "active": True,
             "teams_unreachable": False, "created_at": NOW} for n in range(3000)])
        group = Group(partnership_id=partnership_id, key="small", name="Small group", quorum={"min_agencies": 1})
        session.add(group)
        session.flush()
        meeting = Meeting(group_id=group.id, starts_at=datetime(2026, 12, 1, 10, tzinfo=timezone.utc))
        session.add(meeting)
        ids = session.execute(select(Member.id).order_by(Member.id.desc()).limit(60)).scalars().all()
        session.execute(insert(Membership), [{"group_id": group.id, "member_id": i, "role": "member"} for i in ids])
        session.commit()
        yield engine, Scope(partnership_id), meeting.id
    engine.dispose()


def seats_plan(engine, scope: Scope, meeting_id: int) -> list[str]:
    """What SQLite does to answer the quorum question's seats query for the meeting."""
    seen = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        if "attendance_answer" in statement and statement.startswith("SELECT meeting.id"):
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        with scope.session(engine) as session:
            meeting = session.get(Meeting, meeting_id)
            assert len(seats_for([(meeting, date(2026, 12, 1))], scope=scope, session=session)[meeting_id]) == 60
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    statement, parameters = seen[0]
    with engine.connect() as connection:
        return [row[-1] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)]


def test_with_statistics_the_seats_of_a_group_are_read_through_the_group_not_every_member(grown):
    engine, scope, meeting_id = grown
    before = seats_plan(engine, scope, meeting_id)
    assert any("SEARCH member USING INDEX ix_member_partnership_id" in step for step in before)  # every member
    refresh_statistics(engine)
    after = seats_plan(engine, scope, meeting_id)
    assert any("SEARCH membership USING INDEX ix_membership_group_id" in step for step in after), after
    assert any("SEARCH member USING INTEGER PRIMARY KEY" in step for step in after), after


def member_rows(engine) -> int:
    """How many members the planner believes the partnership's index covers."""
    with engine.connect() as connection:
        stat = connection.exec_driver_sql(
            "SELECT stat FROM sqlite_stat1 WHERE tbl = 'member' AND idx = 'ix_member_partnership_id'").scalar()
    return int(stat.split()[0])


def test_refreshing_again_tells_the_planner_how_the_partnership_grew(demo, clock):
    if demo.dialect.name != "sqlite":
        pytest.skip("SQLite's statistics")
    refresh_statistics(demo)
    assert member_rows(demo) < 50  # the demo's dozen or so
    with session_for(demo) as session:
        partnership_id, agency_id = session.execute(select(Agency.partnership_id, Agency.id)).first()
        session.execute(insert(Member), [
            {"partnership_id": partnership_id, "email": f"m{n}@grown.example.org", "name": f"Member {n}",
             "agency_id": agency_id, "preferred_platform": "console", "is_admin": False, "active": True,
             "teams_unreachable": False, "created_at": NOW} for n in range(3000)])
        session.commit()
    assert member_rows(demo) < 50  # until the next refresh
    refresh_statistics(demo)
    assert member_rows(demo) > 2000  # an estimate from a sample of the index, not a count


async def test_the_daily_job_refreshes_the_statistics_after_the_sweep(grown):
    engine, _, _ = grown
    with engine.connect() as connection:
        assert connection.exec_driver_sql(
            "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'").scalar() == 0
    await ReminderJobs(engine, Delivery(), clock=FixedClock(NOW)).run_day()
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'membership'").scalar() > 0


def test_postgresql_keeps_its_own_statistics_and_is_left_alone(engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's autovacuum")
    statements = []

    def seen(*args) -> None:
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", seen)
    try:
        refresh_statistics(engine)
    finally:  # the PostgreSQL engine serves the whole test run
        event.remove(engine, "before_cursor_execute", seen)
    assert statements == []
