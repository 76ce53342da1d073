"""An escalation in one line: a slip in its urgency or category is read as the word it is nearest,
never saved into the summary; nothing is saved until the person has checked the form."""

from __future__ import annotations

import pytest
from sqlmodel import Session, func, select

from handlers.escalation_line import read_line
from models.escalations import Escalation
from tests.conftest import PRACTITIONER


@pytest.mark.parametrize(("typed", "urgency", "category", "summary", "guessed"), [
    ("urgent capacity: nurses down to 2", "urgent", "capacity", "nurses down to 2", ()),
    ("high practice: no strategy meeting", "urgent", "practice", "no strategy meeting", ()),
    ("urgnet capacity: nurses down to 2", "urgent", "capacity", "nurses down to 2", ("'urgnet' as urgent",)),
    ("rountine audit: dip sample", "routine", "audit", "dip sample", ("'rountine' as routine",)),
    ("urgent capcity: nurses down", "urgent", "capacity", "nurses down", ("'capcity' as capacity",)),
    ("urgent capacity - no cover for named nurse", "urgent", "capacity", "no cover for named nurse", ()),
    ("Routinely children wait too long", None, None, "Routinely children wait too long", ()),
    ("Urgently needed: cover", None, None, "Urgently needed: cover", ()),
    ("Meeting: notes not shared", None, None, "Meeting: notes not shared", ()),
    ("urgent the plan - revised", "urgent", None, "the plan - revised", ()),
])
def test_the_line_is_read_word_by_word(typed, urgency, category, summary, guessed):
    line = read_line(typed)
    assert (line.urgency, line.category, line.summary, line.guessed) == (urgency, category, summary, guessed)


def escalations(engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(Escalation)).one()


async def test_a_slip_opens_the_form_with_what_was_read_and_saves_nothing(chat, demo):
    before = escalations(demo)
    reply = await chat(PRACTITIONER, "escalate urgnet capacity: school nurse team down to 2 staff")
    assert not reply.changed and "I read 'urgnet' as urgent" in reply.text
    fields = {field.name: field.initial for field in reply.form.fields}
    assert (fields["urgency"], fields["category"], fields["summary"]) == (
        "urgent", "capacity", "school nurse team down to 2 staff")
    assert escalations(demo) == before


async def test_a_dash_after_the_category_is_read_as_its_colon(chat, demo):
    reply = await chat(PRACTITIONER, "escalate urgent capacity - no cover for the named nurse this month")
    assert reply.changed
    with Session(demo) as session:
        saved = session.exec(select(Escalation).order_by(Escalation.id.desc())).first()
    assert (saved.urgency, saved.category, saved.summary) == ("urgent", "capacity",
                                                              "no cover for the named nurse this month")
