"""Loading a partnership from YAML: idempotent, and errors that name the line and the field."""

from datetime import date
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, func, select

from bot.demo import demo_yaml
from models import Action, Agency, AttendanceAnswer, Group, Meeting, Member, Membership, Paper
from models.loader import LoadError, load_text

GOOD = """\
partnership: {name: Northshire Safeguarding Children Partnership, timezone: Europe/London, nation: scotland}
agencies:
  - {key: la, name: Northshire Council, named_partner: true}
  - {key: police, name: Police Scotland, named_partner: true}
  - {key: health, name: NHS Northshire, named_partner: true}
members:
  - {email: Chair@Council.example.org, name: Ann Chair, agency: la, admin: true}
  - {email: cop@police.example.org, name: Bob Cop, agency: police, slack_id: U0123}
  - {email: sub@police.example.org, name: Sue Sub, agency: police}
groups:
  - key: qp
    name: Quality and Performance Subgroup
    papers_notice_working_days: 7
    clear_days: true
    deputies_count: false
    quorum: {all_of: [la, police, health], chair_required: true}
    members: [{email: chair@council.example.org, role: chair}, {email: cop@police.example.org}]
meetings: [{group: qp, starts: 2027-01-12T10:00, location: Online}]
papers: [{group: qp, meeting: 2027-01-12, title: Dataset Q3, owner: cop@police.example.org}]
attendance: [{group: qp, meeting: 2027-01-12, email: cop@police.example.org, answer: deputy, deputy: sub@police.example.org}]
actions: [{title: Refresh neglect tool, owner: cop@police.example.org, due: 2027-02-01, source: Neglect audit}]
"""


def counts(engine):
    with Session(engine) as session:
        return {model.__name__: session.exec(select(func.count()).select_from(model)).one()
                for model in (Agency, Member, Group, Membership, Meeting, Paper, AttendanceAnswer, Action)}


def test_loading_the_same_file_twice_creates_nothing_new(engine):
    with Session(engine) as session:
        first = load_text(GOOD, session=session)
    before = counts(engine)
    with Session(engine) as session:
        second = load_text(GOOD, session=session)
    assert counts(engine) == before
    assert first.created["members"] == 3 and second.created == {} and second.updated == {}


def test_the_summary_of_a_load_says_one_and_many_rightly():
    from models.load_report import LoadReport

    report = LoadReport()
    for kind in ("actions", "groups", "agencies", "agencies", "attendance answers"):
        report.count(kind, True)
    report.count("members", False)
    assert report.summary() == "created 1 action, 2 agencies, 1 attendance answer, 1 group; updated 1 member"
    assert LoadReport().summary() == "created nothing; updated nothing"


def test_loaded_values_land_where_they_belong(engine):
    with Session(engine) as session:
        load_text(GOOD, session=session)
        group = session.exec(select(Group)).one()
        chair = session.exec(select(Member).where(Member.email == "chair@council.example.org")).one()
        meeting = session.exec(select(Meeting)).one()
    assert (group.papers_notice_working_days, group.clear_days, group.deputies_count) == (7, True, False)
    assert group.quorum == {"all_of": ["la", "police", "health"], "chair_required": True}
    assert chair.is_admin
    assert meeting.starts_at.isoformat() == "2027-01-12T10:00:00+00:00"  # London in winter is UTC


def test_changing_a_value_and_reloading_updates_it(engine):
    with Session(engine) as session:
        load_text(GOOD, session=session)
        report = load_text(GOOD.replace("due: 2027-02-01", "due: 2027-03-01"), session=session)
        due = session.exec(select(Action.due_date)).one()
    assert report.updated == {"actions": 1}
    assert due == date(2027, 3, 1)


def test_the_demo_partnership_loads_twice_without_duplicates(engine):
    with Session(engine) as session:
        load_text(demo_yaml(date(2026, 11, 23)), session=session)
    before = counts(engine)
    with Session(engine) as session:
        load_text(demo_yaml(date(2026, 11, 23)), session=session)
    assert counts(engine) == before
    assert before["Member"] == 16


