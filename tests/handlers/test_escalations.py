"""Escalations: raised privately in a few steps, refused if they identify a child, routed to handlers."""

from sqlmodel import Session, select

from models.audit import AuditEvent
from models.escalations import Escalation, EscalationStageChange
from tests.conftest import ADMIN, CHAIR, DEPUTY_CHAIR, HOUSING, POLICE, PRACTITIONER

HANDLERS = {"priya.shah@bu.example.org", "emma.clarke@bu.example.org", CHAIR, DEPUTY_CHAIR}


def escalations(engine):
    with Session(engine) as session:
        return session.exec(select(Escalation).order_by(Escalation.id)).all()


async def test_a_practitioner_raises_an_urgent_escalation_in_one_line(chat, demo):
    reply = await chat(PRACTITIONER, "escalate urgent capacity: health visiting caseloads above safe level")
    assert reply.title == "Escalation E2 saved"
    assert reply.private
    assert "call the police on 999 or the Riverside children's front door (MASH)" in reply.text
    saved = escalations(demo)[-1]
    assert (saved.urgency, saved.category, saved.immediate_risk_advised) == ("urgent", "capacity", True)
    assert saved.summary == "health visiting caseloads above safe level"
    # Routed privately to each handler, with an Acknowledge button.
    told = {member.email for member, _ in chat.sent}
    assert told == HANDLERS
    card = chat.notices_to(ADMIN)[0]
    assert card.private and card.buttons[0].command == "escalation ack 2"
    assert ("Raised by", "Jo Walsh, Riverside Community Health Trust") in card.fields


async def test_a_routine_escalation_reply_has_no_emergency_banner(chat):
    reply = await chat(PRACTITIONER, "escalate routine complaint: three complaints about delayed CP conference notes")
    assert "999" not in reply.text


async def test_without_category_and_urgency_nothing_is_saved_and_a_form_asks(chat, demo):
    reply = await chat(PRACTITIONER, "escalate CSC closed case CS-12345 too early")
    assert reply.form is not None and reply.form.command == "escalate"
    assert "Not saved yet" in reply.text
    summary = [f for f in reply.form.fields if f.name == "summary"][0]
    assert summary.initial == "CSC closed case CS-12345 too early"
    assert len(escalations(demo)) == 1  # only the demo's
    saved = await chat(PRACTITIONER, "escalate", form={"category": "practice", "urgency": "routine",
                                                        "summary": summary.initial, "case_reference": "CS-12345"})
    assert saved.changed
    assert escalations(demo)[-1].case_reference == "CS-12345"


async def test_escalate_alone_starts_the_form(chat):
    reply = await chat(PRACTITIONER, "escalate")
    assert [f.name for f in reply.form.fields] == ["category", "urgency", "summary", "case_reference"]
    assert "999" in reply.form.intro


async def test_a_summary_with_an_nhs_number_is_refused_and_nothing_saved(chat, demo):
    reply = await chat(PRACTITIONER, "escalate", form={"category": "practice", "urgency": "urgent",
                                                        "summary": "Child NHS 943 476 5919 not seen"})
    assert reply.is_error and not reply.changed
    assert "NHS number" in reply.errors["summary"]
    assert "case reference" in reply.errors["summary"]
    assert len(escalations(demo)) == 1
    assert chat.sent == []


async def test_a_summary_over_1000_characters_is_refused(chat):
    reply = await chat(PRACTITIONER, "escalate", form={"category": "other", "urgency": "routine", "summary": "x" * 1001})
    assert "At most 1000 characters" in reply.errors["summary"]


async def test_the_audit_trail_records_the_escalation_without_its_summary(chat, demo):
    await chat(PRACTITIONER, "escalate routine audit: repeat concern about supervision records")
    with Session(demo) as session:
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "escalation.raised")).one()
    assert "summary" not in event.after and event.after["category"] == "audit"


async def test_a_long_summary_is_listed_cut_at_a_word_with_an_ellipsis(chat):
    words = "Home conditions reported as poor by the health visitor and school nurse on several visits " * 3
    assert (await chat(HOUSING, f"escalate routine practice: {words}")).changed
    listed = [item.text for item in (await chat(HOUSING, "escalations")).items][-1]
    assert listed.endswith("…") and len(listed) <= len("E2 ") + 140
    assert listed[:-1] in f"E2 {words}" and f"E2 {words}".startswith(listed[:-1])
    assert f"E2 {words}"[len(listed) - 1] == " "  # the last word shown is whole


