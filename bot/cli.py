"""The `assurebot` command."""

from __future__ import annotations

import argparse
import gc
import sys
from datetime import date
from pathlib import Path

from bot.settings import DEFAULT_DB_PATH, get_settings

CONSOLE_LOG = DEFAULT_DB_PATH.parent / "console.log"  # where the console's log goes, not into the chat

DEMO_DB_PATH = DEFAULT_DB_PATH.parent / "demo.db"
PARTNERSHIP_HELP = "the partnership's key, when the database holds more than one"


def database_url(value: str | None) -> str:
    """--db takes a database URL or a path to a SQLite file; default DATABASE_URL."""
    if not value:
        return get_settings().database_url
    if "://" in value:
        return value
    return f"sqlite:///{Path(value).expanduser().resolve()}"


def day_argument(text: str) -> date:
    """A date on the command line, read as in chat: 2026-12-01, 01/12/2026, 1 December 2026,
    tomorrow, Friday; a date without a year is the next one from today."""
    return _day(text, past=False)


def period_argument(text: str) -> date:
    """The start or end of a report's period, read as in chat (01/04/2026, 1 April 2026,
    2026-04-01, last Monday); a date without a year is the last one up to today."""
    return _day(text, past=True)


def _day(text: str, *, past: bool) -> date:
    from models.dates import DateError, parse_date

    try:
        return parse_date(text, today=date.today(), past=past)
    except DateError as error:
        raise argparse.ArgumentTypeError(error.message) from None


def ready_engine(url: str):
    """An engine with the schema brought up to date (imported here only when a command needs one)."""
    from models.db import ready_engine as ready

    return ready(url)


def cmd_migrate(args: argparse.Namespace) -> int:
    url = database_url(args.db)
    engine = ready_engine(url)
    print(f"The database is up to date ({_safe(url)}).")
    if args.grant:
        from models.db import grant_runtime_role

        try:
            grant_runtime_role(engine, args.grant)
        except ValueError as problem:
            print(str(problem), file=sys.stderr)
            return 2
        print(f"{args.grant} may now run AssureBot, and may only add to the audit trail.")
    return 0


def cmd_load(args: argparse.Namespace) -> int:
    from models.db import refresh_statistics, session_for
    from models.loader import LoadError, load_file

    engine = ready_engine(database_url(args.db))
    try:
        with session_for(engine) as session:
            report = load_file(args.file, session=session)
    except FileNotFoundError:
        print(f"There is no file {args.file}.", file=sys.stderr)
        return 2
    except LoadError as error:
        print(f"Nothing was loaded from {args.file}; please fix these and try again:", file=sys.stderr)
        for problem in error.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    refresh_statistics(engine)
    print(f"Loaded {args.file}: {report.summary()}.")
    return 0


def open_console(engine, email: str, *, files: str, partnership: str | None = None) -> int:
    """The console on a ready database, its log in CONSOLE_LOG (after any migration's messages,
    which belong in the terminal) so that a problem's traceback never lands in the chat."""
    from bot.console import run_console
    from bot.logs import log_to_file
    from handlers.dispatch import Dispatcher

    log_to_file(CONSOLE_LOG)
    settings = get_settings()
    dispatcher = Dispatcher(engine, feed_links=settings.feed_links(), email_on=settings.email_on)
    return run_console(dispatcher, email, files_dir=Path(files), partnership=partnership)


def cmd_console(args: argparse.Namespace) -> int:
    return open_console(ready_engine(database_url(args.db)), args.as_email, files=args.files,
                        partnership=args.partnership)


