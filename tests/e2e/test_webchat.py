"""AssureBot in Bot Framework Web Chat: Microsoft's own chat client (its bundled build) in headless
Chromium, talking through a Direct Line stand-in (directline.py) to the real bot in the local mode,
as the Web Chat channel does: channelId `webchat` and no Teams channel data.

What is checked is what a person sees on the page. Screenshots of the conversation are kept in
tests/e2e/screenshots/webchat/.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from aiohttp import web
from sqlmodel import select

from bot.server import ENGINE, build_app
from bot.settings import Settings
from bot.teams.setup import TEAMS
from models.db import session_for
from models.partnership import Member
from tests.conftest import POLICE
from tests.e2e.collect import NHS_NUMBER
from tests.e2e.directline import DirectLine
from tests.e2e.tools import CHROMIUM, LAUNCH_ARGS, SCREENSHOTS

pytestmark = pytest.mark.e2e

SEEN = 10_000  # ms Playwright waits for something to appear on the page before the test fails


@dataclass
class WebChat:
    """The Web Chat page of one person, the Direct Line stand-in behind it, and the bot's app."""

    page: object
    direct_line: DirectLine
    app: web.Application
    failures: list[str]  # errors the page itself raised

    def cards(self):
        return self.page.locator(".ac-adaptiveCard")

    def card_saying(self, text: str):
        return self.cards().filter(has_text=text).last

    async def say(self, text: str) -> None:
        """Type a line into the send box and send it, then wait for the bot's answer to be shown."""
        from playwright.async_api import expect

        answered = len(self.direct_line.bot_messages())
        box = self.page.get_by_placeholder("Type your message")
        await box.fill(text)
        await box.press("Enter")
        await self.shown_after(answered)
        await expect(self.page.get_by_text(text, exact=True).last).to_be_visible(timeout=SEEN)

    async def press(self, card, title: str) -> None:
        """Press a button on a card and wait for the bot's answer to be shown."""
        answered = len(self.direct_line.bot_messages())
        await card.get_by_role("button", name=title, exact=True).first.click()
        await self.shown_after(answered)

    async def shown_after(self, answered: int) -> None:
        """Wait for the bot to answer, and for Web Chat to show every card the bot has sent."""
        await self.direct_line.wait_for_bot(answered, seconds=SEEN / 1000)
        await self.app[TEAMS].settle()
        await self.page.wait_for_function("n => document.querySelectorAll('.ac-adaptiveCard').length >= n",
                                          arg=self.direct_line.cards_sent(), timeout=SEEN)

    async def screenshot(self, name: str) -> None:
        folder = SCREENSHOTS / "webchat"
        folder.mkdir(parents=True, exist_ok=True)
        await self.page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


@pytest.fixture
async def web_chat(demo, clock, e2e_tools):
    """Mark Evans (police, on the ARG) in Web Chat, new to AssureBot: his account is linked on his first
    message, from the email the channel reports for him."""
    from playwright.async_api import async_playwright

    app = build_app(demo, settings=Settings(_env_file=None, teams_local_mode=True), clock=clock)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    direct_line = DirectLine(f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}")
    await direct_line.start()
    direct_line.add_account("dl-mark", name="Mark Evans", aad_id="aad-mark-evans", email=POLICE)
    direct_line.add_account("dl-kim", name="Kim Lee", aad_id="aad-kim-lee", email="kim.lee@elsewhere.example.org")
    try:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
            page = await browser.new_page(viewport={"width": 520, "height": 900})
            chat = WebChat(page, direct_line, app, [])
            page.on("pageerror", lambda error: chat.failures.append(str(error)))
            try:
                yield chat
            finally:
                await browser.close()
    finally:
        await direct_line.stop()
        await runner.cleanup()


async def open_as(chat: WebChat, user: str, name: str) -> None:
    from playwright.async_api import expect

    await chat.page.goto(f"{chat.direct_line.url}/webchat.html?user={user}&name={name.replace(' ', '%20')}")
    await expect(chat.page.get_by_placeholder("Type your message")).to_be_visible(timeout=SEEN)


async def test_help_quorum_a_button_a_refused_then_corrected_escalation_and_an_action_done(web_chat):
    from playwright.async_api import expect

    chat = web_chat
    await open_as(chat, "dl-mark", "Mark Evans")

    await chat.say("help")
    help_card = chat.card_saying("What I can do")
    await expect(help_card).to_contain_text("Hello Mark", timeout=SEEN)

    await chat.say("quorum")
    await expect(chat.card_saying("quorate")).to_contain_text("Assurance and Review Group", timeout=SEEN)

    await chat.press(help_card, "My actions")
    await expect(chat.cards().last).to_contain_text("Agree joint protocol", timeout=SEEN)

    await chat.say("escalate")
    form = chat.cards().last
    await expect(form).to_contain_text("Summary", timeout=SEEN)
    await form.get_by_label("What kind of concern?").select_option("practice")
    await form.get_by_label("Summary").fill(f"Child with NHS number {NHS_NUMBER} not seen by a health visitor")
    await chat.press(form, "Raise escalation")
    refused = chat.card_saying("Nothing has been saved")
    await expect(refused).to_contain_text("NHS number", timeout=SEEN)
    await expect(refused.get_by_role("button", name="Raise escalation")).to_be_visible(timeout=SEEN)
    assert NHS_NUMBER not in await refused.inner_text()
    assert NHS_NUMBER not in await refused.get_by_label("Summary").input_value()  # the rest kept, the number out
    await chat.screenshot("escalation-refused")

    await refused.get_by_label("Summary").fill("Child CS-4410 not seen by a health visitor since March")
    await chat.press(refused, "Raise escalation")
    await expect(chat.cards().last).to_contain_text("Escalation E2 saved", timeout=SEEN)

    await chat.say("actions")
    actions = chat.card_saying("Open actions")
    await expect(actions).to_contain_text("Agree joint protocol", timeout=SEEN)
    await chat.press(actions, "Done")
    await expect(chat.page.get_by_text("is done", exact=False).last).to_be_visible(timeout=SEEN)
    await chat.screenshot("conversation")

    assert chat.direct_line.problems == []
    assert chat.failures == []
    assert [status for _, status in chat.direct_line.to_bot if status >= 300] == []
    with session_for(chat.app[ENGINE]) as session:  # known from now on by his Azure AD id
        assert session.exec(select(Member).where(Member.email == POLICE)).one().teams_aad_id == "aad-mark-evans"


async def test_someone_the_partnership_has_not_registered_is_told_who_to_ask(web_chat):
    from playwright.async_api import expect

    chat = web_chat
    await open_as(chat, "dl-kim", "Kim Lee")
    await chat.say("whoami")
    await expect(chat.cards().last).to_contain_text("not registered", timeout=SEEN)
    await expect(chat.cards().last).to_contain_text("Priya Shah", timeout=SEEN)
    assert chat.failures == []
