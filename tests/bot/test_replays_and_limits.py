"""Replays, retries, floods and malformed requests at the server's doors: each is answered, and
nothing runs twice, nothing crashes, and no private link reaches the log."""

import json
import logging
from urllib.parse import urlencode

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlmodel import func, select

from bot.server import build_app
from bot.settings import Settings
from handlers.calendar_feed import member_token
from models.db import session_for
from models.escalations import Escalation
from models.partnership import Member
from tests.conftest import CHAIR, POLICE, PRACTITIONER
from tests.fakes.slack_workspace import link_slack, sign, slack, start_workspace  # noqa: F401
from tests.fakes.teams_world import start_world, stop_world

APP_ID = "5d2f1c3e-0000-4000-8000-000000000001"
TRUSTED = "https://smba.trafficmanager.net/emea/"


def escalations(engine) -> int:
    with session_for(engine) as session:
        return session.exec(select(func.count()).select_from(Escalation)).one()


def no_tracebacks(caplog) -> None:
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR], caplog.text


# --- Slack: retries and replays -------------------------------------------------------------------------


async def test_the_same_signed_escalate_sent_three_times_saves_one_and_answers_each_alike(slack, demo):
    link_slack(demo, PRACTITIONER, "U0JO")
    before = escalations(demo)
    body = urlencode(slack.command_fields("U0JO", "routine capacity: caseloads above safe level",
                                          command="/escalate"))
    headers = sign(body)
    answers = []
    for retry in (None, "1", "2"):
        extra = {"X-Slack-Retry-Num": retry, "X-Slack-Retry-Reason": "http_timeout"} if retry else {}
        response = await slack.post(body, "application/x-www-form-urlencoded", {**headers, **extra})
        answers.append(await slack.ack_json(response))
    await slack.settled()
    assert escalations(demo) == before + 1
    assert answers[0] == answers[1] == answers[2] and "saved" in json.dumps(answers[0])
    assert slack.adapter.gate.repeats == 2


