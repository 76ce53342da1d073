"""What goes into whose digest on which day, on real calendar dates."""

from datetime import date, timedelta

from models.meetings import Answer
from models.snooze import snooze_item
from models.work import ActionStatus
from schedules.digest import sweep
from tests import factories
from tests.schedules.builders import (
    a_meeting,
    a_paper,
    a_return,
    a_snooze,
    an_action,
    an_escalation,
    at,
    digests,
    lines,
    text_of,
    town,
)

HEADING = "heading:by-exception"
REPORT_HEADING = ("This week's report by exception (members missing meetings; returns and actions long "
                  "overdue):")
SNOOZE_NOTE = "A snoozed item comes back when the snooze ends"


def days(first: date, last: date):
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def reminded_on(session, name: str, first: date, last: date, needle: str) -> list[date]:
    """The days between first and last on which this person's digest mentions `needle`."""
    return [day for day in days(first, last) if needle in text_of(digests(session, day).get(name))]


# --- returns -----------------------------------------------------------------------------------


def test_a_return_is_due_5_and_1_working_days_before_on_the_day_then_every_2_working_days(session):
    t = town(session)
    item = a_return(session, t.officer, date(2026, 12, 10), title="Q3 dataset figures")
    assert reminded_on(session, "Mark Officer", date(2026, 11, 30), date(2026, 12, 22), "Q3 dataset") == [
        date(2026, 12, 3),  # Thu: 5 working days before Thu 10 Dec
        date(2026, 12, 9),  # 1 working day before
        date(2026, 12, 10),  # on the day
        date(2026, 12, 14), date(2026, 12, 16), date(2026, 12, 18), date(2026, 12, 22),  # late by 2, 4, 6, 8
    ]
    reply = digests(session, date(2026, 12, 14))["Mark Officer"]
    assert reply.items[0].text == f"Return late by 2 working days: #{item.id} Q3 dataset figures"
    assert [b.command for b in reply.items[0].buttons] == [
        f"return done {item.id}", f"snooze return {item.id} day", f"snooze return {item.id} week"]


def test_the_return_reminders_skip_easter_2027(session):
    t = town(session)
    a_return(session, t.officer, date(2027, 4, 1), title="S11 self-assessment")
    # Good Friday 26 March and Easter Monday 29 March are not working days: nothing is sent then,
    # and they don't count: 5 working days before Thursday 1 April is Tuesday 23 March.
    assert reminded_on(session, "Mark Officer", date(2027, 3, 15), date(2027, 4, 9), "S11") == [
        date(2027, 3, 23), date(2027, 3, 31), date(2027, 4, 1), date(2027, 4, 5), date(2027, 4, 7), date(2027, 4, 9)]
    assert sweep(session, on=date(2027, 3, 26)).digests == []
    assert sweep(session, on=date(2027, 3, 29)).digests == []


def test_a_return_due_on_a_saturday_is_due_today_on_the_friday_before(session):
    t = town(session)
    a_return(session, t.officer, date(2026, 12, 5), title="Audit tool")
    reply = digests(session, date(2026, 12, 4))["Mark Officer"]
    assert lines(reply)[0].startswith("Return due today")


def test_a_submitted_return_stops_at_once(session):
    t = town(session)
    item = a_return(session, t.officer, date(2026, 12, 10))
    item.submitted_at = at(date(2026, 12, 9), 16)
    session.add(item)
    session.commit()
    assert "Mark Officer" not in digests(session, date(2026, 12, 10))


# --- actions -------------------------------------------------------------------------------------


def test_an_action_is_due_5_working_days_before_on_the_day_then_weekly(session):
    t = town(session)
    an_action(session, t.nurse, date(2026, 11, 25), title="Circulate the toolkit to GP practices")
    assert reminded_on(session, "Rachel Nurse", date(2026, 11, 16), date(2026, 12, 18), "toolkit") == [
        date(2026, 11, 18), date(2026, 11, 25), date(2026, 12, 2), date(2026, 12, 9), date(2026, 12, 16)]


