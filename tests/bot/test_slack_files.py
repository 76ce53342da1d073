"""A report's files (CSV, Excel, a chart) reach the person who asked, in their direct messages."""

import csv
import io
import json

from openpyxl import load_workbook

from tests.conftest import CHAIR, PRACTITIONER
from tests.fakes.slack_workspace import link_slack, slack  # noqa: F401 - the fixture


def texts(body: dict) -> str:
    return json.dumps(body.get("blocks", [])) + body.get("text", "")


async def answer_to(slack, user: str, line: str) -> dict:
    """The answer to a command, whether it came in the ack or by the response_url."""
    fields = slack.command_fields(user, line, channel="C0ARG")
    body = await slack.ack_json(await slack.post_form(fields))
    if body.get("blocks"):
        return body
    key = fields["response_url"].rsplit("/", 1)[1]
    calls = await slack.fake.wait_for("response_url")
    return next(c.args for c in calls if c.args["key"] == key)


async def test_a_chairs_report_arrives_as_files_in_her_direct_messages(slack, demo):
    link_slack(demo, CHAIR, "U0CHAIR")
    answer = await answer_to(slack, "U0CHAIR", "report attendance arg")
    assert answer["response_type"] == "ephemeral"
    assert "will arrive in your direct messages with AssureBot" in texts(answer)
    await slack.settled()

    shared = slack.fake.shared_files
    names = sorted(f["name"] for f in shared)
    assert [n.rsplit("-", 1)[-1] for n in names if n.endswith(".csv")] == [
        "agencies.csv", "exceptions.csv", "members.csv"]
    assert sum(n.endswith(".xlsx") for n in names) == 1 and sum(n.endswith(".png") for n in names) == 1
    assert {f["channel"] for f in shared} == {"D0CHAIR"}  # her DM with the bot, never the channel
    assert "Attendance: Assurance and Review Group" in shared[0]["comment"]
    assert slack.fake.pending_uploads == {}

    by_name = {f["name"]: f["data"] for f in shared}
    members = next(data for name, data in by_name.items() if name.endswith("members.csv"))
    header = next(csv.reader(io.StringIO(members.decode("utf-8-sig"))))
    assert header[:3] == ["Member", "Agency", "Role"]
    workbook = next(data for name, data in by_name.items() if name.endswith(".xlsx"))
    assert "Attendance by member" in load_workbook(io.BytesIO(workbook)).sheetnames
    chart = next(data for name, data in by_name.items() if name.endswith(".png"))
    assert chart[:8] == b"\x89PNG\r\n\x1a\n"
    assert slack.fake.invalid == []


async def test_when_slack_will_not_take_the_files_the_chair_is_told_to_ask_again(slack, demo):
    link_slack(demo, CHAIR, "U0CHAIR")
    slack.fake.fail("upload", status=500, times=10)
    fields = slack.command_fields("U0CHAIR", "report attendance arg", channel="C0ARG")
    await slack.ack_json(await slack.post_form(fields))
    await slack.settled()
    assert slack.fake.shared_files == []
    told = [c.args for c in slack.fake.called("response_url") if "couldn't send the" in texts(c.args)]
    assert len(told) == 1 and "ask for the report again" in texts(told[0])
    assert told[0]["response_type"] == "ephemeral"


async def test_a_report_not_allowed_sends_no_files(slack, demo):
    link_slack(demo, CHAIR, "U0CHAIR")
    link_slack(demo, PRACTITIONER, "U0JO")
    answer = await answer_to(slack, "U0JO", "report attendance arg")
    assert "will arrive" not in texts(answer)
    await slack.settled()
    assert slack.fake.called("files.getUploadURLExternal") == []
