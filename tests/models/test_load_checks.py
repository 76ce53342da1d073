"""A partnership file is checked whole before anything is saved: every key, the settings, the emails."""

import re
import textwrap
from pathlib import Path

import pytest
import yaml
from sqlmodel import Session, func, select

from models import Group, Member, Partnership
from models.imports import People
from models.loader import LoadError, load_text
from models.partnership_settings import check_settings
from models.people import find_member, member_by_email
from models.reminder_rules import read_rules, rules_for
from models.scope import Scope
from models.tenancy import partnerships_of_email
from tests.models.test_loader import GOOD

README = Path(__file__).resolve().parents[2] / "README.md"


def refused(engine, text: str) -> list[str]:
    with Session(engine) as session, pytest.raises(LoadError) as error:
        load_text(text, session=session)
    return error.value.problems


def members(engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(Member)).one()


def with_settings(settings: str) -> str:
    """GOOD with its partnership written out line by line, with these settings from line 6."""
    return ("partnership:\n  name: Northshire Safeguarding Children Partnership\n  timezone: Europe/London\n"
            "  nation: scotland\n  settings:\n" + textwrap.indent(settings, "    ") + GOOD.split("\n", 1)[1])


# --- unknown keys -----------------------------------------------------------------------------------


def test_misspelt_group_keys_are_refused_by_line_and_the_group_keeps_what_it_had(engine):
    with Session(engine) as session:
        load_text(GOOD, session=session)
    typo = GOOD.replace("papers_notice_working_days: 7", "papers_notice_workingdays: 10").replace(
        "clear_days: true", "clear_day: false")

    assert refused(engine, typo) == [
        "line 13: groups[0]: unknown key 'papers_notice_workingdays'; did you mean 'papers_notice_working_days'?",
        "line 14: groups[0]: unknown key 'clear_day'; did you mean 'clear_days'?",
    ]
    with Session(engine) as session:
        group = session.exec(select(Group)).one()
    assert (group.papers_notice_working_days, group.clear_days) == (7, True)


RETURN = "returns: [{title: Dataset, agency: police, owner: cop@police.example.org, due: 2027-01-15, perod: Q3}]\n"
ESCALATION = "escalations: [{raised_by: cop@police.example.org, summary: Closed too early, urgancy: urgent}]\n"


@pytest.mark.parametrize("old, new, expected", [
    ("source: Neglect audit}]\n", "source: Neglect audit}]\nescalation: []\n",
     "line 22: unknown key 'escalation'; did you mean 'escalations'?"),
    ("nation: scotland}", "nation: scotland, frontdoor: MASH}",
     "line 1: partnership: unknown key 'frontdoor'; did you mean 'front_door'?"),
    ("nation: scotland}", "nation: scotland, settings: {reminder: {}}}",
     "line 1: partnership.settings: unknown key 'reminder'; did you mean 'reminders'?"),
    ("Northshire Council, named_partner: true}", "Northshire Council, named_partners: true}",
     "line 3: agencies[0]: unknown key 'named_partners'; did you mean 'named_partner'?"),
    ("agency: la, admin: true}", "agency: la, admn: true}",
     "line 7: members[0]: unknown key 'admn'; did you mean 'admin'?"),
    ("health], chair_required: true}", "health], chair_requried: true}",
     "line 16: groups[0].quorum: unknown key 'chair_requried'; did you mean 'chair_required'?"),
    ("{email: chair@council.example.org, role: chair}", "{email: chair@council.example.org, rol: chair}",
     "line 17: groups[0].members[0]: unknown key 'rol'; did you mean 'role'?"),
    ("location: Online}", "place: Online}",
     "line 18: meetings[0]: unknown key 'place'; use one of: group, location, minutes, starts"),
    ("title: Dataset Q3,", "titel: Dataset Q3,", "line 19: papers[0]: unknown key 'titel'; did you mean 'title'?"),
    ("answer: deputy,", "anwser: deputy, answer: deputy,",
     "line 20: attendance[0]: unknown key 'anwser'; did you mean 'answer'?"),
    ("source: Neglect audit}", "sauce: Neglect audit}",
     "line 21: actions[0]: unknown key 'sauce'; did you mean 'source'?"),
    ("source: Neglect audit}]\n", "source: Neglect audit}]\n" + RETURN,
     "line 22: returns[0]: unknown key 'perod'; did you mean 'period'?"),
    ("source: Neglect audit}]\n", "source: Neglect audit}]\n" + ESCALATION,
     "line 22: escalations[0]: unknown key 'urgancy'; did you mean 'urgency'?"),
])
def test_an_unknown_key_anywhere_in_the_file_is_refused_with_the_key_meant(engine, old, new, expected):
    text = GOOD.replace(old, new)
    assert text != GOOD
    assert expected in refused(engine, text)
    assert members(engine) == 0


def test_the_example_partnership_and_settings_in_the_readme_are_all_known_keys(engine):
    guide = README.read_text(encoding="utf-8")
    setting_up = guide.split("## Setting up your partnership", 1)[1]
    partnership = re.search(r"```yaml\n(.*?)```", setting_up, re.DOTALL).group(1)
    with Session(engine) as session:
        assert load_text(partnership, session=session).created["groups"] == 1
    rules = guide.split("### Changing the rules", 1)[1]
    settings = yaml.safe_load(re.search(r"```yaml\n(.*?)```", rules, re.DOTALL).group(1))["partnership"]["settings"]
    assert check_settings(settings) == []