@pytest.mark.parametrize("change, expected", [
    ("agency: la, admin: true}", "line 7: members[0].agency: unknown agency 'lx'"),
    ("nation: scotland}", "line 1: partnership.nation: 'wales' is not one of"),
    ("quorum: {all_of: [la, police, health], chair_required: true}",
     "line 16: groups[0].quorum: all_of names agencies that are not in the partnership: ['fire']"),
    ("answer: deputy, deputy: sub@police.example.org}", "line 20: attendance[0].deputy: a deputy must be from"),
    ("starts: 2027-01-12T10:00", "line 18: meetings[0].starts: 'next tuesday' is not a date and time"),
    ("owner: cop@police.example.org, due", "line 21: actions[0].owner: no member with email 'nobody@x.org'"),
])
def test_errors_name_the_line_and_the_field_and_nothing_is_saved(engine, change, expected):
    bad = {
        "agency: la, admin: true}": "agency: lx, admin: true}",
        "nation: scotland}": "nation: wales}",
        "quorum: {all_of: [la, police, health], chair_required: true}": "quorum: {all_of: [la, fire]}",
        "answer: deputy, deputy: sub@police.example.org}": "answer: deputy, deputy: chair@council.example.org}",
        "starts: 2027-01-12T10:00": "starts: next tuesday",
        "owner: cop@police.example.org, due": "owner: nobody@x.org, due",
    }[change]
    text = GOOD.replace(change, bad)
    assert text != GOOD
    with Session(engine) as session, pytest.raises(LoadError) as error:
        load_text(text, session=session)
    assert any(p.startswith(expected) for p in error.value.problems), error.value.problems
    assert counts(engine)["Member"] == 0


def test_not_yaml_at_all_is_a_clear_error(engine):
    with Session(engine) as session, pytest.raises(LoadError, match="line 2: this is not valid YAML"):
        load_text("partnership: {name: x\nagencies: [", session=session)


def test_a_list_where_a_mapping_belongs(engine):
    with Session(engine) as session, pytest.raises(LoadError, match="the file must be a mapping"):
        load_text("- just\n- a list\n", session=session)


def test_a_second_partnership_with_the_same_people_and_keys_is_its_own_and_cannot_claim_a_workspace(engine):
    from models.partnership import Partnership

    first = GOOD.replace("nation: scotland}", "nation: scotland, slack_team_id: T0NORTH, teams_tenant_id: tn}")
    second = first.replace("Northshire Safeguarding", "Southshire Safeguarding")
    with Session(engine) as session:
        load_text(first, session=session)
    with Session(engine) as session, pytest.raises(LoadError) as refused:
        load_text(second, session=session)
    assert any("slack_team_id: 'T0NORTH' already belongs to partnership 'northshire-" in p
               for p in refused.value.problems)
    assert any("teams_tenant_id" in p for p in refused.value.problems)
    with Session(engine) as session:
        load_text(second.replace("T0NORTH", "T0SOUTH").replace("tn}", "ts}"), session=session)
        people = session.exec(select(Member.email, Member.partnership_id).where(
            Member.email == "cop@police.example.org")).all()
        places = session.exec(select(Partnership.key, Partnership.slack_team_id).order_by(Partnership.id)).all()
    assert len(people) == 2 and len({p for _e, p in people}) == 2  # one member in each partnership
    assert [team for _key, team in places] == ["T0NORTH", "T0SOUTH"]


