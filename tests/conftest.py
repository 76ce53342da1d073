"""Shared fixtures: a real database (SQLite always, PostgreSQL when TEST_DATABASE_URL is set),
a clock the test sets, the demo partnership, and a chat that goes through the same path as the console."""

from __future__ import annotations

import os
import pickle
import shutil
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text
from sqlmodel import SQLModel

from bot.apart import portable
from bot.demo import demo_yaml
from handlers.core import parse_command
from models.clock import FixedClock
from handlers.dispatch import Dispatcher, Who
from messages.reply import Reply
from models.db import SLACK_STORE_TABLES, make_engine, migrate, session_for
from models.loader import load_text
from models.partnership import Member

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
# Monday 23 November 2026, 09:00 in London: a working day.
DEFAULT_NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)

BACKENDS = ["sqlite"] + (["postgresql"] if TEST_DATABASE_URL else [])


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """One migrated SQLite file; each test gets a copy, so each test starts clean."""
    path = tmp_path_factory.mktemp("db") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_engine():
    """A PostgreSQL database of this test run's own, made beside TEST_DATABASE_URL's and dropped after.

    Its own database lets several test runs share one server without disturbing each other.
    """
    if not TEST_DATABASE_URL:
        pytest.skip("TEST_DATABASE_URL is not set")
    base = make_url(TEST_DATABASE_URL)
    name = f"assurebot_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(base.set(database=name).render_as_string(hide_password=False))
    migrate(engine)
    yield engine
    engine.dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _truncate_all(engine) -> None:
    names = [t.name for t in SQLModel.metadata.sorted_tables] + sorted(SLACK_STORE_TABLES)
    tables = ", ".join(f'"{name}"' for name in names)
    with engine.begin() as conn:
        # A clean slate for each test: the audit trail refuses TRUNCATE, so that guard steps aside here.
        conn.execute(text("ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_truncate"))
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        conn.execute(text("ALTER TABLE audit_event ENABLE TRIGGER audit_event_no_truncate"))


@pytest.fixture(params=BACKENDS)
def engine(request, tmp_path, sqlite_template):
    if request.param == "sqlite":
        path = tmp_path / "test.db"
        shutil.copy(sqlite_template, path)
        engine = make_engine(f"sqlite:///{path}")
        yield engine
        engine.dispose()
    else:
        engine = request.getfixturevalue("postgres_engine")
        _truncate_all(engine)
        yield engine


@pytest.fixture
def session(engine):
    with session_for(engine) as session:
        yield session


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(DEFAULT_NOW)


@pytest.fixture
def demo(engine, clock):
    """The demo partnership loaded with its dates placed around the clock's day."""
    with session_for(engine) as session:
        load_text(demo_yaml(clock.now().date()), session=session)
    return engine


@dataclass
class Chat:
    """Talk to the bot as any member, through the same dispatcher the console and adapters use."""

    dispatcher: Dispatcher
    sent: list[tuple[Member, Reply]] = field(default_factory=list)

    async def __call__(self, email: str, line: str, form: dict[str, str] | None = None, *,
                       partnership: str | None = None) -> Reply:
        return await self.dispatcher.handle(parse_command(line, form=form),
                                            Who(platform="console", email=email, partnership_key=partnership))

    def notices_to(self, email: str) -> list[Reply]:
        return [reply for member, reply in self.sent if member.email == email]


def travelling(dispatcher: Dispatcher) -> Dispatcher:
    """Every answer the dispatcher gives goes the way it goes from a worker process to the server
    (bot.apart.portable, then pickled and read back), so a reply that could not leave a worker
    fails the test that asked for it, though the test runs it in a thread of its own."""
    execute = dispatcher.execute

    def across(cmd, who, once=None):
        return pickle.loads(pickle.dumps(portable(execute(cmd, who, once=once))))

    dispatcher._execute = across
    return dispatcher


@pytest.fixture
def chat(demo, clock) -> Chat:
    chat = Chat(travelling(Dispatcher(demo, clock=clock)))

    async def notify(member: Member, reply: Reply) -> None:
        chat.sent.append((member, reply))

    chat.dispatcher.notify = notify
    return chat


# People in the demo partnership.
CHAIR = "helen.carter@council.example.org"  # ARG chair, local authority
DEPUTY_CHAIR = "amara.okafor@icb.example.org"  # ARG deputy chair, ICB
ADMIN = "priya.shah@bu.example.org"  # business manager
POLICE = "mark.evans@police.example.org"  # ARG member, police
POLICE_DEPUTY = "sam.patel@police.example.org"  # police, not on the ARG
ICB_MEMBER = "rachel.green@icb.example.org"
HOUSING = "aisha.rahman@housing.example.org"
PRACTITIONER = "jo.walsh@community.example.org"  # health visitor, on no ARG seat
AUDIT_CHAIR = "dan.price@council.example.org"


def on(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=timezone.utc)


# --- figures some tests report (the identifier check's precision and recall, the outbox's counts) ---

FIGURES: list[str] = []


@pytest.fixture
def report_figure():
    """Add a line to the "figures" section printed at the end of the test run."""
    return FIGURES.append


def pytest_terminal_summary(terminalreporter) -> None:
    if FIGURES:
        terminalreporter.section("figures")
        for line in FIGURES:
            terminalreporter.write_line(line)
