"""The console chat and the `assurebot` command, run as a business manager would."""

import io
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

from bot.console import Console
from tests.conftest import ADMIN, CHAIR, POLICE, PRACTITIONER

ROOT = Path(__file__).resolve().parents[2]


def run(dispatcher, email, lines: str, **options) -> str:
    out = io.StringIO()
    console = Console(dispatcher, email, stdin=io.StringIO(lines), stdout=out, **options)
    import asyncio

    assert asyncio.run(console.run()) == 0
    return out.getvalue()


def test_piped_input_runs_one_command_per_line_and_shows_buttons_as_commands(chat):
    text = run(chat.dispatcher, CHAIR, "quorum arg\nactions\n")
    assert "you> quorum arg" in text
    assert "not quorate yet" in text
    assert "[Done: action done 2]" in text


def test_a_form_is_answered_on_the_following_lines(chat):
    text = run(chat.dispatcher, PRACTITIONER, "escalate\n3\n1\nWaiting lists for CAMHS over 40 weeks\n\nescalations\n")
    assert "Escalation E2 saved" in text
    assert "[sent privately to Helen Carter]" in text
    assert "Waiting lists for CAMHS over 40 weeks" in text.split("you> escalations")[1]


def test_cancel_drops_a_form_and_saves_nothing(chat):
    text = run(chat.dispatcher, PRACTITIONER, "escalate\ncancel\nescalations\n")
    assert "Left the form; nothing was saved." in text
    assert "1 open escalation" in text


def test_a_date_that_does_not_exist_is_asked_again_on_its_own_and_the_earlier_answers_kept(chat):
    text = run(chat.dispatcher, ADMIN, "return add\nDataset Q4\n1\n8\n" + POLICE + "\nQ4 2026/27\n2027-02-31\n"
                                       "2027-02-28\n")
    assert "Due: 2027-02-31\nThere is no 31 February 2027.\nDue: 2027-02-28\n" in text
    assert 'Added return #' in text and '"Dataset Q4" from Riverside Police, due Sun 28 Feb 2027' in text


def test_an_action_form_asks_again_for_a_bad_date_then_for_the_owner_the_handler_refused(chat):
    text = run(chat.dispatcher, ADMIN, "action add\nBrief the response teams\nnobody@nowhere.example.org\n"
                                       "2027-02-31\n2027-01-29\n\n" + POLICE + "\nwhoami\n")
    assert "By when: 2027-02-31\nThere is no 31 February 2027.\nBy when: 2027-01-29" in text
    refused, again = text.split("Nothing has been saved. Please fix what is marked and send it again.")
    assert "By whom (email): Not a member of the partnership" in again.split("\n\n")[0]
    asked = [line.split(":")[0] for line in again.split("type `cancel` to leave it)")[1].splitlines() if ": " in line]
    assert asked[0] == "By whom (email) [nobody@nowhere.example.org]"  # only the field refused, offered back
    assert "for DI Mark Evans, due Fri 29 Jan 2027" in again and "Added action #7 " in again
    assert "you> whoami" in again


def test_a_command_typed_at_a_question_leaves_the_form_and_runs(chat):
    text = run(chat.dispatcher, PRACTITIONER, "escalate urgent foo: waiting lists\nwhoami\nescalations\n")
    assert "What kind of concern?: whoami\nLeft the form; nothing was saved." in text
    assert "Please pick one" not in text
    assert "Groups: Multi-Agency Audit Group (member)." in text  # whoami ran
    assert "you> escalations" in text and "1 open escalation" in text  # and the chat carried on


def test_cancel_stop_and_quit_each_leave_a_form_and_quit_also_quits(chat):
    for word in ("cancel", "stop", "quit"):
        text = run(chat.dispatcher, PRACTITIONER, f"escalate\n1\n{word}\nwhoami\n")
        assert f"How urgent? [routine]: {word}\nLeft the form; nothing was saved." in text
        assert ("you> whoami" in text) is (word != "quit"), word


def test_a_text_answer_that_starts_like_a_command_is_an_answer(chat):
    text = run(chat.dispatcher, PRACTITIONER, "escalate\n1\n1\nhome conditions poor, family not engaging\n\n")
    assert "Escalation E2 saved" in text


def test_an_optional_field_says_so_once_and_a_child_detail_is_asked_again(chat):
    text = run(chat.dispatcher, PRACTITIONER, "escalate\n1\n1\nWaiting lists for CAMHS over 40 weeks\n"
                                              "DOB 3/4/2019\nCS-4410\n")
    assert "Your agency's case reference (optional, Enter to skip): " in text and "(optional) (optional" not in text
    assert "case_reference" not in text
    assert "Use your agency's own case reference, not a name, address, NHS number, date or postcode." in text
    assert "Escalation E2 saved" in text and "Case reference: CS-4410" in text


def test_the_member_form_says_what_leaving_a_seats_days_empty_means_and_takes_them(chat):
    text = run(chat.dispatcher, ADMIN, "member add\nKate Wells\nkate.wells@police.example.org\n8\n1\n1\n"
                                       "1 September 2026\n\nwhoami\n")
    assert "  Leave empty for today.\nSeat starts (optional, Enter to skip): 1 September 2026\n" in text
    assert "  Leave empty if the seat has no end date.\nSeat ends (optional, Enter to skip): \n" in text
    assert ("Added Kate Wells (Riverside Police) on Assurance and Review Group as member from Tue 1 Sep 2026."
            in text)


def test_the_escalation_form_warns_against_a_childs_details_before_the_summary_is_typed(chat):
    text = run(chat.dispatcher, PRACTITIONER, "escalate\n3\n1\n")
    assert "  No names, dates of birth, NHS numbers or addresses.\n" in text


