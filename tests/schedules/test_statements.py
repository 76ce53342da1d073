"""A day's digests take the same number of SQL statements for 3 members as for 30."""

from datetime import date, timedelta

from sqlalchemy import event

from models.meetings import Answer
from schedules.digest import sweep
from tests import factories
from tests.schedules.builders import a_meeting, a_paper, a_return, a_snooze, an_action, an_escalation, at, town

MONDAY = date(2026, 11, 23)  # the weekly report goes out too


def busy_partnership(session, members: int):
    """Every kind of reminder at once: returns, actions, papers, asks, a forecast, escalations, minutes, the report."""
    t = town(session)
    audit = factories.group(session, t.partnership, "audit", {"all_of": [t.la.key, t.police.key]}, name="Audit")
    review = factories.group(session, t.partnership, "review", {"min_members": 2}, name="Review")
    factories.seat(session, audit, t.chair, "chair")
    factories.seat(session, review, t.chair, "chair")
    asks = a_meeting(session, t.arg, MONDAY + timedelta(days=14))  # 10 working days ahead
    forecast = a_meeting(session, audit, MONDAY + timedelta(days=2))  # 2 ahead; its papers are late
    deadline = a_meeting(session, review, MONDAY + timedelta(days=7))  # papers due today
    past = [a_meeting(session, t.arg, MONDAY - timedelta(days=d)) for d in (35, 70)]
    for n in range(members):
        person = factories.member(session, t.police if n % 2 else t.icb, f"Member {n}")
        for group in (t.arg, audit, review):
            factories.seat(session, group, person)
        an_action(session, person, MONDAY, title=f"Due today {n}")
        an_action(session, person, MONDAY - timedelta(days=28), title=f"Long overdue {n}")
        snoozed = a_return(session, person, MONDAY + timedelta(days=7), title=f"Due in 5 {n}")
        a_snooze(session, person, "return", snoozed.id, MONDAY + timedelta(days=1))
        a_return(session, person, MONDAY + timedelta(days=7), title=f"Also due in 5 {n}")
        a_paper(session, forecast, person, title=f"Late paper {n}")
        a_paper(session, deadline, person, title=f"Paper due today {n}")
        for meeting in past:
            factories.answer(session, meeting, person, Answer.APOLOGIES.value)
        an_escalation(session, person, at(MONDAY - timedelta(days=7)))
        leaver = factories.member(session, t.police, f"Leaver {n}", active=False)
        a_return(session, leaver, MONDAY, title=f"Orphan {n}")
    factories.answer(session, asks, t.chair, Answer.ATTENDING.value)
    return t


def statements_for_a_day(engine, session) -> tuple[int, int, set[str]]:
    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        day = sweep(session, on=MONDAY)
        replies = [d.reply for d in day.digests]  # worded on first read: the deputy lists load then
    finally:
        event.remove(engine, "before_cursor_execute", count)
    kinds = {item.key.split(":")[0] for reply in replies for item in reply.items}
    return len(seen), len(day.digests), kinds


def test_the_number_of_statements_does_not_grow_with_members(engine, session):
    busy_partnership(session, 3)
    few, few_digests, kinds = statements_for_a_day(engine, session)
    assert kinds == {"action", "return", "paper", "meeting", "quorum", "papers-missing", "escalation", "missed",
                     "overdue", "minutes", "heading"}
    session.expire_all()
    busy_partnership(session, 30)  # a second, ten times bigger partnership in the same database
    many, many_digests, _ = statements_for_a_day(engine, session)
    assert many_digests > few_digests + 30
    assert many == few
    assert few <= 20, few


def parameters_of_each_statement(engine, session) -> list[int]:
    sizes: list[int] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        sizes.append(len(parameters or ()))

    event.listen(engine, "before_cursor_execute", count)
    try:
        day = sweep(session, on=MONDAY)
        for digest in day.digests:
            digest.reply
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return sizes


def test_no_statement_lists_the_partnerships_groups(engine, session):
    """The groups are found through their partnership in SQL. A statement that listed every group's
    id (ten thousand of them in a large partnership) is planned by SQLite as a probe of each listed
    group for every member: the weekly report's seats took hours at 200,000 members."""
    t = busy_partnership(session, 3)
    before = parameters_of_each_statement(engine, session)
    for n in range(40):  # forty more groups, each with a chair, none meeting
        extra = factories.group(session, t.partnership, f"extra{n}", {"min_members": 1}, name=f"Extra {n}")
        factories.seat(session, extra, t.chair, "chair")
    session.expire_all()
    after = parameters_of_each_statement(engine, session)
    assert after == before


def test_a_large_result_read_in_parts_decides_the_same_day(engine, session, monkeypatch):
    """The seats behind the weekly report are read a part at a time; parts of one row give the same digests."""
    busy_partnership(session, 5)

    def the_day() -> list[tuple[int, list[str]]]:
        day = sweep(session, on=MONDAY)
        return [(d.member.id, [f"{item.key} {item.text}" for item in d.reply.items]) for d in day.digests]

    whole = the_day()
    monkeypatch.setattr("schedules.digest.load.FETCHED_TOGETHER", 1)
    assert the_day() == whole
    assert any("overdue:" in line for _, lines in whole for line in lines)