def test_a_weekly_overdue_action_reminder_moves_past_easter(session):
    t = town(session)
    an_action(session, t.nurse, date(2027, 3, 25), title="Brief the school nurses")
    # Five working days after Thursday 25 March 2027, not counting Good Friday and Easter Monday.
    assert reminded_on(session, "Rachel Nurse", date(2027, 3, 26), date(2027, 4, 12), "school nurses") == [
        date(2027, 4, 5), date(2027, 4, 12)]


def test_an_action_marked_done_or_dropped_is_not_reminded(session):
    t = town(session)
    done = an_action(session, t.nurse, date(2026, 11, 25), title="Done already")
    dropped = an_action(session, t.nurse, date(2026, 11, 25), title="Dropped")
    done.status, dropped.status = ActionStatus.DONE.value, ActionStatus.DROPPED.value
    session.add_all([done, dropped])
    session.commit()
    assert digests(session, date(2026, 11, 25)) == {}


def test_an_action_has_done_update_and_snooze_buttons(session):
    t = town(session)
    item = an_action(session, t.nurse, date(2026, 11, 25))
    buttons = digests(session, date(2026, 11, 25))["Rachel Nurse"].items[0].buttons
    assert [b.label for b in buttons] == ["Done", "Add update", "Snooze 1 day", "Snooze 1 week"]
    assert buttons[1].form is not None and buttons[1].form.command == f"action update {item.id}"


# --- snooze ------------------------------------------------------------------------------------


def test_a_snoozed_item_stays_out_until_the_snooze_ends_and_then_comes_back(session):
    t = town(session)
    item = an_action(session, t.nurse, date(2026, 11, 25), title="Toolkit")
    other = a_return(session, t.nurse, date(2026, 11, 25), title="Dataset")
    a_snooze(session, t.nurse, "action", item.id, date(2026, 11, 26))
    assert lines(digests(session, date(2026, 11, 25))["Rachel Nurse"]) == [
        f"Return due today: #{other.id} Dataset"]
    # Snoozed for a week while overdue: back when the week is up, on its weekly day.
    snooze_item(t.nurse.id, "action", item.id, date(2026, 12, 9), session=session)
    assert "Toolkit" not in text_of(digests(session, date(2026, 12, 2)).get("Rachel Nurse"))
    assert "Toolkit" in text_of(digests(session, date(2026, 12, 9)).get("Rachel Nurse"))


def test_someone_elses_snooze_does_not_hide_my_item(session):
    t = town(session)
    item = an_action(session, t.nurse, date(2026, 11, 25))
    a_snooze(session, t.officer, "action", item.id, date(2026, 12, 25))
    assert "Rachel Nurse" in digests(session, date(2026, 11, 25))


# --- papers ----------------------------------------------------------------------------------------


def test_papers_for_5_january_2027_are_chased_across_christmas_and_new_year(session):
    t = town(session)
    meeting = a_meeting(session, t.arg, date(2027, 1, 5))
    a_paper(session, meeting, t.officer, title="Police audit highlights")
    # Deadline Thursday 24 December 2026 (25 and 28 December and 1 January are bank holidays).
    assert reminded_on(session, "Mark Officer", date(2026, 12, 14), date(2027, 1, 8), "Police audit") == [
        date(2026, 12, 21),  # 3 working days before the deadline
        date(2026, 12, 24),  # the deadline
        date(2026, 12, 29), date(2026, 12, 30), date(2026, 12, 31), date(2027, 1, 4),  # every working day after
        date(2027, 1, 5),  # the meeting day itself; after that the meeting has passed
    ]
    late = digests(session, date(2027, 1, 4))["Mark Officer"]
    assert late.items[0].text.startswith("Paper for ARG late by 4 working days")
    assert ("Papers due", "Thu 24 Dec 2026") in late.items[0].fields


