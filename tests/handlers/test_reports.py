"""report attendance|returns|actions|escalations: by-exception reports as CSV, Excel and a chart."""

from __future__ import annotations

import csv
import io
import struct
from datetime import date, datetime, timezone

import pytest
from openpyxl import load_workbook
from sqlalchemy import event
from sqlmodel import select

from bot.commands.report import report_command
from models.db import session_for
from models.escalations import Escalation, EscalationStageChange
from models.groups import Group
from models.meetings import AttendanceAnswer
from models.partnership import Member, Partnership
from models.work import Action, DataReturn
from tests import factories
from tests.conftest import ADMIN, AUDIT_CHAIR, CHAIR, DEFAULT_NOW, DEPUTY_CHAIR, HOUSING, POLICE, PRACTITIONER

# Four earlier ARG meetings this year, before the demo's own (Mon 12 Oct 2026).
PAST_ARG = [datetime(2026, m, d, 10, tzinfo=timezone.utc) for m, d in ((3, 3), (5, 5), (7, 7), (9, 8))]


def files(reply) -> dict[str, bytes]:
    """The attached files by what ends their name: 'members.csv', '.xlsx', '.png'."""
    found = {}
    for f in reply.files:
        tail = f.filename.rsplit("-", 1)[-1] if f.filename.endswith(".csv") else f.filename[f.filename.rfind("."):]
        found[tail] = f.data
    return found


