"""When Slack is slow, limits us or is down: bounded retries, a clear message where one can be sent,
and nothing in the database half-written."""

import asyncio
import json
import logging

from aiohttp.test_utils import TestClient, TestServer
from sqlmodel import func, select

from bot.server import build_app
from bot.settings import Settings
from models.audit import AuditEvent
from models.db import session_for
from models.escalations import Escalation, EscalationStageChange
from tests.conftest import CHAIR, PRACTITIONER
from tests.fakes.slack_api import TEAM_ID, FakeSlack
from tests.fakes.slack_workspace import BOT_TOKEN, link_slack, slack, start_workspace  # noqa: F401


def count(engine, model, *where) -> int:
    with session_for(engine) as session:
        return session.exec(select(func.count()).select_from(model).where(*where)).one()


async def waits_recorded(slack) -> list[float]:
    """Replace the workspace client's sleeps with a record of how long it would have waited."""
    waited: list[float] = []

    async def record(seconds: float) -> None:
        waited.append(seconds)

    client = await slack.adapter.workspaces.client(TEAM_ID, None)
    for handler in client.retry_handlers:
        handler.sleep = record
    return waited


def words(payload) -> str:
    return json.dumps(payload)


async def test_a_rate_limited_call_is_retried_after_the_wait_slack_asked_for(slack, demo):
    link_slack(demo, PRACTITIONER, "U0JO")
    waited = await waits_recorded(slack)
    slack.fake.rate_limit("views.open", retry_after=2)
    body = await slack.ack_json(await slack.command("U0JO", "", command="/escalate"))
    assert body == {}  # the form opened: no error for the user
    assert len(slack.fake.called("views.open")) == 2
    assert waited == [2.0]


async def test_rate_limits_are_retried_a_bounded_number_of_times_then_reported(slack, demo, caplog):
    link_slack(demo, PRACTITIONER, "U0JO")
    waited = await waits_recorded(slack)
    slack.fake.rate_limit("views.open", retry_after=1, times=10)
    with caplog.at_level(logging.ERROR, logger="bot.slack"):
        body = await slack.ack_json(await slack.command("U0JO", "", command="/escalate"))
    assert len(slack.fake.called("views.open")) == 4 and waited == [1.0, 1.0, 1.0]
    assert "I couldn't open the form" in words(body)
    assert "Slack refused views.open: ratelimited" in caplog.text


async def test_a_permanent_error_is_logged_with_the_method_and_slacks_error_code(slack, demo, caplog):
    link_slack(demo, CHAIR, "U0CHAIR")
    blocks = (await slack.ack_json(await slack.command("U0CHAIR", "actions")))["blocks"]
    done = next(e for b in blocks for e in b.get("elements", []) if e.get("value") == "action done 2")
    slack.fake.fail("chat.update", error="message_not_found")
    with caplog.at_level(logging.ERROR, logger="bot.slack"):
        await slack.click("U0CHAIR", done, "act:action:2", blocks=blocks, channel="D0CHAIR")
        await slack.settled()
    assert "Slack refused chat.update: message_not_found" in caplog.text
    assert count(demo, AuditEvent, AuditEvent.action == "action.done") == 1  # the change itself is saved


async def test_when_slack_is_down_the_escalation_form_cannot_open_and_the_user_is_told(slack, demo):
    link_slack(demo, PRACTITIONER, "U0JO")
    before = (count(demo, Escalation), count(demo, AuditEvent))
    slack.fake.down = True
    await waits_recorded(slack)
    body = await slack.ack_json(await slack.command("U0JO", "", command="/escalate"))
    assert "I couldn't open the form: Slack didn't answer in time. Nothing was saved." in words(body)
    assert any(e.get("text", {}).get("text") == "Open the form" for b in body["blocks"] for e in b.get("elements", []))
    assert (count(demo, Escalation), count(demo, AuditEvent)) == before


async def test_the_button_to_try_the_form_again_never_carries_a_child_s_details(slack, demo):
    link_slack(demo, PRACTITIONER, "U0JO")
    slack.fake.down = True
    await waits_recorded(slack)
    body = await slack.ack_json(await slack.command("U0JO", "urgent 943 476 5919 DOB 12/03/2019 not seen",
                                                    command="/escalate"))
    again = next(e for b in body["blocks"] for e in b.get("elements", [])
                 if e.get("text", {}).get("text") == "Open the form")
    assert "943" not in again["value"] and "12/03/2019" not in again["value"]
    assert again["value"].startswith("escalate urgent [NHS number removed]")


async def test_the_button_carries_an_escalation_typed_with_its_slash_after_assure_as_strictly(slack, demo):
    link_slack(demo, PRACTITIONER, "U0JO")
    slack.fake.down = True
    await waits_recorded(slack)
    body = await slack.ack_json(await slack.command("U0JO", "/escalate urgent 12/03/2019 not seen"))
    again = next(e for b in body["blocks"] for e in b.get("elements", [])
                 if e.get("text", {}).get("text") == "Open the form")
    assert "12/03/2019" not in again["value"]