def test_clear_days_move_the_papers_deadline_to_23_december(session):
    t = town(session, clear_days=True)
    meeting = a_meeting(session, t.arg, date(2027, 1, 5))
    a_paper(session, meeting, t.officer, title="Police audit highlights")
    assert reminded_on(session, "Mark Officer", date(2026, 12, 14), date(2026, 12, 24), "Police audit") == [
        date(2026, 12, 18), date(2026, 12, 23), date(2026, 12, 24)]
    assert ("Papers due", "Wed 23 Dec 2026 (clear days)") in digests(
        session, date(2026, 12, 23))["Mark Officer"].items[0].fields


def test_admins_get_the_list_of_missing_papers_on_the_deadline_day_only(session):
    t = town(session)
    meeting = a_meeting(session, t.arg, date(2027, 1, 5))
    a_paper(session, meeting, t.officer, title="Police audit highlights")
    a_paper(session, meeting, t.nurse, title="Health dataset")
    a_paper(session, meeting, t.chair, title="In already", submitted_at=at(date(2026, 12, 1)))
    admin = digests(session, date(2026, 12, 24))["Priya Admin"]
    assert lines(admin) == ["Papers for ARG (Tue 5 Jan 2027 10:00) are due today: 2 papers still missing"]
    assert [value for _, value in admin.items[0].fields] == ["Mark Officer", "Rachel Nurse"]
    assert admin.items[0].buttons[0].command == f"papers {t.arg.key}"
    assert "Priya Admin" not in digests(session, date(2026, 12, 23))
    assert "Priya Admin" not in digests(session, date(2026, 12, 29))


def test_a_submitted_paper_stops_at_once(session):
    t = town(session)
    meeting = a_meeting(session, t.arg, date(2027, 1, 5))
    paper = a_paper(session, meeting, t.officer)
    paper.submitted_at = at(date(2026, 12, 23))
    session.add(paper)
    session.commit()
    assert "Mark Officer" not in digests(session, date(2026, 12, 24))


def test_a_group_can_have_its_own_papers_rule(session):
    t = town(session, settings={"reminders": {"groups": {"arg1": {"papers": {"before": [5], "overdue_every": 0}}}}})
    assert t.arg.key == "arg1"
    meeting = a_meeting(session, t.arg, date(2027, 1, 5))
    a_paper(session, meeting, t.officer, title="Police audit highlights")
    assert reminded_on(session, "Mark Officer", date(2026, 12, 14), date(2027, 1, 5), "Police audit") == [
        date(2026, 12, 17), date(2026, 12, 24)]


# --- attendance and quorum -------------------------------------------------------------------------


def test_members_who_have_not_answered_are_asked_10_and_3_working_days_before(session):
    t = town(session)
    a_meeting(session, t.arg, date(2026, 12, 10), location="Council House")
    asked = [day for day in days(date(2026, 11, 23), date(2026, 12, 10))
             if "will you be there" in text_of(digests(session, day).get("Rachel Nurse"))]
    assert asked == [date(2026, 11, 26), date(2026, 12, 7)]
    item = digests(session, date(2026, 12, 7))["Rachel Nurse"].items[0]
    assert item.text == "ARG meets Thu 10 Dec 2026 10:00 (in 3 working days): will you be there?"
    assert [b.command for b in item.buttons] == [f"attend {t.arg.key} yes", f"attend {t.arg.key} no",
                                                 f"attend {t.arg.key} deputy"]
    # The deputy form offers colleagues from the member's own agency.
    colleague = factories.member(session, t.icb, "Amara Colleague")
    options = digests(session, date(2026, 12, 7))["Rachel Nurse"].items[0].buttons[2].form.fields[0].options
    assert [o.label for o in options] == [colleague.name]


def test_a_member_who_has_answered_is_not_asked(session):
    t = town(session)
    meeting = a_meeting(session, t.arg, date(2026, 12, 10))
    factories.answer(session, meeting, t.nurse, Answer.APOLOGIES.value)
    assert "will you be there" not in text_of(digests(session, date(2026, 12, 7)).get("Rachel Nurse"))
    assert "will you be there" in text_of(digests(session, date(2026, 12, 7)).get("Mark Officer"))