def cmd_demo(args: argparse.Namespace) -> int:
    from bot.demo import DEMO_CHAIR, demo_yaml, why_not_replace
    from models.db import refresh_statistics, session_for
    from models.loader import load_text

    if args.db and "://" in args.db:
        print("The demo goes into a SQLite file of its own, never into a server database: give --db a file name "
              "(or leave it out for ~/.assurebot/demo.db).", file=sys.stderr)
        return 2
    path = Path(args.db).expanduser() if args.db else DEMO_DB_PATH
    refused = why_not_replace(path)
    if refused:
        print(f"{refused}, and the demo would replace it. Nothing was changed. Give the demo a file of its own "
              f"with --db, or leave --db out.", file=sys.stderr)
        return 2
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):  # a fresh demo each time
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    engine = ready_engine(f"sqlite:///{path.resolve()}")
    with session_for(engine) as session:
        load_text(demo_yaml(date.today(), history=True), session=session)
    refresh_statistics(engine)
    who = args.as_email or DEMO_CHAIR
    if sys.stdin.isatty():
        program = sys.argv[0] if "/" in sys.argv[0] else "assurebot"
        print(f"Demo partnership loaded into {path}. You are {who}.")
        print(f"To be someone else: {program} console --db {path} --as jo.walsh@community.example.org")
    return open_console(engine, who, files=args.files)


def cmd_serve(args: argparse.Namespace) -> int:
    from bot.server import serve

    return serve(database_url(args.db), host=args.host, port=args.port)


def cmd_remind(args: argparse.Namespace) -> int:
    from bot.commands.remind import remind_command

    return remind_command(database_url(args.db), on=args.date, dry_run=args.dry_run)


def cmd_teams_package(args: argparse.Namespace) -> int:
    from bot.teams_package import write_package

    return write_package(args.output, app_id=args.app_id, domain=args.domain)


def cmd_import(args: argparse.Namespace) -> int:
    from bot.commands.imports import import_command

    return import_command(database_url(args.db), kind=args.kind, path=args.file, dry_run=args.dry_run,
                          partnership_key=args.partnership)


def cmd_report(args: argparse.Namespace) -> int:
    from bot.commands.report import report_command

    return report_command(database_url(args.db), kind=args.kind, group=args.group, start=args.start, end=args.end,
                          output=args.output, as_email=args.as_email, partnership_key=args.partnership)


def cmd_audit(args: argparse.Namespace) -> int:
    from bot.commands.audit import audit_verify_command

    return audit_verify_command(database_url(args.db), partnership_key=args.partnership)


def cmd_email(args: argparse.Namespace) -> int:
    from bot.commands.email import email_test_command

    return email_test_command(database_url(args.db), email=args.email, partnership_key=args.partnership)


def cmd_calendar(args: argparse.Namespace) -> int:
    from bot.commands.calendar import calendar_command

    return calendar_command(database_url(args.db), group=args.group, member_email=args.member, output=args.output,
                            partnership_key=args.partnership)


