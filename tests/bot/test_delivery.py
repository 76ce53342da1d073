"""Reaching people: where nobody chose a platform, the one that knows them; never the server's log."""

import logging

from sqlmodel import select

from bot.delivery import Delivery
from models.db import session_for
from models.loader import load_text
from models.partnership import Member
from tests.conftest import DEPUTY_CHAIR, PRACTITIONER
from tests.fakes.slack_workspace import link_slack, slack  # noqa: F401  (the fixture)

SUMMARY = "caseloads above safe level in the north locality team"


async def test_a_deputy_chair_known_only_by_a_slack_id_gets_a_new_escalation_in_slack_and_the_log_keeps_none(
        slack, demo, caplog):
    link_slack(demo, PRACTITIONER, "U0JO")
    link_slack(demo, DEPUTY_CHAIR, "U0AMARA", prefer_slack=False)  # as the README's YAML example: no platform
    with caplog.at_level(logging.DEBUG):
        fields = slack.command_fields("U0JO", f"routine capacity: {SUMMARY}", command="/escalate")
        await slack.ack_json(await slack.post_form(fields))
        await slack.settled()
    to_amara = [c for c in slack.fake.called("chat.postMessage") if c.args["channel"] == "D0AMARA"]
    assert len(to_amara) == 1 and SUMMARY in str(to_amara[0].args)
    assert SUMMARY not in caplog.text


def test_a_member_given_only_a_slack_id_is_reached_on_slack(engine):
    from tests.models.test_loader import GOOD

    with session_for(engine) as session:
        load_text(GOOD, session=session)
        cop = session.exec(select(Member).where(Member.email == "cop@police.example.org")).one()
        sub = session.exec(select(Member).where(Member.email == "sub@police.example.org")).one()
    assert cop.preferred_platform == "slack"  # inferred from the Slack id it was given
    server = Delivery()

    async def nowhere(member, reply):  # pragma: no cover - never called here
        return None

    server.register("slack", nowhere)
    server.register("teams", nowhere)
    assert server.platform_for(cop) == "slack"
    assert server.platform_for(sub) is None  # no console on a server: reported, never printed
    cop.preferred_platform = "console"  # nobody chose: still the platform that knows them
    assert server.platform_for(cop) == "slack"