async def test_an_event_slack_retries_is_handled_once(slack, demo):
    link_slack(demo, CHAIR, "U0CHAIR")
    event = {"type": "app_home_opened", "user": "U0CHAIR", "channel": "D0DM", "tab": "home", "event_ts": "1.0"}
    body = json.dumps({"token": "legacy", "team_id": slack.team, "api_app_id": "A0ASSURE", "event": event,
                       "type": "event_callback", "event_id": "Ev0RETRIED", "event_time": 1790000000,
                       "authorizations": [{"team_id": slack.team, "user_id": "U0BOT", "is_bot": True}]})
    assert (await slack.post(body, "application/json")).status == 200
    await slack.settled()
    # Slack's retry comes later, signed again with a new timestamp, the body the same.
    retried = await slack.post(body, "application/json", {**sign(body, timestamp=int(sign(body)[
        "X-Slack-Request-Timestamp"]) + 61), "X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    assert retried.status == 200
    await slack.settled()
    assert len(slack.fake.called("views.publish")) == 1


async def test_a_form_sent_to_two_servers_saves_once(demo, clock):
    """Two `assurebot serve` processes against one database: the form's key is claimed in it."""
    link_slack(demo, PRACTITIONER, "U0JO")
    first = await start_workspace(demo, clock)
    second = await start_workspace(demo, clock)
    try:
        await first.command("U0JO", "", command="/escalate")
        view = first.last_view_opened()
        values = {"category": "capacity", "urgency": "routine", "summary": "Caseloads above safe level"}
        before = escalations(demo)
        saved = await first.ack_json(await first.submit("U0JO", view, values, view_id="V0BOTH"))
        again = await second.ack_json(await second.submit("U0JO", view, values, view_id="V0BOTH"))
        assert escalations(demo) == before + 1
        assert "saved" in json.dumps(saved["view"])
        assert "That was already recorded, so nothing changed" in json.dumps(again["view"])
    finally:
        for workspace in (first, second):
            await workspace.settled()
            await workspace.client.close()
            await workspace.fake.stop()


async def test_a_form_refused_then_corrected_is_saved_with_the_same_key(slack, demo):
    link_slack(demo, PRACTITIONER, "U0JO")
    await slack.command("U0JO", "", command="/escalate")
    view = slack.last_view_opened()
    before = escalations(demo)
    refused = await slack.ack_json(await slack.submit("U0JO", view, {
        "category": "practice", "urgency": "routine", "summary": "Child born 3/4/2019 not seen"}, view_id="V0FIX"))
    assert refused["response_action"] == "errors"
    saved = await slack.ack_json(await slack.submit("U0JO", view, {
        "category": "practice", "urgency": "routine", "summary": "Child CS-1 not seen"}, view_id="V0FIX"))
    assert "saved" in json.dumps(saved["view"]) and escalations(demo) == before + 1


# --- Slack: floods -----------------------------------------------------------------------------------


async def test_a_flood_from_one_person_is_asked_to_wait_and_another_person_is_answered(demo, clock):
    workspace = await start_workspace(demo, clock, commands_per_second=0.01, command_burst=3)
    try:
        link_slack(demo, CHAIR, "U0CHAIR")
        link_slack(demo, POLICE, "U0MARK")
        answers = [json.dumps(await workspace.ack_json(await workspace.command("U0CHAIR", "whoami")))
                   for _ in range(5)]
        assert [CHAIR in a for a in answers] == [True, True, True, False, False]
        assert "faster than I can answer them" in answers[4]
        assert POLICE in json.dumps(await workspace.ack_json(await workspace.command("U0MARK", "whoami")))
    finally:
        await workspace.settled()
        await workspace.client.close()
        await workspace.fake.stop()


# --- malformed requests --------------------------------------------------------------------------------


async def test_malformed_slack_requests_get_401_or_400_without_a_traceback(slack, caplog):
    body = urlencode(slack.command_fields("U0CHAIR", "help"))
    with caplog.at_level(logging.DEBUG):
        for headers in ({"X-Slack-Request-Timestamp": "abc", "X-Slack-Signature": "v0=00"},
                        {"X-Slack-Request-Timestamp": "9" * 40, "X-Slack-Signature": "v0=00"},
                        {}):
            assert (await slack.post(body, "application/x-www-form-urlencoded", headers)).status == 401
        assert (await slack.post("payload=%7Bnot-json", "application/x-www-form-urlencoded", {})).status == 401
        for broken, kind in (("payload=%7Bnot-json", "application/x-www-form-urlencoded"),
                             ("payload=%5B1%2C2%5D", "application/x-www-form-urlencoded"),
                             ("{not json", "application/json"), ("[1, 2]", "application/json")):
            response = await slack.post(broken, kind, sign(broken))
            assert response.status == 400, broken
            assert "Traceback" not in await response.text()
    no_tracebacks(caplog)


@pytest.fixture
async def teams_with_auth(demo, clock):
    world = await start_world(demo, clock, settings=Settings(
        _env_file=None, microsoft_app_id=APP_ID, microsoft_app_password="not-a-real-secret",
        teams_service_urls=TRUSTED))
    yield world
    await stop_world(world)


async def test_a_garbage_teams_token_gets_401_without_a_traceback(teams_with_auth, caplog):
    world = teams_with_auth
    activity = world.message(world.user(CHAIR), "help")
    activity["serviceUrl"] = TRUSTED
    with caplog.at_level(logging.DEBUG):
        for header in ("Bearer garbage", "Bearer a.b.c", "Bearer " + "x" * 5000, "garbage", ""):
            assert await world.post(activity, headers={"Authorization": header} if header else {}) == 401, header
        async with world.http.post(f"{world.url}/api/messages", data=b"{nope", headers={
                "Authorization": "Bearer garbage", "Content-Type": "application/json"}) as response:
            assert response.status == 400
    no_tracebacks(caplog)
    assert world.connector.calls == []


# --- calendar links ------------------------------------------------------------------------------------


CALENDAR_SECRET = "a-test-calendar-secret-long-enough-0123"


@pytest.fixture
async def calendar_server(demo, clock):
    app = build_app(demo, settings=Settings(_env_file=None, calendar_secret=CALENDAR_SECRET), clock=clock)
    client = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    yield client
    await client.close()


async def test_a_5000_digit_calendar_token_is_not_found(calendar_server, caplog):
    with caplog.at_level(logging.DEBUG):
        assert (await calendar_server.get(f"/calendar/{'9' * 5000}.ics")).status == 404
        assert (await calendar_server.get(f"/calendar/{'9' * 5000}-{'f' * 64}.ics")).status == 404
    no_tracebacks(caplog)


async def test_a_private_calendar_link_is_masked_in_the_access_log(calendar_server, demo, caplog):
    with session_for(demo) as session:
        member_id = session.exec(select(Member.id).where(Member.email == POLICE)).one()
    token = member_token(member_id, CALENDAR_SECRET)
    with caplog.at_level(logging.INFO, logger="aiohttp.access"):
        response = await calendar_server.get(f"/calendar/{token}.ics", headers={"Referer": f"/calendar/{token}.ics"})
        assert response.status == 200
    access = [r for r in caplog.records if r.name == "aiohttp.access"]
    assert access, "the access log was not written"
    for record in access:
        assert token not in record.getMessage() and token not in json.dumps(vars(record), default=str)
    assert "/calendar/….ics" in access[-1].getMessage()
