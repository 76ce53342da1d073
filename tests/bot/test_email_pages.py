"""The pages behind the links in reminder emails: opening one changes nothing, its one button makes
the change as the member, and a link that is not good gets a page saying why (a 4xx, never an error)
and changes nothing: forged, tampered with, expired, used already, another member's item, another
partnership's item, or something the member may not do."""

from __future__ import annotations

import base64
import logging
import json
import re
from dataclasses import dataclass
from datetime import timedelta
from html import unescape

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlmodel import func, select

from bot.server import DISPATCHER, build_app
from handlers.email_links import ANSWER, LinkSigner
from messages.reply import Button
from models.audit import AuditEvent
from models.db import session_for
from models.meetings import AttendanceAnswer, Meeting
from models.partnership import Member
from models.work import Action, ActionStatus, DataReturn
from tests.conftest import ADMIN, CHAIR, POLICE, POLICE_DEPUTY, travelling
from tests.email_server import PUBLIC_URL, email_settings
from tests.worlds import two_partnerships

OLD_SECRET = "an-earlier-email-link-secret-987654"


@dataclass
class Pages:
    """AssureBot's server with email links on, a browser-like client, and what was told to whom."""

    client: TestClient
    engine: object
    signer: LinkSigner
    clock: object
    told: list

    def member(self, email: str, partnership_key: str | None = None) -> Member:
        with session_for(self.engine) as session:
            query = select(Member).where(Member.email == email)
            found = session.exec(query).all()
            return found[0] if partnership_key is None else next(
                m for m in found if m.partnership_id == self.partnership_id(partnership_key))

    def partnership_id(self, key: str) -> int:
        from models.partnership import Partnership

        with session_for(self.engine) as session:
            return session.exec(select(Partnership.id).where(Partnership.key == key)).one()

    def link(self, email: str, command: str, *, item: str = "", signer: LinkSigner | None = None,
             partnership_key: str | None = None) -> str:
        member = self.member(email, partnership_key)
        url = (signer or self.signer).answer_url(member_id=member.id, partnership_id=member.partnership_id,
                                                 item=item, button=Button("Answer", command), message="digest-1",
                                                 now=self.clock.now())
        return url.removeprefix(PUBLIC_URL)

    def unsubscribe_link(self, email: str) -> str:
        member = self.member(email)
        return self.signer.unsubscribe_url(member_id=member.id, partnership_id=member.partnership_id,
                                           message="digest-1", now=self.clock.now()).removeprefix(PUBLIC_URL)

    async def open(self, path: str) -> tuple[int, str, dict]:
        response = await self.client.get(path)
        return response.status, unescape(await response.text()), dict(response.headers)

    async def press(self, path: str, **form: str) -> tuple[int, str]:
        """Open the page, then press its button as a browser does: with its form token, from this site."""
        _status, page, _headers = await self.open(path)
        token = re.search(r'name="form_token" value="([^"]+)"', page)
        data = {"form_token": token.group(1) if token else "", **form}
        response = await self.client.post(path, data=data, headers={"Origin": PUBLIC_URL})
        return response.status, unescape(await response.text())

    def audit(self) -> int:
        with session_for(self.engine) as session:
            return session.exec(select(func.count(AuditEvent.id))).one()


async def start(engine, clock, **settings) -> Pages:
    settings = email_settings(None, smtp_host=None, **settings)
    app = build_app(engine, settings=settings, clock=clock)
    travelling(app[DISPATCHER])  # each answer as it comes back from a worker process under `serve`
    told = []

    async def notify(member, reply):
        told.append((member.email, reply))
        return True

    app[DISPATCHER].notify = notify
    client = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    return Pages(client, engine, settings.email_links(), clock, told)


@pytest.fixture
async def pages(demo, clock):
    found = await start(demo, clock)
    yield found
    await found.client.close()


def action_of(engine, email: str, word: str) -> Action:
    with session_for(engine) as session:
        owner = session.exec(select(Member).where(Member.email == email)).first()
        return session.exec(select(Action).where(Action.owner_id == owner.id, Action.title.contains(word))).one()


def status_of(engine, action_id: int) -> str:
    with session_for(engine) as session:
        return session.get(Action, action_id).status


