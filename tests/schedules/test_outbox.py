"""Each digest is queued once, sent once, retried when a platform fails, and failures reach the admins."""

from __future__ import annotations

import asyncio
import json
import threading
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import text
from sqlmodel import select

from bot.delivery import Delivery
from models.clock import FixedClock
from messages.reply import Reply
from models.db import make_engine, session_for
from models.delivery import OutboxMessage
from models.partnership import Member
from schedules.digest import sweep
from messages.payload import reply_from_payload, reply_to_payload
from schedules.delivery import RetryLater
from schedules.outbox import LEASE, MAX_ATTEMPTS, claim
from schedules.sending import flush, send_through
from schedules.remind import outgoing, queue_day
from tests import factories
from tests.conftest import TEST_DATABASE_URL
from tests.schedules.builders import a_meeting, a_return, an_action, town

DAY = date(2026, 12, 3)  # a Thursday
NINE = datetime(2026, 12, 3, 9, 0, tzinfo=timezone.utc)


class Inbox:
    """A platform that records what each person received; it can fail for someone, or ask us to wait."""

    def __init__(self):
        self.received: list[tuple[str, Reply]] = []
        self.failures: dict[str, list[Exception]] = {}
        self.lock = threading.Lock()

    async def __call__(self, member: Member, reply: Reply, key: str | None = None) -> str:
        planned = self.failures.get(member.name)
        if planned:
            raise planned.pop(0)
        with self.lock:
            self.received.append((member.name, reply))
            return f"msg-{len(self.received)}"

    def names(self) -> list[str]:
        return sorted(name for name, _ in self.received)


def delivery_with(inbox: Inbox, platform: str = "console") -> Delivery:
    delivery = Delivery()
    delivery.register(platform, inbox)
    return delivery


@pytest.fixture
def busy_day(session):
    """Three people with something due on Thursday 3 December 2026."""
    t = town(session)
    a_return(session, t.officer, DAY, title="Police dataset")
    an_action(session, t.nurse, DAY, title="Health action")
    an_action(session, t.chair, DAY, title="Council action")
    return t


def rows(engine) -> list[OutboxMessage]:
    with session_for(engine) as session:
        return list(session.exec(select(OutboxMessage).order_by(OutboxMessage.id)))


def run(engine, delivery: Delivery, clock: FixedClock, **options):
    return asyncio.run(flush(engine, send_through(delivery), clock=clock, **options))


def test_each_person_gets_one_digest_and_a_second_run_that_day_sends_nothing_new(engine, busy_day):
    inbox = Inbox()
    delivery, clock = delivery_with(inbox), FixedClock(NINE)
    first = queue_day(engine, DAY, delivery=delivery, clock=clock)
    result = run(engine, delivery, clock)
    assert (first.people, first.queued, result.sent) == (3, 3, 3)
    assert inbox.names() == ["Helen Chair", "Mark Officer", "Rachel Nurse"]

    clock.moment += timedelta(hours=3)
    again = queue_day(engine, DAY, delivery=delivery, clock=clock)
    assert (again.people, again.queued) == (3, 0)
    assert run(engine, delivery, clock).sent == 0
    assert len(inbox.received) == 3
    assert [(r.status, r.attempts, r.kind) for r in rows(engine)] == [("sent", 1, "digest")] * 3
    assert sorted(r.platform_message_id for r in rows(engine)) == ["msg-1", "msg-2", "msg-3"]


def test_a_person_is_not_queued_twice_when_their_platform_changes_during_the_day(engine, busy_day):
    inbox = Inbox()
    queue_day(engine, DAY, delivery=delivery_with(inbox), clock=FixedClock(NINE))
    slack = delivery_with(inbox, "slack")
    slack.register("console", inbox)
    with session_for(engine) as session:
        officer = session.get(Member, busy_day.officer.id)
        officer.slack_user_id, officer.preferred_platform = "U123", "slack"
        session.add(officer)
        session.commit()
    assert queue_day(engine, DAY, delivery=slack, clock=FixedClock(NINE)).queued == 0


def test_the_queued_digest_is_the_one_delivered(engine, busy_day, session):
    inbox = Inbox()
    expected = {d.member.name: d.reply for d in sweep(session, on=DAY).digests}
    queue_day(engine, DAY, delivery=delivery_with(inbox), clock=FixedClock(NINE))
    run(engine, delivery_with(inbox), FixedClock(NINE))
    assert dict(inbox.received) == expected


def test_a_reply_survives_the_outbox_with_its_forms(session):
    t = town(session)
    a_meeting(session, t.arg, date(2026, 12, 14))
    action = an_action(session, t.nurse, date(2026, 12, 7))
    reply = {d.member.name: d.reply for d in sweep(session, on=date(2026, 11, 30)).digests}["Rachel Nurse"]
    assert {b.form.form_id for i in reply.items for b in i.buttons if b.form} == {"deputy",
                                                                                f"action-update-{action.id}"}
    assert reply_from_payload(reply_to_payload(reply)) == reply


