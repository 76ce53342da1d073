"""Every template that says a number says it with the right word for none, one and two: "1 action",
"2 actions", never "1 actions" or "0 things need you today"."""

import re
from datetime import date
from pathlib import Path
from types import SimpleNamespace as Thing

import pytest

from messages.templates import TEMPLATE_DIR, say
from schedules.digest import item_text

DAY = date(2026, 12, 24)
GROUP = Thing(name="Assurance and Review Group", key="arg", deputies_count=True)
REPORT = Thing(scope=Thing(name="everyone"), kind="actions")


def quorum(n: int):
    return Thing(rule="all of the council, police and ICB", represented=["Police"] * min(n, 1), present=n,
                 quorate=False, missing=["the ICB"], would_fix=["the ICB answering"])


# template: (the values for a count n, what it says for 0, 1 and 2)
CASES = {
    "actions": (lambda n: dict(count=n, overdue=n, scope="you"),
                ["You have no open actions", "1 open action, 1 overdue.", "2 open actions, 2 overdue."]),
    "digest": (lambda n: dict(count=n, overdue=n, snoozable=True),
               ["Nothing needs you today.", "One thing needs you today (1 overdue or waiting).",
                "2 things need you today, most urgent first (2 overdue or waiting)."]),
    "digest_failures": (lambda n: dict(count=n, unreachable=n),
                        ["Every reminder was delivered.", "1 reminder could not be delivered; it was to someone",
                         "2 reminders could not be delivered; 2 of them to people"]),
    "escalations": (lambda n: dict(count=n, handler=True),
                    ["No open escalations.", "1 open escalation, urgent first.", "2 open escalations, urgent first."]),
    "help": (lambda n: dict(name="Helen", everyday=[], others=n, platform="console"),
             ["Hello Helen. What you'll use most:", "`help all` for the one other command.",
              "`help all` for the other 2 commands."]),
    "home": (lambda n: dict(name="Helen", today="Thu 24 Dec 2026",
                            counts=[("overdue action", "overdue actions", n), ("paper you owe", "papers you owe", n)]),
             ["Nothing is waiting for you", "1 overdue action and 1 paper you owe.",
              "2 overdue actions and 2 papers you owe."]),
    "meetings": (lambda n: dict(count=n, scope="arg"),
                 ["No meetings booked for arg.", "1 meeting coming up", "2 meetings coming up"]),
    "meetings_past": (lambda n: dict(count=n, scope="arg"),
                      ["No meetings of arg were held", "1 meeting of arg held", "2 meetings of arg held"]),
    "papers": (lambda n: dict(total=2, outstanding=n, notice=n or 5, deadline=DAY, clear_days=False, late=True),
               ["(5 working days before the meeting). All 2 are in.", "(1 working day before the meeting). 1 of 2 "
                "still to come, and the deadline has passed.", "(2 working days before the meeting). 2 of 2 still "
                "to come"]),
    "quorum": (lambda n: dict(result=quorum(n), group=GROUP),
               ["(0 people coming)", "(1 person coming)", "(2 people coming)"]),
    "report_actions": (lambda n: dict(report=REPORT, start="1 Apr", end="30 Jun", h={
        "open": n, "overdue": n, "completed": n, "oldest": {"ref": "#6", "title": "Brief", "owner": "Aisha",
                                                             "days": n or 3}}),
                       ["Everyone: 0 open actions, 0 overdue; 0 completed", "Everyone: 1 open action, 1 overdue; "
                        "1 completed from 1 Apr to 30 Jun.\nOldest overdue: #6 Brief (Aisha, overdue by 1 working day)",
                        "2 open actions, 2 overdue; 2 completed from 1 Apr to 30 Jun.\nOldest overdue: #6 Brief "
                        "(Aisha, overdue by 2 working days)"]),
    "report_attendance": (lambda n: dict(report=REPORT, start="1 Apr", end="30 Jun", h={
        "meetings": n, "members": n, "exceptions": [], "expected_rate": 75, "missed_in_a_row": 2}),
                          ["0 meetings of everyone from 1 Apr to 30 Jun, 0 members.",
                           "1 meeting of everyone from 1 Apr to 30 Jun, 1 member.",
                           "2 meetings of everyone from 1 Apr to 30 Jun, 2 members."]),
    "report_escalations": (lambda n: dict(start="1 Apr", end="30 Jun", h={
        "raised": n, "closed": n, "open": 0, "median_acknowledge": n or None, "median_close": n or None}),
                           ["0 escalations raised", "1 escalation raised from 1 Apr to 30 Jun: 1 closed, 0 still "
                            "open.\nMedian time to acknowledge: 1 working day.\nMedian time to close: 1 working day.",
                            "Median time to acknowledge: 2 working days.\nMedian time to close: 2 working days."]),
    "report_returns": (lambda n: dict(report=REPORT, start="1 Apr", end="30 Jun", h={
        "total": n, "on_time": 0, "late": 0, "outstanding": n, "not_yet_due": 0,
        "most_overdue": [["#5", "Police", "Dataset", "", "", "", "", "", "outstanding", n or 4]]}),
                       ["0 returns due from", "1 return due from 1 Apr to 30 Jun (everyone): 0 on time, 0 late, 1 "
                        "outstanding.\n- Outstanding: Dataset (Police), 1 working day late",
                        "2 returns due", "Dataset (Police), 2 working days late"]),
    "returns": (lambda n: dict(count=n, late=n),
                ["Your agency has no outstanding returns.", "1 return outstanding, 1 late.",
                 "2 returns outstanding, 2 late."]),
    "slack_files": (lambda n: dict(outcome="coming", count=n, names="a.csv"),
                    ["0 files (a.csv)", "1 file (a.csv)", "2 files (a.csv)"]),
    "teams_file": (lambda n: dict(outcome="channel", count=n),
                   ["0 files from this report", "1 file from this report", "2 files from this report"]),
    "too_long": (lambda n: dict(typed=n, most=n),
                 ["0 characters, and the most is 0 characters", "1 character, and the most is 1 character",
                  "2 characters, and the most is 2 characters"]),
    "attendance": (lambda n: dict(attending=[Thing(name="Mark", agency_name="Police")] * n, deputies=[],
                                  apologies=[], waiting=[], deputies_count=True),
                   ["Attending (0): nobody yet.", "Attending (1): Mark (Police).",
                    "Attending (2): Mark (Police), Mark (Police)."]),
}