async def test_opening_a_link_shows_the_item_and_one_button_and_changes_nothing(pages, demo):
    action = action_of(demo, CHAIR, "voice of the child")
    before = pages.audit()
    status, page, headers = await pages.open(pages.link(CHAIR, f"action done {action.id}", item=f"action:{action.id}"))
    assert status == 200 and "Mark this action done?" in page and "Add voice of the child prompt" in page
    assert "For Helen Carter" in page and page.count("<button") == 1 and "Mark it done" in page
    assert status_of(demo, action.id) == ActionStatus.OPEN.value and pages.audit() == before
    assert headers["Cache-Control"] == "no-store" and headers["Referrer-Policy"] == "same-origin"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]


async def test_pressing_the_button_makes_the_change_as_the_member_in_the_audit_trail(pages, demo):
    action = action_of(demo, CHAIR, "voice of the child")
    helen = pages.member(CHAIR)
    status, page = await pages.press(pages.link(CHAIR, f"action done {action.id}", item=f"action:{action.id}"))
    assert status == 200 and f"#{action.id}" in page and "done" in page.lower()
    assert status_of(demo, action.id) == ActionStatus.DONE.value
    with session_for(demo) as session:
        event = session.exec(select(AuditEvent).where(AuditEvent.entity == "action",
                                                      AuditEvent.entity_id == action.id)
                             .order_by(AuditEvent.id.desc())).first()
    assert event.action == "action.done" and event.actor_id == helen.id


async def test_a_done_link_works_once(pages, demo):
    action = action_of(demo, CHAIR, "voice of the child")
    link = pages.link(CHAIR, f"action done {action.id}", item=f"action:{action.id}")
    assert (await pages.press(link))[0] == 200
    before = pages.audit()
    status, page = await pages.press(link)
    assert status == 409 and "already been used" in page and pages.audit() == before
    assert (await pages.open(link))[0] == 409


async def test_a_snooze_link_works_once_and_an_attendance_answer_can_be_changed_back(pages, demo):
    own = action_of(demo, POLICE, "missing-from-home")
    snooze = pages.link(POLICE, f"snooze action {own.id} week", item=f"action:{own.id}")
    assert (await pages.press(snooze))[0] == 200
    assert (await pages.press(snooze))[0] == 409
    yes, no = pages.link(POLICE, "attend arg yes"), pages.link(POLICE, "attend arg no")
    for link, answer in ((yes, "attending"), (no, "apologies"), (yes, "attending")):
        status, _page = await pages.press(link)
        assert status == 200 and answer_of(demo, POLICE) == answer


async def test_an_owner_puts_right_from_an_email_an_action_someone_else_marked_done(pages, demo):
    from handlers.fields import undo_stamp
    from models.work import mark_action_done

    own = action_of(demo, POLICE, "missing-from-home")
    with session_for(demo) as session:  # the chair marks it done: the owner's notice carries the link
        action = session.get(Action, own.id)
        mark_action_done(action, actor_id=pages.member(CHAIR).id, session=session, now=pages.clock.now())
        stamp = undo_stamp(action.completed_at)
    link = pages.link(POLICE, f"action reopen {own.id} marked={stamp}", item=f"action:{own.id}")

    status, page, _headers = await pages.open(link)
    assert status == 200 and "Mark this action not done after all?" in page and "Not done after all" in page
    assert status_of(demo, own.id) == ActionStatus.DONE.value  # opening the page changes nothing

    status, page = await pages.press(link)
    assert status == 200 and status_of(demo, own.id) == ActionStatus.OPEN.value
    assert (await pages.press(link))[0] == 409  # once


async def test_an_old_email_link_does_not_undo_a_later_marking(pages, demo):
    from handlers.fields import undo_stamp
    from models.work import mark_action_done, reopen_action

    own = action_of(demo, POLICE, "missing-from-home")
    helen = pages.member(CHAIR).id
    with session_for(demo) as session:
        action = session.get(Action, own.id)
        mark_action_done(action, actor_id=helen, session=session, now=pages.clock.now())
        old = undo_stamp(action.completed_at)
        reopen_action(action, actor_id=helen, session=session)
        mark_action_done(action, actor_id=helen, session=session, now=pages.clock.now() + timedelta(minutes=3))

    status, page = await pages.press(pages.link(POLICE, f"action reopen {own.id} marked={old}",
                                                item=f"action:{own.id}"))

    assert status == 200 and "so that button changed nothing" in page
    assert status_of(demo, own.id) == ActionStatus.DONE.value