def test_a_named_deputy_is_asked_whether_they_can_go_until_they_answer(session):
    t = town(session)
    meeting = a_meeting(session, t.arg, date(2026, 12, 10), location="Council House")
    stand_in = factories.member(session, t.police, "Sam Standin")
    row = factories.answer(session, meeting, t.officer, Answer.DEPUTY.value, deputy=stand_in)
    (item,) = digests(session, date(2026, 12, 7))["Sam Standin"].items
    assert item.text == ("ARG meets Thu 10 Dec 2026 10:00 (in 3 working days): Mark Officer has named you to "
                         "attend in their place. Can you go?")
    assert [b.command for b in item.buttons] == [f"attend {t.arg.key} yes", f"attend {t.arg.key} no"]
    assert "will you be there" not in text_of(digests(session, date(2026, 12, 7)).get("Mark Officer"))
    row.deputy_answer = "confirmed"
    session.add(row)
    session.commit()
    assert "Sam Standin" not in digests(session, date(2026, 12, 7))


def test_the_chair_gets_the_quorum_forecast_two_working_days_before(session):
    t = town(session)
    meeting = a_meeting(session, t.arg, date(2026, 12, 10))
    factories.answer(session, meeting, t.chair, Answer.ATTENDING.value)
    factories.answer(session, meeting, t.officer, Answer.ATTENDING.value)
    chair = digests(session, date(2026, 12, 8))["Helen Chair"]
    forecast = next(i for i in chair.items if i.key == f"quorum:{meeting.id}")
    assert forecast.text == "Quorum forecast, ARG Thu 10 Dec 2026 10:00: not quorate yet"
    assert ("Missing", f"ICB{t.partnership.id} has not answered (ask Rachel Nurse)") in forecast.fields
    assert "Quorum forecast" not in text_of(digests(session, date(2026, 12, 8)).get("Mark Officer"))
    assert "Quorum forecast" not in text_of(digests(session, date(2026, 12, 7)).get("Helen Chair"))


def test_a_chair_who_has_not_answered_is_told_so_in_the_forecast_and_a_co_chair_whom_to_ask(session):
    t = town(session)
    co_chair = factories.member(session, t.la, "Sam Cochair")
    factories.seat(session, t.arg, co_chair, "deputy_chair")
    meeting = a_meeting(session, t.arg, date(2026, 12, 10))
    factories.answer(session, meeting, t.officer, Answer.ATTENDING.value)
    factories.answer(session, meeting, t.nurse, Answer.ATTENDING.value)

    found = digests(session, date(2026, 12, 8))

    def missing(name: str) -> list[str]:
        forecast = next(i for i in found[name].items if i.key == f"quorum:{meeting.id}")
        return [value for label, value in forecast.fields if label == "Missing"]

    la = f"LA{t.partnership.id}"
    assert missing("Helen Chair") == [f"{la} has not answered (ask Sam Cochair; you have not answered yet)"]
    assert missing("Sam Cochair") == [f"{la} has not answered (ask Helen Chair; you have not answered yet)"]


def test_the_forecast_says_quorate_when_all_three_partners_are_coming(session):
    t = town(session)
    meeting = a_meeting(session, t.arg, date(2026, 12, 10))
    for member in (t.chair, t.officer, t.nurse):
        factories.answer(session, meeting, member, Answer.ATTENDING.value)
    chair = digests(session, date(2026, 12, 8))["Helen Chair"]
    assert lines(chair) == ["Quorum forecast, ARG Thu 10 Dec 2026 10:00: quorate on the answers so far"]


# --- escalations -----------------------------------------------------------------------------------


