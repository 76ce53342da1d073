"""/assure and /escalate as Slack users type them: who they are, what they see, and where it goes."""

import asyncio
import json
import multiprocessing
import threading

from sqlmodel import select

from bot.slack import listeners as slack_app
from models.audit import AuditEvent
from models.db import session_for
from models.escalations import Escalation
from models.partnership import Member
from tests.conftest import ADMIN, CHAIR, DEPUTY_CHAIR, POLICE, PRACTITIONER
from tests.fakes.slack_api import TEAM_ID
from tests.fakes.slack_workspace import link_slack, slack  # noqa: F401 - the fixture

ARG_CHANNEL = "C0ARG"


def texts(body: dict) -> str:
    return json.dumps(body.get("blocks", [])) + body.get("text", "")


def rows(engine, model, *where):
    with session_for(engine) as session:
        return list(session.exec(select(model).where(*where)))


async def test_a_chair_checks_quorum_and_only_she_sees_the_answer(slack, demo):
    link_slack(demo, CHAIR, "U0CHAIR")
    body = await slack.ack_json(await slack.command("U0CHAIR", "quorum arg", channel=ARG_CHANNEL))
    assert body["response_type"] == "ephemeral"
    assert "not quorate yet" in body["blocks"][0]["text"]["text"]
    assert "Riverside Police sent apologies with no deputy" in texts(body)
    buttons = {e["text"]["text"]: e for b in body["blocks"] if b["type"] == "actions" for e in b["elements"]}
    assert buttons["Post in channel"]["value"] == "quorum arg"  # hers to choose
    assert slack.fake.called("chat.postMessage") == []
    # Words quorum does not read are carried by the button as typed, but never a child's details.
    body = await slack.ack_json(await slack.command("U0CHAIR", "quorum arg 943 476 5919", channel=ARG_CHANNEL))
    buttons = {e["text"]["text"]: e for b in body["blocks"] if b["type"] == "actions" for e in b["elements"]}
    assert buttons["Post in channel"]["value"] == "quorum arg [NHS number removed]"


async def test_the_chair_posts_the_quorum_check_for_the_group_channel_to_see(slack, demo):
    link_slack(demo, CHAIR, "U0CHAIR")
    body = await slack.ack_json(await slack.command("U0CHAIR", "quorum arg", channel=ARG_CHANNEL))
    share = next(e for b in body["blocks"] if b["type"] == "actions" for e in b["elements"]
                 if e["text"]["text"] == "Post in channel")
    await slack.click("U0CHAIR", share, "buttons", channel=ARG_CHANNEL, ephemeral=True, response_key="share")
    await slack.settled()
    posted, removed = [c.args for c in slack.fake.called("response_url") if c.args["key"] == "share"]
    assert posted["response_type"] == "in_channel"
    assert "not quorate yet" in texts(posted)
    assert not any(b["type"] == "actions" for b in posted["blocks"])
    assert removed == {"key": "share", "delete_original": True}


async def test_private_answers_are_never_offered_for_the_channel(slack, demo):
    link_slack(demo, CHAIR, "U0CHAIR")
    for line in ("actions", "escalations", "whoami"):
        body = await slack.ack_json(await slack.command("U0CHAIR", line, channel=ARG_CHANNEL))
        assert "Post in channel" not in texts(body), line
        assert body["response_type"] == "ephemeral"


async def test_assure_alone_shows_help_for_slack(slack, demo):
    link_slack(demo, POLICE, "U0POLICE")
    body = await slack.ack_json(await slack.command("U0POLICE", ""))
    assert body["blocks"][0]["text"]["text"] == "What I can do"
    assert "What you'll use most (type it after /assure)" in texts(body)
    assert "Hello Mark." in texts(body)  # his name, not his rank


async def test_a_member_is_matched_by_their_slack_email_the_first_time_and_remembered(slack, demo):
    slack.fake.users["U0NEW"] = (PRACTITIONER, "Jo Walsh")
    body = await slack.ack_json(await slack.command("U0NEW", "escalations"))
    assert "Your escalations" in texts(body)
    member = rows(demo, Member, Member.email == PRACTITIONER)[0]
    assert member.slack_user_id == "U0NEW"
    linked = rows(demo, AuditEvent, AuditEvent.action == "member.slack_linked")
    assert [(e.entity_id, e.after["slack_user_id"]) for e in linked] == [(member.id, "U0NEW")]
    await slack.command("U0NEW", "escalations")
    assert len(slack.fake.called("users.info")) == 1


