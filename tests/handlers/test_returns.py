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
    assert "marked submitted. Thank you." in reply.text