def rows(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # a byte-order mark, so Excel reads it as UTF-8
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def by(table: list[dict[str, str]], key: str) -> dict[str, dict[str, str]]:
    return {row[key]: row for row in table}


def member_id(session, email: str) -> int:
    return session.exec(select(Member.id).where(Member.email == email)).one()


@pytest.fixture
def arg_history(demo):
    """The police member gave apologies four times running; the ICB member sent a deputy who came;
    the community member said yes but did not come; housing said no but came after all."""
    with session_for(demo) as session:
        arg = session.exec(select(Group).where(Group.key == "arg")).one()
        people = {e: member_id(session, e) for e in (CHAIR, POLICE, DEPUTY_CHAIR, HOUSING,
                                                     "tom.hughes@community.example.org",
                                                     "rachel.green@icb.example.org")}
        deputy = member_id(session, "amara.okafor@icb.example.org")
        for starts in PAST_ARG:
            meeting = factories.meeting(session, arg, starts, location="Council House")
            session.add(AttendanceAnswer(meeting_id=meeting.id, member_id=people[CHAIR], answer="attending",
                                         attended=True))
            session.add(AttendanceAnswer(meeting_id=meeting.id, member_id=people[POLICE], answer="apologies"))
            session.add(AttendanceAnswer(meeting_id=meeting.id, member_id=people["rachel.green@icb.example.org"],
                                         answer="deputy", deputy_id=deputy, attended=True))
            session.add(AttendanceAnswer(meeting_id=meeting.id, member_id=people["tom.hughes@community.example.org"],
                                         answer="attending", attended=False))
            session.add(AttendanceAnswer(meeting_id=meeting.id, member_id=people[HOUSING], answer="apologies",
                                         attended=True))
        session.commit()
    return demo


# --- attendance -------------------------------------------------------------------------------------------


async def test_the_chair_gets_attendance_by_member_and_agency_with_the_exceptions(chat, arg_history):
    reply = await chat(CHAIR, "report attendance arg")

    assert reply.title == "Attendance: Assurance and Review Group, Mon 24 Nov 2025 to Mon 23 Nov 2026"
    assert reply.private and not reply.is_error
    assert "5 meetings of Assurance and Review Group" in reply.text
    # The demo's own meeting of 12 Oct has no attendance recorded: left out of the figures.
    assert "Left out of the figures: 1 meeting whose attendance is not recorded yet" in reply.text
    assert "DI Mark Evans (Riverside Police): missed 4 in a row without a deputy" in reply.text
    got = files(reply)
    assert set(got) == {"agencies.csv", "members.csv", "exceptions.csv", ".xlsx", ".png"}
    members = by(rows(got["members.csv"]), "Member")
    assert members["DI Mark Evans"] == {
        "Member": "DI Mark Evans", "Agency": "Riverside Police", "Role": "member", "Meetings": "4",
        "Attended": "0", "Deputised": "0", "Apologies": "4", "Absent without word": "0", "Attendance rate %": "0",
        "Exceptions": "missed 4 in a row without a deputy; attendance 0% (expected 75%)"}
    assert (members["Rachel Green"]["Deputised"], members["Rachel Green"]["Exceptions"]) == ("4", "")
    # Recorded attendance wins over the answer: said yes but did not come, said no but came.
    assert (members["Tom Hughes"]["Absent without word"], members["Tom Hughes"]["Attended"]) == ("4", "0")
    assert members["Aisha Rahman"]["Attended"] == "4" and members["Aisha Rahman"]["Apologies"] == "0"
    assert members["Helen Carter"]["Attendance rate %"] == "100"
    agencies = by(rows(got["agencies.csv"]), "Agency")
    assert agencies["Riverside Police"]["Apologies"] == "4"
    assert agencies["Riverside Police"]["Meetings represented"] == "0"
    assert agencies["NHS Riverside Integrated Care Board"]["Meetings represented"] == "4"
    exceptions = rows(got["exceptions.csv"])
    assert {(e["Member"], e["Exception"]) for e in exceptions} >= {
        ("DI Mark Evans", "missed 4 in a row without a deputy"), ("DI Mark Evans", "below the expected 75%")}
    assert "Helen Carter" not in {e["Member"] for e in exceptions}
    mark = next(e for e in exceptions if e["Member"] == "DI Mark Evans" and e["Exception"].startswith("missed"))
    assert mark["Detail"] == "3 Mar 2026, 5 May 2026, 7 Jul 2026, 8 Sep 2026"


async def test_the_workbook_holds_the_same_figures_as_the_csv_files(chat, arg_history):
    got = files(await chat(CHAIR, "report attendance arg"))
    book = load_workbook(io.BytesIO(got[".xlsx"]))
    assert book.sheetnames == ["Attendance by agency", "Attendance by member", "By exception", "About"]
    sheet = book["Attendance by member"]
    header = [c.value for c in sheet[1]]
    mark = next(dict(zip(header, [c.value for c in row], strict=True)) for row in sheet.iter_rows(min_row=2)
                if row[0].value == "DI Mark Evans")
    assert (mark["Apologies"], mark["Attendance rate %"]) == (4, 0)
    assert [c.value for c in book["About"]["B"]][:3] == ["Attendance: Assurance and Review Group",
                                                        "Assurance and Review Group",
                                                        "Mon 24 Nov 2025 to Mon 23 Nov 2026"]


async def test_the_chart_is_a_png_fit_for_the_papers(chat, arg_history):
    png = files(await chat(CHAIR, "report attendance arg"))[".png"]
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert 1000 <= width <= 2000 and 500 <= height <= 2000
    assert len(png) > 20_000  # bars and words, not a blank image


async def test_a_period_limits_the_meetings_counted(chat, arg_history):
    reply = await chat(CHAIR, "report attendance arg from 2026-05-01 to 31/07/2026")
    assert "2 meetings" in reply.text
    assert reply.title.endswith("Fri 1 May 2026 to Fri 31 Jul 2026")
    assert by(rows(files(reply)["members.csv"]), "Member")["DI Mark Evans"]["Apologies"] == "2"


async def test_the_expected_rate_comes_from_the_partnership_settings(chat, arg_history):
    with session_for(arg_history) as session:
        partnership = session.exec(select(Partnership)).one()
        partnership.settings = {**partnership.settings, "attendance": {"groups": {"arg": {"expected_rate": 90}}},
                                "reminders": {"by_exception": {"missed_in_a_row": 6}}}
        session.add(partnership)
        session.commit()
    reply = await chat(CHAIR, "report attendance arg")
    exceptions = rows(files(reply)["exceptions.csv"])
    assert ("DI Mark Evans", "below the expected 90%") in {(e["Member"], e["Exception"]) for e in exceptions}
    # Rachel's deputy came to every meeting recorded; the one not recorded counts against nobody.
    assert "Rachel Green" not in {e["Member"] for e in exceptions}
    assert not any(e["Exception"].startswith("missed") for e in exceptions)  # 4 in a row is under 6


async def test_only_the_groups_chairs_and_the_business_unit_get_its_attendance_report(chat, arg_history):
    assert not (await chat(ADMIN, "report attendance arg")).is_error
    assert not (await chat(DEPUTY_CHAIR, "report attendance arg")).is_error
    refused = await chat(AUDIT_CHAIR, "report attendance arg")
    assert refused.is_error and not refused.files
    assert "Only the chair or deputy chair of Assurance and Review Group" in refused.text
    refused = await chat(POLICE, "report attendance arg")
    assert refused.is_error and not refused.files
    assert "Only chairs and the business unit" in refused.text
    assert not (await chat(AUDIT_CHAIR, "report attendance audit")).is_error


# --- returns ----------------------------------------------------------------------------------------------


async def test_returns_by_agency_on_time_late_by_working_days_and_outstanding(chat, demo):
    with session_for(demo) as session:
        la_s11 = session.exec(select(DataReturn).where(DataReturn.kind == "s11", DataReturn.owner_id ==
                                                       member_id(session, CHAIR))).one()
        la_s11.submitted_at = datetime(2026, 11, 20, 15, tzinfo=timezone.utc)  # due Tue 17th: 3 working days late
        police = session.exec(select(DataReturn).where(DataReturn.owner_id == member_id(session, POLICE))).one()
        police.due_date, police.submitted_at = date(2026, 9, 30), datetime(2026, 9, 29, 12, tzinfo=timezone.utc)
        session.add_all([la_s11, police])
        session.commit()

    reply = await chat(ADMIN, "report returns")

    assert "3 returns due" in reply.text and "1 on time, 1 late, 1 outstanding" in reply.text
    assert "Section 11 self-assessment (Riverside Community Housing), 4 working days late" in reply.text
    got = files(reply)
    detail = by(rows(got["returns.csv"]), "Agency")
    assert detail["Riverside Council Children's Services"]["Status"] == "late"
    assert detail["Riverside Council Children's Services"]["Working days late"] == "3"
    assert detail["Riverside Council Children's Services"]["Submitted"] == "2026-11-20"
    assert detail["Riverside Police"]["Status"] == "on time"
    assert detail["Riverside Council Children's Services"]["Kind"] == "Section 11 self-assessment"
    assert all(r["Ref"].startswith("#") for r in rows(got["returns.csv"]))  # as chat writes them
    assert detail["Riverside Community Housing"]["Status"] == "outstanding"
    agencies = by(rows(got["agencies.csv"]), "Agency")
    assert agencies["Riverside Community Housing"]["Outstanding"] == "1"
    assert agencies["Riverside Community Housing"]["Most working days late"] == "4"


async def test_a_period_into_the_future_shows_returns_not_yet_due(chat):
    reply = await chat(ADMIN, "report returns from 2026-11-01 to 2026-12-31")
    statuses = [r["Status"] for r in rows(files(reply)["returns.csv"])]
    assert statuses.count("not yet due") == 5 and statuses.count("outstanding") == 2


async def test_a_chair_sees_the_returns_of_the_agencies_on_their_own_group(chat, demo):
    reply = await chat(AUDIT_CHAIR, "report returns from 2026-11-01 to 2026-12-31")
    agencies = {r["Agency"] for r in rows(files(reply)["returns.csv"])}
    assert "Riverside Community Housing" not in agencies  # housing has no seat on the audit group
    assert "Riverside Council Children's Services" in agencies
    assert "Multi-Agency Audit Group" in reply.text
    refused = await chat(AUDIT_CHAIR, "report returns arg")
    assert refused.is_error and "Only the chair or deputy chair of Assurance and Review Group" in refused.text
    assert (await chat(PRACTITIONER, "report returns")).is_error


# --- actions ----------------------------------------------------------------------------------------------


async def test_actions_open_overdue_and_completed_by_agency_and_source_with_the_oldest_named(chat, demo):
    assert (await chat(CHAIR, "action done 2")).changed  # the Section 11 action, completed today

    reply = await chat(ADMIN, "report actions")

    assert "5 open actions, 2 overdue; 1 completed" in reply.text
    assert ("Oldest overdue: #6 Brief housing officers on escalation policy (Aisha Rahman, overdue by 25 working "
            "days)") in reply.text
    got = files(reply)
    detail = by(rows(got["actions.csv"]), "Ref")
    assert detail["#2"]["Status"] == "completed" and detail["#2"]["Completed"] == "2026-11-23"
    assert detail["#6"]["Status"] == "overdue" and detail["#6"]["Working days overdue"] == "25"
    assert detail["#3"]["Source type"] == "Review" and detail["#1"]["Source type"] == "Audit"
    summary = {(r["By"], r["Name"]): r for r in rows(got["summary.csv"])}
    assert summary[("Source", "Audit")]["Open"] == "2" and summary[("Source", "Audit")]["Overdue"] == "1"
    assert summary[("Source", "Section 11")]["Completed in period"] == "1"
    assert summary[("Agency", "Riverside Community Housing")]["Oldest overdue"].startswith(
        "#6 Brief housing officers")


async def test_a_chair_gets_the_actions_of_their_own_groups_members(chat, demo):
    with session_for(demo) as session:
        sam = session.exec(select(Member).where(Member.email == "sam.patel@police.example.org")).one()
        session.add(Action(title="Share exploitation audit findings with response teams", owner_id=sam.id,
                           agency_id=sam.agency_id, source="Exploitation audit", due_date=date(2026, 12, 4)))
        session.commit()
    audit_refs = {r["Action"] for r in rows(files(await chat(AUDIT_CHAIR, "report actions"))["actions.csv"])}
    assert audit_refs == {"Share exploitation audit findings with response teams"}
    arg_refs = {r["Action"] for r in rows(files(await chat(CHAIR, "report actions"))["actions.csv"])}
    assert "Share exploitation audit findings with response teams" not in arg_refs and len(arg_refs) == 6
    refused = await chat(HOUSING, "report actions")
    assert refused.is_error and "Only chairs and the business unit" in refused.text


async def test_text_that_looks_like_a_formula_stays_text_in_the_files(chat, demo):
    with session_for(demo) as session:
        helen = session.exec(select(Member).where(Member.email == CHAIR)).one()
        session.add(Action(title='=HYPERLINK("http://bad.example","click")', owner_id=helen.id,
                           agency_id=helen.agency_id, due_date=date(2026, 12, 1)))
        session.commit()
    got = files(await chat(ADMIN, "report actions"))
    titles = {r["Action"] for r in rows(got["actions.csv"])}
    assert "'=HYPERLINK(\"http://bad.example\",\"click\")" in titles
    sheet = load_workbook(io.BytesIO(got[".xlsx"]))["Open and completed actions"]
    cell = next(r[1] for r in sheet.iter_rows(min_row=2) if str(r[1].value).startswith("=HYPERLINK"))
    assert cell.data_type == "s"


async def test_text_that_looks_like_an_excel_error_stays_text_in_the_workbook(chat, demo):
    """A source copied from a spreadsheet can read "#N/A"; in the workbook it is that text, not
    an error value that breaks the sums and filters a business manager runs on the sheet."""
    with session_for(demo) as session:
        helen = session.exec(select(Member).where(Member.email == CHAIR)).one()
        session.add(Action(title="#N/A", source="#REF!", owner_id=helen.id, agency_id=helen.agency_id,
                           due_date=date(2026, 12, 1)))
        session.commit()
    got = files(await chat(ADMIN, "report actions"))
    sheet = load_workbook(io.BytesIO(got[".xlsx"]))["Open and completed actions"]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[1].value == "#N/A")
    assert (row[1].data_type, row[4].value, row[4].data_type) == ("s", "#REF!", "s")


