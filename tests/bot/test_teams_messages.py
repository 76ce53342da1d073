"""Talking to AssureBot in Teams: personal chats, channels with an @mention, people it doesn't know."""

from sqlmodel import select

from bot.server import DELIVERY
from models.audit import AuditEvent
from models.db import session_for
from models.escalations import Escalation
from tests.conftest import ADMIN, CHAIR, POLICE, PRACTITIONER
from tests.fakes.teams_world import (  # noqa: F401  (teams is a fixture)
    CHANNEL_ID,
    GROUP_CHAT_ID,
    card_text,
    submits,
    teams,
    unescaped,
)
from messages.teams_cards import walk


def shown(card: dict) -> str:
    return unescaped(card_text(card))


async def test_a_member_types_actions_in_their_personal_chat_and_gets_their_actions_as_a_card(teams):
    mark = teams.user(POLICE)
    assert await teams.say(mark, "actions") == 201
    card, _ = teams.last_card_to(teams.personal_id(mark))
    assert "Open actions: you" in shown(card)
    assert "Agree joint protocol for missing-from-home return interviews" in shown(card)
    buttons = {n["title"] for n in walk(card) if n["type"] in ("Action.Submit", "Action.ShowCard")}
    assert {"Done", "Add update", "Snooze 1 day", "Snooze 1 week"} <= buttons


async def test_in_a_channel_the_mention_is_stripped_and_a_shared_answer_is_posted_in_the_thread(teams):
    helen = teams.user(CHAIR)
    await teams.say(helen, "quorum arg", where="channel")
    replies = teams.connector.sent(CHANNEL_ID + ";messageid=" + _thread_of(teams))
    assert len(replies) == 1
    assert replies[0].kind == "reply"  # in the thread of the message that asked
    assert "not quorate yet" in shown(replies[0].card)
    assert "Riverside Police sent apologies with no deputy" in shown(replies[0].card)
    # Everyone in the channel sees the card: it has none of the buttons chosen for Helen.
    assert not [n for n in walk(replies[0].card) if n["type"].startswith("Action.")]


async def test_a_list_posted_in_a_channel_has_no_buttons_and_no_card_is_kept_for_them(teams, demo):
    from models.teams_cards import TeamsCard

    helen = teams.user(CHAIR)
    with session_for(demo) as session:
        before = len(session.exec(select(TeamsCard)).all())
    await teams.say(helen, "actions all", where="channel")
    posted = [c for c in teams.connector.sent() if c.conversation_id.startswith(CHANNEL_ID) and c.card]
    assert len(posted) == 1 and "Open actions: everyone" in shown(posted[0].card)
    assert not [n for n in walk(posted[0].card) if n["type"].startswith("Action.")]
    with session_for(demo) as session:
        assert len(session.exec(select(TeamsCard)).all()) == before
    await teams.say(helen, "actions all")  # in her personal chat the same list keeps its buttons
    card, _ = teams.last_card_to(teams.personal_id(helen))
    assert [n for n in walk(card) if n["type"].startswith("Action.")]


async def test_in_a_channel_my_own_actions_come_to_my_personal_chat_and_never_into_the_channel(teams):
    mark = teams.user(POLICE)
    await teams.say(mark, "actions", where="channel")
    personal = teams.cards_to(teams.personal_id(mark))
    assert len(personal) == 1
    assert "Agree joint protocol" in shown(personal[0])
    in_channel = [c for c in teams.connector.sent() if c.conversation_id.startswith(CHANNEL_ID)]
    assert len(in_channel) == 1
    assert in_channel[0].card is None
    assert "answered you in your private chat" in unescaped(in_channel[0].text)
    assert "Agree joint protocol" not in in_channel[0].text
    # The personal chat was opened for the purpose, and is remembered for reminders.
    assert len(teams.connector.of_kind("create")) == 1
    await teams.say(mark, "whoami", where="channel")
    assert len(teams.connector.of_kind("create")) == 1
    assert len(teams.cards_to(teams.personal_id(mark))) == 2


async def test_in_a_group_chat_a_private_answer_also_goes_to_the_personal_chat(teams):
    mark = teams.user(POLICE)
    await teams.say(mark, "whoami", where="groupChat")
    assert "DI Mark Evans" in shown(teams.cards_to(teams.personal_id(mark))[0])
    assert [c.card for c in teams.connector.sent(GROUP_CHAT_ID)] == [None]


async def test_someone_not_registered_is_told_who_to_ask_and_the_attempt_is_audited(teams):
    stranger = teams.user("kim.lee@elsewhere.example.org", name="Kim Lee")
    await teams.say(stranger, "actions")
    card = teams.cards_to(teams.personal_id(stranger))[0]
    assert "not registered with AssureBot" in shown(card)
    assert "Priya Shah (business unit)" in shown(card)
    with session_for(teams.engine) as session:
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "access.unregistered")).one()
    assert event.after["platform"] == "teams"
    assert event.after["email"] == "kim.lee@elsewhere.example.org"


async def test_a_member_is_found_by_email_the_first_time_and_their_teams_account_is_linked(teams):
    mark = teams.user(POLICE, linked=False)
    assert teams.member(POLICE).teams_aad_id is None
    await teams.say(mark, "whoami")
    assert "DI Mark Evans" in shown(teams.cards_to(teams.personal_id(mark))[0])
    member = teams.member(POLICE)
    assert member.teams_aad_id == mark.aad_id
    # Nobody chose a platform for him, and it stays unchosen; Teams is where his reminders go now.
    assert member.preferred_platform == "console"
    assert teams.app[DELIVERY].platform_for(member) == "teams"
    lookups = len(teams.connector.of_kind("member"))
    await teams.say(mark, "whoami")
    assert len(teams.connector.of_kind("member")) == lookups  # known by AAD id now: no second lookup