def test_a_reports_files_are_saved_in_the_files_folder_and_named(chat, tmp_path):
    folder = tmp_path / "reports"
    text = run(chat.dispatcher, CHAIR, "report attendance arg\n", files_dir=folder)
    saved = sorted(p.name for p in folder.iterdir())
    assert len(saved) == 5 and sum(name.endswith(".csv") for name in saved) == 3
    assert f"Saved 5 files in {folder}:" in text
    assert all(f"  {name}" in text for name in saved)
    chart = next(p for p in folder.iterdir() if p.suffix == ".png")
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_when_the_files_folder_cannot_be_written_the_console_says_so(chat, tmp_path):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    text = run(chat.dispatcher, CHAIR, "report attendance arg\nwhoami\n", files_dir=blocked / "reports")
    assert "I couldn't save the files in" in text and "--files" in text
    assert "Helen Carter" in text.split("you> whoami")[1]  # the chat carries on


def test_an_unregistered_email_is_told_whom_to_ask(chat):
    text = run(chat.dispatcher, "someone@nowhere.example.org", "actions\n")
    assert "not registered" in text


def _assurebot(*args: str, stdin: str = "", home: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "HOME": str(home), "DATABASE_URL": f"sqlite:///{home / 'bot.db'}"}
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], input=stdin, capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=120)


def test_assurebot_demo_opens_the_console_as_the_arg_chair(tmp_path):
    result = _assurebot("demo", stdin="whoami\nquorum\n", home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Helen Carter" in result.stdout
    assert "Assurance and Review Group (chair)" in result.stdout
    assert "Rule: all of" in result.stdout
    with sqlite3.connect(tmp_path / ".assurebot" / "demo.db") as demo:  # its planner knows the tables' sizes
        assert demo.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'membership'").fetchone()[0] > 0


def test_a_report_in_the_demo_saves_its_files_where_asked_without_log_noise(tmp_path):
    folder = tmp_path / "papers-for-arg"
    result = _assurebot("demo", "--files", str(folder), stdin="report attendance\n", home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"Saved 5 files in {folder}:" in result.stdout
    assert len(list(folder.glob("attendance-arg-*"))) == 5
    assert "matplotlib" not in result.stdout + result.stderr  # a first chart builds its font cache quietly


def test_the_demo_never_replaces_a_real_partnership_or_a_file_that_is_not_its_own(tmp_path):
    real = tmp_path / "northshire.db"
    from tests.models.test_loader import GOOD

    partnership = tmp_path / "p.yaml"
    partnership.write_text(GOOD.replace("partnership: {name:", "partnership: {key: northshire, name:"))
    assert _assurebot("load", str(partnership), "--db", str(real), home=tmp_path).returncode == 0
    before = real.read_bytes()
    refused = _assurebot("demo", "--db", str(real), stdin="", home=tmp_path)
    assert refused.returncode == 2
    assert "holds the partnership northshire, and the demo would replace it. Nothing was changed." in refused.stderr
    assert real.read_bytes() == before
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes")
    assert _assurebot("demo", "--db", str(notes), home=tmp_path).returncode == 2 and notes.read_text() == "my notes"
    assert _assurebot("demo", "--db", "postgresql://x@127.0.0.1/x", home=tmp_path).returncode == 2
    again = tmp_path / "demo.db"
    for _ in range(2):  # an earlier demo is replaced by a fresh one
        assert _assurebot("demo", "--db", str(again), stdin="whoami\n", home=tmp_path).returncode == 0
    assert "DATABASE_URL is never used" in " ".join(_assurebot("demo", "--help", home=tmp_path).stdout.split())


def test_assurebot_load_reports_errors_and_exit_code(tmp_path):
    bad = tmp_path / "p.yaml"
    bad.write_text("partnership: {name: X}\nagencies:\n  - {key: la}\n")
    result = _assurebot("load", str(bad), home=tmp_path)
    assert result.returncode == 1
    assert "line 3: agencies[0]: `name` is required" in result.stderr
    good = tmp_path / "g.yaml"
    good.write_text("partnership: {name: X}\nagencies:\n  - {key: la, name: Council}\n")
    result = _assurebot("load", str(good), home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "created 1 agency, 1 partnership" in result.stdout
    result = _assurebot("console", "--as", "who@x.org", stdin="help\n", home=tmp_path)
    assert "not registered" in result.stdout


def test_assurebot_migrate(tmp_path):
    result = _assurebot("migrate", home=tmp_path)
    assert result.returncode == 0
    assert "up to date" in result.stdout


def test_a_problem_on_our_side_is_logged_to_a_file_not_into_the_chat(tmp_path):
    assert _assurebot("demo", stdin="quit\n", home=tmp_path).returncode == 0
    with sqlite3.connect(tmp_path / ".assurebot" / "demo.db") as demo:  # the database refuses the write
        demo.execute("CREATE TRIGGER refused BEFORE INSERT ON escalation BEGIN SELECT RAISE(ABORT, 'refused'); END")
    result = _assurebot("console", "--db", str(tmp_path / ".assurebot" / "demo.db"), "--as",
                        "jo.walsh@community.example.org",
                        stdin="escalate routine capacity: caseloads above safe level\n", home=tmp_path)
    error_id = re.search(r"quote error ([0-9a-f]{8})", result.stdout).group(1)
    assert "Traceback" not in result.stdout + result.stderr
    logged = (tmp_path / ".assurebot" / "console.log").read_text()
    assert f"error {error_id}" in logged and "Traceback" in logged