async def test_a_line_break_pasted_from_word_does_not_stop_the_workbook(chat, demo):
    """Word's line break inside a paragraph is a control character (\\x0b) that a workbook cannot
    hold; the report still comes, with a space in its place in the workbook and the text as it
    was in the CSV."""
    with session_for(demo) as session:
        helen = session.exec(select(Member).where(Member.email == CHAIR)).one()
        session.add(Action(title="Review the neglect toolkit\x0bwith schools", owner_id=helen.id,
                           agency_id=helen.agency_id, due_date=date(2026, 12, 1)))
        session.commit()
    reply = await chat(ADMIN, "report actions")
    assert not reply.is_error
    got = files(reply)
    assert "Review the neglect toolkit\x0bwith schools" in {r["Action"] for r in rows(got["actions.csv"])}
    sheet = load_workbook(io.BytesIO(got[".xlsx"]))["Open and completed actions"]
    assert "Review the neglect toolkit with schools" in {r[1].value for r in sheet.iter_rows(min_row=2)}


async def test_the_workbook_reads_like_a_table_bold_headings_real_dates_and_columns_that_fit(chat, demo):
    """What a business manager sees on opening the file: bold headings that stay in view when
    scrolling, dates Excel can sort and filter (shown day first), each column as wide as its
    longest value up to a limit, and an About sheet saying what the report covers."""
    got = files(await chat(ADMIN, "report actions"))
    book = load_workbook(io.BytesIO(got[".xlsx"]))
    sheet = book["Open and completed actions"]
    headings = [c.value for c in sheet[1]]
    assert all(c.font.bold for c in sheet[1]) and not any(c.font.bold for c in sheet[2])
    assert sheet.freeze_panes == "A2"
    due = headings.index("Due")
    dues = [r[due] for r in sheet.iter_rows(min_row=2)]
    assert dues and all(isinstance(c.value, datetime) and c.number_format == "dd/mm/yyyy" for c in dues)
    titles = [str(r[1].value) for r in sheet.iter_rows(min_row=2)]
    assert sheet.column_dimensions["B"].width == min(60, max(map(len, titles + [headings[1]]))) + 2
    assert sheet.column_dimensions["A"].width == max(len(headings[0]),
                                                     *(len(str(r[0].value)) for r in sheet.iter_rows(min_row=2))) + 2
    about = book["About"]
    assert [c.value for c in about["A"]] == ["Report", "Covers", "Period", "Produced", "By"]
    assert about.column_dimensions["B"].width == 60


