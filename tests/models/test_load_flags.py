"""Every true-or-false setting in a partnership file is YAML's own true or false. A quoted "false" is
text, which Python reads as true, so it is refused by line and nothing is loaded."""

import pytest
from sqlmodel import Session, select

from models import Agency, Group, Member
from models.loader import LoadError, load_text
from tests.models.test_loader import GOOD, counts

NOTHING = {"Agency": 0, "Member": 0, "Group": 0, "Membership": 0, "Meeting": 0, "Paper": 0, "AttendanceAnswer": 0,
           "Action": 0}


def refused(engine, text: str) -> list[str]:
    with Session(engine) as session, pytest.raises(LoadError) as error:
        load_text(text, session=session)
    return error.value.problems


@pytest.mark.parametrize("old, new, expected", [
    ("clear_days: true", 'clear_days: "false"',
     "line 14: groups[0].clear_days: must be true or false, not 'false' in quotes; write false, without quotes"),
    ("deputies_count: false", "deputies_count: 'no'",
     "line 15: groups[0].deputies_count: must be true or false, not 'no' in quotes; write false, without quotes"),
    ("chair_required: true}", 'chair_required: "false"}',
     ("line 16: groups[0].quorum.chair_required: must be true or false, not 'false' in quotes; write false, "
      "without quotes")),
    ("deputies_count: false", "deputies_count: false\n    handles_escalations: 'Yes'",
     ("line 16: groups[0].handles_escalations: must be true or false, not 'Yes' in quotes; write true, "
      "without quotes")),
    ("Northshire Council, named_partner: true}", "Northshire Council, named_partner: 'false'}",
     "line 3: agencies[0].named_partner: must be true or false, not 'false' in quotes; write false, without quotes"),
    ("agency: la, admin: true}", "agency: la, admin: 'FALSE'}",
     "line 7: members[0].admin: must be true or false, not 'FALSE' in quotes; write false, without quotes"),
    ("deputy: sub@police.example.org}", "deputy: sub@police.example.org, attended: 'true'}",
     "line 20: attendance[0].attended: must be true or false, not 'true' in quotes; write true, without quotes"),
    ("clear_days: true", "clear_days: 1", "line 14: groups[0].clear_days: must be true or false, not 1"),
    ("clear_days: true", "clear_days: y", "line 14: groups[0].clear_days: must be true or false, not 'y'"),
    ("clear_days: true", "clear_days: maybe", "line 14: groups[0].clear_days: must be true or false, not 'maybe'"),
    ("clear_days: true", "clear_days:", "line 14: groups[0].clear_days: must be true or false, not empty"),
    ("chair_required: true}", "chair_required: 0}",
     "line 16: groups[0].quorum.chair_required: must be true or false, not 0"),
])
def test_a_true_or_false_setting_that_is_not_true_or_false_is_refused_by_line_and_nothing_loads(
        engine, old, new, expected):
    assert old in GOOD
    assert refused(engine, GOOD.replace(old, new)) == [expected]
    assert counts(engine) == NOTHING


def test_a_quoted_false_leaves_the_group_as_it_was_loaded(engine):
    with Session(engine) as session:
        load_text(GOOD, session=session)
    refused(engine, GOOD.replace("clear_days: true", "clear_days: 'false'").replace(
        "deputies_count: false", "deputies_count: 'true'"))
    with Session(engine) as session:
        group = session.exec(select(Group)).one()
    assert (group.clear_days, group.deputies_count) == (True, False)


def test_a_quorum_with_only_a_quoted_chair_required_is_named_once(engine):
    text = GOOD.replace("{all_of: [la, police, health], chair_required: true}", "{chair_required: 'true'}")
    assert refused(engine, text) == [
        ("line 16: groups[0].quorum.chair_required: must be true or false, not 'true' in quotes; write true, "
         "without quotes")]


def test_bare_true_false_yes_and_no_load_as_they_read(engine):
    text = (GOOD.replace("clear_days: true", "clear_days: no").replace("deputies_count: false", "deputies_count: yes")
            .replace("chair_required: true}", "chair_required: False}")
            .replace("Northshire Council, named_partner: true}", "Northshire Council, named_partner: off}")
            .replace("agency: la, admin: true}", "agency: la, admin: NO}"))
    with Session(engine) as session:
        load_text(text, session=session)
        group = session.exec(select(Group)).one()
        council = session.exec(select(Agency).where(Agency.key == "la")).one()
        chair = session.exec(select(Member).where(Member.email == "chair@council.example.org")).one()
    assert (group.clear_days, group.deputies_count, group.quorum["chair_required"]) == (False, True, False)
    assert (council.named_partner, chair.is_admin) == (False, False)


def test_left_out_settings_take_their_defaults(engine):
    text = GOOD.replace("    clear_days: true\n", "").replace("    deputies_count: false\n", "").replace(
        ", named_partner: true}", "}").replace(", admin: true}", "}")
    with Session(engine) as session:
        load_text(text, session=session)
        group = session.exec(select(Group)).one()
        assert not any(session.exec(select(Agency.named_partner)))
        assert not any(session.exec(select(Member.is_admin)))
    assert (group.clear_days, group.deputies_count, group.handles_escalations) == (False, True, False)
