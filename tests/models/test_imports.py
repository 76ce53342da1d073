"""Importing action plans, members and the returns schedule from the spreadsheets people keep."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlmodel import func, select

from models.audit import AuditEvent
from models.db import session_for
from models.groups import Group, Membership
from bot.commands.imports import import_command
from models.imports import ImportFileError, Importer, Outcome, run_import, the_partnership
from models.partnership import Agency, Member
from models.work import Action, ActionUpdate, DataReturn
from tests import factories
from tests.conftest import DEFAULT_NOW

COVENTRY_HEADERS = ["Ref", "Action (SMART)", "By Whom", "By When", "Progress/update", "RAG"]


def workbook(path: Path, rows: list[list], *, headers=COVENTRY_HEADERS, preamble=True, sheet="Action plan") -> Path:
    """An action plan as the audit tool's Excel file holds it: a title above the table."""
    book = Workbook()
    ws = book.active
    ws.title = sheet
    if preamble:
        ws.append(["Multi-agency neglect audit 2026: action plan"])
        ws.append([])
    ws.append(headers)
    for row in rows:
        ws.append(row)
    book.save(path)
    return path


def csv_file(path: Path, text: str, encoding: str = "utf-8-sig") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def do_import(engine, kind, path, *, dry_run=False):
    with session_for(engine) as session:
        return run_import(kind, path, session=session, partnership=the_partnership(session),
                          importer=Importer(None, f"import:{Path(path).name}"), now=DEFAULT_NOW, dry_run=dry_run)


def counts(engine) -> dict[str, int]:
    with session_for(engine) as session:
        return {model.__name__: session.exec(select(func.count()).select_from(model)).one()
                for model in (Action, ActionUpdate, AuditEvent, Member, Membership, DataReturn)}


def action_called(engine, title: str) -> Action:
    with session_for(engine) as session:
        return session.exec(select(Action).where(Action.title == title)).one()


def notes_on(engine, action_id: int) -> list[str]:
    with session_for(engine) as session:
        return list(session.exec(select(ActionUpdate.text).where(ActionUpdate.action_id == action_id)
                                 .order_by(ActionUpdate.id)))


PLAN = [
    [1, "Circulate the revised neglect toolkit to all GP practices in the city", "Dr Amara Okafor",
     datetime(2027, 3, 31), "Draft shared with the LMC", "Amber"],
    [2, "Brief police response teams on the neglect toolkit", "mark.evans@police.example.org", "30/04/2027", None,
     "Red"],
    [3, "Add a father-inclusive prompt to health visiting templates", "Tom Hughes (Community Health)",
     "31st May 2027", "", ""],
]


# --- action plans -----------------------------------------------------------------------------------


def test_an_audit_tool_action_plan_creates_actions_with_owners_matched_by_name_or_email(demo, tmp_path):
    report = do_import(demo, "actions", workbook(tmp_path / "Neglect audit 2026.xlsx", PLAN))

    assert [r.outcome for r in report.results] == [Outcome.CREATED] * 3
    assert (report.sheet, report.header_row) == ("Action plan", 3)
    assert [r.row for r in report.results] == [4, 5, 6]
    toolkit = action_called(demo, PLAN[0][1])
    with session_for(demo) as session:
        owner = session.get(Member, toolkit.owner_id)
        assert owner.email == "amara.okafor@icb.example.org"
        assert toolkit.agency_id == owner.agency_id
    assert toolkit.due_date == date(2027, 3, 31)
    assert toolkit.source == "Neglect audit 2026"  # no Source column: the file's name says where it came from
    assert notes_on(demo, toolkit.id) == ["Draft shared with the LMC"]
    assert action_called(demo, PLAN[1][1]).due_date == date(2027, 4, 30)  # UK order: 30 April
    assert action_called(demo, PLAN[2][1]).due_date == date(2027, 5, 31)
    assert "Created 3, updated 0" in "\n".join(report.lines()).replace("3 created, 0 updated", "Created 3, updated 0")


def test_importing_the_same_file_again_changes_nothing(demo, tmp_path):
    path = workbook(tmp_path / "plan.xlsx", PLAN)
    do_import(demo, "actions", path)
    before = counts(demo)

    again = do_import(demo, "actions", path)

    assert [r.outcome for r in again.results] == [Outcome.UNCHANGED] * 3
    assert counts(demo) == before
    assert "  unchanged: rows 4-6" in again.lines()