async def test_a_table_longer_than_a_sheet_goes_on_in_the_next_sheet(chat, demo, monkeypatch):
    """A spreadsheet holds 1,048,575 rows under its headings; a longer table goes on in a second
    sheet, headings and all, and nothing is left out."""
    monkeypatch.setattr("handlers.reports.SHEET_ROWS", 2)
    got = files(await chat(ADMIN, "report actions"))
    every = rows(got["actions.csv"])
    assert len(every) > 4
    book = load_workbook(io.BytesIO(got[".xlsx"]))
    parts = [book[name] for name in book.sheetnames if name.startswith("Open and completed actions")]
    assert [p.title for p in parts][:3] == ["Open and completed actions", "Open and completed actions (2)",
                                            "Open and completed actions (3)"]
    headings = [c.value for c in parts[0][1]]
    assert all([c.value for c in p[1]] == headings for p in parts)
    refs = [r[0].value for p in parts for r in p.iter_rows(min_row=2)]
    assert all(p.max_row <= 3 for p in parts)
    assert refs == [r["Ref"] for r in every]


# --- escalations ------------------------------------------------------------------------------------------


async def test_the_escalations_report_has_counts_and_references_but_never_the_summary(chat, demo):
    with session_for(demo) as session:
        escalation = session.exec(select(Escalation)).one()
        summary_text = escalation.summary
        escalation.acknowledged_at = datetime(2026, 11, 23, 8, tzinfo=timezone.utc)  # raised Thu 19th
        escalation.stage = 2
        escalation.assigned_to_id = member_id(session, CHAIR)
        session.add(escalation)
        session.add(EscalationStageChange(escalation_id=escalation.id, stage=2))
        session.commit()

    reply = await chat(CHAIR, "report escalations")

    assert "1 escalation raised" in reply.text and "Median time to acknowledge: 2 working days" in reply.text
    got = files(reply)
    for data in got.values():
        assert b"single assessment" not in data and summary_text.encode() not in data
    (row,) = rows(got["escalations.csv"])
    assert row == {"Ref": "E1", "Case reference": "CH-20417", "Raised": "2026-11-19",
                   "Agency raising": "Riverside Community Health Trust",
                   "Agency handling": "Riverside Council Children's Services",
                   "Category": "Agencies disagree about a case", "Urgency": "routine",
                   "Stage reached": "2", "Acknowledged": "2026-11-23", "Working days to acknowledge": "2",
                   "Closed": "", "Working days to close": ""}
    summary = {(r["Measure"], r["Value"]): r for r in rows(got["summary.csv"])}
    assert summary[("Stage reached", "Stage 2")]["Raised"] == "1"
    assert summary[("Agency raising", "Riverside Community Health Trust")]["Acknowledged"] == "1"


