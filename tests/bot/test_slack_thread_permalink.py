"""Escalate this message, on a reply in a thread: the escalation keeps the link Slack gives for the
message when it is a Slack permalink (a thread reply's carries ?thread_ts=...&cid=...), and
keeps no link when what came back is anything else."""

import json

from sqlmodel import select

from models.db import session_for
from models.escalations import Escalation
from tests.conftest import CHAIR, PRACTITIONER
from tests.fakes.slack_workspace import link_slack, slack  # noqa: F401 - the fixture

CHANNEL = "C0TEAM"
PARENT_TS = "1789990000.123400"  # the message that started the thread
REPLY_TS = "1789990100.000200"  # the reply in the thread that is escalated
THREAD_LINK = (f"https://riverside-partnership.slack.com/archives/{CHANNEL}/p1789990100000200"
               f"?thread_ts={PARENT_TS}&cid={CHANNEL}")
SUMMARY = "Strategy meeting for CH-20417 cancelled twice"


def escalations(engine) -> list[Escalation]:
    with session_for(engine) as session:
        return list(session.exec(select(Escalation).order_by(Escalation.id)))


def permalinks(slack, links: dict[str, str]) -> None:
    """chat.getPermalink answering, for each message ts, the link given here (as Slack does for a
    reply in a thread, whose permalink names the thread and the channel)."""
    def get_permalink(args):
        return {"channel": args.get("channel"), "permalink": links[str(args.get("message_ts"))]}

    slack.fake.m_chat_getPermalink = get_permalink


async def escalate_thread_reply(slack, user: str, summary: str = SUMMARY) -> dict:
    """"Escalate this message" on the reply in the thread, then the form sent as it was filled in."""
    payload = slack._base("message_action", user)
    payload.update({
        "callback_id": "escalate_message", "action_ts": "1790000000.000001",
        "channel": {"id": CHANNEL, "name": "team"}, "message_ts": REPLY_TS,
        "message": {"type": "message", "user": "U0SOMEONE", "ts": REPLY_TS, "thread_ts": PARENT_TS,
                    "parent_user_id": "U0OTHER", "text": summary},
        "response_url": slack.fake.respond_url("thread"),
    })
    await slack.post_payload(payload)
    await slack.settled()
    view = slack.last_view_opened()
    body = await slack.ack_json(await slack.submit(user, view, {
        "category": "practice", "urgency": "routine", "summary": summary}))
    await slack.settled()
    return body


def card_to(slack, channel: str) -> str:
    posted = [c.args for c in slack.fake.called("chat.postMessage") if c.args["channel"] == channel]
    return json.dumps(posted)


async def test_a_reply_in_a_thread_keeps_its_thread_permalink(slack, demo):
    link_slack(demo, PRACTITIONER, "U0JO")
    link_slack(demo, CHAIR, "U0CHAIR")
    permalinks(slack, {REPLY_TS: THREAD_LINK})

    body = await escalate_thread_reply(slack, "U0JO")

    assert body["response_action"] == "update"
    assert slack.fake.called("chat.getPermalink")[0].args == {"channel": CHANNEL, "message_ts": REPLY_TS}
    saved = escalations(demo)[-1]
    assert saved.id == 2 and saved.summary == SUMMARY
    assert saved.source_link == THREAD_LINK
    card = card_to(slack, "D0CHAIR")  # the handler's private card shows where it came from
    assert "From message" in card
    assert THREAD_LINK.replace("&", "&amp;") in card


async def test_a_link_that_is_not_a_slack_permalink_is_not_kept(slack, demo):
    link_slack(demo, PRACTITIONER, "U0JO")
    link_slack(demo, CHAIR, "U0CHAIR")
    not_permalinks = [
        f"https://evil.example/archives/{CHANNEL}/p1789990100000200?thread_ts={PARENT_TS}&cid={CHANNEL}",
        f"{THREAD_LINK}&next=https://evil.example/login",
        f"https://riverside-partnership.slack.com/archives/{CHANNEL}/p1789990100000200?thread_ts=soon&cid={CHANNEL}",
    ]
    for n, link in enumerate(not_permalinks):
        permalinks(slack, {REPLY_TS: link})
        sent_before = len(slack.fake.called("chat.postMessage"))

        body = await escalate_thread_reply(slack, "U0JO", f"{SUMMARY}, then a third time ({n + 1})")

        assert body["response_action"] == "update", link
        saved = escalations(demo)[-1]
        assert saved.id == 2 + n and saved.source_link is None, link
        told = json.dumps([c.args for c in slack.fake.called("chat.postMessage")[sent_before:]
                           if c.args["channel"] == "D0CHAIR"])
        assert "New escalation" in told and "From message" not in told and "evil.example" not in told, link
