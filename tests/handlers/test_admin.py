"""The business unit keeps the data current from chat; every change is checked and audited."""

from datetime import date, datetime, timezone

from sqlmodel import Session, select

from models.audit import AuditEvent
from models.meetings import AttendanceAnswer, Meeting, Paper
from models.partnership import Member
from models.work import Action, DataReturn
from tests.conftest import ADMIN, AUDIT_CHAIR, CHAIR, HOUSING, ICB_MEMBER, POLICE


async def test_adding_a_meeting_gives_its_papers_deadline(chat, demo):
    reply = await chat(ADMIN, "meeting add arg 2027-03-02 10:00 Council House")
    assert reply.changed
    assert "Tue 2 Mar 2027 10:00, Council House. Papers are due by Tue 23 Feb 2027" in reply.text
    listing = await chat(HOUSING, "meetings arg")
    assert any("Tue 2 Mar 2027" in item.text for item in listing.items)


async def test_a_new_meeting_in_the_past_is_refused(chat):
    reply = await chat(ADMIN, "meeting add arg 2026-01-05 10:00")
    assert reply.is_error and "has passed" in reply.text


async def test_a_bad_date_says_how_to_write_it(chat):
    reply = await chat(ADMIN, "meeting add arg 2/3/27x 10:00")
    assert reply.is_error and "write it like 2 March 2027 or 02/03/2027" in reply.text


async def test_moving_a_meeting_moves_its_deadline_and_tells_those_who_answered(chat):
    reply = await chat(CHAIR, "meeting move 2 2026-12-09 14:00")
    assert "Papers are now due by Wed 2 Dec 2026" in reply.text
    told = {member.email for member, _ in chat.sent}
    assert POLICE in told and CHAIR not in told  # the chair moved it herself
    papers = await chat(CHAIR, "papers arg")
    assert "Papers due Wed 2 Dec 2026" in papers.text


async def test_cancelling_a_meeting_takes_it_off_the_list(chat):
    await chat(ADMIN, "meeting cancel 2")
    listing = await chat(HOUSING, "meetings arg")
    assert all("Wed 2 Dec 2026" not in item.text for item in listing.items)
    assert chat.notices_to(POLICE)[0].title == "Assurance and Review Group is cancelled"


async def test_a_member_cannot_add_meetings_and_is_told_who_can(chat):
    reply = await chat(HOUSING, "meeting add arg 2027-03-02 10:00")
    assert reply.is_error and "Helen Carter" in reply.text


async def test_the_audit_chair_cannot_change_the_args_meetings(chat):
    reply = await chat(AUDIT_CHAIR, "meeting cancel 2")
    assert reply.is_error


async def test_after_a_meeting_attendance_is_recorded_from_answers_then_corrected(chat, demo):
    reply = await chat(CHAIR, "attended 1")
    assert "from the 3 answers given" in reply.text
    again = await chat(CHAIR, "attended 1")
    assert "0 answers" not in again.text and not again.changed
    assert again.text.startswith("There were no answers to record for Assurance and Review Group on ")
    corrected = await chat(CHAIR, f"attended 1 {POLICE} yes")
    assert corrected.changed
    with Session(demo) as session:
        rows = {r.member_id: r.attended for r in session.exec(select(AttendanceAnswer)
                                                             .where(AttendanceAnswer.meeting_id == 1))}
        police = session.exec(select(Member).where(Member.email == POLICE)).one()
    assert rows[police.id] is True
    assert list(rows.values()).count(True) == 3


async def test_attendance_cannot_be_recorded_before_the_meeting(chat):
    reply = await chat(CHAIR, "attended 2")
    assert "hasn't happened yet" in reply.text


async def test_minutes_circulated_late_say_so(chat, demo):
    reply = await chat(ADMIN, "minutes 1")
    assert "(the limit is 14)" in reply.text
    with Session(demo) as session:
        assert session.get(Meeting, 1).minutes_circulated_at is not None


async def test_adding_an_action_tells_its_owner(chat, demo):
    reply = await chat(CHAIR, 'action add owner=aisha.rahman@housing.example.org due=2027-01-29 '
                              'source="CSPR Child L" Brief officers on the new escalation policy')
    assert reply.changed
    assert "Brief officers" in chat.notices_to(HOUSING)[0].text
    with Session(demo) as session:
        action = session.exec(select(Action).order_by(Action.id.desc())).first()
    assert (action.source, action.due_date) == ("CSPR Child L", date(2027, 1, 29))