async def test_only_the_people_who_handle_escalations_get_the_escalations_report(chat):
    assert not (await chat(ADMIN, "report escalations")).is_error
    refused = await chat(AUDIT_CHAIR, "report escalations")
    assert refused.is_error and "Only the people who handle escalations" in refused.text


async def parameters_of_each_statement(engine, ask) -> list[int]:
    sizes: list[int] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        sizes.append(len(parameters or ()))

    event.listen(engine, "before_cursor_execute", count)
    try:
        reply = await ask()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert not reply.is_error, reply.text
    return sizes


async def test_the_whole_partnerships_reports_never_list_its_people_or_escalations_in_sql(chat, demo):
    """A statement names at most 32,766 values on SQLite and 65,535 on PostgreSQL: a report that
    listed every member's id (or every escalation's) would fail for a large partnership. However
    many people and escalations there are, each statement's parameters stay the same."""
    asks = {kind: (lambda kind=kind: chat(ADMIN, f"report {kind}")) for kind in ("actions", "escalations")}
    before = {kind: await parameters_of_each_statement(demo, ask) for kind, ask in asks.items()}
    with session_for(demo) as session:
        raiser = session.exec(select(Member).where(Member.email == PRACTITIONER)).one()
        for n in range(40):
            person = Member(partnership_id=raiser.partnership_id, email=f"new{n}@police.example.org",
                            name=f"New Starter {n}", agency_id=raiser.agency_id)
            session.add(person)
            session.add(Escalation(raised_by_id=raiser.id, agency_id=raiser.agency_id, category="practice",
                                   summary=f"A disagreement {n}", raised_at=DEFAULT_NOW,
                                   stage_entered_at=DEFAULT_NOW))
        session.commit()
    after = {kind: await parameters_of_each_statement(demo, ask) for kind, ask in asks.items()}
    assert after == before