def test_a_queued_message_is_written_as_json_text_and_read_back_whole(engine):
    """The outbox encodes each message as it queues it (EncodedJSON): the column holds the same
    JSON as for a dict, and reads back as the reply."""
    with session_for(engine) as session:
        t = town(session)
        a_meeting(session, t.arg, date(2026, 12, 14))
        for person in (t.nurse, t.officer, t.chair):
            an_action(session, person, date(2026, 12, 7))
        replies = {d.member.id: d.reply for d in sweep(session, on=date(2026, 11, 30)).digests}
    queue_day(engine, date(2026, 11, 30), delivery=delivery_with(Inbox()), clock=FixedClock(NINE))
    with engine.connect() as connection:
        stored = dict(connection.execute(text("SELECT member_id, CAST(payload AS TEXT) FROM outbox")).all())
    assert {member_id: json.loads(raw) for member_id, raw in stored.items()} == \
        {member_id: reply_to_payload(reply) for member_id, reply in replies.items()}
    assert {r.member_id: reply_from_payload(r.payload) for r in rows(engine)} == replies


def test_a_large_day_is_queued_a_chunk_at_a_time(engine, busy_day, monkeypatch):
    import schedules.outbox as outbox

    written: list[int] = []
    insert = outbox._insert

    def counting(session, rows):
        written.append(len(rows))
        return insert(session, rows)

    monkeypatch.setattr(outbox, "QUEUE_CHUNK", 2)
    monkeypatch.setattr(outbox, "_insert", counting)
    with session_for(engine) as session:
        expected = {d.member.id: reply_to_payload(d.reply) for d in sweep(session, on=DAY).digests}
    day = queue_day(engine, DAY, delivery=delivery_with(Inbox()), clock=FixedClock(NINE))
    assert (day.people, day.queued, written) == (3, 3, [2, 1])
    assert {r.member_id: r.payload for r in rows(engine)} == expected
    assert queue_day(engine, DAY, delivery=delivery_with(Inbox()), clock=FixedClock(NINE)).queued == 0


def test_each_digest_is_worded_as_it_is_queued_and_let_go_after(session, busy_day):
    day = sweep(session, on=DAY)
    messages = outgoing(day.digests, lambda member: "console")
    first = next(messages)
    assert "reply" in day.digests[0].__dict__ and "reply" not in day.digests[1].__dict__
    assert first.reply.items
    next(messages)
    assert "reply" not in day.digests[0].__dict__ and day.digests[0].entries == []


def test_a_failed_send_is_retried_later_and_delivered_once(engine, busy_day):
    inbox = Inbox()
    inbox.failures["Mark Officer"] = [ConnectionError("connection reset")]
    delivery, clock = delivery_with(inbox), FixedClock(NINE)
    queue_day(engine, DAY, delivery=delivery, clock=clock)
    first = run(engine, delivery, clock)
    assert (first.sent, first.retrying) == (2, 1)
    assert run(engine, delivery, clock).sent == 0  # not before its retry time
    clock.moment += timedelta(minutes=2)
    assert run(engine, delivery, clock).sent == 1
    assert inbox.names() == ["Helen Chair", "Mark Officer", "Rachel Nurse"]
    officer = next(r for r in rows(engine) if r.member_id == busy_day.officer.id)
    assert (officer.status, officer.attempts, officer.last_error) == ("sent", 2, None)


def test_a_send_that_keeps_failing_is_given_up_and_reported_to_the_admins_once(engine, busy_day):
    inbox = Inbox()
    inbox.failures["Mark Officer"] = [RuntimeError("platform said no")] * MAX_ATTEMPTS
    delivery, clock = delivery_with(inbox), FixedClock(NINE)
    queue_day(engine, DAY, delivery=delivery, clock=clock)
    for _ in range(MAX_ATTEMPTS + 2):
        run(engine, delivery, clock)
        clock.moment += timedelta(hours=1)
    officer = next(r for r in rows(engine) if r.member_id == busy_day.officer.id)
    assert (officer.status, officer.attempts) == ("failed", MAX_ATTEMPTS)
    assert officer.last_error == "RuntimeError: platform said no"
    reports = [reply for name, reply in inbox.received if name == "Priya Admin"]
    assert len(reports) == 1
    assert reports[0].title == "Reminders that could not be delivered"
    assert reports[0].items[0].text.startswith("Mark Officer (")
    assert ("Why", f"RuntimeError: platform said no (after {MAX_ATTEMPTS} attempts)") in reports[0].items[0].fields
    assert "Mark Officer" not in inbox.names()


def test_someone_reachable_on_neither_slack_nor_teams_is_listed_for_the_admins(engine, busy_day):
    with session_for(engine) as session:
        officer = session.get(Member, busy_day.officer.id)
        officer.preferred_platform = "slack"  # but no Slack id, and no Teams
        session.add(officer)
        session.commit()
    inbox = Inbox()
    delivery, clock = delivery_with(inbox, "slack"), FixedClock(NINE)
    delivery.register("console", inbox)
    queue_day(engine, DAY, delivery=delivery, clock=clock)
    result = run(engine, delivery, clock)
    assert (result.sent, result.failed, result.reported) == (3, 1, 1)  # two digests and the admin's report
    report = next(reply for name, reply in inbox.received if name == "Priya Admin")
    assert ("Why", "not reachable on Slack or Teams") in report.items[0].fields
    assert "cannot reach on Slack or Teams" in report.text