async def test_an_action_for_someone_who_is_not_a_member_is_refused(chat):
    reply = await chat(ADMIN, "action add owner=nobody@nowhere.org due=2027-01-29 Something")
    assert reply.is_error and "not a member of the partnership" in reply.text


async def test_a_chair_cannot_give_actions_outside_their_groups(chat):
    reply = await chat(AUDIT_CHAIR, "action add owner=aisha.rahman@housing.example.org due=2027-01-29 X")
    assert reply.is_error and "give actions to Aisha Rahman" in reply.text
    assert "Only a chair of a group Aisha Rahman sits on, or the business unit (Emma Clarke or Priya Shah)" in reply.text


async def test_adding_a_return_checks_the_owner_is_from_the_agency(chat, demo):
    bad = await chat(ADMIN, 'return add title="Dataset" kind=dataset agency=police owner=rachel.green@icb.example.org '
                            'due=2027-01-15')
    assert bad.is_error and "not from Riverside Police" in bad.text
    good = await chat(ADMIN, 'return add title="Dataset Q4" kind=dataset agency=police '
                             'owner=mark.evans@police.example.org period="Q4 2026/27" due=2027-04-15')
    assert good.changed
    with Session(demo) as session:
        assert session.exec(select(DataReturn).where(DataReturn.title == "Dataset Q4")).one().period == "Q4 2026/27"


async def test_adding_a_member_with_a_seat(chat):
    reply = await chat(ADMIN, 'member add name="Sam Lee" email=Sam.Lee@housing.example.org agency=housing group=arg')
    assert "Added Sam Lee (Riverside Community Housing) on Assurance and Review Group as member" in reply.text
    who = await chat("sam.lee@housing.example.org", "whoami")
    assert "Assurance and Review Group (member)" in who.text


async def test_forms_are_offered_when_nothing_is_given(chat):
    for line, form_id in [("meeting add", "meeting-add"), ("paper add", "paper-add"), ("return add", "return-add"),
                          ("action add", "action-add"), ("member add", "member-add")]:
        reply = await chat(ADMIN, line)
        assert reply.form is not None and reply.form.form_id == form_id, line
    form = (await chat(ADMIN, "meeting add")).form
    reply = await chat(ADMIN, form.command, form={"group": "audit", "date": "2027-02-10", "time": "14:00",
                                                  "location": ""})
    assert "Multi-Agency Audit Group on Wed 10 Feb 2027 14:00" in reply.text


async def test_every_change_is_audited_with_who_made_it(chat, demo):
    await chat(ADMIN, "meeting add arg 2027-03-02 10:00")
    await chat(ADMIN, "meeting move 5 2027-03-03 10:00")
    with Session(demo) as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.entity == "meeting")).all()
        admin = session.exec(select(Member).where(Member.email == ADMIN)).one()
    assert [e.action for e in events] == ["meeting.added", "meeting.moved"]
    assert {e.actor_id for e in events} == {admin.id}


async def test_the_same_return_twice_is_refused_naming_the_one_held(chat, demo):
    line = ('return add title="Dataset Q4" kind=dataset agency=police owner=mark.evans@police.example.org '
            'period="Q4 2026/27" due=2027-04-15')
    assert (await chat(ADMIN, line)).changed
    with Session(demo) as session:
        held = session.exec(select(DataReturn).where(DataReturn.title == "Dataset Q4")).one()

    again = await chat(ADMIN, 'return add title="dataset  q4" kind=dataset agency=police '
                              'owner=sam.patel@police.example.org period="q4 2026/27" due=2027-05-14')

    assert again.is_error and not again.changed
    assert again.text == (f'Nothing was added: Riverside Police already has return #{held.id} "Dataset Q4" for '
                          f"Q4 2026/27, due Thu 15 Apr 2027. A return is known by its agency, title and period; "
                          f"give another title or period for a different return.")
    assert (await chat(ADMIN, line.replace("Q4 2026/27", "Q1 2027/28"))).changed
    with Session(demo) as session:
        periods = session.exec(select(DataReturn.period).where(DataReturn.title == "Dataset Q4")).all()
    assert sorted(periods) == ["Q1 2027/28", "Q4 2026/27"]


