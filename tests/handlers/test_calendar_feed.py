"""Calendar feeds: a group's meetings and a member's own deadlines, in Outlook beside everything else."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError
from aiohttp.test_utils import TestClient, TestServer
from icalendar import Calendar
from sqlmodel import select

from bot.server import build_app
from bot.settings import Settings
from models.audit import record
from models.db import session_for
from models.groups import Group
from models.meetings import Meeting, Paper
from models.partnership import Member
from models.work import Action
from bot.commands.calendar import calendar_command
from handlers.calendar_feed import member_token
from tests.conftest import CHAIR, DEFAULT_NOW, POLICE, PRACTITIONER

SECRET = "test-calendar-secret-not-real-0123456789"


def events(ics: bytes) -> dict[str, dict]:
    """The feed's events by UID, with the fields people see."""
    found = {}
    for event in Calendar.from_ical(ics).walk("VEVENT"):
        start = event.decoded("dtstart")
        found[str(event["uid"])] = {
            "summary": str(event["summary"]), "start": start, "status": str(event.get("status", "")),
            "sequence": int(event.get("sequence", 0)), "all_day": not isinstance(start, datetime),
            "transp": str(event.get("transp", "")), "location": str(event.get("location", "")),
        }
    return found


def arg_calendar(demo, tmp_path, member: str | None = None) -> bytes:
    out = tmp_path / "arg.ics"
    assert calendar_command(demo.url.render_as_string(hide_password=False), group="arg", member_email=member,
                            output=str(out), now=DEFAULT_NOW) == 0
    return out.read_bytes()


def member_id(engine, email: str) -> int:
    with session_for(engine) as session:
        return session.exec(select(Member.id).where(Member.email == email)).one()


def test_a_groups_calendar_lists_its_meetings_with_uids_that_stay_the_same(demo, tmp_path):
    first = events(arg_calendar(demo, tmp_path))
    meetings = [e for e in first.values() if not e["all_day"]]
    assert len(meetings) == 3 and {e["summary"] for e in meetings} == {"Assurance and Review Group"}
    assert {e["status"] for e in meetings} == {"CONFIRMED"}
    assert "Council House, Committee Room 2" in {e["location"] for e in meetings}
    assert not any(e["all_day"] for e in first.values())  # no member: nobody's deadlines
    assert set(events(arg_calendar(demo, tmp_path))) == set(first)
    assert Calendar.from_ical(arg_calendar(demo, tmp_path))["x-wr-calname"] == "AssureBot: Assurance and Review Group"


def test_a_moved_meeting_keeps_its_uid_and_a_cancelled_one_shows_as_cancelled(demo, tmp_path):
    before = events(arg_calendar(demo, tmp_path))
    with session_for(demo) as session:
        arg = session.exec(select(Group).where(Group.key == "arg")).one()
        moved, cancelled = session.exec(select(Meeting).where(Meeting.group_id == arg.id)
                                        .order_by(Meeting.starts_at)).all()[1:3]
        old_start = moved.starts_at
        moved.starts_at = old_start + timedelta(days=1)
        cancelled.status = "cancelled"
        record(session, partnership_id=arg.partnership_id, actor_id=None, actor_label="test",
               action="meeting.moved", entity="meeting",
               entity_id=moved.id, before={"starts_at": old_start.isoformat()},
               after={"starts_at": moved.starts_at.isoformat()})
        record(session, partnership_id=arg.partnership_id, actor_id=None, actor_label="test",
               action="meeting.cancelled", entity="meeting",
               entity_id=cancelled.id)
        session.add_all([moved, cancelled])
        session.commit()
        moved_uid, cancelled_uid = f"meeting-{moved.id}@riverside.assurebot", f"meeting-{cancelled.id}@riverside.assurebot"

    after = events(arg_calendar(demo, tmp_path))

    assert set(after) == set(before)  # updated in place, not duplicated
    assert after[moved_uid]["start"] == before[moved_uid]["start"] + timedelta(days=1)
    assert after[moved_uid]["sequence"] > before[moved_uid]["sequence"]
    assert after[cancelled_uid]["status"] == "CANCELLED"
    assert after[cancelled_uid]["summary"] == "Cancelled: Assurance and Review Group"


def test_a_members_calendar_adds_their_own_deadlines_as_all_day_entries(demo, tmp_path):
    found = events(arg_calendar(demo, tmp_path, member=POLICE))
    deadlines = {e["summary"]: e for e in found.values() if e["all_day"]}
    assert set(deadlines) == {
        "Paper due: Police single-agency audit highlights",
        "Return due: Multi-agency dataset figures and commentary (Q3 2026/27)",
        "Action due: Agree joint protocol for missing-from-home return interviews",
    }
    # ARG on Wed 2 Dec 2026 (7 working days on): papers five working days ahead.
    assert deadlines["Paper due: Police single-agency audit highlights"]["start"] == date(2026, 11, 25)
    assert {e["transp"] for e in deadlines.values()} == {"TRANSPARENT"}


def test_done_deadlines_drop_out_of_the_feed(demo, tmp_path):
    with session_for(demo) as session:
        police = session.exec(select(Member).where(Member.email == POLICE)).one()
        paper = session.exec(select(Paper).where(Paper.owner_id == police.id)).one()
        action = session.exec(select(Action).where(Action.owner_id == police.id)).one()
        paper.submitted_at = datetime(2026, 11, 23, 9, tzinfo=timezone.utc)
        action.status = "done"
        session.add_all([paper, action])
        session.commit()
    summaries = {e["summary"] for e in events(arg_calendar(demo, tmp_path, member=POLICE)).values() if e["all_day"]}
    assert summaries == {"Return due: Multi-agency dataset figures and commentary (Q3 2026/27)"}