# --- settings ---------------------------------------------------------------------------------------


BAD_SETTINGS = """\
reminders:
  returns: {overdue_every: two}
  papers: {befor: [10]}
  groups:
    qpp: {papers: {before: [1]}}
attendance: {expected_rate: 175}
"""


def test_settings_are_checked_at_load_and_every_problem_is_listed_by_line(engine):
    assert refused(engine, with_settings(BAD_SETTINGS)) == [
        ("line 7: partnership.settings.reminders.returns.overdue_every: must be a whole number of working days, "
         "at least 0 and at most 260 (got 'two')"),
        "line 8: partnership.settings.reminders.papers: unknown key 'befor'; did you mean 'before'?",
        "line 10: partnership.settings.reminders.groups.qpp: no group has the key 'qpp'; did you mean 'qp'?",
        ("line 11: partnership.settings.attendance.expected_rate: must be a per cent above 0 and at most 100, "
         "for example 75 (got 175)"),
    ]
    assert members(engine) == 0


def test_a_refused_load_leaves_the_last_good_settings_in_force(engine):
    good = "reminders:\n  returns: {before: [10, 5]}\nattendance: {expected_rate: 80}\n"
    with Session(engine) as session:
        load_text(with_settings(good), session=session)
    refused(engine, with_settings(BAD_SETTINGS))
    with Session(engine) as session:
        settings = session.exec(select(Partnership.settings)).one()
    assert settings == {"reminders": {"returns": {"before": [10, 5]}}, "attendance": {"expected_rate": 80}}
    assert rules_for(settings).returns.before == (10, 5)


@pytest.mark.parametrize("settings", [
    {"reminders": {"returns": {"overdue_every": "two"}}},
    {"reminders": {"actions": {"befor": [10]}}},
    {"reminders": {"by_exception": {"weekday": "sunday", "missed_in_a_row": 0}}},
    {"reminders": {"escalations": {"stage_timescale": []}}},
    {"reminders": {"papers": {"before": [0], "on_due": "yes"}}},
    {"reminders": {"attendance": {"ask_before": [1000]}}},
    {"reminders": {"groups": {"qp": {"quorum": 1}}}},
])
def test_the_loader_refuses_each_setting_the_reminder_sweep_cannot_read(engine, settings):
    swept = read_rules(settings)[1]
    assert swept
    problems = refused(engine, with_settings(yaml.safe_dump(settings)))
    assert len(problems) == len(swept)
    for problem in swept:
        where = ".".join(("partnership.settings", *(problem.path[:-1] if problem.unknown else problem.path)))
        assert any(f"{where}: " in line and problem.message in line for line in problems), (problem, problems)


def test_settings_the_sweep_reads_load(engine):
    settings = {"reminders": {"returns": {"before": [5, 1], "overdue_every": 0},
                              "groups": {"qp": {"papers": {"before": [5, 3]}}}},
                "attendance": {"expected_rate": 0.8, "groups": {"qp": {"expected_rate": 90}}},
                "escalation_stages": ["Practitioner to practitioner", "Manager to manager"]}
    assert read_rules(settings)[1] == []
    with Session(engine) as session:
        load_text(with_settings(yaml.safe_dump(settings)), session=session)
        assert session.exec(select(Partnership.settings)).one() == settings


# --- emails -----------------------------------------------------------------------------------------


def test_the_same_email_in_another_case_is_refused_naming_both_lines(engine):
    sue = "  - {email: sub@police.example.org, name: Sue Sub, agency: police}\n"
    text = GOOD.replace(sue, sue + "  - {email: SUB@Police.example.org, name: Sue Subb, agency: police}\n")
    assert refused(engine, text) == [
        ("line 10: members[3].email: 'SUB@Police.example.org' is the same email as 'sub@police.example.org' on "
         "line 9 (members[2]); emails match whatever their case, so list each person once")]
    assert members(engine) == 0


def test_members_are_found_by_email_whatever_its_case(engine):
    with Session(engine) as session:
        load_text(GOOD, session=session)
        cop = session.exec(select(Member).where(Member.email == "cop@police.example.org")).one()
        cop.email = "Cop@Police.Example.org"  # as a database written before emails were made lower case holds it
        session.add(cop)
        session.commit()
        scope, partnership = Scope(cop.partnership_id), session.get(Partnership, cop.partnership_id)
        assert member_by_email("COP@police.example.org ", scope=scope, session=session).id == cop.id
        assert [m.id for m in find_member("cop@police.example.org", scope=scope, session=session)] == [cop.id]
        assert [p.id for p in partnerships_of_email("cop@POLICE.example.org", session=session)] == [partnership.id]
        assert People.load(session, partnership).match("COP@police.example.org")[0].id == cop.id

    with Session(engine) as session:
        report = load_text(GOOD, session=session)
        assert report.created == {} and report.updated == {"members": 1}
        assert session.exec(select(Member.email).where(Member.id == cop.id)).one() == "cop@police.example.org"
    assert members(engine) == 3