def test_an_updated_plan_updates_dates_and_adds_new_progress_as_an_update(demo, tmp_path):
    do_import(demo, "actions", workbook(tmp_path / "plan.xlsx", PLAN))
    toolkit = action_called(demo, PLAN[0][1])
    updated = [list(r) for r in PLAN]
    updated[0][3] = datetime(2027, 5, 28)
    updated[0][4] = "Sent to all 42 practices"
    updated[1][4] = "Briefing booked for 12 May"

    report = do_import(demo, "actions", workbook(tmp_path / "plan v2.xlsx", updated))

    assert [r.outcome for r in report.results] == [Outcome.UPDATED, Outcome.UPDATED, Outcome.UNCHANGED]
    assert "due Wed 31 Mar 2027 -> Fri 28 May 2027" in report.results[0].detail
    assert action_called(demo, PLAN[0][1]).due_date == date(2027, 5, 28)
    assert notes_on(demo, toolkit.id) == ["Draft shared with the LMC", "Sent to all 42 practices"]
    with session_for(demo) as session:
        change = session.exec(select(AuditEvent).where(AuditEvent.action == "action.changed",
                                                       AuditEvent.entity_id == toolkit.id)).one()
        assert change.before == {"due_date": "2027-03-31"} and change.after == {"due_date": "2027-05-28"}
        assert change.actor_label == "import:plan v2.xlsx"


def test_progress_already_noted_in_chat_is_not_added_twice(demo, tmp_path):
    path = workbook(tmp_path / "plan.xlsx", PLAN)
    do_import(demo, "actions", path)
    toolkit = action_called(demo, PLAN[0][1])
    with session_for(demo) as session:
        session.add(ActionUpdate(action_id=toolkit.id, author_id=toolkit.owner_id, text="Chased two practices"))
        session.commit()

    report = do_import(demo, "actions", path)

    assert report.results[0].outcome == Outcome.UNCHANGED
    assert notes_on(demo, toolkit.id) == ["Draft shared with the LMC", "Chased two practices"]


def test_a_plan_can_update_actions_already_held_and_change_their_owner(demo, tmp_path):
    rows = [[1, "Brief housing officers on escalation policy", "Gary Moore", "31/01/2027", "Booked", ""]]
    report = do_import(demo, "actions", workbook(tmp_path / "plan.xlsx", rows))

    assert report.results[0].outcome == Outcome.UPDATED
    assert "owner Aisha Rahman -> Gary Moore" in report.results[0].detail
    action = action_called(demo, "Brief housing officers on escalation policy")
    with session_for(demo) as session:
        assert session.get(Member, action.owner_id).name == "Gary Moore"
        assert session.get(Agency, action.agency_id).key == "probation"


def test_unknown_and_unclear_owners_are_reported_row_by_row_and_the_rest_is_imported(demo, tmp_path):
    with session_for(demo) as session:
        police = session.exec(select(Agency).where(Agency.key == "police")).one()
        factories.member(session, police, "Rachel Green", email="rachel.green@police.example.org")
    rows = PLAN[:1] + [
        [2, "Share learning from the review", "Jane Nobody", "31/03/2027", "", ""],
        [3, "Refresh the escalation policy", "Rachel Green", "31/03/2027", "", ""],
        [4, "Joint briefing", "Helen Carter and Mark Evans", "31/03/2027", "", ""],
        [5, "Update the threshold guidance", "nobody@elsewhere.example.org", "31/03/2027", "", ""],
        [6, "Check the training offer", "Ben Taylor", "when possible", "", ""],
        [7, None, "Ben Taylor", "31/03/2027", "orphan progress", ""],
    ]

    report = do_import(demo, "actions", workbook(tmp_path / "plan.xlsx", rows))

    outcomes = {r.row: (r.outcome, r.detail) for r in report.results}
    assert outcomes[4][0] == Outcome.CREATED
    assert "nobody called 'Jane Nobody'" in outcomes[5][1]
    assert "2 members are called 'Rachel Green'" in outcomes[6][1]
    assert "rachel.green@icb.example.org" in outcomes[6][1]
    assert "more than one person" in outcomes[7][1]
    assert "nobody@elsewhere.example.org is not a member" in outcomes[8][1]
    assert "'when possible' is not a date" in outcomes[9][1]
    assert "Action (SMART) cell is empty" in outcomes[10][1]
    assert all(outcomes[n][0] == Outcome.NOT_IMPORTED for n in range(5, 11))
    with session_for(demo) as session:
        assert session.exec(select(Action).where(Action.title == "Share learning from the review")).first() is None


