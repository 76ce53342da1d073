"""The reminder rules: the partnership's defaults, and what its settings change."""

import pytest

from schedules.rules import Cadence, RulesError, check_rules, rules_for


def test_the_defaults_are_what_the_partnership_asked_for():
    rules = rules_for({})
    assert rules.returns == Cadence(before=(5, 1), on_due=True, overdue_every=2)
    assert rules.actions == Cadence(before=(5,), on_due=True, overdue_every=5)
    arg = rules.for_group("arg")
    assert arg.papers == Cadence(before=(3,), on_due=True, overdue_every=1)
    assert arg.attendance_ask_before == (10, 3) and arg.quorum_forecast_before == 2
    assert arg.admins_on_papers_deadline and arg.missed_in_a_row == 2
    assert rules.acknowledge_within == 1 and rules.stage_days(1) == 5 and rules.stage_days(4) == 5
    assert rules.exception_weekday == 0 and rules.overdue_more_than == 10


def test_a_partnership_changes_only_what_it_names():
    rules = rules_for({"reminders": {"returns": {"before": [10, 5]}, "escalations": {"stage_timescale": [5, 5, 10]},
                                     "by_exception": {"weekday": "Friday", "missed_in_a_row": 3}}})
    assert rules.returns == Cadence(before=(10, 5), on_due=True, overdue_every=2)
    assert rules.stage_days(3) == 10 and rules.stage_days(7) == 10
    assert rules.exception_weekday == 4
    assert rules.for_group("any").missed_in_a_row == 3


def test_a_group_has_its_own_papers_and_attendance_rules_over_the_partnerships():
    rules = rules_for({"reminders": {
        "papers": {"overdue_every": 2},
        "groups": {"audit": {"papers": {"before": [5, 3]}, "attendance": {"ask_before": [15]},
                             "by_exception": {"missed_in_a_row": 3}}}}})
    audit, arg = rules.for_group("audit"), rules.for_group("arg")
    assert audit.papers == Cadence(before=(5, 3), on_due=True, overdue_every=2)
    assert audit.attendance_ask_before == (15,) and audit.missed_in_a_row == 3
    assert arg.papers == Cadence(before=(3,), on_due=True, overdue_every=2)
    assert arg.attendance_ask_before == (10, 3) and arg.missed_in_a_row == 2


def test_stopping_reminders_once_overdue():
    cadence = rules_for({"reminders": {"actions": {"overdue_every": 0}}}).actions
    assert not cadence.reminds("overdue", 5)
    assert cadence.reminds("today", 0) and cadence.reminds("ahead", 5) and not cadence.reminds("ahead", 4)


@pytest.mark.parametrize("settings, problem", [
    ({"reminders": {"returns": {"before": "5"}}}, "reminders.returns.before must be a list"),
    ({"reminders": {"returns": {"overdue_every": -1}}}, "reminders.returns.overdue_every must be a whole number"),
    ({"reminders": {"actions": {"every": 2}}}, "reminders.actions has unknown setting 'every'; use one of: before, on_due, overdue_every"),
    ({"reminders": {"by_exception": {"weekday": "Sunday"}}}, "must be a weekday, monday to friday"),
    ({"reminders": {"papers": {"on_due": "yes"}}}, "reminders.papers.on_due must be true or false"),
    ({"reminders": {"groups": {"arg": {"quorum": 1}}}}, "reminders.groups.arg has unknown setting 'quorum'"),
    ({"reminders": {"escalations": {"stage_timescale": []}}}, "stage_timescale must be a list"),
])
def test_a_setting_that_cannot_be_read_is_named(settings, problem):
    with pytest.raises(RulesError, match=problem.replace("[", r"\[").replace("]", r"\]").replace("(", r"\(")
                       .replace(")", r"\)")):
        rules_for(settings)
    assert problem in check_rules(settings)[0]