# digest_item: one line per kind, with its counts.
LINES = {
    "action": (lambda n: dict(when="overdue" if n else "today", days=n, id=6, title="Brief"),
               ["Action due today: #6 Brief", "Action overdue by 1 working day: #6 Brief",
                "Action overdue by 2 working days: #6 Brief"]),
    "return": (lambda n: dict(when="ahead", days=n or 5, id=5, title="Dataset", period="", has_period=False),
               ["Return due in 5 working days", "Return due in 1 working day", "Return due in 2 working days"]),
    "attend": (lambda n: dict(group="ARG", meets="Tue 5 Jan", days=n or 10),
               ["(in 10 working days)", "(in 1 working day)", "(in 2 working days)"]),
    "papers_missing": (lambda n: dict(group="ARG", meets="Tue 5 Jan", missing=n),
                       ["0 papers still missing", "1 paper still missing", "2 papers still missing"]),
    "escalation": (lambda n: dict(id=1, urgency="routine", unacknowledged=True, waiting=n, stage_over=True, stage=2,
                                  in_stage=n, timescale=n),
                   ["not acknowledged after 0 working days; at stage 2 for 0 working days, longer than its 0 working "
                    "days", "after 1 working day; at stage 2 for 1 working day, longer than its 1 working day",
                    "after 2 working days; at stage 2 for 2 working days, longer than its 2 working days"]),
    "missed": (lambda n: dict(name="Mark", agency="Police", count=n or 3, group="ARG"),
               ["missed the last 3 ARG meetings without a deputy", "missed the last ARG meeting without a deputy",
                "missed the last 2 ARG meetings without a deputy"]),
    "long_overdue": (lambda n: dict(agency="Police", count=n, days=n),
                     ["0 items overdue by more than 0 working days", "1 item overdue by more than 1 working day",
                      "2 items overdue by more than 2 working days"]),
    "minutes": (lambda n: dict(group="ARG", meets="Fri 16 Oct", days=n, limit=n),
                ["not out: 0 days after the meeting, the limit is 0 days",
                 "not out: 1 day after the meeting, the limit is 1 day",
                 "not out: 2 days after the meeting, the limit is 2 days"]),
}

WITHOUT_COUNTS = {
    "action_done", "action_updated", "already_recorded", "attend_ask", "attend_saved", "calendar_link",
    "calendar_off", "deputy_ask", "deputy_notice", "deputy_reply_notice", "deputy_saved", "deputy_withdrawn",
    "digest_title", "escalate_form", "escalate_needs_more", "escalation_saved", "help_all", "help_unknown",
    "help_verbs", "internal_error",
    "meeting_added", "meeting_moved", "paper_done", "return_done", "slow_down", "snoozed", "still_working",
    "teams_channel_welcome", "teams_escalate_privately", "teams_private_failed", "teams_sent_privately",
    "teams_unreachable", "unknown_command", "unregistered", "whoami",
}
COUNTED = set(CASES) | {"digest_item"}
BAD = ("1 actions", "1 days", "1 working days", "1 items", "1 meetings", "1 returns", "1 papers", "1 reminders",
       "1 escalations", "1 characters", "1 files", "1 members", "1 people", "2 action ", "2 day ", "2 working day ",
       "2 item ", "2 person", "0 things", "other 0")


def test_every_template_is_either_checked_for_its_counts_or_has_none():
    names = {path.stem for path in Path(TEMPLATE_DIR).glob("*.txt")}
    assert names == COUNTED | WITHOUT_COUNTS, "add a new template to CASES (it counts) or WITHOUT_COUNTS"
    for name in WITHOUT_COUNTS:
        source = (Path(TEMPLATE_DIR) / f"{name}.txt").read_text()
        assert not re.search(r"\|\s*(plural|length)\b|\bcount\b", source), name


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("n", [0, 1, 2])
def test_a_template_says_none_one_and_two_rightly(name, n):
    values, expected = CASES[name]
    text = say(name, **values(n))
    assert expected[n] in text, text
    assert not [bad for bad in BAD if bad in text + " "], text


@pytest.mark.parametrize("kind", sorted(LINES))
@pytest.mark.parametrize("n", [0, 1, 2])
def test_a_digest_line_says_none_one_and_two_rightly(kind, n):
    values, expected = LINES[kind]
    text = item_text(kind, **values(n))
    assert expected[n] in text, text
    assert not [bad for bad in BAD if bad in text + " "], text


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_large_count_is_written_with_thousands_separated(name):
    """391,984 overdue, never 391984 beside 1,600,321: a large partnership's counts read as numbers do."""
    values, _expected = CASES[name]
    text = say(name, **values(391984))
    assert not re.search(r"\d{5,}", text), text
