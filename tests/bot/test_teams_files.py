"""Reports in Teams: the summary as a card, each file offered with a consent card and put in OneDrive."""

from tests.conftest import CHAIR, POLICE
from tests.fakes.teams_world import card_text, teams, unescaped  # noqa: F401  (teams is a fixture)

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