async def test_the_raiser_sees_only_their_own(chat):
    await chat(HOUSING, "escalate routine complaint: complaints themes rising")
    mine = await chat(HOUSING, "escalations")
    assert mine.title == "Your escalations"
    assert [i.text.split()[0] for i in mine.items] == ["E2"]


async def test_handlers_see_all_open_and_acknowledge_once(chat):
    listing = await chat(CHAIR, "escalations")
    assert listing.title == "Open escalations"
    assert listing.items[0].buttons[0].command == "escalation ack 1"
    ack = await chat(CHAIR, "escalation ack 1")
    assert ack.changed
    assert "Helen Carter has acknowledged" in chat.notices_to(PRACTITIONER)[0].text
    again = await chat(DEPUTY_CHAIR, "escalation ack E1")
    assert "already acknowledged by Helen Carter" in again.text


async def test_assign_stage_and_close_are_kept_in_the_history(chat, demo):
    assert (await chat(ADMIN, "escalation assign 1 amara.okafor@icb.example.org")).changed
    assert chat.notices_to(DEPUTY_CHAIR)[0].title.startswith("Priya Shah has assigned you")
    stage = await chat(ADMIN, "escalation stage 1 2")
    assert "stage 2: Manager to manager" in stage.text
    closed = await chat(DEPUTY_CHAIR, "escalation close 1 Joint visit agreed; case reopened")
    assert closed.changed
    with Session(demo) as session:
        row = session.get(Escalation, 1)
        history = session.exec(select(EscalationStageChange.stage).where(EscalationStageChange.escalation_id == 1)
                               .order_by(EscalationStageChange.id)).all()
    assert row.closed_at is not None and row.outcome == "Joint visit agreed; case reopened"
    assert history == [1, 2]
    after = await chat(ADMIN, "escalation stage 1 3")
    assert "is closed" in after.text


async def test_a_bad_stage_number_lists_the_stages(chat):
    reply = await chat(ADMIN, "escalation stage 1 9")
    assert "1: Practitioner to practitioner; 2: Manager to manager" in reply.text


async def test_someone_else_cannot_see_or_act_on_an_escalation_nor_tell_that_it_exists(chat):
    reply = await chat(POLICE, "escalation ack 1")
    assert reply.is_error and "Only the people who handle escalations" in reply.text
    assert (await chat(POLICE, "escalation ack 999")).text == reply.text  # the same as for one that is not there


async def test_the_raiser_cannot_acknowledge_their_own(chat):
    reply = await chat(PRACTITIONER, "escalation ack 1")
    assert reply.is_error and "You raised E1 yourself" in reply.text


async def test_a_closing_outcome_with_a_postcode_is_refused(chat):
    reply = await chat(ADMIN, "escalation close 1 Family moved to B91 3QB")
    assert reply.is_error and "postcode" in reply.text


async def test_the_open_queue_lists_urgent_first_then_oldest_a_page_at_a_time(chat, demo, clock):
    """Urgent and routine are read one after the other: a page still puts every urgent escalation
    before any routine one, each oldest first, and counts the rest."""
    from datetime import timedelta

    from models.partnership import Member

    now = clock.now()
    with Session(demo) as session:
        already = session.exec(select(Escalation).where(Escalation.closed_at.is_(None))).all()
        assert [(e.urgency, e.raised_at < now - timedelta(hours=120)) for e in already] == [("routine", False)]
        raiser = session.exec(select(Member).where(Member.email == PRACTITIONER)).one()
        for n in range(20):  # the routine ones raised first, the urgent ones after them
            for urgency, hours in (("routine", 100 + n), ("urgent", 10 + n)):
                session.add(Escalation(raised_by_id=raiser.id, agency_id=raiser.agency_id,
                                       raised_at=now - timedelta(hours=hours), category="practice", urgency=urgency,
                                       summary=f"{urgency} concern {n:02d}", stage=1,
                                       stage_entered_at=now - timedelta(hours=hours),
                                       immediate_risk_advised=urgency == "urgent"))
        session.commit()
    reply = await chat(ADMIN, "escalations")
    listed = [item.text.split(" ", 1)[1] for item in reply.items]
    assert len(listed) == 25 and reply.more == 16
    assert listed[:20] == [f"URGENT urgent concern {n:02d}" for n in reversed(range(20))]
    assert listed[20:] == [f"routine concern {n:02d}" for n in reversed(range(15, 20))]
