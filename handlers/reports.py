"""report: the by-exception reports for chairs and the business unit, as CSV, Excel and a PNG chart.

`report attendance arg`, `report returns`, `report actions audit from 2026-04-01 to 2027-03-31`,
`report escalations`. Chairs get their own groups; admins everything; escalation reports go to
the people who handle escalations. The same files come from `assurebot report` on the command line.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, func, select

from handlers.common import find_group, group_list, resolve_group
from handlers.core import Command, Context, NotAllowed, UserError, command
from handlers.permissions import CHAIRS
from messages.reply import Attachment, Reply
from messages.templates import format_day, say
from models import permissions as may
from models.groups import Group
from models.partnership import Partnership
from models.permissions import Person
from models.reports import (ReportData, ReportScope, Table, actions_report, attendance_report, escalations_report,
                            returns_report)
from models.scope import Scope
from models.calendar import WorkingCalendar
from models.dates import DateError, take_date

KINDS = ("attendance", "returns", "actions", "escalations")
CSV_TYPE = "text/csv"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PNG_TYPE = "image/png"


@dataclass
class Request:
    """What was asked for, checked against who is asking (None: the command line, which sees everything)."""

    kind: str
    group: str | None
    start: date | None
    end: date | None
    # How the period's ends are written where it was asked: the command line's options by default,
    # the words `from` and `to` in chat (parse_report_args).
    period_words: tuple[str, str] = ("--from", "--to")


def default_period(today: date, start: date | None, end: date | None,
                   words: tuple[str, str] = ("--from", "--to")) -> tuple[date, date]:
    """The twelve months to today unless told otherwise. A period back to front is refused in the
    `words` its ends were given with (`--from`/`--to` on the command line, `from`/`to` in chat)."""
    end = end or today
    if start is None:
        try:
            start = end.replace(year=end.year - 1)
        except ValueError:  # 29 February
            start = end.replace(year=end.year - 1, day=28)
        start = date.fromordinal(start.toordinal() + 1)
    if start > end:
        since, until = words
        order = f"{since} before {until}" if since.startswith("--") else f"`{since}` before `{until}`"
        raise UserError(f"The period starts ({format_day(start)}) after it ends ({format_day(end)}). "
                        f"Give {order}, for example `{since} 2026-04-01 {until} 2027-03-31`.")
    return start, end


def build_report(request: Request, *, scope: Scope, session: Session, partnership: Partnership,
                 person: Person | None, calendar: WorkingCalendar, now: datetime) -> ReportData:
    """The report asked for, within what the person may see (None: the command line, which sees the
    whole partnership); UserError (or NotAllowed) otherwise."""
    if request.kind not in KINDS:
        raise UserError(f"There is no '{request.kind}' report. The reports are: {', '.join(KINDS)}. "
                        f"For example `report attendance arg`.")
    start, end = default_period(calendar.local_date(now), request.start, request.end, request.period_words)
    args = {"session": session, "partnership": partnership, "calendar": calendar, "start": start, "end": end,
            "now": now}
    if request.kind == "escalations":
        if person is not None and not may.handles_escalations(person):
            raise NotAllowed("Only the people who handle escalations can see the escalations report.")
        if request.group:
            raise UserError("The escalations report covers the whole partnership; leave out the group: "
                            "`report escalations`.")
        return escalations_report(**args)
    if request.kind == "attendance":
        group = _group(scope, session, person, request.group)
        if person is not None and not may.manages_group(person, group.id):
            raise NotAllowed(f"Only the chair or deputy chair of {group.name} or the business unit can see its "
                             f"attendance report.")
        return attendance_report(group, **args)
    covers = _covers(scope, session, person, request.group, request.kind)
    return (returns_report if request.kind == "returns" else actions_report)(covers, **args)


def _group(scope: Scope, session: Session, person: Person | None, key: str | None) -> Group:
    if key:
        group = _find_group(scope, session, key)
        if group is None:
            raise UserError(f"I don't know a group called '{key}'. The groups are: {_groups(scope, session)}.")
        return group
    if person is not None:
        chaired = may.chaired_groups(person)
        if len(chaired) == 1:
            return scope.get(Group, chaired[0], session=session)
    raise UserError(f"Which group? For example `report attendance arg`. The groups are: {_groups(scope, session)}.")


def _covers(scope: Scope, session: Session, person: Person | None, key: str | None, kind: str) -> ReportScope:
    """Returns and actions: one group's, a chair's own groups, or everything for admins."""
    if key:
        group = _group(scope, session, person, key)
        if person is not None and not may.manages_group(person, group.id):
            raise NotAllowed(f"Only the chair or deputy chair of {group.name} or the business unit can see its "
                             f"{kind} report.")
        return ReportScope(group.key, group.name, [group.id])
    if person is None or person.is_admin:
        return ReportScope("all", "all agencies")
    chaired = [scope.get(Group, g, session=session) for g in may.chaired_groups(person)]
    if not chaired:
        raise NotAllowed(f"Only chairs (for their own groups) and the business unit can see the {kind} report.")
    if len(chaired) == 1:
        return ReportScope(chaired[0].key, chaired[0].name, [chaired[0].id])
    return ReportScope("my-groups", " and ".join(g.name for g in chaired), [g.id for g in chaired])


def _find_group(scope: Scope, session: Session, key: str) -> Group | None:
    key = key.strip().lower()
    return session.exec(select(Group).where(
        scope.where(Group), (func.lower(Group.key) == key) | (func.lower(Group.name) == key))).first()


def _groups(scope: Scope, session: Session) -> str:
    return ", ".join(f"{g.key} ({g.name})" for g in session.exec(
        select(Group).where(scope.where(Group)).order_by(Group.key)))


# --- the files --------------------------------------------------------------------------------------


def base_name(report: ReportData) -> str:
    return f"{report.kind}-{report.scope.key}-{report.start.isoformat()}-to-{report.end.isoformat()}"


def _safe_text(value: str) -> str:
    """Text that a spreadsheet will show as text, never run as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


