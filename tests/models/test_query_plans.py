"""A page of a list is the first rows of an index, never a sort of everything that matches.

SQLite plans a query from its indexes alone (no statistics are gathered), so the plan it makes for
the demo partnership is the plan it makes for fifty thousand members. Each list command is run as
the business manager; every statement it sends with a LIMIT is asked for its plan, and a plan that
sorts the rows it found ("USE TEMP B-TREE FOR ORDER BY") would read every open action, return or
meeting of the partnership, or every one sharing a due date, before showing the first 25.
"""

from __future__ import annotations

import pytest
from sqlalchemy import event

from tests.conftest import ADMIN, CHAIR, POLICE

LISTS = [(ADMIN, "actions all"), (ADMIN, "actions agency police"), (POLICE, "actions"), (POLICE, "returns"),
         (ADMIN, "meetings"), (ADMIN, "escalations"), (ADMIN, "home"), (CHAIR, "home")]


def _plans(engine, statements) -> list[tuple[str, str]]:
    found = []
    with engine.connect() as conn:
        for statement, params in statements:
            rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", params).all()
            found.append((statement, "\n".join(row[-1] for row in rows)))
    return found


async def _sent(chat, engine, email: str, line: str) -> list[tuple[str, tuple]]:
    statements: list[tuple[str, tuple]] = []

    def seen(conn, cursor, statement, params, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((" ".join(statement.split()), tuple(params)))

    event.listen(engine, "before_cursor_execute", seen)
    try:
        reply = await chat(email, line)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert not reply.is_error, reply.text
    return statements


@pytest.mark.parametrize(("email", "line"), LISTS)
async def test_a_page_of_a_list_is_read_in_index_order(chat, demo, email, line):
    if demo.dialect.name != "sqlite":
        pytest.skip("PostgreSQL plans from its statistics: a small table is read whole, whatever the indexes")
    pages = [(s, p) for s, p in await _sent(chat, demo, email, line) if " LIMIT " in s and "count(" not in s]
    assert pages, f"`{line}` sent no LIMIT query"
    for statement, plan in _plans(demo, pages):
        assert "TEMP B-TREE FOR ORDER BY" not in plan and "RIGHT PART OF ORDER BY" not in plan, (statement, plan)


async def test_a_persons_seats_are_found_through_their_own_index(chat, demo):
    """Who someone is (their seats, read with the rest of what the rules need in one statement) is
    asked on every command: through the member's index, not by probing every group of the
    partnership for them."""
    if demo.dialect.name != "sqlite":
        pytest.skip("a SQLite plan")
    seats = [(s, p) for s, p in await _sent(chat, demo, ADMIN, "help")
             if s.lstrip().startswith("SELECT membership.group_id, CAST(NULL AS INTEGER)")]
    assert seats
    for statement, plan in _plans(demo, seats):
        assert "ix_membership_member_id" in plan, (statement, plan)


@pytest.mark.parametrize(("line", "starts", "index"), [
    ("home", "SELECT paper.", "ix_paper_owner_open"),  # the papers I owe: mine first, not every meeting's
    ("returns", "SELECT count(*)", "ix_return_agency_open_due"),  # my agency's, not the partnership's
    ("actions agency police", "SELECT action.", "ix_action_agency_status_due"),
])
async def test_one_persons_or_one_agencys_rows_are_found_through_their_index(chat, demo, line, starts, index):
    if demo.dialect.name != "sqlite":
        pytest.skip("a SQLite plan")
    found = [(s, p) for s, p in await _sent(chat, demo, ADMIN if "agency" in line else POLICE, line)
             if s.startswith(starts)]
    assert found, f"`{line}` sent no statement starting {starts!r}"
    plans = _plans(demo, found)
    assert any(index in plan.splitlines()[0] for _, plan in plans), plans