def test_a_status_column_closes_actions_but_an_old_file_never_reopens_them(demo, tmp_path):
    headers = ["Action", "Owner", "Deadline", "Status"]
    rows = [["Brief housing officers on escalation policy", "Aisha Rahman", "19/10/2026", "Complete"]]
    do_import(demo, "actions", workbook(tmp_path / "plan.xlsx", rows, headers=headers, preamble=False))
    action = action_called(demo, rows[0][0])
    assert action.status == "done" and action.completed_at == DEFAULT_NOW

    rows[0][3] = "Open"
    report = do_import(demo, "actions", workbook(tmp_path / "old.xlsx", rows, headers=headers, preamble=False))
    assert action_called(demo, rows[0][0]).status == "done"
    assert "not reopened" in report.results[0].detail


def test_an_action_the_file_drops_keeps_its_progress_as_the_reason(demo, tmp_path):
    headers = ["Action", "Owner", "Deadline", "Status", "Progress/update"]
    rows = [["Retire the old referral form", "Aisha Rahman", "19/10/2026", "Withdrawn",
             "Superseded by the MASH's new form"],
            ["Retire the paper consent form", "Aisha Rahman", "19/10/2026", "Withdrawn", ""]]
    do_import(demo, "actions", workbook(tmp_path / "plan.xlsx", rows, headers=headers, preamble=False))
    assert action_called(demo, rows[0][0]).dropped_reason == "Superseded by the MASH's new form"
    assert action_called(demo, rows[1][0]).dropped_reason == "closed in the imported action plan"


def test_an_action_the_file_marks_complete_is_reported_as_created_closed(demo, tmp_path):
    headers = ["Action", "Owner", "Deadline", "Status"]
    rows = [["Share the neglect audit findings", "Aisha Rahman", "19/10/2026", "Complete"],
            ["Retire the old referral form", "Aisha Rahman", "19/10/2026", "Withdrawn"],
            ["Refresh the escalation leaflet", "Aisha Rahman", "31/03/2027", "Open"]]
    path = workbook(tmp_path / "plan.xlsx", rows, headers=headers, preamble=False)

    report = do_import(demo, "actions", path)

    assert [(r.outcome, r.state) for r in report.results] == [
        (Outcome.CREATED, "closed"), (Outcome.CREATED, "closed"), (Outcome.CREATED, "")]
    text = "\n".join(report.lines())
    assert ('row 2: created (closed): "Share the neglect audit findings" (Aisha Rahman, due Mon 19 Oct 2026; '
            "closed as done, as the file's Status says)") in text
    assert "row 3: created (closed): \"Retire the old referral form\"" in text and "closed as dropped" in text
    assert 'row 4: created: "Refresh the escalation leaflet" (Aisha Rahman, due Wed 31 Mar 2027)' in text
    assert [action_called(demo, row[0]).status for row in rows] == ["done", "dropped", "open"]
    dry = do_import(demo, "actions", workbook(tmp_path / "again.xlsx", [[f"{rows[0][0]}, again", *rows[0][1:]]],
                                              headers=headers, preamble=False), dry_run=True)
    assert "row 2: would be created (closed):" in "\n".join(dry.lines())


def test_a_dry_run_shows_what_would_change_and_changes_nothing(demo, tmp_path):
    before = counts(demo)
    report = do_import(demo, "actions", workbook(tmp_path / "plan.xlsx", PLAN), dry_run=True)

    assert [r.outcome for r in report.results] == [Outcome.CREATED] * 3
    text = "\n".join(report.lines())
    assert "row 4: would be created" in text and "nothing was saved" in text
    assert counts(demo) == before