def answer_of(engine, email: str) -> str:
    with session_for(engine) as session:
        member = session.exec(select(Member).where(Member.email == email)).one()
        return session.exec(select(AttendanceAnswer.answer).join(Meeting, Meeting.id == AttendanceAnswer.meeting_id)
                            .where(AttendanceAnswer.member_id == member.id)
                            .order_by(Meeting.starts_at.desc())).first()


async def test_a_post_without_the_pages_form_token_or_from_another_site_changes_nothing(pages, demo):
    action = action_of(demo, CHAIR, "voice of the child")
    link = pages.link(CHAIR, f"action done {action.id}", item=f"action:{action.id}")
    before = pages.audit()
    response = await pages.client.post(link, data={})
    assert response.status == 403 and "did not come from the page" in await response.text()
    _status, page, _headers = await pages.open(link)
    token = re.search(r'name="form_token" value="([^"]+)"', page).group(1)
    response = await pages.client.post(link, data={"form_token": token}, headers={"Origin": "https://evil.example"})
    assert response.status == 403
    response = await pages.client.post(link, data={"form_token": token[:-2] + "xx"})
    assert response.status == 403
    assert status_of(demo, action.id) == ActionStatus.OPEN.value and pages.audit() == before


def tampered(link: str, **changes) -> str:
    """The same link with its contents changed and its signature kept."""
    prefix, token = link.rsplit("/", 1)
    body, signature = token.split(".")
    values = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    for index, value in changes.items():
        values[int(index.removeprefix("at"))] = value
    encoded = base64.urlsafe_b64encode(json.dumps(values, separators=(",", ":")).encode()).rstrip(b"=").decode()
    return f"{prefix}/{encoded}.{signature}"


async def test_forged_and_tampered_links_get_a_page_saying_so_and_change_nothing(pages, demo):
    action = action_of(demo, CHAIR, "voice of the child")
    forger = LinkSigner(public_url=PUBLIC_URL, secret="a-guess-at-the-secret")
    good = pages.link(CHAIR, f"action done {action.id}", item=f"action:{action.id}")
    other = action_of(demo, POLICE, "missing-from-home")
    bad = [pages.link(CHAIR, f"action done {action.id}", signer=forger),
           tampered(good, at4=f"action:{other.id}", at5=f"action done {other.id}"),
           tampered(good, at2=pages.member(POLICE).id),
           good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB"),
           "/email/answer/not-a-token", good.replace("/answer/", "/unsubscribe/")]
    before = pages.audit()
    for link in bad:
        status, page, _headers = await pages.open(link)
        assert status == 403 and "This link is not valid" in page, link
        status, page = await pages.press(link)
        assert status == 403 and "This link is not valid" in page, link
    assert status_of(demo, action.id) == status_of(demo, other.id) == ActionStatus.OPEN.value
    assert pages.audit() == before


async def test_a_link_under_the_real_secret_for_a_command_no_email_offers_changes_nothing(pages, demo):
    """Were the secret ever known, a link could still only give the answers an email offers."""
    admin = pages.member(ADMIN)
    token = pages.signer.token(ANSWER, member_id=admin.id, partnership_id=admin.partnership_id, item="",
                               command="escalation close 1 No further action", message="digest-1",
                               now=pages.clock.now())
    link = f"/email/answer/{token}"
    before = pages.audit()
    status, page, _headers = await pages.open(link)
    assert status == 403 and "This link is not valid" in page
    assert (await pages.press(link))[0] == 403
    assert pages.audit() == before


async def test_a_link_expires_after_fourteen_days(pages, demo):
    action = action_of(demo, CHAIR, "voice of the child")
    link = pages.link(CHAIR, f"action done {action.id}", item=f"action:{action.id}")
    pages.clock.moment += timedelta(days=13, hours=23)
    assert (await pages.open(link))[0] == 200
    pages.clock.moment += timedelta(hours=1)
    status, page, _headers = await pages.open(link)
    assert status == 410 and "expired" in page
    assert (await pages.press(link))[0] == 410 and status_of(demo, action.id) == ActionStatus.OPEN.value