async def test_off_teams_without_channel_data_a_member_is_found_through_the_conversation(teams, caplog):
    """Web Chat, Direct Line and the Emulator send no Teams channel data and no tenant."""
    mark = teams.user(POLICE, linked=False)
    for kind, text in (("conversationUpdate", None), ("message", "whoami")):
        activity = teams.activity(kind, mark, channelId="directline", **({"text": text} if text else {
            "membersAdded": [{"id": mark.user_id}]}))
        del activity["channelData"]
        activity["conversation"].pop("tenantId")
        assert await teams.post(activity) in (200, 201)
    assert "TypeError" not in caplog.text
    assert "DI Mark Evans" in shown(teams.cards_to(teams.personal_id(mark))[-1])
    assert teams.member(POLICE).teams_aad_id == mark.aad_id


async def test_someone_teams_cannot_tell_us_about_is_treated_as_not_registered(teams):
    ghost = teams.user(PRACTITIONER, linked=False, known_to_teams=False)
    await teams.say(ghost, "actions")
    assert "not registered" in shown(teams.cards_to(teams.personal_id(ghost))[0])


async def test_an_escalation_typed_in_a_channel_is_not_saved_and_the_form_is_sent_privately(teams):
    mark = teams.user(POLICE)
    before = _escalations(teams)
    await teams.say(mark, "escalate urgent capacity: no cover for the MASH police desk", where="channel")
    assert _escalations(teams) == before
    card = teams.cards_to(teams.personal_id(mark))[0]
    assert "I have not saved what you wrote in the channel" in shown(card)
    assert any(n.get("type") == "Input.Text" for n in card["body"])
    channel_text = " ".join(c.text for c in teams.connector.sent() if c.conversation_id.startswith(CHANNEL_ID))
    assert "MASH police desk" not in channel_text


async def test_a_summary_with_markdown_and_at_tags_is_saved_as_typed_and_shown_never_acted_on(teams):
    priya = teams.user(ADMIN, linked=False)  # Priya handles escalations; she uses AssureBot in Teams
    await teams.say(priya, "whoami")
    mark = teams.user(POLICE)
    summary = "**Caseloads** <at>Priya Shah</at> [see](https://evil.example) _now_ # 1. \\ & <b>x</b>"
    await teams.say(mark, "escalate")
    form_card, card_id = teams.last_card_to(teams.personal_id(mark))
    submit = next(a for a in submits(form_card) if a["title"] == "Raise escalation")
    await teams.post(teams.submit(mark, submit, card_id, inputs=teams.form_inputs(
        submit, category="capacity", urgency="routine", summary=summary)))
    with session_for(teams.engine) as session:
        escalation = session.exec(select(Escalation).order_by(Escalation.id.desc())).first()
    assert escalation.summary == summary

    notice = teams.cards_to(teams.personal_id(priya))[-1]
    text = card_text(notice)
    assert "<at>" not in text and "</at>" not in text
    assert "**Caseloads**" not in text and "[see](" not in text and "<b>" not in text
    assert "\\*\\*Caseloads\\*\\*" in text and "\\[see\\]" in text and "\\_now\\_" in text
    assert summary in unescaped(text)  # a reader sees exactly what was typed
    recorded = teams.connector.updates(teams.personal_id(mark))[-1].card
    assert "<at>" not in card_text(recorded) and summary in unescaped(card_text(recorded))


def _escalations(teams) -> int:
    with session_for(teams.engine) as session:
        return len(session.exec(select(Escalation)).all())


def _thread_of(teams) -> str:
    asked = [c for c in teams.connector.sent() if c.conversation_id.startswith(CHANNEL_ID)][-1]
    return asked.conversation_id.split(";messageid=")[1]



async def test_an_activity_from_a_tenant_no_partnership_owns_is_refused_and_noted(teams):
    with session_for(teams.engine) as session:
        from models.partnership import Partnership

        demo = session.exec(select(Partnership)).one()
        demo.teams_tenant_id = "tenant-riverside"  # the demo partnership's own tenant, not tenant-1
        session.add(demo)
        session.commit()
    mark = teams.user(POLICE)
    assert await teams.say(mark, "escalations") == 201
    card, _ = teams.last_card_to(teams.personal_id(mark))
    assert "isn't linked to a partnership in AssureBot" in shown(card)
    assert "E1" not in shown(card)
    with session_for(teams.engine) as session:
        noted = session.exec(select(AuditEvent).where(AuditEvent.action == "access.unknown_partnership")).one()
    assert noted.after["teams_tenant"] == "tenant-1"


async def test_a_registered_member_who_joins_a_team_the_bot_is_in_gets_a_personal_chat(teams):
    mark = teams.user(POLICE)
    joined = teams.activity("conversationUpdate", mark, "channel", membersAdded=[mark.account()])
    joined["conversation"]["id"] = joined["conversation"]["id"].split(";")[0]
    assert await teams.post(joined) in (200, 201)
    await teams.gateway.settle()
    assert [c.kind for c in teams.connector.calls if c.kind == "create"] == ["create"]
