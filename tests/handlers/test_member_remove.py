"""member remove: someone who leaves loses access at once and everywhere, and the record of what
they did stays; adding them again brings them back, and an import that does so says it."""

import asyncio
from datetime import date

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlmodel import select

from bot.demo import demo_yaml
from bot.server import build_app
from bot.settings import Settings
from handlers.calendar_feed import member_token
from handlers.core import parse_command
from handlers.dispatch import Who
from models.audit import AuditEvent
from models.db import session_for
from models.groups import Group, Membership
from models.imports import Importer, run_import, the_partnership
from models.loader import load_text
from models.partnership import Member
from tests.conftest import ADMIN, CHAIR, DEFAULT_NOW, POLICE

SECRET = "test-calendar-secret-not-real-but-long-enough"
EMMA = "emma.clarke@bu.example.org"  # the demo's other business unit officer


def member(engine, email: str) -> Member:
    with session_for(engine) as session:
        return session.exec(select(Member).where(Member.email == email)).one()


def seats_of(engine, email: str) -> dict[str, tuple]:
    with session_for(engine) as session:
        rows = session.exec(select(Group.key, Membership.since, Membership.until)
                            .join(Membership, Membership.group_id == Group.id)
                            .join(Member, Member.id == Membership.member_id).where(Member.email == email)).all()
    return {key: (since, until) for key, since, until in rows}


def link_slack(engine, email: str, slack_id: str) -> None:
    with session_for(engine) as session:
        found = session.exec(select(Member).where(Member.email == email)).one()
        found.slack_user_id, found.teams_aad_id = slack_id, f"aad-{slack_id}"
        session.add(found)
        session.commit()


async def remove(chat, email: str, who: str = ADMIN):
    """Remove someone as the business unit would: ask, then press the button the question offers."""
    asked = await chat(who, f"member remove {email}")
    assert not asked.changed and asked.buttons, asked.text
    return await chat(who, asked.buttons[0].command)


async def test_removing_asks_first_and_changes_nothing_until_confirmed(chat, demo):
    asked = await chat(ADMIN, f"member remove {POLICE}")

    assert not asked.changed and not asked.is_error
    assert "Nothing is changed yet" in asked.text and "confirm=yes" in asked.text
    assert "DI Mark Evans" in asked.text and "Assurance and Review Group" in asked.text
    assert asked.buttons[0].command == f"member remove {POLICE} confirm=yes"
    assert member(demo, POLICE).active


async def test_removing_someone_ends_their_access_seats_and_admin_in_one_change(chat, demo):
    link_slack(demo, POLICE, "U0MARK")

    done = await remove(chat, POLICE)

    assert done.changed and not done.is_error
    mark = member(demo, POLICE)
    assert (mark.active, mark.is_admin, mark.slack_user_id, mark.teams_aad_id) == (False, False, None, None)
    assert seats_of(demo, POLICE) == {"arg": (None, date(2026, 11, 23))}
    assert "Removed DI Mark Evans" in done.text
    assert "seat on Assurance and Review Group ends today" in done.text
    # What stays, and what needs a new owner.
    assert "1 open action" in done.text and "`assurebot import actions FILE`" in done.text
    assert "`action drop ID REASON`" in done.text  # no chat command moves an action: say what does
    assert "1 return" in done.text and "1 paper" in done.text
    assert "answers" in done.text
    with session_for(demo) as session:
        admin_id = session.exec(select(Member.id).where(Member.email == ADMIN)).one()
        events = session.exec(select(AuditEvent).where(AuditEvent.entity_id == mark.id,
                                                       AuditEvent.action == "member.removed")).all()
        ended = session.exec(select(AuditEvent).where(AuditEvent.action == "membership.ended")).all()
    assert len(events) == 1 and events[0].actor_id == admin_id
    assert events[0].before["active"] is True and events[0].after["active"] is False
    assert len(ended) == 1 and ended[0].after == {"until": "2026-11-23"}


async def test_a_removed_member_is_told_their_access_has_ended_on_every_platform(chat, demo):
    link_slack(demo, POLICE, "U0MARK")
    await remove(chat, POLICE)

    console = await chat(POLICE, "actions")
    slack = await chat.dispatcher.handle(parse_command("actions"),
                                         Who(platform="slack", slack_user_id="U0MARK", email=POLICE, home=True))
    teams = await chat.dispatcher.handle(parse_command("actions"),
                                         Who(platform="teams", teams_aad_id="aad-U0MARK", email=POLICE, home=True))
    for reply in (console, slack, teams):
        assert reply.is_error and "access has ended" in reply.text, reply.text
    assert member(demo, POLICE).slack_user_id is None  # the email alone does not link them again


@pytest.fixture
async def feed(demo, clock):
    app = build_app(demo, settings=Settings(_env_file=None, calendar_secret=SECRET), clock=clock)
    client = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    yield client
    await client.close()


async def test_a_removed_members_calendar_link_stops_working(chat, demo, feed):
    token = member_token(member(demo, POLICE).id, SECRET)
    assert (await feed.get(f"/calendar/{token}.ics")).status == 200

    await remove(chat, POLICE)

    assert (await feed.get(f"/calendar/{token}.ics")).status == 404


async def test_a_removed_members_seat_no_longer_counts_towards_quorum(chat, demo):
    await chat(POLICE, "attend arg yes")
    assert (await chat(CHAIR, "quorum arg")).title.endswith(": quorate")

    await remove(chat, POLICE)

    after = await chat(CHAIR, "quorum arg")
    assert "not quorate" in after.title
    assert "Riverside Police" in after.text and "Mark Evans" not in after.text


