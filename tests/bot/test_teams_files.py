"""Reports in Teams: the summary as a card, each file offered with a consent card and put in OneDrive."""

from datetime import datetime, timedelta, timezone

from sqlmodel import select

from bot.teams.files import KEEP, FileOffers
from messages.reply import Attachment
from models.db import session_for
from models.partnership import Member
from models.teams_cards import TeamsFileOffer
from tests.conftest import CHAIR, POLICE
from tests.fakes.teams_world import card_text, start_world, stop_world, teams, unescaped  # noqa: F401

CONSENT = "application/vnd.microsoft.teams.card.file.consent"


def offers(teams, user) -> list[dict]:
    return [a for c in teams.connector.sent(teams.personal_id(user)) for a in c.body.get("attachments") or []
            if a["contentType"] == CONSENT]


def consent_invoke(teams, user, offer: dict, action: str = "accept") -> dict:
    """What Teams sends when Allow (or Decline) is pressed on a file consent card."""
    name = offer["name"]
    return teams.activity("invoke", user, name="fileConsent/invoke", value={
        "type": "fileUpload", "action": action, "context": offer["content"]["acceptContext"],
        "uploadInfo": {"contentUrl": f"https://contoso.sharepoint.com/personal/{name}", "name": name,
                       "uploadUrl": f"{teams.connector.url}upload/{name}", "uniqueId": "1150D938-8870-4044",
                       "fileType": name.rsplit(".", 1)[1]}})


async def test_a_chair_asking_for_a_report_gets_its_files_offered_and_uploaded_when_allowed(teams):
    helen = teams.user(CHAIR)
    await teams.say(helen, "report attendance arg")
    files = offers(teams, helen)
    names = [f["name"] for f in files]
    assert any(n.endswith(".csv") for n in names) and any(n.endswith(".xlsx") for n in names)
    assert all(f["content"]["sizeInBytes"] > 0 for f in files)

    csv_offer = next(f for f in files if f["name"].endswith(".csv"))
    assert await teams.post(consent_invoke(teams, helen, csv_offer)) == 200
    uploaded = teams.connector.uploads[csv_offer["name"]]
    assert len(uploaded) == csv_offer["content"]["sizeInBytes"]
    file_card = teams.connector.sent(teams.personal_id(helen))[-1].body["attachments"][0]
    assert file_card["contentType"] == "application/vnd.microsoft.teams.card.file.info"
    assert file_card["name"] == csv_offer["name"]

    # Pressing Allow again uploads nothing more.
    await teams.post(consent_invoke(teams, helen, csv_offer))
    assert "no longer available" in unescaped(teams.connector.sent(teams.personal_id(helen))[-1].text)


async def test_declining_sends_nothing_and_nobody_else_can_take_the_file(teams):
    helen, mark = teams.user(CHAIR), teams.user(POLICE)
    await teams.say(helen, "report attendance arg")
    first, second = offers(teams, helen)[:2]
    await teams.post(consent_invoke(teams, helen, first, action="decline"))
    assert "haven't sent" in unescaped(teams.connector.sent(teams.personal_id(helen))[-1].text)
    await teams.post(consent_invoke(teams, mark, second))
    assert teams.connector.uploads == {}


async def test_a_report_asked_for_in_a_channel_comes_privately_with_its_files(teams):
    helen = teams.user(CHAIR)
    await teams.say(helen, "report attendance arg", where="channel")
    assert offers(teams, helen)
    channel = [a for c in teams.connector.sent() if not c.conversation_id.startswith("a:")
               for a in c.body.get("attachments") or []]
    assert channel == []


async def test_a_file_offered_before_a_restart_can_still_be_allowed_after_it(demo, clock):
    first = await start_world(demo, clock)
    try:
        helen = first.user(CHAIR)
        await first.say(helen, "report attendance arg")
        offer = next(f for f in offers(first, helen) if f["name"].endswith(".xlsx"))
    finally:
        await stop_world(first)
    second = await start_world(demo, clock)  # the server was restarted before she pressed Allow
    try:
        helen = second.user(CHAIR)
        assert await second.post(consent_invoke(second, helen, offer)) == 200
        uploaded = second.connector.uploads[offer["name"]]
        assert len(uploaded) == offer["content"]["sizeInBytes"] and uploaded[:2] == b"PK"
    finally:
        await stop_world(second)


def test_an_offer_is_taken_once_only_by_its_person_and_only_while_fresh(demo):
    now = [datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)]
    offers_kept = FileOffers(demo, clock=lambda: now[0])
    helen, mark = member_id(demo, CHAIR), member_id(demo, POLICE)
    report = Attachment("attendance.csv", "text/csv", b"Member,Agency\r\n")
    token = offers_kept.offer(report, helen)
    assert offers_kept.take(token, mark) is None  # not his
    assert offers_kept.take(token, helen) == report
    assert offers_kept.take(token, helen) is None  # once

    stale = offers_kept.offer(report, helen)
    now[0] += KEEP + timedelta(minutes=1)
    kept_too = offers_kept.offer(report, mark)  # offering again forgets what went stale
    with session_for(demo) as session:
        assert session.get(TeamsFileOffer, stale) is None
    now[0] += KEEP + timedelta(minutes=1)
    assert offers_kept.take(kept_too, mark) is None  # too late: forgotten as it is asked for
    with session_for(demo) as session:
        assert session.exec(select(TeamsFileOffer)).all() == []


def member_id(engine, email: str) -> int:
    with session_for(engine) as session:
        return session.exec(select(Member.id).where(Member.email == email)).one()