def test_a_429_is_honoured_for_the_time_the_platform_asks(engine, busy_day):
    inbox = Inbox()
    inbox.failures["Helen Chair"] = [RetryLater("ratelimited", retry_after=30)]
    delivery, clock = delivery_with(inbox), FixedClock(NINE)
    queue_day(engine, DAY, delivery=delivery, clock=clock)
    first = run(engine, delivery, clock, concurrency=1)
    assert (first.sent, first.retrying) == (0, 3)  # everyone waits, not only the one refused
    clock.moment += timedelta(seconds=20)
    assert run(engine, delivery, clock).sent == 0
    clock.moment += timedelta(seconds=11)
    assert run(engine, delivery, clock).sent == 3
    assert inbox.names() == ["Helen Chair", "Mark Officer", "Rachel Nurse"]
    assert {r.attempts for r in rows(engine) if r.member_id != busy_day.chair.id} == {1}


def test_an_error_carrying_a_retry_after_header_is_honoured_too(engine, busy_day):
    class Response:
        status_code, headers = 429, {"Retry-After": "60"}

    class PlatformError(Exception):
        response = Response()

    inbox = Inbox()
    inbox.failures["Helen Chair"] = [PlatformError("ratelimited")]
    delivery, clock = delivery_with(inbox), FixedClock(NINE)
    queue_day(engine, DAY, delivery=delivery, clock=clock)
    run(engine, delivery, clock, concurrency=1)
    clock.moment += timedelta(seconds=59)
    assert run(engine, delivery, clock).sent == 0
    clock.moment += timedelta(seconds=2)
    assert run(engine, delivery, clock).sent == 3


def test_a_crash_between_claim_and_send_sends_once_when_the_lease_runs_out(engine, busy_day):
    inbox = Inbox()
    delivery, clock = delivery_with(inbox), FixedClock(NINE)
    queue_day(engine, DAY, delivery=delivery, clock=clock)
    with session_for(engine) as session:
        assert len(claim(session, now=clock.now())) == 3  # ...and the process dies here
    clock.moment += timedelta(minutes=1)
    assert run(engine, delivery, clock).sent == 0  # still leased to the process that died
    clock.moment += LEASE
    assert run(engine, delivery, clock).sent == 3
    clock.moment += LEASE * 2
    assert run(engine, delivery, clock).sent == 0
    assert inbox.names() == ["Helen Chair", "Mark Officer", "Rachel Nurse"]


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="needs TEST_DATABASE_URL (PostgreSQL)")
@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_two_schedulers_on_one_postgresql_database_send_each_digest_exactly_once(engine, session):
    t = town(session)
    people = [factories.member(session, t.police, f"Officer {n}") for n in range(60)]
    for person in people:
        an_action(session, person, DAY, title=f"Action for {person.name}")
    inbox = Inbox()
    delivery = delivery_with(inbox)
    url = engine.url.render_as_string(hide_password=False)
    start = threading.Barrier(2)
    problems: list[BaseException] = []

    def scheduler() -> None:
        own = make_engine(url)  # a process of its own: its own engine and connections
        try:
            start.wait()
            clock = FixedClock(NINE)
            queue_day(own, DAY, delivery=delivery, clock=clock)
            asyncio.run(flush(own, send_through(delivery), clock=clock, limit=7))
        except BaseException as error:  # noqa: BLE001 - reported below
            problems.append(error)
        finally:
            own.dispose()

    threads = [threading.Thread(target=scheduler) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert problems == []
    assert inbox.names() == sorted(p.name for p in people)
    assert {r.status for r in rows(engine)} == {"sent"} and len(rows(engine)) == 60


def test_an_engine_that_encodes_json_its_own_way_is_given_the_payload_itself(tmp_path, sqlite_template):
    """Only an engine that writes EncodedJSON as it is (make_engine's) is handed encoded text;
    any other gets the payload as data, never a JSON string inside the JSON."""
    import shutil

    from sqlalchemy import create_engine

    from schedules.outbox import Outgoing, queue

    path = tmp_path / "other.db"
    shutil.copy(sqlite_template, path)
    other = create_engine(f"sqlite:///{path}")
    with session_for(other) as session:
        member = factories.member(session, town(session).police, "Someone")
        reply = Reply(title="Hello", text="One thing.")
        assert queue(session, [Outgoing(member.id, "console", DAY, "digest", reply)], now=NINE) == 1
    with other.connect() as connection:
        raw = connection.execute(text("SELECT payload FROM outbox")).scalar_one()
    assert json.loads(raw) == reply_to_payload(reply)
    other.dispose()
