"""`assurebot remind`: show the day's digests with --dry-run, or queue and send them."""

import io
from datetime import date, datetime, timezone

from sqlmodel import select

from bot.delivery import Delivery
from models.clock import FixedClock
from models.db import session_for
from models.delivery import OutboxMessage
from bot.commands.remind import remind_command
from tests.schedules.test_outbox import Inbox


def url_of(engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def outbox(engine) -> list[OutboxMessage]:
    with session_for(engine) as session:
        return list(session.exec(select(OutboxMessage)))


def test_a_dry_run_prints_each_persons_digest_and_records_nothing(demo):
    out = io.StringIO()
    assert remind_command(url_of(demo), on=date(2026, 11, 23), dry_run=True, out=out) == 0
    text = out.getvalue()
    assert "=== Helen Carter <helen.carter@council.example.org> ===" in text
    assert "Your reminders for Mon 23 Nov 2026" in text
    assert "[Submitted: return done 4]" in text  # buttons show as the commands they run
    assert text.count("=== ") >= 5
    assert text.rstrip().endswith("This was a dry run: nothing was sent or recorded.")
    assert outbox(demo) == []


def test_without_dry_run_the_digests_are_queued_and_sent_once(demo):
    inbox, out = Inbox(), io.StringIO()
    delivery = Delivery()
    delivery.register("console", inbox)
    clock = FixedClock(datetime(2026, 11, 23, 9, tzinfo=timezone.utc))
    assert remind_command(url_of(demo), on=date(2026, 11, 23), delivery=delivery, clock=clock, out=out) == 0
    people = len(inbox.received)
    assert people >= 5 and len(outbox(demo)) == people
    assert f"{people} people with something due; {people} digests queued now. Sent {people}." in out.getvalue()
    again = io.StringIO()
    remind_command(url_of(demo), on=date(2026, 11, 23), delivery=delivery, clock=clock, out=again)
    assert f"0 digests queued now, {people} already queued earlier. Sent 0." in again.getvalue()
    assert len(inbox.received) == people


def test_without_a_date_it_is_today_where_the_partnership_is(demo):
    out = io.StringIO()
    clock = FixedClock(datetime(2026, 11, 23, 23, 30, tzinfo=timezone.utc))  # 23:30 in London, still Monday
    remind_command(url_of(demo), dry_run=True, clock=clock, out=out)
    assert "Your reminders for Mon 23 Nov 2026" in out.getvalue()


def test_on_a_weekend_it_says_why_nothing_goes_out(demo):
    out = io.StringIO()
    assert remind_command(url_of(demo), on=date(2026, 11, 28), dry_run=True, out=out) == 0
    assert "Sat 28 Nov 2026 is not a working day (a weekend), so no reminders go out." in out.getvalue()


def test_on_the_command_line_without_chat_platforms_the_digests_are_printed(demo):
    out = io.StringIO()
    clock = FixedClock(datetime(2026, 11, 23, 9, tzinfo=timezone.utc))
    assert remind_command(url_of(demo), on=date(2026, 11, 23), clock=clock, out=out) == 0
    assert "=== to Helen Carter <helen.carter@council.example.org> ===" in out.getvalue()
    assert {row.status for row in outbox(demo)} == {"sent"}


def test_an_empty_database_says_to_load_a_partnership(engine):
    out = io.StringIO()
    assert remind_command(url_of(engine), on=date(2026, 11, 23), dry_run=True, out=out) == 1
    assert "assurebot load FILE" in out.getvalue()