async def test_a_member_is_found_by_email_whatever_its_case(chat, demo):
    with Session(demo) as session:
        mark = session.exec(select(Member).where(Member.email == POLICE)).one()
        mark.email = "Mark.Evans@Police.example.org"  # as a database from before emails were kept lower case
        session.add(mark)
        session.commit()

    given = await chat(ADMIN, "action add owner=MARK.EVANS@police.example.org due=2027-01-29 Brief the response teams")
    assert given.changed and "for DI Mark Evans" in given.text
    who = await chat(POLICE, "whoami")
    assert who.text.startswith("Mark.Evans@Police.example.org, Riverside Police") and not who.is_error


async def test_a_members_name_or_email_too_long_for_the_register_is_refused_with_a_reply(chat, demo):
    long_name = await chat(ADMIN, f'member add name="{"Sam Lee " * 26}" email=sam.lee@housing.example.org '
                                  f'agency=housing')
    assert long_name.is_error and not long_name.changed
    assert "The name is 207 characters; the most is 200. Please shorten it." in long_name.text
    long_email = await chat(ADMIN, f'member add name="Sam Lee" email={"s" * 250}@housing.example.org agency=housing')
    assert long_email.is_error and "The email is 270 characters; the most is 254" in long_email.text
    with Session(demo) as session:
        assert session.exec(select(Member).where(Member.name.like("Sam Lee%"))).all() == []


async def test_a_member_and_their_seat_are_saved_together_or_not_at_all(chat, demo, monkeypatch):
    import handlers.admin

    def seat_fails(*args, **kwargs):
        raise RuntimeError("the database went away between the member and the seat")

    monkeypatch.setattr(handlers.admin, "_seat", seat_fails)
    reply = await chat(ADMIN, 'member add name="Sam Lee" email=sam.lee@housing.example.org agency=housing group=arg')

    assert reply.is_error and not reply.changed
    with Session(demo) as session:
        assert session.exec(select(Member).where(Member.email == "sam.lee@housing.example.org")).first() is None
        assert session.exec(select(AuditEvent).where(AuditEvent.action == "member.added")).first() is None


async def test_the_same_paper_twice_for_a_meeting_is_refused_naming_the_one_held(chat, demo):
    line = "paper add arg owner=rachel.green@icb.example.org Dataset Q3 commentary"
    first = await chat(ADMIN, line)
    assert first.changed

    again = await chat(CHAIR, "paper add arg owner=RACHEL.GREEN@icb.example.org dataset  q3 Commentary")

    with Session(demo) as session:
        held = session.exec(select(Paper).where(Paper.title == "Dataset Q3 commentary")).all()
    assert again.is_error and not again.changed and len(held) == 1
    assert again.text == (f'Nothing was added: Assurance and Review Group on Wed 2 Dec 2026 already has paper '
                          f'#{held[0].id} "Dataset Q3 commentary", owed by Rachel Green. A paper is known by its '
                          f'meeting, title and owner; give another title for a different paper.')
    assert (await chat(ADMIN, line.replace("rachel.green", "amara.okafor"))).changed  # another owner's own


async def test_a_return_due_on_a_day_already_past_is_asked_about_first(chat, demo):
    line = ('return add title="Dataset Q1" kind=dataset agency=police owner=mark.evans@police.example.org '
            'period="Q1 2019/20" due=2020-01-01')
    asked = await chat(ADMIN, line)

    assert not asked.changed and asked.title == "Check the date"
    assert "The due date, Wed 1 Jan 2020, has passed: the return would be overdue from the start" in asked.text
    with Session(demo) as session:
        assert session.exec(select(DataReturn).where(DataReturn.title == "Dataset Q1")).first() is None
    added = await chat(ADMIN, asked.buttons[0].command)
    assert added.changed and "due Wed 1 Jan 2020" in added.text
    form = (await chat(ADMIN, "return add")).form
    from_form = await chat(ADMIN, form.command, form={"title": "Dataset Q2", "kind": "dataset", "agency": "police",
                                                      "owner": "mark.evans@police.example.org", "period": "",
                                                      "due": "2020-01-01"})
    assert not from_form.changed and from_form.form is not None and "has passed" in from_form.form.intro


async def test_a_paper_added_after_its_deadline_says_it_is_late_already(chat, demo, clock):
    clock.moment = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)  # ARG papers were due Wed 25 Nov

    reply = await chat(ADMIN, "paper add arg owner=rachel.green@icb.example.org Dataset Q3 commentary")

    assert reply.changed
    assert "owed by Rachel Green by Wed 25 Nov 2026. That deadline has passed, so the paper is late already" \
        in reply.text
    assert "late already" in chat.notices_to(ICB_MEMBER)[0].text