def test_wrong_headers_are_refused_naming_the_missing_column(demo, tmp_path):
    before = counts(demo)
    path = workbook(tmp_path / "plan.xlsx", PLAN, headers=["Ref", "Action (SMART)", "Who knows", "By When"])
    with pytest.raises(ImportFileError) as error:
        do_import(demo, "actions", path)
    assert "no column for 'By whom'" in str(error.value)
    assert "'Action (SMART)'" in str(error.value) and "row 3" in str(error.value)
    assert counts(demo) == before


def test_an_xlsx_that_is_really_text_is_refused(demo, tmp_path):
    path = csv_file(tmp_path / "plan.xlsx", "Action,By whom,By when\nSomething,Ben Taylor,31/03/2027\n")
    with pytest.raises(ImportFileError, match="named .xlsx but is text .*not an Excel workbook"):
        do_import(demo, "actions", path)


def test_a_csv_that_is_really_a_workbook_is_refused(demo, tmp_path):
    path = workbook(tmp_path / "plan.xlsx", PLAN).rename(tmp_path / "plan.csv")
    with pytest.raises(ImportFileError, match="really an Excel workbook"):
        do_import(demo, "actions", path)


@pytest.mark.parametrize("name", ["plan.xlsx", "plan.csv"])
def test_an_empty_file_is_refused(demo, tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"")
    with pytest.raises(ImportFileError, match="is empty"):
        do_import(demo, "actions", path)


def test_a_header_with_nothing_under_it_is_refused(demo, tmp_path):
    with pytest.raises(ImportFileError, match="no actions under it"):
        do_import(demo, "actions", workbook(tmp_path / "plan.xlsx", []))


def test_other_file_types_are_refused_with_what_to_do(demo, tmp_path):
    old = tmp_path / "plan.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0 old excel")
    with pytest.raises(ImportFileError, match="old Excel format"):
        do_import(demo, "actions", old)
    with pytest.raises(ImportFileError, match="There is no file"):
        do_import(demo, "actions", tmp_path / "missing.xlsx")


def test_a_csv_saved_by_excel_in_windows_encoding_with_semicolons_is_read(demo, tmp_path):
    text = ("Action (SMART);By whom;By when;Progress/update\r\n"
            "Review Ofsted's JTAI findings with the named partners;Helen Carter;15/02/2027;Café meeting held\r\n")
    path = csv_file(tmp_path / "plan.csv", text, encoding="cp1252")
    report = do_import(demo, "actions", path)
    assert report.results[0].outcome == Outcome.CREATED and report.results[0].row == 2
    action = action_called(demo, "Review Ofsted's JTAI findings with the named partners")
    assert notes_on(demo, action.id) == ["Café meeting held"]


def test_a_malformed_csv_changes_nothing(demo, tmp_path):
    before = counts(demo)
    path = csv_file(tmp_path / "plan.csv", 'Action,By whom,By when\n"Unclosed quote,Ben Taylor,31/03/2027\n')
    with pytest.raises(ImportFileError):
        do_import(demo, "actions", path)
    assert counts(demo) == before


def planner_statistics(engine) -> bool:
    if engine.dialect.name != "sqlite":
        return False
    with engine.connect() as connection:
        return connection.exec_driver_sql("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'").scalar() > 0


def test_the_command_prints_the_report_and_says_how_it_went(demo, tmp_path, capsys):
    url = demo.url.render_as_string(hide_password=False)
    rows = PLAN + [[4, "Share learning", "Jane Nobody", "31/03/2027", "", ""]]
    path = workbook(tmp_path / "plan.xlsx", rows)

    assert import_command(url, kind="actions", path=str(path), dry_run=True) == 1
    out = capsys.readouterr().out
    assert "Dry run: importing actions from plan.xlsx" in out and "row 7: NOT imported" in out
    assert not planner_statistics(demo)  # a dry run writes nothing, figures included

    assert import_command(url, kind="actions", path=str(path)) == 1
    assert "3 created" in capsys.readouterr().out
    assert planner_statistics(demo) or demo.dialect.name != "sqlite"  # SQLite's planner is told the new sizes
    assert import_command(url, kind="actions", path=str(workbook(tmp_path / "good.xlsx", PLAN))) == 0
    assert "3 unchanged" in capsys.readouterr().out

    bad = csv_file(tmp_path / "bad.xlsx", "not a workbook")
    assert import_command(url, kind="actions", path=str(bad)) == 2
    assert "Nothing was imported" in capsys.readouterr().err