def test_an_unacknowledged_escalation_goes_to_the_chair_and_admins_after_one_working_day(session):
    t = town(session)
    raiser = factories.member(session, t.la, "Jo Practitioner")
    escalation = an_escalation(session, raiser, at(date(2026, 11, 20), 11))  # Friday
    assert digests(session, date(2026, 11, 23)) == {}  # Monday: it has had one working day
    tuesday = digests(session, date(2026, 11, 24))
    assert set(tuesday) == {"Helen Chair", "Priya Admin"}
    item = tuesday["Helen Chair"].items[0]
    assert item.text == f"Escalation E{escalation.id} (routine): not acknowledged after 2 working days"
    assert item.buttons[0].command == f"escalation ack {escalation.id}"
    assert "Disagreement about closing a case" not in text_of(tuesday["Helen Chair"])  # the summary stays out
    escalation.acknowledged_at = at(date(2026, 11, 24), 10)
    session.add(escalation)
    session.commit()
    assert digests(session, date(2026, 11, 25)) == {}


def test_an_escalation_sitting_in_a_stage_past_its_timescale_is_raised_with_the_handlers(session):
    t = town(session, settings={"reminders": {"escalations": {"stage_timescale": [5, 3]}}})
    raiser = factories.member(session, t.la, "Jo Practitioner")
    an_escalation(session, raiser, at(date(2026, 11, 2)), acknowledged_at=at(date(2026, 11, 2), 12), stage=2,
                  stage_entered_at=at(date(2026, 11, 16)))
    assert digests(session, date(2026, 11, 19)) == {}  # 3 working days in stage 2: at its timescale
    item = digests(session, date(2026, 11, 20))["Priya Admin"].items[0]
    assert item.text.endswith("at stage 2 for 4 working days, longer than its 3 working days")
    assert [b.label for b in item.buttons] == ["See escalations"]


def test_escalations_come_before_everything_else(session):
    t = town(session)
    an_action(session, t.chair, date(2026, 11, 10), title="Old action")  # overdue by 10 on 24 Nov
    raiser = factories.member(session, t.la, "Jo Practitioner")
    an_escalation(session, raiser, at(date(2026, 11, 20), 11))
    an_action(session, t.chair, date(2026, 11, 24), title="Due today")
    chair = lines(digests(session, date(2026, 11, 24))["Helen Chair"])
    assert [line.split(":")[0] for line in chair] == [
        "Escalation E1 (routine)", "Action overdue by 10 working days", "Action due today"]


# --- the weekly by-exception report ----------------------------------------------------------------


def test_monday_report_lists_members_who_missed_two_meetings_in_a_row_without_a_deputy(session):
    t = town(session)
    deputy = factories.member(session, t.icb, "Ann Deputy")
    first = a_meeting(session, t.arg, date(2026, 10, 8))
    second = a_meeting(session, t.arg, date(2026, 11, 12))
    for meeting in (first, second):
        factories.answer(session, meeting, t.chair, Answer.ATTENDING.value)
        factories.answer(session, meeting, t.officer, Answer.APOLOGIES.value)
    factories.answer(session, first, t.nurse, Answer.APOLOGIES.value)
    factories.answer(session, second, t.nurse, Answer.DEPUTY.value, deputy)
    monday = digests(session, date(2026, 11, 23))
    missed = [i for i in monday["Helen Chair"].items if i.key.startswith("missed:")]
    assert [i.text for i in missed] == [
        f"Mark Officer (POLICE{t.partnership.id}) missed the last 2 ARG meetings without a deputy"]
    assert missed[0].fields == [("Meetings", "Thu 8 Oct 2026, Thu 12 Nov 2026")]
    assert any(i.key.startswith("missed:") for i in monday["Priya Admin"].items)
    assert "Mark Officer" not in monday  # the report goes to chairs and admins only
    assert "missed the last" not in text_of(digests(session, date(2026, 11, 24)).get("Helen Chair"))


def test_monday_report_counts_items_overdue_more_than_10_working_days_by_agency(session):
    t = town(session)
    an_action(session, t.officer, date(2026, 11, 6), title="Eleven working days late")
    a_return(session, t.officer, date(2026, 11, 1), title="Very late return")
    an_action(session, t.officer, date(2026, 11, 9), title="Ten working days late")
    report = digests(session, date(2026, 11, 23))["Priya Admin"]
    assert lines(report) == [REPORT_HEADING, f"POLICE{t.partnership.id}: 2 items overdue by more than 10 working days"]
    assert report.items[1].fields == [("Actions", "1, the oldest due Fri 6 Nov 2026"),
                                      ("Returns", "1, the oldest due Sun 1 Nov 2026")]
    assert report.items[1].buttons[0].command == f"actions agency {t.police.key}"