def _safe(url: str) -> str:
    """A URL without its password, for printing."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="assurebot", description="AssureBot for a safeguarding children partnership.")
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, func, help_text: str,
            db_help: str = "database URL or SQLite file (default: DATABASE_URL)") -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("--db", help=db_help)
        p.set_defaults(func=func)
        return p

    p = add("demo", cmd_demo, "load the demo partnership into a fresh SQLite file and chat as the ARG chair",
            db_help=f"the demo's own SQLite file (default {DEMO_DB_PATH}; DATABASE_URL is never used)")
    p.add_argument("--as", dest="as_email", help="chat as this member instead of the ARG chair")
    p.add_argument("--files", default="assurebot-files", help="folder for report files (default assurebot-files)")
    p = add("console", cmd_console, "chat with AssureBot in this terminal as a member")
    p.add_argument("--as", dest="as_email", required=True, metavar="EMAIL", help="the member's email")
    p.add_argument("--files", default="assurebot-files", help="folder for report files (default assurebot-files)")
    p.add_argument("--partnership", default=None, metavar="KEY", help=PARTNERSHIP_HELP)
    p = add("load", cmd_load, "load or update a partnership from a YAML file (safe to repeat)")
    p.add_argument("file")
    p = add("migrate", cmd_migrate, "bring the database schema up to date")
    p.add_argument("--grant", default=None, metavar="ROLE",
                   help="PostgreSQL: let ROLE run AssureBot but only add to the audit trail")
    p = add("serve", cmd_serve, "run the web server for Slack and Teams, and the reminders")
    p.add_argument("--host", default=None, help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=None, help="port (default 3978)")
    p = add("remind", cmd_remind, "queue and send the day's reminder digests (or show them with --dry-run)")
    p.add_argument("--date", type=day_argument, default=None,
                   help="the day, e.g. 01/12/2026, 1 December 2026 or tomorrow (default today)")
    p.add_argument("--dry-run", action="store_true", help="print each person's digest; send and record nothing")
    p = add("import", cmd_import, "import actions, members or the returns schedule from a spreadsheet (xlsx or csv)")
    p.add_argument("kind", choices=["actions", "members", "returns"])
    p.add_argument("file")
    p.add_argument("--dry-run", action="store_true", help="show what would change; change nothing")
    p.add_argument("--partnership", default=None, metavar="KEY", help=PARTNERSHIP_HELP)
    p = add("report", cmd_report, "write a report as CSV and XLSX (attendance also as a PNG chart)")
    p.add_argument("kind", choices=["attendance", "returns", "actions", "escalations"])
    p.add_argument("group", nargs="?", help="the group, for attendance")
    p.add_argument("--from", dest="start", type=period_argument, default=None, metavar="DATE",
                   help="the first day, e.g. 01/04/2026 or 1 April 2026 (default a year before --to)")
    p.add_argument("--to", dest="end", type=period_argument, default=None, metavar="DATE",
                   help="the last day, e.g. 31/03/2027 (default today)")
    p.add_argument("--output", default=".", help="folder to write the files to (default here)")
    p.add_argument("--as", dest="as_email", default=None, help="run as this member (chairs see their own groups)")
    p.add_argument("--partnership", default=None, metavar="KEY", help=PARTNERSHIP_HELP)
    p = add("calendar", cmd_calendar, "write a group's meetings (and a member's deadlines) as an iCalendar file")
    p.add_argument("group")
    p.add_argument("--member", default=None, metavar="EMAIL", help="add this member's own deadlines")
    p.add_argument("--output", default="-", help="file to write (default: print it)")
    p.add_argument("--partnership", default=None, metavar="KEY", help=PARTNERSHIP_HELP)
    p = add("email", cmd_email, "send a test email to a member, to check the email settings")
    p.add_argument("check", choices=["test"])
    p.add_argument("email", metavar="EMAIL", help="the member's email")
    p.add_argument("--partnership", default=None, metavar="KEY", help=PARTNERSHIP_HELP)
    p = add("audit", cmd_audit, "check the audit trail: every partnership's chain of events, and its guards")
    p.add_argument("check", choices=["verify"])
    p.add_argument("--partnership", default=None, metavar="KEY", help="only this partnership's trail")
    p = sub.add_parser("teams-package", help="write the Teams app package to upload")
    p.add_argument("--output", default="assurebot-teams.zip")
    p.add_argument("--app-id", default=None, help="the bot's Microsoft app id (default MICROSOFT_APP_ID)")
    p.add_argument("--domain", default=None, help="the public host name of `assurebot serve`")
    p.set_defaults(func=cmd_teams_package)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from bot.logs import configure_logging

    configure_logging(get_settings().log_level)
    return args.func(args) or 0


def run() -> int:
    """The `assurebot` program: `main`, then an exit that does not first walk every object still alive.

    What a command opened it has closed by the time `main` returns; what is left (the modules and
    their tables, a console's history) is let go with the process. Without `gc.freeze()`, the
    interpreter's last collection looks at all of it and adds about a tenth of a second to every
    command in the terminal."""
    code = main()
    gc.freeze()
    return code


if __name__ == "__main__":
    raise SystemExit(run())