async def test_the_last_of_the_business_unit_cannot_remove_themselves(chat, demo):
    await remove(chat, EMMA)
    assert not member(demo, EMMA).active

    refused = await chat(ADMIN, f"member remove {ADMIN} confirm=yes")

    assert refused.is_error and not refused.changed
    assert refused.text.startswith("You are the last of the business unit, so can't be removed")
    priya = member(demo, ADMIN)
    assert priya.active and priya.is_admin
    back = await chat(ADMIN, f'member add name="Emma Clarke" email={EMMA} agency=bu admin=yes')
    assert back.changed and member(demo, EMMA).is_admin
    assert (await remove(chat, ADMIN)).changed  # another of the business unit now: Priya may go


async def test_removing_someone_twice_or_someone_unknown_changes_nothing(chat, demo):
    await remove(chat, POLICE)
    again = await chat(ADMIN, f"member remove {POLICE} confirm=yes")
    assert not again.changed and "already removed" in again.text and "member add" in again.text
    unknown = await chat(ADMIN, "member remove nobody@nowhere.example.org")
    assert unknown.is_error and "not a member" in unknown.text
    refused = await chat(CHAIR, f"member remove {POLICE} confirm=yes")
    assert refused.is_error


async def test_removing_a_chair_says_the_group_has_none_now(chat, demo):
    done = await remove(chat, CHAIR)
    assert "Assurance and Review Group has no chair now" in done.text


async def test_adding_a_removed_member_again_brings_them_back(chat, demo):
    await remove(chat, POLICE)

    back = await chat(ADMIN, f'member add name="DI Mark Evans" email={POLICE} agency=police group=arg')

    assert back.changed and "back" in back.text and "was already registered" not in back.text
    mark = member(demo, POLICE)
    assert mark.active and not mark.is_admin
    assert seats_of(demo, POLICE)["arg"] == (None, None)  # the seat ended by the removal today runs on
    assert not (await chat(POLICE, "whoami")).is_error
    with session_for(demo) as session:
        assert session.exec(select(AuditEvent).where(AuditEvent.action == "member.reactivated",
                                                     AuditEvent.entity_id == mark.id)).one()


async def test_an_import_that_brings_a_removed_member_back_says_so(chat, demo, tmp_path):
    await remove(chat, POLICE)
    path = tmp_path / "members.csv"
    path.write_text("Name,Email,Agency,Group\nDI Mark Evans,mark.evans@police.example.org,police,arg\n",
                    encoding="utf-8")

    with session_for(demo) as session:
        report = run_import("members", path, session=session, partnership=the_partnership(session),
                            importer=Importer(None, "import:members.csv"), now=DEFAULT_NOW)

    assert member(demo, POLICE).active
    assert seats_of(demo, POLICE)["arg"] == (None, None)  # the seat their removal ended today runs on
    assert report.results[0].state == "made active again" and "back on arg" in report.results[0].detail
    lines = "\n".join(report.lines())
    assert "updated (made active again): DI Mark Evans" in lines
    assert "`member remove" in lines


async def test_loading_the_partnership_file_again_keeps_a_removed_member_removed(chat, demo, clock):
    """The file still lists the leaver: loading it must not let them back in, nor reopen their seat."""
    await chat(ADMIN, f"member remove {POLICE} confirm=yes")
    ended = seats_of(demo, POLICE)
    with session_for(demo) as session:
        report = load_text(demo_yaml(clock.now().date()), session=session)
    gone = member(demo, POLICE)
    assert (gone.active, gone.is_admin) == (False, False)
    assert seats_of(demo, POLICE) == ended
    assert "kept removed" in report.summary() and POLICE in report.summary()


async def test_two_of_the_business_unit_removing_each_other_at_once_leave_one(chat, demo):
    """On PostgreSQL the second removal waits for the first and then sees it: one admin is left."""
    if demo.dialect.name != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite takes one writer at a time")
    emma = member(demo, EMMA)
    with demo.connect() as other:  # Priya removes Emma: her change is made, not yet committed
        other.exec_driver_sql("SELECT id FROM member WHERE is_admin AND active FOR UPDATE")
        other.exec_driver_sql(f"UPDATE member SET is_admin = false, active = false WHERE id = {emma.id}")
        removing = asyncio.ensure_future(chat(EMMA, f"member remove {ADMIN} confirm=yes"))  # Emma removes Priya
        await asyncio.sleep(1.0)
        assert not removing.done()  # it waits for Priya's removal
        other.commit()
    reply = await removing
    assert reply.is_error and "the last of the business unit" in reply.text
    assert member(demo, ADMIN).is_admin and member(demo, ADMIN).active


async def test_a_removed_deputy_is_no_longer_counted_and_the_member_who_named_them_is_told(chat, demo):
    from tests.conftest import POLICE_DEPUTY

    await chat(POLICE, f"attend arg deputy {POLICE_DEPUTY}")
    assert "Riverside Police" not in "".join(line for line in (await chat(CHAIR, "quorum arg")).text.splitlines()
                                             if line.startswith("  - "))
    asked = await chat(ADMIN, f"member remove {POLICE_DEPUTY}")
    chat.sent.clear()

    removed = await chat(ADMIN, asked.buttons[0].command)

    assert removed.changed and removed.text.endswith("I've told the member who named them.")
    [told] = chat.notices_to(POLICE)
    assert told.title == "Your deputy can't go to Assurance and Review Group"
    assert "has left the partnership" in told.text and "attend arg deputy" in [b.command for b in told.buttons]
    quorum = await chat(CHAIR, "quorum arg")
    assert "Riverside Police's deputy (DS Sam Patel) can't come" in quorum.text
    meetings = await chat(POLICE, "meetings arg")
    assert dict(meetings.items[0].fields)["Your answer"] == ("sending DS Sam Patel as deputy (has left the "
                                                             "partnership: name someone else)")
