"""returns and return done: what my agency owes, marked in once."""

from tests.conftest import CHAIR, HOUSING, POLICE


async def test_my_agencys_outstanding_returns_late_ones_marked(chat):
    reply = await chat(CHAIR, "returns")
    assert reply.title == "Returns outstanding: Riverside Council Children's Services"
    assert "2 returns outstanding, 1 late" in reply.text
    s11 = reply.items[0]
    assert s11.text == "#4 Section 11 self-assessment (2026/27)"
    assert ("Due", "Tue 17 Nov 2026 (late by 4 working days)") in s11.fields


async def test_marking_a_return_submitted_says_if_it_was_late(chat):
    reply = await chat(CHAIR, "return done 4")
    assert reply.changed
    assert "after its due date of Tue 17 Nov 2026" in reply.text
    again = await chat(CHAIR, "return done 4")
    assert "already marked submitted" in again.text
    listing = await chat(CHAIR, "returns")
    assert "1 return outstanding" in listing.text


async def test_another_agencys_return_cannot_be_marked(chat):
    reply = await chat(HOUSING, "return done 1")
    assert reply.is_error
    assert "belongs to another agency" in reply.text


async def test_on_time_return(chat):
    reply = await chat(POLICE, "return done 1")
    assert "marked submitted on Mon 23 Nov 2026. Thank you." in reply.text


async def test_a_long_list_shows_a_page_counted_in_full_late_first(chat, demo, clock):
    """More returns than a page: the count and the late count cover all of them, the page shows
    the earliest due, and the rest are said to be there."""
    from datetime import timedelta

    from sqlmodel import Session, select

    from models.partnership import Member
    from models.work import DataReturn

    today = clock.now().date()
    with Session(demo) as session:
        chair = session.exec(select(Member).where(Member.email == CHAIR)).one()
        for n in range(30):  # 10 late (due before today), 20 due later; the demo's own 2 besides
            session.add(DataReturn(agency_id=chair.agency_id, owner_id=chair.id, title=f"Dataset {n:02d}",
                                   kind="dataset", period="Q3", due_date=today + timedelta(days=n - 10)))
        session.commit()
    reply = await chat(CHAIR, "returns")
    assert "32 returns outstanding, 11 late" in reply.text
    assert len(reply.items) == 25 and reply.more == 7
    dues = [dict(item.fields)["Due"] for item in reply.items]
    assert "late by" in dues[0] and "late by" not in dues[-1]
    home = await chat(CHAIR, "home")
    heading = next(item for item in home.items if item.text.startswith("Your agency's returns"))
    assert heading.text == "Your agency's returns (32)"
    assert ("More", "27 more: type `returns`") in heading.fields