# --- members ----------------------------------------------------------------------------------------


MEMBER_HEADERS = ["Name", "Email address", "Organisation", "Group", "Role", "Phone"]


def test_members_are_created_and_seated_and_a_second_import_changes_nothing(demo, tmp_path):
    rows = [
        ["Kate Wells", "Kate.Wells@police.example.org", "police", "arg", "Member", "0121"],
        ["Kate Wells", "kate.wells@police.example.org", "Riverside Police", "Multi-Agency Audit Group", "Chair", ""],
        ["DI Mark Evans", "mark.evans@police.example.org", "police", "audit", "Vice chair", ""],
        ["Dan Price", "dan.price@council.example.org", "la", "audit", "Member", ""],  # hands the chair over
    ]
    path = workbook(tmp_path / "members.xlsx", rows, headers=MEMBER_HEADERS, preamble=False, sheet="Members")

    report = do_import(demo, "members", path)

    assert [r.outcome for r in report.results] == [Outcome.CREATED, Outcome.UPDATED, Outcome.UPDATED, Outcome.UPDATED]
    assert report.warnings == [] and "chair of audit" in report.results[1].detail
    with session_for(demo) as session:
        kate = session.exec(select(Member).where(Member.email == "kate.wells@police.example.org")).one()
        roles = dict(session.exec(select(Group.key, Membership.role).join(Membership)
                                  .where(Membership.member_id == kate.id)).all())
        assert roles == {"arg": "member", "audit": "chair"}
        mark = session.exec(select(Member).where(Member.email == "mark.evans@police.example.org")).one()
        audit = session.exec(select(Group).where(Group.key == "audit")).one()
        assert session.exec(select(Membership.role).where(Membership.member_id == mark.id,
                                                          Membership.group_id == audit.id)).one() == "deputy_chair"
    before = counts(demo)
    again = do_import(demo, "members", path)
    assert [r.outcome for r in again.results] == [Outcome.UNCHANGED] * 4
    assert counts(demo) == before


def test_member_rows_with_unknown_agencies_groups_or_roles_are_not_imported(demo, tmp_path):
    rows = [
        ["Lee Park", "lee.park@fire.example.org", "fire service", "arg", "member", ""],
        ["Lee Park", "lee.park@la.example.org", "la", "exec board", "member", ""],
        ["Lee Park", "lee.park@la.example.org", "la", "arg", "treasurer", ""],
        ["Lee Park", "not-an-email", "la", "", "", ""],
    ]
    report = do_import(demo, "members", workbook(tmp_path / "m.xlsx", rows, headers=MEMBER_HEADERS, preamble=False))
    details = [r.detail for r in report.results]
    assert all(r.outcome == Outcome.NOT_IMPORTED for r in report.results)
    assert "'fire service' is unknown" in details[0] and "police" in details[0]
    assert "Group 'exec board' is unknown" in details[1]
    assert "Role 'treasurer'" in details[2]
    assert "'not-an-email' is not an email address" in details[3]


def test_a_member_import_changes_a_name_and_agency(demo, tmp_path):
    rows = [["Sam Patel", "sam.patel@police.example.org", "icb", "", "", ""]]
    report = do_import(demo, "members", workbook(tmp_path / "m.csv.xlsx", rows, headers=MEMBER_HEADERS,
                                                 preamble=False))
    assert report.results[0].outcome == Outcome.UPDATED
    assert "name DS Sam Patel -> Sam Patel" in report.results[0].detail
    with session_for(demo) as session:
        sam = session.exec(select(Member).where(Member.email == "sam.patel@police.example.org")).one()
        assert session.get(Agency, sam.agency_id).key == "icb"
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "member.changed")).one()
        assert event.before["name"] == "DS Sam Patel" and event.after["name"] == "Sam Patel"


def seats_on(engine, group_key: str) -> dict[str, str]:
    with session_for(engine) as session:
        return dict(session.exec(select(Member.email, Membership.role).join(Membership)
                                 .join(Group, Group.id == Membership.group_id).where(Group.key == group_key)).all())


