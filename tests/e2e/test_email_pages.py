"""Reminders by email as a member sees them, in Debian's Chromium at a phone's width (360 px): the digest
email as it arrived at a real SMTP server, its links, the page behind each, and the pages for links
that are not good. Each page is checked for contrast (4.5:1), width, labels and the keyboard, and a
screenshot of each is kept in tests/e2e/screenshots/email/."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from aiohttp import web
from sqlmodel import select

from bot.commands.remind import remind_command
from bot.delivery import Delivery
from bot.email.setup import email_sender
from bot.server import build_app
from handlers.email_links import LinkSigner
from messages.reply import Button
from models.audit import AuditEvent
from models.db import session_for
from models.partnership import Member, Partnership
from models.work import DataReturn
from tests.e2e.tools import CHROMIUM, LAUNCH_ARGS, SCREENSHOTS
from tests.email_server import MAIL_FROM, SECRET, by_email, email_settings, free_port, mailbox  # noqa: F401
from tests.worlds import two_partnerships

pytestmark = pytest.mark.e2e

HELEN = "helen.carter@council.example.org"  # the ARG chair in Riverside (A)
MARK = "mark.evans@police.example.org"  # police, in both partnerships
SAM = "sam.patel@police.example.org"  # police, not on the ARG
CHECKS = (Path(__file__).parent / "page_checks.js").read_text(encoding="utf-8")
PHONE = {"width": 360, "height": 740}


@dataclass
class Reader:
    """A member's browser at 360 px, AssureBot's server, and the SMTP server their email went through."""

    page: object
    url: str
    engine: object
    clock: object
    signer: LinkSigner
    mailbox: object
    settings: object

    async def shot(self, name: str) -> None:
        folder = SCREENSHOTS / "email"
        folder.mkdir(parents=True, exist_ok=True)
        await self.page.screenshot(path=str(folder / f"{name}.png"), full_page=True)

    async def checked(self, name: str) -> None:
        """The page as it is now passes the checks, and its screenshot is kept."""
        assert await self.page.evaluate(CHECKS) == [], name
        await self.shot(name)

    async def visit(self, url: str, status: int, words: str, name: str) -> None:
        from playwright.async_api import expect

        response = await self.page.goto(url)
        assert response.status == status, (name, response.status)
        await expect(self.page.locator("h1")).to_contain_text(words)
        await self.checked(name)

    def member(self, email: str, key: str = "riverside") -> Member:
        with session_for(self.engine) as session:
            return session.exec(select(Member).join(Partnership, Partnership.id == Member.partnership_id)
                                .where(Member.email == email, Partnership.key == key)).one()

    def link(self, email: str, command: str, *, item: str = "", signer: LinkSigner | None = None) -> str:
        member = self.member(email)
        return (signer or self.signer).answer_url(member_id=member.id, partnership_id=member.partnership_id,
                                                  item=item, button=Button("Answer", command), message="m1",
                                                  now=self.clock.now())

    def events(self) -> int:
        with session_for(self.engine) as session:
            return len(session.exec(select(AuditEvent.id)).all())


@pytest.fixture
async def reader(engine, clock, mailbox, e2e_tools):
    from playwright.async_api import async_playwright

    world = two_partnerships(engine, clock.now().date())
    by_email(engine)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    settings = email_settings(mailbox, public_url=url)
    runner = web.AppRunner(build_app(engine, settings=settings, clock=clock), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
            page = await browser.new_page(viewport=PHONE)
            try:
                yield Reader(page, url, engine, clock, settings.email_links(), mailbox, settings)
            finally:
                await browser.close()
    finally:
        await runner.cleanup()
    assert world.a.key == "riverside"


async def send_the_days_digests(reader: Reader) -> None:
    delivery = Delivery()
    delivery.register("email", email_sender(reader.settings, clock=reader.clock))
    await asyncio.to_thread(remind_command, reader.engine.url.render_as_string(hide_password=False),
                            on=reader.clock.now().date(), delivery=delivery, clock=reader.clock)


async def test_the_digest_email_its_link_and_the_button_that_records_the_answer(reader):
    from playwright.async_api import expect

    await send_the_days_digests(reader)
    [email] = [m for m in reader.mailbox.to(HELEN) if m["Subject"].startswith("Your reminders")]
    assert email["From"] == MAIL_FROM
    await reader.page.set_content(email.get_body(preferencelist=("html",)).get_content())
    await expect(reader.page.get_by_role("link", name="Submitted").first).to_be_visible()
    await reader.checked("digest-email")

    with session_for(reader.engine) as session:
        s11 = session.exec(select(DataReturn).where(DataReturn.owner_id == reader.member(HELEN).id,
                                                    DataReturn.title.startswith("Section 11"))).one()
    link = reader.page.locator("a[href*='/email/answer/']", has_text="Submitted")
    href = await link.nth(0).get_attribute("href")
    before = reader.events()
    await reader.visit(href, 200, "Mark this return submitted?", "answer-page")
    await expect(reader.page.locator("dl")).to_contain_text(f"#{s11.id} Section 11 self-assessment")
    assert reader.events() == before  # opening the page changed nothing
    with session_for(reader.engine) as session:
        assert session.get(DataReturn, s11.id).submitted_at is None

    for _press in range(6):  # the button is reached with the keyboard alone
        await reader.page.keyboard.press("Tab")
        if await reader.page.evaluate("document.activeElement.tagName") == "BUTTON":
            break
    assert await reader.page.evaluate("document.activeElement.textContent") == "Mark it submitted"
    async with reader.page.expect_navigation():
        await reader.page.keyboard.press("Enter")
    await expect(reader.page.locator("main")).to_contain_text("submitted")
    await reader.checked("answer-done")
    with session_for(reader.engine) as session:
        assert session.get(DataReturn, s11.id).submitted_at is not None
        event = session.exec(select(AuditEvent).where(AuditEvent.entity == "data_return",
                                                      AuditEvent.entity_id == s11.id)
                             .order_by(AuditEvent.id.desc())).first()
    assert event.action == "return.submitted" and event.actor_id == reader.member(HELEN).id

    await reader.visit(href, 409, "already been used", "link-used")


async def test_every_link_that_is_not_good_gets_a_page_that_says_why(reader):
    from playwright.async_api import expect

    with session_for(reader.engine) as session:
        helens = session.exec(select(DataReturn).where(DataReturn.owner_id == reader.member(HELEN).id)).first()
        lakeside = session.exec(select(DataReturn).join(Member, Member.id == DataReturn.owner_id)
                                .where(Member.partnership_id == reader.member(MARK, "lakeside").partnership_id)
                                ).first()
    good = reader.link(HELEN, f"return done {helens.id}", item=f"return:{helens.id}")
    before = reader.events()
    forged = reader.link(HELEN, f"return done {helens.id}", signer=LinkSigner(public_url=reader.url, secret="guess"))
    await reader.visit(forged, 403, "This link is not valid", "link-forged")
    await reader.visit(good[:-4] + ("AAAA" if not good.endswith("AAAA") else "BBBB"), 403, "This link is not valid",
                       "link-tampered")
    await reader.visit(reader.link(MARK, f"snooze return {helens.id} day"), 403, "You can't do this",
                       "link-another-members-item")
    await reader.visit(reader.link(HELEN, f"return done {lakeside.id}"), 404, "There is nothing to answer",
                       "link-another-partnership")
    assert "[B]" not in await reader.page.locator("main").inner_text()
    await reader.visit(reader.link(SAM, "attend arg yes"), 403, "You can't do this", "link-not-permitted")
    await reader.visit(reader.link(MARK, "attend arg yes", item="meeting:1"), 410, "has passed or changed",
                       "link-meeting-passed")
    reader.clock.moment += timedelta(days=14)
    await reader.visit(good, 410, "This link has expired", "link-expired")
    reader.clock.moment -= timedelta(days=14)
    assert reader.events() == before

    await reader.visit(reader.link(MARK, "attend arg deputy"), 200, "Send a deputy", "deputy-page")
    await expect(reader.page.get_by_label("Who will attend for you?")).to_be_visible()
    unsubscribe = reader.signer.unsubscribe_url(member_id=reader.member(MARK).id,
                                                partnership_id=reader.member(MARK).partnership_id, message="m1",
                                                now=reader.clock.now())
    await reader.visit(unsubscribe, 200, "Your reminder emails", "unsubscribe-page")
    async with reader.page.expect_navigation():
        await reader.page.get_by_role("button", name="Stop reminder emails").click()
    await expect(reader.page.locator("main")).to_contain_text("Reminder emails are off")
    await reader.checked("unsubscribe-done")
    assert reader.member(MARK).email_off
    assert SECRET not in await reader.page.content()