def test_the_weekly_report_has_a_heading_of_its_own_below_the_days_items(session):
    t = town(session)
    an_action(session, t.chair, date(2026, 11, 23), title="Due today")
    an_action(session, t.officer, date(2026, 11, 6), title="Eleven working days late")
    chair = digests(session, date(2026, 11, 23))["Priya Admin"]
    assert lines(chair)[0] == REPORT_HEADING and len(lines(chair)) == 2
    mine = digests(session, date(2026, 11, 23))["Helen Chair"]
    assert [i.key.split(":")[0] for i in mine.items][:3] == ["action", "heading", "overdue"]
    assert "One thing needs you today" not in text_of(mine) and "2 things need you today" in text_of(mine)
    an_action(session, t.chair, date(2026, 11, 24), title="Due on Tuesday")
    tuesday = digests(session, date(2026, 11, 24))["Helen Chair"]
    assert lines(tuesday) == ["Action due today: #3 Due on Tuesday"]  # no report, so no heading


def test_the_snooze_note_is_said_once_and_only_where_something_can_be_snoozed(session):
    t = town(session)
    for n in range(3):
        an_action(session, t.nurse, date(2026, 11, 25), title=f"Action {n}")
    an_escalation(session, t.nurse, at(date(2026, 11, 19)))
    nurse = text_of(digests(session, date(2026, 11, 25))["Rachel Nurse"])
    assert nurse.count(SNOOZE_NOTE) == 1 and nurse.count("[Snooze 1 day:") == 3
    admin = text_of(digests(session, date(2026, 11, 25))["Priya Admin"])
    assert "Escalation E" in admin and SNOOZE_NOTE not in admin  # nothing of theirs can be snoozed


def test_when_easter_monday_falls_the_weekly_report_goes_on_tuesday(session):
    t = town(session)
    an_action(session, t.officer, date(2027, 2, 1), title="Long overdue")
    report_days = [day for day in days(date(2027, 3, 15), date(2027, 4, 9))
                   if "Priya Admin" in digests(session, day)]
    assert report_days == [date(2027, 3, 15), date(2027, 3, 22), date(2027, 3, 30), date(2027, 4, 5)]


# --- calendars, weekends, nobody empty ---------------------------------------------------------------


def test_nothing_goes_out_on_a_weekend_or_a_bank_holiday(session):
    t = town(session)
    a_return(session, t.officer, date(2026, 12, 24))
    an_action(session, t.officer, date(2026, 12, 20))
    for day in (date(2026, 12, 19), date(2026, 12, 20), date(2026, 12, 25), date(2026, 12, 28), date(2027, 1, 1)):
        result = sweep(session, on=day)
        assert result.digests == [], day
        assert "is not a working day" in result.quiet[0]


def test_a_scottish_partnership_rests_on_st_andrews_day_while_an_english_one_does_not(session):
    scots = town(session, nation="scotland")
    english = town(session)
    a_return(session, scots.officer, date(2026, 12, 7), title="Scottish dataset")
    a_return(session, english.officer, date(2026, 12, 7), title="English dataset")
    st_andrews = sweep(session, on=date(2026, 11, 30))
    assert [d.partnership_id for d in st_andrews.digests] == [english.partnership.id]
    assert st_andrews.quiet == [f"Test Partnership: Mon 30 Nov 2026 is not a working day "
                                "(Saint Andrew's Day), "
                                f"so no reminders go out."]
    # Five working days before Monday 7 December: Friday 27 November in Scotland (St Andrew's Day
    # doesn't count), Monday 30 November in England.
    reminded = [(day, d.partnership_id) for day in days(date(2026, 11, 23), date(2026, 12, 3))
                for d in sweep(session, on=day).digests]
    assert reminded == [(date(2026, 11, 27), scots.partnership.id), (date(2026, 11, 30), english.partnership.id)]


