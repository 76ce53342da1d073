"""actions, action done, action update: monitored until completion."""

from sqlmodel import Session, select

from models.work import Action, ActionUpdate
from tests.conftest import ADMIN, AUDIT_CHAIR, CHAIR, DEPUTY_CHAIR, HOUSING, POLICE, PRACTITIONER


async def test_my_actions_come_overdue_first_with_buttons(chat):
    reply = await chat(CHAIR, "actions")
    assert reply.title == "Open actions: you"
    assert "2 open actions, 1 overdue" in reply.text
    first, second = reply.items
    assert first.text == "#2 Report S11 section 4 improvement plan to ARG"
    assert ("Due", "Thu 19 Nov 2026 (overdue by 2 working days)") in first.fields
    assert [b.label for b in first.buttons] == ["Done", "Add update", "Snooze 1 day", "Snooze 1 week"]
    assert second.text.startswith("#4 ")


async def test_marking_an_action_done_removes_it_from_my_list(chat, demo):
    reply = await chat(CHAIR, "action done 2")
    assert reply.changed and "is done" in reply.text
    again = await chat(CHAIR, "action done 2")
    assert "already marked done" in again.text
    mine = await chat(CHAIR, "actions")
    assert [i.text[:3] for i in mine.items] == ["#4 "]
    with Session(demo) as session:
        assert session.get(Action, 2).status == "done"


async def test_a_progress_update_is_kept_and_shown(chat, demo):
    reply = await chat(POLICE, "action update 3 Draft protocol shared with CSC")
    assert reply.changed
    listing = await chat(POLICE, "actions")
    assert ("Latest", "Draft protocol shared with CSC (Mon 23 Nov 2026)") in listing.items[0].fields
    with Session(demo) as session:
        assert session.exec(select(ActionUpdate.text)).all() == ["Draft protocol shared with CSC"]


async def test_update_without_text_offers_a_form(chat):
    reply = await chat(POLICE, "action update 3")
    assert reply.form and reply.form.command == "action update 3"
    saved = await chat(POLICE, reply.form.command, form={"text": "Met CSC lead"})
    assert saved.changed


async def test_a_member_cannot_close_someone_elses_action(chat):
    reply = await chat(HOUSING, "action done 3")
    assert reply.is_error
    assert "belongs to DI Mark Evans" in reply.text


async def test_the_chair_of_the_owners_group_can_close_it(chat):
    assert (await chat(CHAIR, "action done 3")).changed


async def test_a_chair_of_another_group_cannot_close_it(chat):
    reply = await chat(AUDIT_CHAIR, "action done 6")  # Aisha is not on the audit group
    assert reply.is_error


async def test_chairs_and_admins_see_everyones_actions_and_an_agencys(chat):
    everyone = await chat(DEPUTY_CHAIR, "actions all")
    assert "6 open actions, 3 overdue for everyone" in everyone.text
    assert everyone.items[0].text.startswith("#6 Brief housing officers")
    assert ("By whom", "Aisha Rahman") in everyone.items[0].fields
    police = await chat(ADMIN, "actions agency police")
    assert [i.text[:3] for i in police.items] == ["#3 "]


async def test_a_member_cannot_see_everyones_actions(chat):
    reply = await chat(PRACTITIONER, "actions all")
    assert reply.is_error
    assert "Only chairs and the business unit" in reply.text


async def test_an_unknown_agency_lists_the_agencies(chat):
    reply = await chat(ADMIN, "actions agency fire")
    assert "Agencies: bu, community, hospital" in reply.text


async def test_everyones_actions_come_a_page_at_a_time_counted_in_full_overdue_first(chat, demo):
    from datetime import date, timedelta

    from models.partnership import Member

    with Session(demo) as session:
        mark = session.exec(select(Member).where(Member.email == POLICE)).one()
        for n in range(40):
            session.add(Action(title=f"Paged action {n}", owner_id=mark.id, agency_id=mark.agency_id,
                               due_date=date(2026, 10, 1) + timedelta(days=n)))
        session.commit()
        total = len(session.exec(select(Action).where(Action.status == "open")).all())
    first = await chat(CHAIR, "actions all")
    assert f"{total} open actions" in first.text and len(first.items) == 25
    assert [b.label for b in first.buttons] == ["Show more"]
    seen = [i.text for i in first.items]
    page = first
    while page.buttons:
        page = await chat(CHAIR, page.buttons[0].command)
        assert page.title == "Open actions: everyone (continued)"
        seen += [i.text for i in page.items]
    assert len(seen) == total and len(set(seen)) == total  # every one once
    dues = [i.fields[0][1] for i in first.items]
    assert "overdue" in dues[0]  # the oldest first
    police = await chat(CHAIR, "actions agency police")
    assert police.buttons and all("By whom" in dict(i.fields) for i in police.items)
    assert (await chat(CHAIR, "actions all after nonsense")).is_error
    # The next page's button names the list, never the other words typed (a child's details, say).
    typed = await chat(CHAIR, "actions all 943 476 5919")
    assert [b.command.rsplit(" after ", 1)[0] for b in typed.buttons] == ["actions all"]
    assert police.buttons[0].command.startswith("actions agency police after ")
    huge = await chat(CHAIR, "actions all after 2027-01-01:99999999999999999999999")
    assert huge.is_error and "page marker" in huge.text


async def test_a_count_past_a_thousand_says_more_than_a_thousand(chat, demo, monkeypatch):
    from models import work

    monkeypatch.setattr(work, "COUNTED_UP_TO", 3)
    from handlers import actions as listing

    monkeypatch.setattr(listing, "COUNTED_UP_TO", 3)
    reply = await chat(CHAIR, "actions all")
    assert reply.text.startswith("More than 3 open actions, ") and "for everyone" in reply.text