# Control characters a workbook cannot hold (a line break pasted from Word is one, \x0b).
_NOT_IN_WORKBOOKS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _sheet_text(value: str) -> str:
    """Text as a workbook can hold it: each control character it cannot hold becomes a space."""
    return _NOT_IN_WORKBOOKS.sub(" ", value)


def table_csv(table: Table) -> bytes:
    """One table as CSV, UTF-8 with a byte-order mark so Excel shows names with accents properly."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(table.headers)
    for row in table.rows:
        writer.writerow(["" if v is None else _safe_text(v) if isinstance(v, str) else
                         v.isoformat() if isinstance(v, date) else v for v in row])
    return out.getvalue().encode("utf-8-sig")


SHEET_ROWS = 1_048_575  # rows a spreadsheet holds under its headings


def _sheets(tables: list[Table]):
    """Each table's rows a sheetful at a time: (table, which sheet of it, its rows). A table longer
    than a sheet goes on in a second sheet ("Actions (2)"), so nothing is left out."""
    for table in tables:
        for part, start in enumerate(range(0, max(len(table.rows), 1), SHEET_ROWS), start=1):
            yield table, part, table.rows[start:start + SHEET_ROWS]


def report_xlsx(report: ReportData, *, produced: datetime) -> bytes:
    """Every table of the report as a sheet of one workbook, with an About sheet last. The workbook
    is written a row at a time (openpyxl's write-only mode), so a long table costs the file's size
    in memory, not a cell object for every value."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ERROR_CODES
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    bold = Font(bold=True)

    def cells(sheet, row):
        for value in row:
            if isinstance(value, str):
                value = _sheet_text(value)
                # Text stays text: never a formula ("=..."), never an error value ("#N/A").
                if value[:1] == "=" or value in ERROR_CODES:
                    value = WriteOnlyCell(sheet, value=value)
                    value.data_type = "s"
            elif isinstance(value, date):
                value = WriteOnlyCell(sheet, value=value)
                value.number_format = "dd/mm/yyyy"
            yield value

    for table, part, rows in _sheets(report.tables):
        suffix = "" if part == 1 else f" ({part})"
        sheet = book.create_sheet(table.title[:31 - len(suffix)] + suffix)  # a sheet's name is 31 at most
        for i, width in enumerate(_widths(table.headers, rows), start=1):  # widths come before the rows
            sheet.column_dimensions[get_column_letter(i)].width = width + 2
        sheet.freeze_panes = "A2"
        headings = []
        for heading in table.headers:
            headings.append(WriteOnlyCell(sheet, value=heading))
            headings[-1].font = bold
        sheet.append(headings)
        for row in rows:
            sheet.append(cells(sheet, row))
    about = book.create_sheet("About")
    about.column_dimensions["A"].width = 12
    about.column_dimensions["B"].width = 60
    for row in (("Report", report.title), ("Covers", report.scope.name),
                ("Period", f"{format_day(report.start)} to {format_day(report.end)}"),
                ("Produced", produced.strftime("%d/%m/%Y %H:%M UTC")), ("By", "AssureBot"), *report.notes):
        about.append([_sheet_text(value) for value in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _widths(headers: list[str], rows: list[list]) -> list[int]:
    """Each column as wide as its longest heading or value, up to 60 characters."""
    widths = [len(h) for h in headers]
    for i in range(len(headers)):
        longest = max((len(v) if isinstance(v, str) else len(str(v)) for row in rows if (v := row[i]) is not None),
                      default=0)
        widths[i] = max(widths[i], min(60, longest))
    return widths


# Okabe-Ito colours: told apart by people with colour-blindness, and in greyscale print.
OUTCOME_COLOURS = ("#0072B2", "#56B4E9", "#E69F00", "#D55E00")


def attendance_chart(report: ReportData) -> bytes:
    """A PNG of attendance by agency over the period: each agency's seat-meetings by outcome, in per cent."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    chart = report.chart or {}
    rows = chart.get("rows", [])
    height = 1.6 + 0.42 * max(len(rows), 1)
    fig, ax = plt.subplots(figsize=(9, height), dpi=150, layout="constrained")
    try:
        meetings = chart.get("meetings", 0)
        left_out = chart.get("left_out", [])
        title = (f"{chart.get('group', '')}: attendance by agency\n{format_day(report.start)} to "
                 f"{format_day(report.end)}, {meetings} meeting{'s' if meetings != 1 else ''}")
        if left_out:
            title += (f" with attendance recorded\nLeft out, attendance not recorded: {', '.join(left_out[:6])}"
                      + (f" and {len(left_out) - 6} more" if len(left_out) > 6 else ""))
        ax.set_title(title, fontsize=10, loc="left")
        if not rows or not chart.get("meetings"):
            ax.text(0.5, 0.5, "No meetings with attendance recorded in this period" if left_out
                    else "No meetings in this period", ha="center", va="center", fontsize=12)
            ax.set_axis_off()
        else:
            names = [name for name, _counts in rows][::-1]
            totals = [sum(counts) or 1 for _name, counts in rows][::-1]
            left = [0.0] * len(rows)
            for i, label in enumerate(chart["labels"]):
                values = [100 * counts[i] / total for (_n, counts), total in zip(rows[::-1], totals, strict=True)]
                ax.barh(names, values, left=left, color=OUTCOME_COLOURS[i], label=label.capitalize(), height=0.6)
                left = [a + b for a, b in zip(left, values, strict=True)]
            expected = chart.get("expected_rate")
            if expected:
                ax.axvline(expected, color="#333333", linestyle="--", linewidth=1)
                ax.text(expected, len(rows) - 0.4, f" expected {expected}%", fontsize=8, va="bottom")
            ax.set_xlim(0, 100)
            ax.set_xlabel("% of seats at meetings held")
            ax.tick_params(axis="y", labelsize=8)
            fig.legend(ncol=4, fontsize=8, loc="outside lower center", frameon=False)
            for side in ("top", "right"):
                ax.spines[side].set_visible(False)
        out = io.BytesIO()
        fig.savefig(out, format="png")
        return out.getvalue()
    finally:
        plt.close(fig)


def report_files(report: ReportData, *, produced: datetime) -> list[Attachment]:
    """The report as one CSV per table, one workbook, and for attendance a chart."""
    base = base_name(report)
    files = [Attachment(f"{base}-{t.name}.csv", CSV_TYPE, table_csv(t)) for t in report.tables]
    files.append(Attachment(f"{base}.xlsx", XLSX_TYPE, report_xlsx(report, produced=produced)))
    if report.kind == "attendance":
        files.append(Attachment(f"{base}.png", PNG_TYPE, attendance_chart(report)))
    return files


def summary_text(report: ReportData) -> str:
    return say(f"report_{report.kind}", report=report, h=report.highlights, start=format_day(report.start),
               end=format_day(report.end))


# --- chat and the command line ------------------------------------------------------------------------


def parse_report_args(args: tuple[str, ...], *, today: date | None = None) -> Request:
    """KIND [GROUP] [from DATE] [to DATE]; dates as anywhere else (01/04/2026, 1 April 2026,
    2026-04-01), and words such as `last Monday` or `1 April` read looking back from `today`."""
    words = list(args)
    if not words:
        raise UserError("Which report? `report attendance GROUP`, `report returns`, `report actions` or "
                        "`report escalations`, each with `from DATE to DATE` if you like.")
    kind, words = words[0].lower(), words[1:]
    group = start = end = None
    while words:
        word = words.pop(0)
        if word.lower().lstrip("-") in ("from", "to"):
            if not words:
                raise UserError(f"Give a date after '{word}', for example `{word} 01/04/2026`.")
            try:
                day, words = take_date(words, today=today, past=True)
            except DateError as error:
                raise UserError(error.sentence) from None
            if word.lower().lstrip("-") == "from":
                start = day
            else:
                end = day
        elif group is None:
            group = word
        else:
            raise UserError(f"I didn't understand '{word}'. Try `report {kind} arg from 01/04/2026 to 31/03/2027`.")
    return Request(kind, group, start, end, period_words=("from", "to"))


@command("report", summary="a by-exception report as CSV and Excel (attendance with a chart)",
         example="report attendance arg", usage="report attendance|returns|actions|escalations [group] "
         "[from DATE] [to DATE]", rule=CHAIRS, heavy=True)
def report(cmd: Command, ctx: Context) -> Reply:
    request = parse_report_args(cmd.args, today=ctx.today())
    if request.kind == "attendance" and request.group is None:
        request.group = resolve_group(ctx, None, verb="report attendance").key
    elif request.group and find_group(ctx, request.group) is None:
        raise UserError(f"I don't know a group called '{request.group}'. The groups are: {group_list(ctx)}.")
    data = build_report(request, scope=ctx.scope, session=ctx.session, partnership=ctx.partnership,
                        person=ctx.person, calendar=ctx.calendar, now=ctx.now())
    return Reply(title=f"{data.title}, {format_day(data.start)} to {format_day(data.end)}",
                 text=summary_text(data), files=report_files(data, produced=ctx.now()), private=True)
