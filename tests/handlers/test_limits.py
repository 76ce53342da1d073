"""One person's flood slows nobody else: a few commands a second each, reports in a worker of
their own and one at a time per person, and nothing longer than the bot can take."""

import asyncio
import threading

from sqlmodel import func, select

from handlers import reports
from handlers.core import parse_command
from handlers.dispatch import MAX_TYPED, Dispatcher, Who
from handlers.limits import RateLimit
from models.db import session_for
from models.meetings import Paper
from tests.conftest import CHAIR, POLICE, PRACTITIONER

GUARD = 60  # seconds: only so a broken run fails instead of hanging; nothing here is timed


class Ticks:
    """A clock that moves only when told."""

    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def console(email: str) -> Who:
    return Who(platform="console", email=email)


async def test_a_person_beyond_their_burst_is_asked_to_wait_and_others_are_not(demo, clock):
    ticks = Ticks()
    dispatcher = Dispatcher(demo, clock=clock, limit=RateLimit(rate=2, burst=3, clock=ticks))
    answers = [await dispatcher.handle(parse_command("whoami"), console(CHAIR)) for _ in range(5)]
    assert [CHAIR in a.text for a in answers] == [True, True, True, False, False]
    assert "faster than I can answer them, so I didn't do that last one" in answers[3].text
    assert answers[3].is_error
    other = await dispatcher.handle(parse_command("whoami"), console(POLICE))
    assert POLICE in other.text  # someone else's bucket is their own
    ticks.now += 0.5  # two a second: one more after half a second
    assert CHAIR in (await dispatcher.handle(parse_command("whoami"), console(CHAIR))).text
    assert "faster" in (await dispatcher.handle(parse_command("whoami"), console(CHAIR))).text
    dispatcher.close()


async def test_a_refused_command_saves_nothing(demo, clock):
    ticks = Ticks()
    dispatcher = Dispatcher(demo, clock=clock, limit=RateLimit(rate=1, burst=1, clock=ticks))
    await dispatcher.handle(parse_command("whoami"), console(CHAIR))
    reply = await dispatcher.handle(parse_command("paper add arg owner=mark.evans@police.example.org Q3 data"),
                                    console(CHAIR))
    assert "faster" in reply.text
    with session_for(demo) as session:
        assert session.exec(select(func.count()).select_from(Paper).where(Paper.title == "Q3 data")).one() == 0
    dispatcher.close()


async def test_reports_run_in_their_own_worker_one_at_a_time_per_person(demo, clock, monkeypatch):
    started, release = threading.Event(), threading.Event()
    real = reports.build_report

    def slow_report(*args, **kwargs):
        started.set()
        release.wait(GUARD)
        return real(*args, **kwargs)

    monkeypatch.setattr(reports, "build_report", slow_report)
    dispatcher = Dispatcher(demo, clock=clock, workers=1)
    first = asyncio.ensure_future(dispatcher.handle(parse_command("report attendance arg"), console(CHAIR)))
    assert await asyncio.to_thread(started.wait, GUARD)
    # The only ordinary worker is free: another person's command is answered while the report is made.
    mine = await asyncio.wait_for(dispatcher.handle(parse_command("whoami"), console(POLICE)), GUARD)
    assert POLICE in mine.text and not first.done()
    again = await dispatcher.handle(parse_command("report attendance arg"), console(CHAIR))
    assert "I'm still making your last report, so I didn't start another" in again.text
    release.set()
    done = await asyncio.wait_for(first, GUARD)
    assert done.files and not done.is_error
    # Once it is made, the next may be asked for.
    assert (await dispatcher.handle(parse_command("report attendance arg"), console(CHAIR))).files
    dispatcher.close()


async def test_a_command_longer_than_the_bot_takes_is_refused_unread(chat, demo):
    title = "Q3 " + "very long title " * 13_000  # about 200,000 characters
    reply = await chat(CHAIR, f"paper add arg owner={POLICE} {title}")
    assert reply.is_error and f"the most is {MAX_TYPED:,}" in reply.text and "Nothing was saved" in reply.text
    form = await chat(PRACTITIONER, "escalate", form={"category": "practice", "urgency": "routine",
                                                      "summary": "x" * (MAX_TYPED + 1)})
    assert form.is_error and "longer than I can take" in form.text
    with session_for(demo) as session:
        assert session.exec(select(func.count()).select_from(Paper).where(Paper.title.startswith("Q3 "))).one() == 0


async def test_a_title_over_its_own_limit_is_refused_with_the_limit(chat):
    reply = await chat(CHAIR, f"paper add arg owner={POLICE} {'t' * 301}")
    assert reply.is_error and "300" in reply.text


def test_idle_buckets_are_forgotten_once_full_again():
    ticks = Ticks()
    limit = RateLimit(rate=1, burst=2, clock=ticks)
    for n in range(6000):
        assert limit.allow(f"person{n}")
    ticks.now += 10
    assert limit.allow("one more")
    assert len(limit._buckets) < 10
