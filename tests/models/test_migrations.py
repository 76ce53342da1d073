"""Alembic migrations build exactly the schema the models describe."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from models.db import migrate, ours


def test_migrations_match_the_models(engine):
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "include_name": ours})
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == []


def test_migrating_an_up_to_date_database_changes_nothing(engine):
    migrate(engine)
    with engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_heads()


def test_members_already_loaded_take_their_agencys_partnership_and_keep_every_reference(tmp_path):
    """Upgrading a database that was in use before partnerships scoped their members."""
    from alembic import command
    from sqlalchemy import text

    from models.db import alembic_config, make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    config = alembic_config(engine)
    command.upgrade(config, "0003_member_admin_index")
    command.upgrade(config, "0003_teams_file_offers")
    command.upgrade(config, "0002_reminders")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO partnership (id, key, name, timezone, nation, front_door, settings, created_at) "
                          "VALUES (1, 'a', 'A', 'Europe/London', 'england-and-wales', 'MASH', '{}', "
                          "'2026-01-01 00:00:00'), (2, 'b', 'B', 'Europe/London', 'england-and-wales', 'MASH', "
                          "'{}', '2026-01-01 00:00:00')"))
        conn.execute(text("INSERT INTO agency (id, partnership_id, key, name, named_partner) VALUES "
                          "(10, 1, 'police', 'A Police', 1), (20, 2, 'police', 'B Police', 1)"))
        conn.execute(text("INSERT INTO member (id, email, name, agency_id, preferred_platform, is_admin, active, "
                          "teams_unreachable, created_at) VALUES "
                          "(100, 'a@x.org', 'In A', 10, 'console', 0, 1, 0, '2026-01-01 00:00:00'), "
                          "(200, 'b@x.org', 'In B', 20, 'console', 0, 1, 0, '2026-01-01 00:00:00')"))
        conn.execute(text("INSERT INTO snooze (member_id, item_kind, item_id, until) VALUES (100, 'action', 1, "
                          "'2026-12-01')"))
    migrate(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT id, partnership_id FROM member ORDER BY id")).all() == [(100, 1), (200, 2)]
        assert conn.execute(text("SELECT member_id FROM snooze")).scalar_one() == 100
        assert conn.execute(text("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' "
                                 "AND tbl_name = 'audit_event'")).scalar_one() == 2
    engine.dispose()


def test_the_head_named_in_code_is_alembics_head_and_a_current_database_is_not_migrated_again(tmp_path, monkeypatch):
    from alembic.script import ScriptDirectory

    from models import db

    engine = db.make_engine(f"sqlite:///{tmp_path / 'head.db'}")
    assert ScriptDirectory.from_config(db.alembic_config(engine)).get_heads() == [db.HEAD]
    assert not db.schema_is_current(engine)
    db.ready_engine(f"sqlite:///{tmp_path / 'head.db'}")
    assert db.schema_is_current(engine)

    def must_not_run(_engine):
        raise AssertionError("a current database was migrated again")

    monkeypatch.setattr(db, "migrate", must_not_run)
    db.ready_engine(f"sqlite:///{tmp_path / 'head.db'}")


async def test_loaded_escalations_stop_naming_their_raiser_as_having_moved_them(tmp_path):
    """0017: stages loaded from a file named the raiser as the mover; moves and notes made in
    AssureBot keep theirs."""
    from alembic import command
    from sqlalchemy import text

    from bot.demo import demo_yaml
    from handlers.core import parse_command
    from handlers.dispatch import Dispatcher, Who
    from models.clock import FixedClock
    from models.db import alembic_config, make_engine, session_for
    from models.loader import load_text
    from tests.conftest import ADMIN, CHAIR, DEFAULT_NOW

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    command.upgrade(alembic_config(engine), "0016_list_order_indexes")
    with session_for(engine) as session:
        load_text(demo_yaml(DEFAULT_NOW.date(), history=True), session=session)
    with engine.begin() as conn:  # as the loader wrote them before
        conn.execute(text("UPDATE escalation_stage SET by_id = (SELECT raised_by_id FROM escalation "
                          "WHERE escalation.id = escalation_stage.escalation_id)"))
    dispatcher = Dispatcher(engine, clock=FixedClock(DEFAULT_NOW))
    chair = Who(platform="console", email=CHAIR)
    raised = await dispatcher.handle(parse_command("escalate routine capacity: two vacancies in the front door"),
                                     chair)
    number = raised.title.split()[1]
    admin = Who(platform="console", email=ADMIN)
    assert (await dispatcher.handle(parse_command(f"escalation ack {number}"), admin)).changed
    assert (await dispatcher.handle(parse_command(f"escalation stage {number} 2 Moved by the chair"), chair)).changed
    assert (await dispatcher.handle(parse_command(f"escalation stage {number} 2 A note of hers"), chair)).changed
    assert (await dispatcher.handle(parse_command(f"escalation stage {number} 3"), chair)).changed  # no note

    migrate(engine)

    with engine.connect() as conn:
        rows = conn.execute(text("SELECT e.id, s.stage, s.by_id, e.raised_by_id, s.note FROM escalation_stage s "
                                 "JOIN escalation e ON e.id = s.escalation_id ORDER BY s.id")).all()
    loaded = [row for row in rows if f"E{row.id}" != number]
    assert any(row.stage > 1 for row in loaded)
    assert all(row.by_id == (row.raised_by_id if row.stage == 1 else None) for row in loaded)
    hers = [(row.stage, row.by_id == row.raised_by_id, row.note) for row in rows if f"E{row.id}" == number]
    assert hers == [(1, True, None), (2, True, "Moved by the chair"), (2, True, "A note of hers"), (3, True, None)]
    engine.dispose()