def test_a_second_chair_or_deputy_chair_is_not_seated_and_the_row_names_who_holds_it(demo, tmp_path):
    rows = [
        ["Kate Wells", "kate.wells@police.example.org", "police", "audit", "Chair", ""],  # Dan Price chairs it
        ["Rachel Green", "rachel.green@icb.example.org", "icb", "arg", "Deputy chair", ""],  # Dr Amara Okafor is
        ["Kate Wells", "kate.wells@police.example.org", "police", "arg", "Member", ""],
    ]
    path = workbook(tmp_path / "members.xlsx", rows, headers=MEMBER_HEADERS, preamble=False)
    audit_before, arg_before = seats_on(demo, "audit"), seats_on(demo, "arg")

    dry = do_import(demo, "members", path, dry_run=True)
    report = do_import(demo, "members", path)

    for run in (dry, report):
        assert [(r.row, r.outcome) for r in run.warnings] == [(2, Outcome.CREATED), (3, Outcome.UNCHANGED)]
    assert report.results[0].warning == (
        "not made chair of audit: Dan Price is already its chair, and a group has one. To change the chair, give "
        "Dan Price another role on audit (in this file, or with `member add` in chat) and import the file again")
    assert report.results[1].warning.startswith(
        "not made deputy chair of arg: Dr Amara Okafor is already its deputy chair, and a group has one.")
    lines = report.lines()
    assert "  row 2: created: Kate Wells <kate.wells@police.example.org> (Riverside Police)" in lines
    assert "  row 2: WARNING: not made chair of audit: Dan Price is already its chair, and a group has one. " \
           "To change the chair, give Dan Price another role on audit (in this file, or with `member add` in " \
           "chat) and import the file again" in lines
    assert "  row 3: unchanged: Rachel Green <rachel.green@icb.example.org>" in lines
    assert "1 created, 1 updated, 1 unchanged, 0 not imported, 2 with a warning." in lines
    assert seats_on(demo, "audit") == audit_before
    assert seats_on(demo, "arg") == arg_before | {"kate.wells@police.example.org": "member"}


# --- the returns schedule -----------------------------------------------------------------------------


RETURN_HEADERS = ["Return", "Type", "Agency", "Responsible person", "Period", "Due date"]


def test_the_returns_schedule_is_imported_and_updated(demo, tmp_path):
    rows = [
        ["Multi-agency dataset figures and commentary", "Dataset", "police", "DI Mark Evans", "Q4 2026/27",
         datetime(2027, 4, 20)],
        ["Section 11 self-assessment", "Section 11", "Riverside Police", "mark.evans@police.example.org", "2027",
         "30/06/2027"],
        ["Section 175/157 school safeguarding audit", "S175/157", "", "Ben Taylor", 2027, "March 2027"],
    ]
    path = workbook(tmp_path / "returns.xlsx", rows, headers=RETURN_HEADERS, preamble=False)

    report = do_import(demo, "returns", path)

    assert [r.outcome for r in report.results] == [Outcome.CREATED] * 3
    with session_for(demo) as session:
        s175 = session.exec(select(DataReturn).where(DataReturn.period == "2027",
                                                     DataReturn.kind == "s175")).one()
        assert s175.due_date == date(2027, 3, 31)
        assert session.get(Agency, s175.agency_id).key == "schools"  # the owner's agency when none is given
        s11 = session.exec(select(DataReturn).where(DataReturn.kind == "s11", DataReturn.period == "2027")).one()
        assert session.get(Agency, s11.agency_id).key == "police"

    assert [r.outcome for r in do_import(demo, "returns", path).results] == [Outcome.UNCHANGED] * 3
    rows[0][5] = datetime(2027, 4, 27)
    changed = do_import(demo, "returns", workbook(tmp_path / "returns2.xlsx", rows, headers=RETURN_HEADERS,
                                                  preamble=False))
    assert [r.outcome for r in changed.results] == [Outcome.UPDATED, Outcome.UNCHANGED, Outcome.UNCHANGED]
    assert "due Tue 20 Apr 2027 -> Tue 27 Apr 2027" in changed.results[0].detail
    rows[1][1] = "Self assessment"
    kind = do_import(demo, "returns", workbook(tmp_path / "returns3.xlsx", rows, headers=RETURN_HEADERS,
                                               preamble=False))
    assert kind.results[1].detail == "kind -> Self-assessment"  # named as people say it, not self_assessment