async def test_someone_not_in_the_database_is_told_who_to_ask_and_the_admins_can_see_who_tried(slack, demo):
    slack.fake.users["U0STRANGER"] = ("kim.lee@elsewhere.example.org", "Kim Lee")
    body = await slack.ack_json(await slack.command("U0STRANGER", "actions"))
    assert "You're not registered with AssureBot yet" in texts(body)
    assert "Emma Clarke or Priya Shah (business unit)" in texts(body)
    assert body["response_type"] == "ephemeral"
    tried = rows(demo, AuditEvent, AuditEvent.action == "access.unregistered")
    assert [(e.actor_label, e.after["email"]) for e in tried] == [
        ("slack:U0STRANGER (Kim Lee)", "kim.lee@elsewhere.example.org")]


async def test_escalate_opens_the_form_at_once_with_the_commands_trigger(slack, demo):
    link_slack(demo, PRACTITIONER, "U0JO")
    fields = slack.command_fields("U0JO", "", command="/escalate")
    body = await slack.ack_json(await slack.post_form(fields))
    assert body == {}
    opened = slack.fake.called("views.open")[0].args
    assert opened["trigger_id"] == fields["trigger_id"]
    view = opened["view"]
    assert view["title"]["text"] == "Raise an escalation"
    assert [b["block_id"] for b in view["blocks"] if b["type"] == "input"] == [
        "category", "urgency", "summary", "case_reference"]
    assert len(rows(demo, Escalation)) == 1  # the demo's own: nothing is saved until the form is sent


async def test_an_urgent_escalation_in_one_line_is_saved_with_the_999_advice_and_sent_privately(slack, demo):
    link_slack(demo, PRACTITIONER, "U0JO")
    link_slack(demo, CHAIR, "U0CHAIR")
    body = await slack.ack_json(await slack.command(
        "U0JO", "urgent capacity: health visiting caseloads above safe level", command="/escalate",
        channel=ARG_CHANNEL))
    assert body["response_type"] == "ephemeral"
    assert "Escalation E2 saved" in texts(body)
    assert "call the police on 999 or the Riverside children's front door (MASH)" in texts(body)
    await slack.settled()
    dm = slack.fake.called("conversations.open")
    assert [c.args["users"] for c in dm] == ["U0CHAIR"]
    posted = slack.fake.called("chat.postMessage")
    assert [c.args["channel"] for c in posted] == ["D0CHAIR"]  # a DM, never the channel it was typed in
    assert "health visiting caseloads above safe level" in texts(posted[0].args)
    assert any(e.get("value") == "escalation ack 2" for b in posted[0].args["blocks"] for e in b.get("elements", []))


async def test_a_summary_with_a_channel_mention_is_shown_to_the_handlers_as_typed(slack, demo):
    link_slack(demo, PRACTITIONER, "U0JO")
    link_slack(demo, CHAIR, "U0CHAIR")
    summary = "routine audit: <!channel> see <@U0CHAIR> & the ICB about the audit tool"
    await slack.ack_json(await slack.command("U0JO", summary, command="/escalate"))
    await slack.settled()
    card = slack.fake.called("chat.postMessage")[0].args
    assert "&lt;!channel&gt; see &lt;@U0CHAIR&gt; &amp; the ICB" in json.dumps(card)
    assert "<!channel>" not in json.dumps(card) and "<@U0CHAIR>" not in json.dumps(card)
    saved = rows(demo, Escalation, Escalation.id == 2)[0]
    assert saved.summary == "<!channel> see <@U0CHAIR> & the ICB about the audit tool"  # stored as typed


async def test_a_slow_answer_is_acknowledged_at_once_and_follows_by_the_response_url(slack, demo, monkeypatch):
    monkeypatch.setattr(slack_app, "ACK_BUDGET", 0.05)
    link_slack(demo, DEPUTY_CHAIR, "U0AMARA")
    hold = threading.Event()
    dispatcher = slack.adapter.dispatcher
    for _ in range(dispatcher.workers):  # every database worker is busy with something else
        dispatcher.pool().submit(hold.wait)
    try:
        fields = slack.command_fields("U0AMARA", "actions")
        body = await slack.ack_json(await slack.post_form(fields))
        assert body == {}
    finally:
        hold.set()
    later = (await slack.fake.wait_for("response_url"))[0].args
    assert later["key"] == fields["response_url"].rsplit("/", 1)[1]
    assert later["response_type"] == "ephemeral"
    assert "Circulate revised neglect toolkit to all GP practices" in texts(later)


async def test_an_unknown_command_suggests_the_nearest(slack, demo):
    link_slack(demo, CHAIR, "U0CHAIR")
    body = await slack.ack_json(await slack.command("U0CHAIR", "quorom arg"))
    assert 'I don\'t know "quorom". Did you mean `quorum`?' in body["blocks"][0]["text"]["text"]  # as code
    assert 'Did you mean quorum? Type help' in body["text"]  # a notification has no code marks


