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


async def test_a_routine_escalation_reply_says_where_immediate_risk_goes_without_a_warning(chat):
    from messages.reply import Tone

    reply = await chat(PRACTITIONER, "escalate routine complaint: three complaints about delayed CP conference notes")
    assert "999" in reply.text and reply.tone == Tone.SUCCESS


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


# --- what a form may carry ------------------------------------------------------------------------

SLACK_LINK = "https://riverside-partnership.slack.com/archives/C0TEAM/p1789990000123400"


async def raise_from(chat, email, platform, form):
    from handlers.core import parse_command
    from handlers.dispatch import Who

    return await chat.dispatcher.handle(parse_command("escalate", platform=platform, form=form),
                                        Who(platform="console", email=email))


FORM = {"category": "practice", "urgency": "routine", "summary": "Strategy meeting for CH-20417 cancelled twice"}


async def test_a_field_the_form_does_not_ask_for_is_not_saved(chat, demo):
    """A Teams card's data is the client's to edit: a key added to it is dropped, not saved or shown."""
    forged = "NHS 943 476 5919, DOB 03/04/2019 https://evil.example/login"
    reply = await raise_from(chat, PRACTITIONER, "teams", {**FORM, "source_link": forged, "stage": "4"})
    assert reply.changed
    saved = escalations(demo)[-1]
    assert (saved.source_link, saved.stage) == (None, 1)
    assert all(label != "From message" for label, _ in chat.notices_to(ADMIN)[0].fields)


async def test_a_link_to_the_message_is_kept_only_from_slack_and_only_if_it_is_a_slack_permalink(chat, demo):
    await raise_from(chat, PRACTITIONER, "console", {**FORM, "source_link": SLACK_LINK})
    await raise_from(chat, HOUSING, "slack", {**FORM, "source_link": "https://evil.example/archives/C0/p1"})
    await raise_from(chat, POLICE, "slack", {**FORM, "source_link": SLACK_LINK})
    assert [e.source_link for e in escalations(demo)[1:]] == [None, None, SLACK_LINK]


# --- a second person sees every escalation --------------------------------------------------------

async def test_a_handler_cannot_stage_or_close_their_own_escalation_before_someone_else_acknowledges_it(chat, demo):
    from handlers.dispatch import may_press

    assert (await chat(ADMIN, "escalate routine capacity: two posts vacant in the business unit")).changed
    for line in ("escalation stage 2 2", "escalation close 2 Posts filled"):
        refused = await chat(ADMIN, line)
        assert refused.is_error and "You raised E2 yourself" in refused.text
        assert "Emma Clarke" in refused.text and "Helen Carter" in refused.text  # who else can acknowledge it
        assert "Priya Shah" not in refused.text
    row = escalations(demo)[-1]
    assert (row.stage, row.closed_at) == (1, None)
    # The same rule hides the buttons: the raiser is not offered Stage or Close, another handler is.
    with Session(demo) as session:
        from models.partnership import Member

        me = session.exec(select(Member).where(Member.email == ADMIN)).one()
        ctx = chat.dispatcher.context(me, chat_place(session, me), chat_scope(me), session)
        assert not may_press(ctx, "escalation stage 2 2") and not may_press(ctx, "escalation close 2 Done")
    assert (await chat(CHAIR, "escalation ack 2")).changed
    assert (await chat(ADMIN, "escalation stage 2 2")).changed
    assert (await chat(ADMIN, "escalation close 2 Posts filled")).changed


def chat_scope(member):
    from models.scope import Scope

    return Scope(member.partnership_id)


def chat_place(session, member):
    from models.partnership import Partnership

    return session.get(Partnership, member.partnership_id)


async def test_acknowledging_ones_own_names_who_else_can(chat):
    await chat(ADMIN, "escalate routine capacity: two posts vacant in the business unit")
    refused = await chat(ADMIN, "escalation ack 2")
    assert refused.is_error and "You raised E2 yourself" in refused.text and "Helen Carter" in refused.text


# --- immediate risk -------------------------------------------------------------------------------

async def test_every_saved_escalation_says_where_immediate_risk_goes_and_the_record_notes_it(chat, demo):
    one_line = await chat(PRACTITIONER, "escalate routine complaint: three complaints about delayed CP notes")
    form = await chat(HOUSING, "escalate", form=FORM)
    for reply in (one_line, form):
        assert "999" in reply.text and "Riverside children's front door (MASH)" in reply.text
    assert [e.immediate_risk_advised for e in escalations(demo)[1:]] == [True, True]


# --- a note at the stage it is at -----------------------------------------------------------------