def test_aliases_are_refused_by_line_without_expanding_them(engine):
    """A 530-byte file of nested aliases would expand to billions of values: it is refused unread."""
    levels = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    levels += [f"a{n}: &a{n} [" + ",".join([f"*a{n - 1}"] * 9) + "]" for n in range(1, 9)]
    bomb = "\n".join(levels) + "\npartnership: {name: *a8, timezone: Europe/London}\n"
    assert len(bomb) < 600
    with Session(engine) as session, pytest.raises(LoadError) as error:
        load_text(bomb, session=session)
    assert error.value.problems == ["line 2: aliases (*name) are not allowed in a partnership file; write each "
                                    "value out in full"]
    assert counts(engine)["Member"] == 0


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(engine, monkeypatch):
    from models import yaml_file

    monkeypatch.setattr(yaml_file, "MAX_YAML_BYTES", len(GOOD) - 1)
    with Session(engine) as session, pytest.raises(LoadError, match="the most AssureBot loads is"):
        load_text(GOOD, session=session)
    monkeypatch.setattr(yaml_file, "MAX_YAML_BYTES", 5 * 1024 * 1024)
    monkeypatch.setattr(yaml_file, "MAX_YAML_NODES", 20)
    with Session(engine) as session, pytest.raises(LoadError, match="more than 20 values"):
        load_text(GOOD, session=session)
    assert counts(engine)["Member"] == 0


def test_dates_in_the_file_may_be_written_as_people_write_them_but_not_as_words(engine):
    uk = GOOD.replace("starts: 2027-01-12T10:00", "starts: 12/01/2027 2pm").replace(
        "meeting: 2027-01-12", "meeting: 12 January 2027").replace("due: 2027-02-01", "due: 1st Feb 2027")
    with Session(engine) as session:
        load_text(uk, session=session)
        meeting = session.exec(select(Meeting)).one()
        assert meeting.starts_at.astimezone(ZoneInfo("Europe/London")).hour == 14
        assert session.exec(select(Action)).one().due_date == date(2027, 2, 1)
    with Session(engine) as session, pytest.raises(LoadError) as error:
        load_text(GOOD.replace("due: 2027-02-01", "due: tomorrow"), session=session)
    assert any("actions[0].due" in p and "tomorrow" in p for p in error.value.problems), error.value.problems
    with Session(engine) as session, pytest.raises(LoadError) as error:
        load_text(GOOD.replace("due: 2027-02-01", "due: 31/02/2027"), session=session)
    assert any("there is no 31 February 2027" in p for p in error.value.problems), error.value.problems


HISTORY = GOOD.replace(
    "meetings: [{group: qp, starts: 2027-01-12T10:00, location: Online}]",
    "meetings: [{group: qp, starts: 2027-01-12T10:00, location: Online},\n"
    "           {group: qp, starts: 2026-09-08T10:00, location: Online, minutes: 2026-09-15}]").replace(
    "attendance: [", "attendance: [{group: qp, meeting: 2026-09-08, email: cop@police.example.org, answer: yes, "
                     "attended: true},\n             ").replace(
    "actions: [{title: Refresh neglect tool, owner: cop@police.example.org, due: 2027-02-01, source: Neglect audit}]",
    "actions: [{title: Refresh neglect tool, owner: cop@police.example.org, due: 2027-02-01, source: Neglect audit},\n"
    "          {title: Brief the teams, owner: cop@police.example.org, due: 2026-08-01, status: done, "
    "closed: 2026-07-28}]\n"
    "escalations: [{raised_by: cop@police.example.org, summary: Caseloads above safe level, category: capacity,\n"
    "               raised: 2026-06-01T09:00, stage: 2, acknowledged: 2026-06-02T10:00,\n"
    "               acknowledged_by: chair@council.example.org, stage_entered: 2026-06-10T10:00,\n"
    "               closed: 2026-07-01T16:00, outcome: Agreed extra cover for the summer}]")


def test_what_has_already_happened_loads_with_the_file(engine):
    from models.escalations import Escalation, EscalationStageChange

    with Session(engine) as session:
        load_text(HISTORY, session=session)
        held = session.exec(select(Meeting).where(Meeting.minutes_circulated_at.is_not(None))).one()
        assert held.minutes_circulated_at.date() == date(2026, 9, 15)
        assert session.exec(select(AttendanceAnswer).where(AttendanceAnswer.attended.is_(True))).one()
        done = session.exec(select(Action).where(Action.title == "Brief the teams")).one()
        assert done.status == "done" and done.completed_at.date() == date(2026, 7, 28)
        escalation = session.exec(select(Escalation)).one()
        assert escalation.closed_at and escalation.outcome == "Agreed extra cover for the summer"
        assert escalation.acknowledged_by_id is not None and escalation.stage == 2
        stages = session.exec(select(EscalationStageChange.stage).order_by(EscalationStageChange.stage)).all()
        assert stages == [1, 2]
    with Session(engine) as session:
        load_text(HISTORY, session=session)  # again: nothing new
        assert len(session.exec(select(EscalationStageChange)).all()) == 2