async def test_when_slack_is_down_a_one_line_escalation_is_saved_whole_and_confirmed(slack, demo):
    link_slack(demo, PRACTITIONER, "U0JO")
    link_slack(demo, CHAIR, "U0CHAIR")
    slack.fake.down = True
    await waits_recorded(slack)
    body = await slack.ack_json(await slack.command(
        "U0JO", "urgent capacity: health visiting caseloads above safe level", command="/escalate"))
    assert "Escalation E2 saved" in words(body) and "999" in words(body)
    await slack.settled()  # the notice to the chair could not be sent; that must not undo anything
    assert count(demo, Escalation, Escalation.id == 2) == 1
    assert count(demo, EscalationStageChange, EscalationStageChange.escalation_id == 2) == 1
    assert count(demo, AuditEvent, AuditEvent.action == "escalation.raised", AuditEvent.entity_id == 2) == 1


async def test_when_a_notice_cannot_be_sent_the_person_who_raised_it_hears_so(slack, demo):
    link_slack(demo, PRACTITIONER, "U0JO")
    link_slack(demo, CHAIR, "U0CHAIR")
    slack.fake.fail("conversations.open", error="user_disabled")
    fields = slack.command_fields("U0JO", "routine capacity: caseloads above safe level", command="/escalate")
    await slack.ack_json(await slack.post_form(fields))
    await slack.settled()
    follow_up = slack.fake.called("response_url")[0].args
    said = words(follow_up)
    assert "Your change is saved, but I couldn't message" in said and "Helen Carter" in said
    # the other handlers have no Slack id and this server no console: they are not reached either
    assert "Priya Shah" in said
    assert follow_up["response_type"] == "ephemeral"


async def test_when_slack_cannot_say_who_someone_is_nothing_is_done_and_they_are_told(slack, demo):
    slack.fake.down = True
    await waits_recorded(slack)
    body = await slack.ack_json(await slack.command("U0WHO", "escalate routine other: something"))
    assert "I couldn't check who you are with Slack just now, so nothing was done" in words(body)
    assert count(demo, Escalation) == 1
    assert count(demo, AuditEvent, AuditEvent.action == "access.unregistered") == 0


async def test_without_slack_settings_the_server_runs_without_slack_and_says_so(demo, clock, caplog):
    with caplog.at_level(logging.INFO, logger="bot.slack"):
        app = build_app(demo, settings=Settings(_env_file=None), clock=clock)
    client = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    try:
        assert (await client.get("/healthz")).status == 200
        assert (await client.post("/slack/events", data=b"")).status in (404, 405)
    finally:
        await client.close()
    assert "Slack is not configured" in caplog.text


async def test_socket_mode_answers_a_command_over_the_socket_without_a_public_url(demo, clock):
    fake = await FakeSlack(token=BOT_TOKEN).start()
    link_slack(demo, CHAIR, "U0CHAIR")
    workspace = await start_workspace(demo, clock, fake=fake, slack_app_token="xapp-test-not-real")
    try:
        assert (await workspace.client.post("/slack/events", data=b"")).status in (404, 405)
        for _ in range(200):  # the app connects when the server starts
            if fake.socket is not None:
                break
            await asyncio.sleep(0.01)
        command = workspace.command_fields("U0CHAIR", "quorum arg")
        envelope = await fake.send_over_socket("slash_commands", command)
        acks = await fake.wait_for("socket_ack")
        ack = next(a.args for a in acks if a.args.get("envelope_id") == envelope)
        assert "not quorate yet" in json.dumps(ack["payload"])
        assert ack["payload"]["response_type"] == "ephemeral"
    finally:
        await workspace.settled()
        await workspace.client.close()
        await fake.stop()


async def test_started_while_slack_was_down_its_own_workspace_is_asked_to_try_again_not_refused(demo, clock,
                                                                                                monkeypatch):
    """Until Slack says which workspace the bot token is for, a lone partnership's requests are
    neither answered as it nor refused as a stranger's: the person is asked to try again."""
    from bot.slack import workspaces

    fake = await FakeSlack(token=BOT_TOKEN).start()
    fake.down = True
    slack = await start_workspace(demo, clock, fake=fake)
    try:
        link_slack(demo, CHAIR, "U0CHAIR")
        body = await slack.ack_json(await slack.command("U0CHAIR", "escalations"))
        assert "couldn't check with Slack just now" in words(body) and "isn't linked" not in words(body)
        assert count(demo, AuditEvent, AuditEvent.action == "access.unknown_partnership") == 0
        fake.down = False
        monkeypatch.setattr(workspaces, "HOME_RETRY", 0.0)  # as when half a minute has passed
        body = await slack.ack_json(await slack.command("U0CHAIR", "escalations"))
        assert "Open escalations" in words(body)
    finally:
        await slack.settled()
        await slack.client.close()
        await fake.stop()


async def test_an_organisation_wide_token_takes_its_enterprise_grid_organisations_requests(demo, clock):
    fake = await FakeSlack(token=BOT_TOKEN).start()
    fake.m_auth_test = lambda args: {"team_id": "T0RIVER", "enterprise_id": "E0GRID", "is_enterprise_install": True,
                                     "user_id": "U0BOT", "bot_id": "B0BOT", "user": "assurebot", "team": "Grid"}
    slack = await start_workspace(demo, clock, fake=fake)
    try:
        places = slack.adapter.workspaces
        assert await places.is_home("T0ANY", "E0GRID") is True
        assert await places.is_home("T0RIVER", None) is False and await places.is_home("T0RIVER", "E0OTHER") is False
    finally:
        await slack.settled()
        await slack.client.close()
        await fake.stop()
