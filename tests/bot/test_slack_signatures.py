"""Every request is checked with the signing secret: a missing, wrong or stale signature gets 401
and changes nothing."""

import json
import time
from urllib.parse import urlencode

import pytest
from sqlmodel import func, select

from models.audit import AuditEvent
from models.db import session_for
from models.escalations import Escalation
from tests.conftest import PRACTITIONER
from tests.fakes.slack_workspace import link_slack, sign, slack  # noqa: F401 - the fixture

FORM = "application/x-www-form-urlencoded"


def counts(engine) -> tuple[int, int]:
    with session_for(engine) as session:
        return (session.exec(select(func.count()).select_from(Escalation)).one(),
                session.exec(select(func.count()).select_from(AuditEvent)).one())


@pytest.fixture
def escalation_body(slack, demo) -> str:
    link_slack(demo, PRACTITIONER, "U0JO")
    return urlencode(slack.command_fields("U0JO", "routine capacity: caseloads above safe level",
                                          command="/escalate"))


async def test_a_correctly_signed_command_is_answered(slack, demo, escalation_body):
    response = await slack.post(escalation_body, FORM, sign(escalation_body))
    assert response.status == 200
    assert "Escalation E2 saved" in await response.text()


@pytest.mark.parametrize("tamper", ["missing", "no timestamp", "wrong secret", "body changed", "stale", "future"])
async def test_a_request_slack_did_not_sign_gets_401_and_changes_nothing(slack, demo, escalation_body, tamper):
    before = counts(demo)
    body, headers = escalation_body, sign(escalation_body)
    if tamper == "missing":
        headers = {}
    elif tamper == "no timestamp":
        headers.pop("X-Slack-Request-Timestamp")
    elif tamper == "wrong secret":
        headers = sign(body, secret="not-the-signing-secret")
    elif tamper == "body changed":
        body = body.replace("routine", "urgent")
    elif tamper == "stale":
        headers = sign(body, timestamp=int(time.time()) - 6 * 60)  # over five minutes old
    elif tamper == "future":
        headers = sign(body, timestamp=int(time.time()) + 6 * 60)
    response = await slack.post(body, FORM, headers)
    assert response.status == 401
    await slack.settled()
    assert counts(demo) == before
    assert [c.method for c in slack.fake.calls if c.method != "auth.test"] == []  # the startup token check only


async def test_a_forged_button_press_gets_401_and_marks_nothing_done(slack, demo):
    payload = {"type": "block_actions", "user": {"id": "U0JO"}, "actions": [
        {"action_id": "assure.run:0", "block_id": "act:action:2", "value": "action done 2", "type": "button"}]}
    body = urlencode({"payload": json.dumps(payload)})
    before = counts(demo)
    response = await slack.post(body, FORM, sign(body, secret="guessed"))
    assert response.status == 401
    assert counts(demo) == before


async def test_slacks_url_check_is_answered_only_when_signed(slack):
    body = json.dumps({"token": "legacy", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
                       "type": "url_verification"})
    ok = await slack.post(body, "application/json", sign(body))
    assert ok.status == 200
    assert (await ok.json())["challenge"] == "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"
    forged = await slack.post(body, "application/json", sign(body, secret="nope"))
    assert forged.status == 401