async def test_a_link_made_with_the_previous_secret_still_works_after_a_change(demo, clock):
    old = LinkSigner(public_url=PUBLIC_URL, secret=OLD_SECRET)
    pages = await start(demo, clock, email_link_secret_previous=OLD_SECRET)
    try:
        action = action_of(demo, CHAIR, "voice of the child")
        status, _page = await pages.press(pages.link(CHAIR, f"action done {action.id}", signer=old))
        assert status == 200 and status_of(demo, action.id) == ActionStatus.DONE.value
    finally:
        await pages.client.close()


async def test_a_link_for_another_members_item_is_refused_as_a_chat_button_would_be(pages, demo):
    action = action_of(demo, CHAIR, "voice of the child")
    before = pages.audit()
    for command in (f"action done {action.id}", f"snooze action {action.id} day"):
        link = pages.link(POLICE, command, item=f"action:{action.id}")
        status, page, _headers = await pages.open(link)
        assert status == 403 and ("This belongs to Helen Carter" in page or "only snooze your own" in page)
        assert "Add voice of the child" not in page
        status, page = await pages.press(link)
        assert status == 403
    assert status_of(demo, action.id) == ActionStatus.OPEN.value and pages.audit() == before


async def test_something_the_member_may_not_do_is_refused_with_the_chat_refusal(pages, demo):
    with session_for(demo) as session:
        housing_return = session.exec(select(DataReturn).where(DataReturn.title == "Section 11 self-assessment",
                                                               DataReturn.period.is_not(None))).all()
    other_agency = next(r for r in housing_return if r.owner_id != pages.member(POLICE).id)
    for email, command, words in ((POLICE_DEPUTY, "attend arg yes", "You don't have a seat"),
                                  (POLICE, f"return done {other_agency.id}", "belongs to another agency")):
        status, page, _headers = await pages.open(pages.link(email, command))
        assert status == 403 and words in page
        status, page = await pages.press(pages.link(email, command))
        assert status == 403 and words in page


async def test_a_link_for_an_old_meeting_does_not_answer_for_the_next_one(pages, demo):
    before = answer_of(demo, POLICE)
    status, page, _headers = await pages.open(pages.link(POLICE, "attend arg yes", item="meeting:1"))
    assert status == 410 and "no longer the group's next one" in page
    assert (await pages.press(pages.link(POLICE, "attend arg yes", item="meeting:1")))[0] == 410
    assert answer_of(demo, POLICE) == before


async def test_send_a_deputy_offers_only_the_agencys_people_and_tells_the_deputy(pages, demo):
    link = pages.link(POLICE, "attend arg deputy")
    status, page, _headers = await pages.open(link)
    assert status == 200 and '<label for="choice">Who will attend for you?</label>' in page
    assert "DS Sam Patel" in page and "Helen Carter" not in page
    status, page = await pages.press(link, deputy=CHAIR)  # not one of the choices offered
    assert status == 400 and answer_of(demo, POLICE) == "apologies"
    status, page = await pages.press(link, deputy=POLICE_DEPUTY)
    assert status == 200 and answer_of(demo, POLICE) == "deputy"
    assert [email for email, _reply in pages.told] == [POLICE_DEPUTY]


async def test_a_deputy_with_a_seat_can_go_only_for_their_own_seat_from_an_email(pages, demo):
    from tests.conftest import DEPUTY_CHAIR, ICB_MEMBER

    rachel_named = pages.link(ICB_MEMBER, "attend arg deputy")
    assert (await pages.press(rachel_named, deputy=DEPUTY_CHAIR))[0] == 200
    link = pages.link(DEPUTY_CHAIR, "deputise arg no")

    status, page, _headers = await pages.open(link)
    assert status == 200 and "Go only for your own seat?" in page and "Rachel Green" in page
    status, page = await pages.press(link)

    assert status == 200
    with session_for(demo) as session:
        rachel = session.exec(select(Member).where(Member.email == ICB_MEMBER)).one()
        row = session.exec(select(AttendanceAnswer).join(Meeting, Meeting.id == AttendanceAnswer.meeting_id)
                           .where(AttendanceAnswer.member_id == rachel.id).order_by(Meeting.starts_at)).first()
    assert row.deputy_answer == "declined" and answer_of(demo, DEPUTY_CHAIR) == "attending"
    assert ICB_MEMBER in [email for email, _reply in pages.told]