def test_the_command_refuses_unknown_groups_and_members(demo, capsys):
    url = demo.url.render_as_string(hide_password=False)
    assert calendar_command(url, group="nowhere") == 2
    assert "I don't know a group called 'nowhere'" in capsys.readouterr().err
    assert calendar_command(url, group="arg", member_email="nobody@example.org") == 2
    assert calendar_command(url, group="arg", now=DEFAULT_NOW) == 0
    assert capsys.readouterr().out.startswith("BEGIN:VCALENDAR")


# --- the secret link --------------------------------------------------------------------------------------


def test_each_member_has_their_own_token_and_a_new_secret_withdraws_them_all():
    assert member_token(7, SECRET) == member_token(7, SECRET)
    assert member_token(7, SECRET) != member_token(8, SECRET)
    assert member_token(7, SECRET) != member_token(7, "another-secret")
    assert member_token(7, SECRET).startswith("7-")


@pytest.fixture
async def server(demo, clock):
    async def start(secret: str | None = SECRET):
        app = build_app(demo, settings=Settings(_env_file=None, calendar_secret=secret), clock=clock)
        client = TestClient(TestServer(app, host="127.0.0.1"))
        await client.start_server()
        clients.append(client)
        return client

    clients: list[TestClient] = []
    yield start
    for client in clients:
        await client.close()


async def test_a_members_link_serves_their_meetings_and_deadlines(server, demo):
    client = await server()
    token = member_token(member_id(demo, POLICE), SECRET)

    response = await client.get(f"/calendar/{token}.ics")

    assert response.status == 200
    assert response.content_type == "text/calendar"
    found = events(await response.read())
    summaries = {e["summary"] for e in found.values()}
    assert "Assurance and Review Group" in summaries
    assert "Action due: Agree joint protocol for missing-from-home return interviews" in summaries
    assert not any("Helen" in s or "S11 section 4" in s for s in summaries)  # nobody else's deadlines


async def test_a_wrong_or_tampered_token_gets_not_found(server, demo):
    client = await server()
    police, chair = member_id(demo, POLICE), member_id(demo, CHAIR)
    good = member_token(police, SECRET)
    for token in (good[:-1] + ("0" if good[-1] != "0" else "1"), f"{chair}-{good.split('-')[1]}",
                  member_token(police, "an-old-secret"), "nonsense", "-"):
        assert (await client.get(f"/calendar/{token}.ics")).status == 404


async def test_an_inactive_member_link_stops_working(server, demo):
    client = await server()
    with session_for(demo) as session:
        member = session.exec(select(Member).where(Member.email == PRACTITIONER)).one()
        member.active = False
        session.add(member)
        session.commit()
        token = member_token(member.id, SECRET)
    assert (await client.get(f"/calendar/{token}.ics")).status == 404


async def test_without_a_secret_the_links_are_off_and_the_log_says_why(server, demo, caplog):
    client = await server(secret=None)
    with caplog.at_level(logging.WARNING, logger="bot.calendar_feed"):
        response = await client.get(f"/calendar/{member_token(member_id(demo, POLICE), SECRET)}.ics")
    assert response.status == 404
    assert "CALENDAR_SECRET is not set" in caplog.text


# --- asking for the link in chat --------------------------------------------------------------------------


@pytest.fixture
def calendar_settings(chat, monkeypatch):
    """The environment `assurebot serve` would read, handed to the chat as the server hands it over."""
    def configure(**values: str) -> None:
        for name in ("PUBLIC_URL", "CALENDAR_SECRET"):
            monkeypatch.delenv(name, raising=False)
        for name, value in values.items():
            monkeypatch.setenv(name, value)
        chat.dispatcher.feed_links = Settings(_env_file=None).feed_links()

    return configure


async def test_a_member_gets_their_own_private_link_in_chat(chat, demo, calendar_settings, server):
    calendar_settings(PUBLIC_URL="https://assurebot.example.org/", CALENDAR_SECRET=SECRET)

    reply = await chat(POLICE, "calendar")

    token = member_token(member_id(demo, POLICE), SECRET)
    assert reply.private and not reply.is_error
    assert f"https://assurebot.example.org/calendar/{token}.ics" in reply.text
    assert f"webcal://assurebot.example.org/calendar/{token}.ics" in reply.text
    assert "Subscribe from web" in reply.text
    client = await server()
    assert (await client.get(f"/calendar/{token}.ics")).status == 200


async def test_without_a_public_url_the_bot_says_links_are_not_on_yet(chat, calendar_settings):
    calendar_settings(CALENDAR_SECRET=SECRET)
    reply = await chat(POLICE, "calendar")
    assert "Calendar links are not switched on here yet" in reply.text
    assert "Priya Shah" in reply.text and "/calendar/" not in reply.text


async def test_a_named_deputys_link_has_the_meeting_they_stand_in_at_and_no_other_of_that_group(server, demo):
    client = await server()
    response = await client.get(f"/calendar/{member_token(member_id(demo, PRACTITIONER), SECRET)}.ics")
    meetings = [e for e in events(await response.read()).values() if not e["all_day"]]
    arg = [e for e in meetings if e["summary"] == "Assurance and Review Group"]
    assert len(arg) == 1  # the one she deputises at, not the group's later meetings


@pytest.mark.parametrize("name", ["calendar_secret", "email_link_secret", "email_link_secret_previous"])
def test_a_link_secret_short_enough_to_guess_is_refused_at_start_without_being_repeated(name):
    with pytest.raises(ValidationError) as refused:
        Settings(_env_file=None, **{name: "try-it-out-only"})
    assert f"{name.upper()} must be at least 32 characters" in str(refused.value)
    assert "try-it-out-only" not in str(refused.value)
    assert Settings(_env_file=None, **{name: "x" * 32})  # long enough