async def test_a_note_given_at_the_stage_the_escalation_is_at_is_saved_with_its_own_audit_event(chat, demo):
    assert (await chat(ADMIN, "escalation stage 1 2")).changed
    reply = await chat(ADMIN, "escalation stage 1 2 Managers met; the ICB's lead will reply by Friday")
    assert reply.changed and "Nothing changed" not in reply.text and "note" in reply.text
    with Session(demo) as session:
        notes = session.exec(select(EscalationStageChange.note).where(EscalationStageChange.escalation_id == 1)
                             .order_by(EscalationStageChange.id)).all()
        events = session.exec(select(AuditEvent.action).where(AuditEvent.entity == "escalation",
                                                              AuditEvent.entity_id == 1)).all()
    assert notes[-1] == "Managers met; the ICB's lead will reply by Friday"
    assert "escalation.noted" in events
    same = await chat(ADMIN, "escalation stage 1 2")
    assert not same.changed and "Nothing changed" in same.text


# --- a refused form says what it cut --------------------------------------------------------------

async def test_a_refused_long_summary_comes_back_saying_it_was_shortened(chat):
    reply = await chat(PRACTITIONER, "escalate", form={**FORM, "summary": "y" * 1200})
    shown = next(f for f in reply.form.fields if f.name == "summary").initial
    assert len(shown) == 1000
    assert "first 1000" in reply.errors["summary"] and "200" in reply.errors["summary"]


# --- the same escalation sent twice ---------------------------------------------------------------

async def test_the_same_escalation_sent_again_within_ten_minutes_is_not_saved_twice(chat, demo, clock):
    from datetime import timedelta

    line = "escalate routine capacity: health visiting caseloads above safe level"
    first = await chat(PRACTITIONER, line)
    told = len(chat.sent)
    clock.moment += timedelta(minutes=1)
    again = await chat(PRACTITIONER, line)
    assert not again.changed and "E2" in again.text and "nothing new was saved" in again.text.lower()
    assert "999" in again.text
    assert len(escalations(demo)) == 2 and len(chat.sent) == told  # nobody told twice
    # The same text in another category, or after ten minutes, is a new escalation.
    assert (await chat(PRACTITIONER, "escalate routine practice: health visiting caseloads above safe level")).changed
    clock.moment += timedelta(minutes=10)
    assert (await chat(PRACTITIONER, line)).changed
    assert first.changed and len(escalations(demo)) == 4


async def test_the_same_escalation_sent_again_from_the_form_is_not_saved_twice(chat, demo):
    await chat(PRACTITIONER, "escalate", form=FORM)
    again = await chat(PRACTITIONER, "escalate", form={**FORM, "summary": "  " + FORM["summary"] + " "})
    assert not again.changed and again.form is None and "E2" in again.text
    assert len(escalations(demo)) == 2


# --- free text kept as typed ----------------------------------------------------------------------

async def test_an_outcome_and_a_stage_note_keep_apostrophes_and_quotes(chat, demo):
    """Free text is taken as typed, not as the command's words (which treat quotes as grouping)."""
    note = "Waiting for the ICB's and the school's \"joint\" plan"
    assert (await chat(ADMIN, f"escalation stage 1 2 {note}")).changed
    assert (await chat(ADMIN, "escalation close 1 Agreed the ICB's \"joint\" visit")).changed
    await chat(ADMIN, "escalate routine other: a second concern")
    await chat(CHAIR, "escalation close 2 The 'joint' visit is the school's \"plan\"")
    with Session(demo) as session:
        first, second = session.get(Escalation, 1), session.get(Escalation, 2)
        noted = session.exec(select(EscalationStageChange.note).where(EscalationStageChange.stage == 2)).one()
    assert first.outcome == "Agreed the ICB's \"joint\" visit"
    assert second.outcome == "The 'joint' visit is the school's \"plan\""
    assert noted == note


async def test_the_actions_agreed_are_recorded_shown_and_sent_to_whoever_raised_it(chat, demo):
    await chat(ADMIN, "escalation ack 1")
    reply = await chat(ADMIN, "escalation agree 1 Joint visit by HV and the LA's social worker by Friday")
    assert reply.changed and "Recorded the actions agreed on E1" in reply.text
    with Session(demo) as session:
        assert session.get(Escalation, 1).actions_agreed == \
            "Mon 23 Nov 2026: Joint visit by HV and the LA's social worker by Friday"
    listed = await chat(ADMIN, "escalations")
    assert ("Actions agreed", "Mon 23 Nov 2026: Joint visit by HV and the LA's social worker by Friday") in next(
        i for i in listed.items if i.key == "escalation:1").fields
    assert any("Actions agreed on your escalation E1" in notice.reply.text for notice in reply.notices)
    again = await chat(ADMIN, "escalation agree 1 Joint visit by HV and the LA's social worker by Friday")
    assert not again.changed and "Nothing changed" in again.text
    refused = await chat(ADMIN, "escalation agree 1 Visit 943 476 5919 at home")
    assert refused.is_error and "943" not in refused.text