async def test_deputise_from_an_email_for_someone_not_named_finds_nothing_to_answer(pages, demo):
    status, page, _headers = await pages.open(pages.link(POLICE, "deputise arg no"))
    assert status in (403, 410) and "deputy" in page


async def test_a_link_for_another_partnerships_item_finds_nothing_there(engine, clock):
    world = two_partnerships(engine, clock.now().date())
    pages = await start(engine, clock)
    try:
        with session_for(engine) as session:
            b_action = session.exec(select(Action.id).where(Action.id.not_in(world.a_ids[Action]))).first()
        before = world.snapshot(world.a), world.snapshot(world.b)
        link = pages.link("helen.carter@council.example.org", f"action done {b_action}", partnership_key="riverside")
        status, page, _headers = await pages.open(link)
        assert status == 404 and f"There is no action #{b_action}" in page and "[B]" not in page
        assert (await pages.press(link))[0] == 404
        assert (world.snapshot(world.a), world.snapshot(world.b)) == before
    finally:
        await pages.client.close()


async def test_one_click_unsubscribe_turns_emails_off_and_tells_the_business_unit(pages, demo):
    with session_for(demo) as session:
        member = session.exec(select(Member).where(Member.email == POLICE)).one()
        member.preferred_platform = "email"
        session.add(member)
        session.commit()
    link = pages.unsubscribe_link(POLICE)
    status, page, _headers = await pages.open(link)
    assert status == 200 and "Stop reminder emails" in page and not pages.member(POLICE).email_off
    response = await pages.client.post(link, data="List-Unsubscribe=One-Click",
                                       headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status == 200 and pages.member(POLICE).email_off
    told = {email for email, reply in pages.told if "turned reminder emails off" in reply.text}
    assert told == {ADMIN, "emma.clarke@bu.example.org"}
    with session_for(demo) as session:
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "member.reminders_where")).one()
    assert event.actor_id == pages.member(POLICE).id and event.after["email_off"] is True


async def test_the_unsubscribe_page_lets_the_member_choose_slack_instead(pages, demo):
    with session_for(demo) as session:
        member = session.exec(select(Member).where(Member.email == POLICE)).one()
        member.preferred_platform, member.slack_user_id = "email", "U0MARK"
        session.add(member)
        session.commit()
    link = pages.unsubscribe_link(POLICE)
    status, page = await pages.press(link, platform="teams")  # not offered: AssureBot can't reach him there
    assert status == 400 and pages.member(POLICE).preferred_platform == "email"
    status, page = await pages.press(link, platform="slack")
    assert status == 200 and "in Slack" in page and pages.member(POLICE).preferred_platform == "slack"


async def test_without_a_link_secret_there_are_no_pages(demo, clock):
    pages = await start(demo, clock, email_link_secret=None)
    try:
        response = await pages.client.get("/email/answer/anything")
        assert response.status == 404 and pages.signer is None
    finally:
        await pages.client.close()


async def test_an_email_link_is_masked_in_the_access_log_and_junk_gets_a_page_not_an_error(pages, demo, caplog):
    action = action_of(demo, CHAIR, "voice of the child")
    link = pages.link(CHAIR, f"action done {action.id}", item=f"action:{action.id}")
    token = link.rsplit("/", 1)[1]
    with caplog.at_level(logging.INFO, logger="aiohttp.access"):
        assert (await pages.client.get(link)).status == 200
        for junk in ("9" * 5000, "a.b.c", "x.y", "%00.%00", "e30." + "A" * 22):
            assert (await pages.client.get(f"/email/answer/{junk}")).status == 403
    access = [r for r in caplog.records if r.name == "aiohttp.access"]
    assert access and all(token not in json.dumps(vars(r), default=str) for r in access)
    assert "/email/answer/…" in access[0].getMessage()
    assert not [r for r in caplog.records if r.exc_info]