async def test_answers_given_in_the_ack_need_no_call_to_slack(slack, demo):
    link_slack(demo, CHAIR, "U0CHAIR")
    for line in ("actions", "returns", "papers arg"):
        assert (await slack.ack_json(await slack.command("U0CHAIR", line)))["blocks"]
    await slack.settled()
    assert [c.method for c in slack.fake.calls if c.method != "auth.test"] == []


async def test_quick_answers_arriving_together_are_each_given_in_their_ack(slack, demo):
    link_slack(demo, CHAIR, "U0CHAIR")
    link_slack(demo, POLICE, "U0MARK")
    answers = await asyncio.gather(*(slack.command(user, line) for user, line in
                                     [("U0CHAIR", "actions"), ("U0MARK", "returns"), ("U0CHAIR", "papers arg"),
                                      ("U0MARK", "meetings"), ("U0CHAIR", "quorum arg")] * 2))
    for response in answers:
        assert (await slack.ack_json(response))["blocks"]  # not an empty ack with the answer later
    await slack.settled()
    assert slack.fake.called("response_url") == []


async def test_served_as_serve_runs_it_commands_are_answered_from_processes_of_their_own(demo, clock):
    """`serve` works quick commands out in worker processes: the same answers, in the ack, and the
    notices a command asks for still reach the people it names."""
    from tests.fakes.slack_workspace import start_workspace

    before = {p.pid for p in multiprocessing.active_children()}
    served = await start_workspace(demo, clock, processes=2)
    try:
        assert len({p.pid for p in multiprocessing.active_children()} - before) == 2
        link_slack(demo, PRACTITIONER, "U0JO")
        link_slack(demo, CHAIR, "U0CHAIR")
        body = await served.ack_json(await served.command("U0CHAIR", "quorum arg", channel=ARG_CHANNEL))
        assert "not quorate yet" in body["blocks"][0]["text"]["text"]
        body = await served.ack_json(await served.command(
            "U0JO", "urgent capacity: health visiting caseloads above safe level", command="/escalate"))
        assert "Escalation E2 saved" in texts(body)
        await served.settled()
        posted = served.fake.called("chat.postMessage")
        assert [c.args["channel"] for c in posted] == ["D0CHAIR"]
        assert "health visiting caseloads above safe level" in texts(posted[0].args)
        assert rows(demo, Escalation, Escalation.id == 2)[0].summary == "health visiting caseloads above safe level"
        # The form, from a worker: opened at once, a child's details refused under the field, then saved once.
        await served.command("U0JO", "", command="/escalate")
        view = served.last_view_opened()
        assert view["title"]["text"] == "Raise an escalation"
        refused = await served.ack_json(await served.submit("U0JO", view, {
            "category": "practice", "urgency": "routine", "summary": "Child born 3/4/2019 left at home alone"}))
        assert refused["response_action"] == "errors" and list(refused["errors"]) == ["summary"]
        values = {"category": "capacity", "urgency": "routine", "summary": "Two police desk posts vacant"}
        first = await served.ack_json(await served.submit("U0JO", view, values, view_id="V0SERVED"))
        again = await served.ack_json(await served.submit("U0JO", view, values, view_id="V0SERVED"))
        assert "Escalation E3 saved" in texts(first["view"]) and again == first
        assert len(rows(demo, Escalation, Escalation.summary == "Two police desk posts vacant")) == 1
    finally:
        await served.settled()
        await served.client.close()
        await served.fake.stop()
    assert {p.pid for p in multiprocessing.active_children()} - before == set()  # stopped with the server


async def test_a_request_from_another_workspace_is_refused_though_its_account_has_a_members_email(slack, demo):
    """One partnership with no workspace id takes only the bot token's own workspace: another
    workspace that installed the app decides the emails its accounts report, so it could name anyone."""
    slack.team = "T0OTHER"
    slack.fake.users["U0MALLORY"] = (ADMIN, "Priya Shah")
    said = texts(await slack.ack_json(await slack.command("U0MALLORY", "escalations")))
    assert "isn't linked to a partnership in AssureBot" in said and "Open escalations" not in said
    await slack.settled()
    assert rows(demo, Member, Member.email == ADMIN)[0].slack_user_id is None
    assert slack.fake.called("users.info") == []  # nobody was looked up
    slack.team = TEAM_ID  # her own workspace: answered as before
    assert "Open escalations" in texts(await slack.ack_json(await slack.command("U0MALLORY", "escalations")))