def test_a_return_owned_by_someone_from_another_agency_is_refused(demo, tmp_path):
    rows = [["Section 11 self-assessment", "s11", "housing", "DI Mark Evans", "2027", "30/06/2027"],
            ["Exploitation self-assessment", "thematic review", "la", "Helen Carter", "2027", "30/06/2027"]]
    report = do_import(demo, "returns", workbook(tmp_path / "r.xlsx", rows, headers=RETURN_HEADERS,
                                                 preamble=False))
    assert "DI Mark Evans is from Riverside Police, not Riverside Community Housing" in report.results[0].detail
    assert "Kind 'thematic review' is not one I know" in report.results[1].detail
    assert not report.changed


def test_a_row_naming_a_child_is_not_imported_and_its_words_are_kept_nowhere(demo, tmp_path):
    from tests.handlers.test_no_identifiers_kept import everything_stored, squash

    plan = workbook(tmp_path / "plan.xlsx", [
        [1, "Review the plan for NHS 943 476 5919 with the school", "Dr Amara Okafor", "31/03/2027", "", ""],
        [2, "Brief response teams", "mark.evans@police.example.org", "30/04/2027", "Child DOB 01/02/2019 seen", ""],
        *PLAN[2:]])
    report = do_import(demo, "actions", plan)
    lines = "\n".join(report.lines())
    assert "(row 4)" in lines and "(row 5)" in lines and "NHS number" in lines and "date of birth" in lines
    assert report.count(Outcome.NOT_IMPORTED) == 2 and report.count(Outcome.CREATED) == 1
    for needle in ("9434765919", "01022019"):
        assert needle not in squash(lines) and needle not in everything_stored(demo)


def test_a_source_naming_a_child_is_not_imported_and_kept_nowhere(demo, tmp_path):
    from tests.handlers.test_no_identifiers_kept import everything_stored, squash

    plan = workbook(tmp_path / "plan.xlsx", [
        [1, "Review the plan with the school", "Dr Amara Okafor", "31/03/2027", "", "", "CSPR child 943 476 5919"],
        [2, "Brief response teams", "mark.evans@police.example.org", "30/04/2027", "", "", "Neglect audit"]],
        headers=[*COVENTRY_HEADERS, "Source"])
    report = do_import(demo, "actions", plan)
    lines = "\n".join(report.lines())
    assert [r.outcome for r in report.results] == [Outcome.NOT_IMPORTED, Outcome.CREATED]
    assert "Source: " in lines and "NHS number" in lines
    assert "9434765919" not in squash(lines) and "9434765919" not in everything_stored(demo)
    assert action_called(demo, "Brief response teams").source == "Neglect audit"


def test_the_report_never_repeats_a_child_s_details_from_a_cell_it_did_not_understand(demo, tmp_path):
    from tests.handlers.test_no_identifiers_kept import squash

    plan = workbook(tmp_path / "plan.xlsx", [
        [1, "Review the plan with the school", "943 476 5919", "31/03/2027", "", ""],
        [2, "Brief response teams", "mark.evans@police.example.org", "30/04/2027", "", "", "DOB 12/03/2019"]],
        headers=[*COVENTRY_HEADERS, "Status"])
    lines = "\n".join(do_import(demo, "actions", plan).lines())
    assert "NOT imported" in lines and "removed]" in lines
    assert "9434765919" not in squash(lines) and "12032019" not in squash(lines)


def test_the_report_s_own_row_ranges_are_never_taken_for_an_nhs_number(demo, tmp_path):
    from models.imports.report import ImportReport

    report = ImportReport("actions", "plan.csv", None, 1, True)
    for row in range(2, 110):
        report.add(row, Outcome.UNCHANGED, f'"Action {row}"', "")
    report.results[99].detail = "due Tue 20 Apr 2027 -> Tue 27 Apr 2027"  # row 101 would change
    assert "  unchanged: rows 2-100, 102-109" in report.lines()  # 2100102109 passes the NHS check