def test_nobody_gets_a_digest_with_nothing_in_it(session):
    town(session)
    assert sweep(session, on=date(2026, 11, 24)).digests == []


def test_an_overdue_item_whose_owner_has_left_goes_to_the_business_unit(session):
    t = town(session)
    leaver = factories.member(session, t.police, "Left Already", active=False)
    item = a_return(session, leaver, date(2026, 11, 20), title="Orphaned return")
    reply = digests(session, date(2026, 11, 24))["Priya Admin"]
    assert lines(reply) == [f"A return with nobody to do it: #{item.id} Orphaned return (Left Already is no "
                            f"longer active)"]
    assert "Left Already" not in digests(session, date(2026, 11, 24))


def test_a_long_digest_shows_the_most_urgent_25_and_says_how_many_more(session):
    t = town(session)
    for n in range(30):
        an_action(session, t.nurse, date(2026, 11, 24), title=f"Action {n}")
    reply = digests(session, date(2026, 11, 24))["Rachel Nurse"]
    assert len(reply.items) == 25 and reply.more > 0
    assert "more" in text_of(reply)


def test_a_chair_sees_overdue_lines_only_for_agencies_on_the_groups_they_chair(session):
    t = town(session)
    schools = factories.agency(session, t.partnership, "schools")
    teacher = factories.member(session, schools, "Ben Teacher")
    head = factories.member(session, schools, "Ann Head")
    subgroup = factories.group(session, t.partnership, "edu", {"min_members": 1}, name="Education subgroup")
    factories.seat(session, subgroup, head, "chair")
    factories.seat(session, subgroup, teacher)
    an_action(session, t.officer, date(2026, 11, 2), title="Police, long overdue")
    an_action(session, teacher, date(2026, 11, 2), title="Schools, long overdue")
    monday = digests(session, date(2026, 11, 23))
    assert [i.key for i in monday["Ann Head"].items] == [HEADING, f"overdue:{schools.id}"]
    assert {i.key for i in monday["Helen Chair"].items} == {HEADING, f"overdue:{t.police.id}"}
    assert {i.key for i in monday["Priya Admin"].items} == {HEADING, f"overdue:{t.police.id}", f"overdue:{schools.id}"}


def test_someone_with_no_colleague_to_send_is_asked_for_a_name_or_email(session):
    t = town(session)
    a_meeting(session, t.arg, date(2026, 12, 10))
    deputy_button = digests(session, date(2026, 12, 7))["Mark Officer"].items[0].buttons[2]
    assert deputy_button.form.fields[0].label == "Who will attend for you? (name or email, from your agency)"


def test_a_partnership_with_unreadable_settings_still_gets_the_default_reminders(session):
    t = town(session, settings={"reminders": {"returns": {"before": "five"}}})
    a_return(session, t.officer, date(2026, 12, 10), title="Q3 dataset figures")
    day = sweep(session, on=date(2026, 12, 3))
    assert [d.member.name for d in day.digests] == ["Mark Officer"]
    assert "reminders.returns.before must be a list" in day.quiet[0]


def test_a_chair_whose_own_apologies_leave_a_colleagues_seat_empty_is_told_so_in_the_forecast(session):
    t = town(session)
    colleague = factories.member(session, t.la, "Lee Colleague")
    factories.seat(session, t.arg, colleague)
    meeting = a_meeting(session, t.arg, date(2026, 12, 10))
    factories.answer(session, meeting, colleague, Answer.DEPUTY.value, deputy=t.chair)
    factories.answer(session, meeting, t.chair, Answer.APOLOGIES.value)

    chair = digests(session, date(2026, 12, 8))["Helen Chair"]

    forecast = next(i for i in chair.items if i.key == f"quorum:{meeting.id}")
    missing = [value for label, value in forecast.fields if label == "Missing"]
    assert (f"LA{t.partnership.id}'s deputy is you, and you have sent apologies for your own seat (Lee Colleague "
            f"has been told, to name someone else)") in missing
