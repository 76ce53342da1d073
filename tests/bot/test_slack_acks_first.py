"""Under a burst, Slack's acknowledgements (3 seconds) go before answers sent afterwards (30 minutes),
and an answer that has given way long enough runs even while requests keep arriving."""

import asyncio

from bot.slack.views import SlackUser
from handlers import dispatch
from handlers.core import parse_command
from tests.conftest import CHAIR
from tests.fakes.slack_api import TEAM_ID
from tests.fakes.slack_workspace import link_slack, slack  # noqa: F401 - the fixture



def her_actions(outcome) -> bool:
    return outcome.reply.title == "Open actions: you" and "S11 section 4" in outcome.reply.items[0].text


def actions_for(adapter, user_id: str, *, after_acks: bool) -> asyncio.Future:
    return asyncio.ensure_future(adapter.outcome(parse_command("actions", platform="slack"),
                                                 SlackUser(user_id, team_id=TEAM_ID), after_acks=after_acks))


async def test_an_answer_sent_after_its_ack_waits_while_another_request_is_being_acknowledged(
        slack, demo, monkeypatch):
    monkeypatch.setattr(dispatch, "ACKS_FIRST", 60)
    link_slack(demo, CHAIR, "U0CHAIR")
    adapter = slack.adapter
    with adapter.dispatcher.answering():  # a request Slack is still waiting on
        later = actions_for(adapter, "U0CHAIR", after_acks=True)
        done, _ = await asyncio.wait({later}, timeout=0.5)
        assert not done
    outcome = await asyncio.wait_for(later, 30)  # its ack went out: the answer follows at once
    assert her_actions(outcome)


async def test_an_answer_going_in_the_ack_never_waits(slack, demo, monkeypatch):
    monkeypatch.setattr(dispatch, "ACKS_FIRST", 60)
    link_slack(demo, CHAIR, "U0CHAIR")
    adapter = slack.adapter
    with adapter.dispatcher.answering():
        outcome = await asyncio.wait_for(actions_for(adapter, "U0CHAIR", after_acks=False), 30)
    assert her_actions(outcome)


async def test_a_steady_stream_of_requests_does_not_hold_an_answer_back_for_ever(slack, demo, monkeypatch):
    monkeypatch.setattr(dispatch, "ACKS_FIRST", 0.05)
    link_slack(demo, CHAIR, "U0CHAIR")
    adapter = slack.adapter
    with adapter.dispatcher.answering():  # never finished while the answer is awaited
        outcome = await asyncio.wait_for(actions_for(adapter, "U0CHAIR", after_acks=True), 30)
    assert her_actions(outcome)


async def test_every_request_is_counted_out_again_whatever_its_answer(slack, demo):
    link_slack(demo, CHAIR, "U0CHAIR")
    assert (await slack.command("U0CHAIR", "actions")).status == 200
    fields = slack.command_fields("U0CHAIR", "actions")
    refused = await slack.post_form(fields, secret="not-the-signing-secret")
    assert refused.status == 401
    await slack.settled()
    assert slack.adapter.dispatcher._all_answered.is_set()