@pytest.mark.parametrize("name", ["CSPR child 943 476 5919.xlsx", "Family at B91 3QB.xlsx"])
def test_a_file_whose_name_names_a_child_is_refused_before_it_is_read(demo, tmp_path, name):
    """The file's name goes into the audit trail and, with no Source column, into each action."""
    from tests.handlers.test_no_identifiers_kept import everything_stored, squash

    before = counts(demo)
    with pytest.raises(ImportFileError) as refused:
        do_import(demo, "actions", workbook(tmp_path / name, PLAN))
    assert "rename the file" in str(refused.value)
    assert counts(demo) == before
    for needle in ("9434765919", "B913QB"):
        assert needle not in squash(str(refused.value)) and needle not in squash(everything_stored(demo))


def test_a_return_whose_title_names_a_child_is_not_imported_and_the_rest_are(demo, tmp_path):
    from tests.handlers.test_no_identifiers_kept import everything_stored, squash

    rows = [["Case audit for child born 14/02/2018", "audit", "police", "DI Mark Evans", "2027", "30/06/2027"],
            ["Section 11 self-assessment", "s11", "police", "DI Mark Evans", "2027", "30/06/2027"]]
    report = do_import(demo, "returns", workbook(tmp_path / "r.xlsx", rows, headers=RETURN_HEADERS,
                                                 preamble=False))
    assert [r.outcome for r in report.results] == [Outcome.NOT_IMPORTED, Outcome.CREATED]
    lines = "\n".join(report.lines())
    assert "(row 2)" in lines and "Title: " in lines and "date of birth" in lines
    assert "14022018" not in squash(lines) and "14022018" not in everything_stored(demo)


# --- limits: a file far bigger than any action plan is refused whole, quickly, saying why --------------


def test_more_rows_than_an_import_takes_is_refused_whole(demo, tmp_path, monkeypatch):
    from models.imports import reading

    monkeypatch.setattr(reading, "MAX_ROWS", 2)
    before = counts(demo)
    with pytest.raises(ImportFileError, match="more than 2 rows of actions; the most I import at once is 2"):
        do_import(demo, "actions", workbook(tmp_path / "plan.xlsx", PLAN))
    assert counts(demo) == before


def _with_empty_rows(path: Path, count: int) -> Path:
    """The workbook with `count` empty rows after its table, as a sheet formatted far down holds them."""
    import zipfile

    with zipfile.ZipFile(path) as archive:
        parts = {info.filename: archive.read(info) for info in archive.infolist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    last = sheet.count("<row ")
    empty = "".join(f'<row r="{n}"/>' for n in range(last + 1, last + 1 + count))
    parts["xl/worksheets/sheet1.xml"] = sheet.replace("</sheetData>", empty + "</sheetData>").encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


def test_a_workbook_that_unpacks_to_a_million_empty_rows_is_refused_without_reading_them_all(demo, tmp_path):
    path = _with_empty_rows(workbook(tmp_path / "plan.xlsx", PLAN), 1_000_000)
    assert path.stat().st_size < 3 * 1024 * 1024
    before = counts(demo)
    with pytest.raises(ImportFileError, match="goes on for more than 100,000 rows under the header, most of them "
                                              "empty. Delete the empty rows"):
        do_import(demo, "actions", path)
    assert counts(demo) == before


def test_a_workbook_that_unpacks_past_the_limit_is_refused_before_it_is_opened(demo, tmp_path, monkeypatch):
    import zipfile

    from models.imports import reading

    path = workbook(tmp_path / "plan.xlsx", PLAN)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/padding.bin", b"\0" * (3 * 1024 * 1024))
    monkeypatch.setattr(reading, "MAX_UNPACKED_BYTES", 2 * 1024 * 1024)
    with pytest.raises(ImportFileError, match=r"plan.xlsx unpacks to 3.0 MB, far more than a sheet of actions needs"):
        do_import(demo, "actions", path)


def test_a_file_over_the_size_limit_is_refused_unread(demo, tmp_path, monkeypatch):
    from models.imports import reading

    path = csv_file(tmp_path / "plan.csv", "Action (SMART),By Whom,By When\nBrief the teams,Dr Amara Okafor,"
                                          "31/03/2027\n")
    monkeypatch.setattr(reading, "MAX_FILE_BYTES", 10)
    with pytest.raises(ImportFileError, match="the most I import is"):
        do_import(demo, "actions", path)
