"""Installing AssureBot in each partnership's Slack workspace with Slack's OAuth flow: the token is
kept in the database, requests from that workspace use it, and a forged or stale install changes
nothing."""

from urllib.parse import parse_qs, urlparse

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import text
from sqlmodel import select

from bot.server import build_app
from bot.settings import Settings
from bot.slack.install import BOT_SCOPES
from bot.slack.setup import SLACK
from models.db import session_for
from models.partnership import Member, Partnership
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_workspace import SIGNING_SECRET, Workspace
from tests.worlds import B_TEAM, two_partnerships

CLIENT = ("1234.5678", "client-secret-not-real")


@pytest.fixture
async def installing(engine, clock):
    two_partnerships(engine, clock.now().date())
    fake = await FakeSlack().start()
    fake.client_credentials = CLIENT
    settings = Settings(_env_file=None, slack_signing_secret=SIGNING_SECRET, slack_client_id=CLIENT[0],
                        slack_client_secret=CLIENT[1], public_url="https://assurebot.example.org",
                        slack_api_url=fake.api_url, slack_authorize_url=f"{fake.url}/oauth/v2/authorize")
    app = build_app(engine, settings=settings, clock=clock)
    client = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    workspace = Workspace(client, fake, app[SLACK], team=B_TEAM)
    yield workspace
    await workspace.settled()
    await client.close()
    await fake.stop()


async def start_install(workspace) -> tuple[str, str]:
    """Open the install link as a browser would: (the state Slack is sent, the cookie set with it)."""
    response = await workspace.client.get("/slack/install", allow_redirects=False)
    assert response.status == 302
    sent_to = urlparse(response.headers["Location"])
    query = parse_qs(sent_to.query)
    assert sent_to.path == "/oauth/v2/authorize"
    assert query["client_id"] == [CLIENT[0]]
    assert set(query["scope"][0].split(",")) == set(BOT_SCOPES)
    assert query["redirect_uri"] == ["https://assurebot.example.org/slack/oauth_redirect"]
    cookie = response.headers["Set-Cookie"].split(";")[0]
    return query["state"][0], cookie


def stored_tokens(engine) -> list[tuple[str, str]]:
    with session_for(engine) as session:
        return [tuple(row) for row in session.execute(text("SELECT team_id, bot_token FROM slack_bots"))]


async def test_a_workspace_installs_assurebot_and_its_requests_use_its_own_token(installing, engine):
    installing.fake.oauth_codes["code-1"] = (B_TEAM, "Lakeside Partnership")
    state, cookie = await start_install(installing)
    page = await installing.client.get(f"/slack/oauth_redirect?code=code-1&state={state}",
                                       headers={"Cookie": cookie})
    assert page.status == 200
    assert f"slack_team_id: {B_TEAM}" in await page.text()
    token = "xoxb-t0lakeside-not-real"
    assert stored_tokens(engine) == [(B_TEAM, token)]

    with session_for(engine) as session:
        jo = session.exec(select(Member).join(Partnership, Partnership.id == Member.partnership_id)
                          .where(Member.email == "jo.walsh@community.example.net")).one()
        jo.slack_user_id = "U0JO"
        session.add(jo)
        session.commit()
    assert await installing.ack_json(await installing.command("U0JO", "", command="/escalate")) == {}
    opened = installing.fake.called("views.open")
    assert len(opened) == 1 and opened[0].token == token


async def test_an_install_whose_state_was_not_issued_here_is_refused_and_stores_nothing(installing, engine):
    installing.fake.oauth_codes["code-2"] = (B_TEAM, "Lakeside Partnership")
    _state, cookie = await start_install(installing)
    page = await installing.client.get("/slack/oauth_redirect?code=code-2&state=forged-state",
                                       headers={"Cookie": cookie})
    assert page.status >= 400 and "was not installed" in await page.text()
    assert stored_tokens(engine) == []
    assert installing.fake.called("oauth.v2.access") == []


async def test_a_workspace_that_removes_assurebot_has_its_token_deleted(installing, engine):
    import json

    from tests.fakes.slack_workspace import sign

    installing.fake.oauth_codes["code-3"] = (B_TEAM, "Lakeside Partnership")
    state, cookie = await start_install(installing)
    await installing.client.get(f"/slack/oauth_redirect?code=code-3&state={state}", headers={"Cookie": cookie})
    assert stored_tokens(engine)
    body = json.dumps({"token": "legacy", "team_id": B_TEAM, "api_app_id": "A0ASSURE", "type": "event_callback",
                       "event": {"type": "app_uninstalled"}, "event_id": "Ev1", "event_time": 1790000000})
    response = await installing.client.post("/slack/events", data=body.encode(),
                                            headers={"Content-Type": "application/json", **sign(body)})
    assert response.status == 200
    await installing.settled()
    assert stored_tokens(engine) == []