# --- asking the wrong way ---------------------------------------------------------------------------------


@pytest.mark.parametrize("line, says", [
    ("report", "Which report?"),
    ("report minutes", "There is no 'minutes' report"),
    ("report attendance nowhere", "I don't know a group called 'nowhere'"),
    ("report actions from soon", "'soon' is not a date"),
    ("report actions from 2026-06-01 to 2026-01-01", "starts (Mon 1 Jun 2026) after it ends"),
    ("report escalations arg", "leave out the group"),
])
async def test_mistakes_get_a_reply_that_says_how_to_ask(chat, line, says):
    reply = await chat(ADMIN, line)
    assert reply.is_error and says in reply.text


# --- the command line -------------------------------------------------------------------------------------


def test_the_command_writes_the_files_and_prints_where(demo, tmp_path, capsys):
    url = demo.url.render_as_string(hide_password=False)
    out = tmp_path / "reports"

    assert report_command(url, kind="attendance", group="arg", output=str(out), now=DEFAULT_NOW) == 0

    printed = capsys.readouterr().out.splitlines()
    written = sorted(p.name for p in out.iterdir())
    assert len(written) == 5 and all(str(out / name) in printed for name in written)
    assert any(name.endswith(".png") for name in written)


def test_the_command_applies_the_permissions_of_the_member_named(demo, tmp_path, capsys):
    url = demo.url.render_as_string(hide_password=False)
    tmp_path = tmp_path / "reports"
    assert report_command(url, kind="escalations", output=str(tmp_path), as_email=POLICE) == 2
    assert "Only the people who handle escalations" in capsys.readouterr().err
    assert report_command(url, kind="actions", output=str(tmp_path), as_email="nobody@example.org") == 2
    assert report_command(url, kind="attendance", output=str(tmp_path)) == 2
    assert "Which group?" in capsys.readouterr().err
    assert not tmp_path.exists()


async def test_a_period_back_to_front_is_told_in_the_words_of_where_it_was_asked(chat, demo, capsys):
    in_chat = await chat(ADMIN, "report actions from 2026-06-01 to 2026-01-01")
    assert in_chat.is_error and "Give `from` before `to`" in in_chat.text and "--from" not in in_chat.text
    url = demo.url.render_as_string(hide_password=False)
    assert report_command(url, kind="actions", start=date(2026, 6, 1), end=date(2026, 1, 1), now=DEFAULT_NOW) == 2
    assert "Give --from before --to" in capsys.readouterr().err