def test_history_that_names_a_child_or_does_not_add_up_is_refused(engine):
    bad = HISTORY.replace("outcome: Agreed extra cover for the summer", "outcome: Child DOB 01/02/2019 moved") \
        .replace("closed: 2026-07-28}", "closed: 2026-07-28, status: finished}") \
        .replace("acknowledged: 2026-06-02T10:00", "acknowledged: 2026-05-02T10:00")
    with Session(engine) as session, pytest.raises(LoadError) as error:
        load_text(bad, session=session)
    problems = "\n".join(error.value.problems)
    assert "escalations[0].outcome: I can't save this because it mentions a date of birth" in problems
    assert "01/02/2019" not in problems
    assert "must be open, done or dropped" in problems
    assert "escalations[0].acknowledged: is before the escalation was raised" in problems
    assert counts(engine)["Member"] == 0


def test_every_free_text_in_the_file_is_checked_for_a_child_s_details_as_chat_checks_it(engine):
    """A place, a paper's or return's title, a period, an action's source and a case reference are
    refused as chat refuses them: the load saves nothing and the problems never repeat the details."""
    bad = HISTORY.replace("location: Online},", "location: \"4 Elm Rd, B91 3QB\"},", 1) \
        .replace("title: Dataset Q3", "title: Review of child NHS 943 476 5919") \
        .replace("source: Neglect audit}", "source: CSPR child 943 476 5919}", 1) \
        .replace("category: capacity,", "category: capacity, case_reference: \"NHS 4010232137\",") \
        + ("returns: [{title: Return for the B91 3QB family, agency: la, owner: chair@council.example.org,"
           " due: 2027-02-01, period: DOB 12/03/2019}]\n")
    problems = "\n".join(refused_problems(engine, bad))
    for where in ("meetings[0].location", "papers[0].title", "actions[0].source", "escalations[0].case_reference",
                  "returns[0].title", "returns[0].period"):
        assert f"{where}: I can't save this because" in problems, where
    for detail in ("B91 3QB", "943 476 5919", "4010232137", "12/03/2019"):
        assert detail not in problems
    assert counts(engine) == dict.fromkeys(counts(engine), 0)  # nothing saved


def test_the_same_fields_load_when_they_hold_no_child_s_details(engine):
    good = HISTORY.replace("category: capacity,", "category: capacity, case_reference: CSC-4471,") \
        + ("returns: [{title: Dataset figures, agency: la, owner: chair@council.example.org, due: 2027-02-01,"
           " period: Q3 2026/27}]\n")
    from models import DataReturn
    from models.escalations import Escalation

    with Session(engine) as session:
        load_text(good, session=session)
        assert session.exec(select(Escalation.case_reference)).one() == "CSC-4471"
        assert session.exec(select(DataReturn.period)).one() == "Q3 2026/27"
        assert session.exec(select(Action.source).where(Action.title == "Refresh neglect tool")).one() \
            == "Neglect audit"
        assert session.exec(select(Meeting.location)).first() == "Online"


def refused_problems(engine, text: str) -> list[str]:
    with Session(engine) as session, pytest.raises(LoadError) as error:
        load_text(text, session=session)
    return error.value.problems


def test_a_return_whose_responsible_person_is_from_another_agency_is_refused(engine):
    """As chat and the import refuse it: the digest would offer them Submitted, which they may not press."""
    text = GOOD + ("returns: [{title: Dataset figures, agency: la, owner: cop@police.example.org, due: 2027-02-01,"
                   " period: Q3}]\n")
    problems = "\n".join(refused_problems(engine, text))
    assert "returns[0].owner: Bob Cop is not from Northshire Council" in problems
