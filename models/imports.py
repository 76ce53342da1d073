"""Import action plans, members and the returns schedule from the spreadsheets people already keep.

A file is read whole first (Excel .xlsx or .csv, header names matched loosely, extra columns
ignored). Then each row is matched against what the database holds, once, with everything
loaded up front: rows that can be saved are created or updated, rows that cannot are reported
with the reason. A file that cannot be read at all changes nothing, everything is saved in one
transaction, and importing the same file again changes nothing.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from calendar import monthrange
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import insert, update
from sqlmodel import Session, col, select

from models.audit import AuditEvent, record, snapshot
from models.groups import Group, Membership, Role
from models.tenancy import NoPartnership
from models.tenancy import the_partnership as chosen_partnership
from models.partnership import Agency, Member, Partnership
from models.work import Action, ActionStatus, ActionUpdate, DataReturn, ReturnKind

HEADER_SEARCH_ROWS = 30  # the audit tool puts a form above its action table
MAX_TITLE = 1000
MAX_PROGRESS = 2000
MAX_SOURCE = 200


class ImportFileError(ValueError):
    """The file as a whole cannot be imported; nothing was changed. The message says how to fix it."""


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    NOT_IMPORTED = "not imported"


@dataclass
class RowResult:
    """What happened to one row of the file."""

    row: int
    outcome: Outcome
    what: str
    detail: str = ""


@dataclass
class ImportReport:
    """The row-by-row account of an import, printed by `assurebot import`."""

    kind: str
    filename: str
    sheet: str | None
    header_row: int
    dry_run: bool
    results: list[RowResult] = field(default_factory=list)

    def add(self, row: int, outcome: Outcome, what: str, detail: str = "") -> None:
        self.results.append(RowResult(row, outcome, what, detail))

    def count(self, outcome: Outcome) -> int:
        return sum(1 for r in self.results if r.outcome == outcome)

    @property
    def changed(self) -> bool:
        return any(r.outcome in (Outcome.CREATED, Outcome.UPDATED) for r in self.results)

    def summary(self) -> str:
        verb = "would be " if self.dry_run else ""
        return (f"{self.count(Outcome.CREATED)} {verb}created, {self.count(Outcome.UPDATED)} {verb}updated, "
                f"{self.count(Outcome.UNCHANGED)} unchanged, {self.count(Outcome.NOT_IMPORTED)} not imported")

    def lines(self) -> list[str]:
        """The report as people read it: every change and every problem, unchanged rows as ranges."""
        where = f" (sheet \"{self.sheet}\", headers on row {self.header_row})" if self.sheet else \
            f" (headers on row {self.header_row})"
        out = [f"{'Dry run: i' if self.dry_run else 'I'}mporting {self.kind} from {self.filename}{where}."]
        would = "would be " if self.dry_run else ""
        for r in self.results:
            if r.outcome == Outcome.UNCHANGED and not r.detail:
                continue
            label = {Outcome.CREATED: f"{would}created", Outcome.UPDATED: f"{would}updated",
                     Outcome.UNCHANGED: "unchanged", Outcome.NOT_IMPORTED: "NOT imported"}[r.outcome]
            out.append(f"  row {r.row}: {label}: {r.what}" + (f" ({r.detail})" if r.detail else ""))
        unchanged = [r.row for r in self.results if r.outcome == Outcome.UNCHANGED and not r.detail]
        if unchanged:
            out.append(f"  unchanged: {_ranges(unchanged)}")
        out.append(self.summary().capitalize() + ".")
        if self.dry_run:
            out.append("Dry run: nothing was saved. Run it again without --dry-run to save these changes.")
        elif self.count(Outcome.NOT_IMPORTED):
            out.append("The other rows are saved. Fix the rows marked NOT imported and import the file again; "
                       "rows already imported will not be duplicated.")
        return out


def _ranges(rows: list[int]) -> str:
    """[2, 3, 4, 7] -> 'rows 2-4, 7'."""
    parts: list[str] = []
    start = prev = rows[0]
    for n in rows[1:] + [None]:  # type: ignore[list-item]
        if n is not None and n == prev + 1:
            prev = n
            continue
        parts.append(str(start) if start == prev else f"{start}-{prev}")
        if n is not None:
            start = prev = n
    return ("row " if len(rows) == 1 else "rows ") + ", ".join(parts)


# --- columns: what each import needs, and the names people give them ----------------------------------


@dataclass(frozen=True)
class Column:
    """A column an import reads. `names` match a whole header; `words` match one word of it."""

    field: str
    label: str
    names: tuple[str, ...]
    words: tuple[str, ...] = ()
    required: bool = True


# Order matters for the loose match: "Action owner" must find the owner before the action.
ACTION_COLUMNS = (
    Column("owner", "By whom", ("by whom", "owner", "action owner", "lead", "lead officer", "responsible",
                                "responsible officer", "person responsible", "who"),
           ("whom", "owner", "lead", "responsible")),
    Column("due", "By when", ("by when", "due", "due date", "deadline", "target date", "timescale",
                              "timescales", "completion date", "date due"),
           ("when", "due", "deadline", "timescale", "timescales")),
    Column("progress", "Progress/update", ("progress update", "progress", "update", "updates", "progress updates",
                                           "progress to date", "comments"),
           ("progress", "update"), required=False),
    Column("source", "Source", ("source", "from", "plan", "origin", "action plan"), (), required=False),
    Column("status", "Status", ("status",), (), required=False),
    Column("title", "Action (SMART)", ("action smart", "action", "actions", "smart action", "recommendation",
                                       "action required", "action to be taken", "actions agreed"),
           ("action", "actions", "recommendation")),
)

MEMBER_COLUMNS = (
    Column("email", "Email", ("email", "email address", "e mail", "work email"), ("email",)),
    Column("agency", "Agency", ("agency", "organisation", "organization", "org", "partner agency", "service"),
           ("agency", "organisation", "organization")),
    Column("group", "Group", ("group", "groups", "subgroup", "sub group", "subgroups"), ("group", "groups"),
           required=False),
    Column("role", "Role", ("role", "position", "group role"), ("role",), required=False),
    Column("name", "Name", ("name", "full name", "member", "person"), ("name",)),
)

RETURN_COLUMNS = (
    Column("owner", "Owner", ("owner", "responsible", "responsible person", "lead", "by whom", "named person",
                              "contact"), ("owner", "responsible", "lead", "whom")),
    Column("due", "Due", ("due", "due date", "deadline", "by when", "date due", "submission date"),
           ("due", "deadline", "when")),
    Column("agency", "Agency", ("agency", "organisation", "organization", "partner agency"),
           ("agency", "organisation", "organization"), required=False),
    Column("kind", "Kind", ("kind", "type", "return type", "category"), ("kind", "type"), required=False),
    Column("period", "Period", ("period", "quarter", "year", "reporting period"), ("period", "quarter"),
           required=False),
    Column("title", "Title", ("title", "return", "name", "item", "return title", "description"),
          ("title", "return")),
)

COLUMNS = {"actions": ACTION_COLUMNS, "members": MEMBER_COLUMNS, "returns": RETURN_COLUMNS}


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9@]+", " ", text.lower()).split())


def match_columns(headers: Sequence[Any], columns: Sequence[Column]) -> dict[str, int]:
    """Which header cell holds each column: whole names first, then a telling word."""
    found: dict[str, int] = {}
    texts = [(i, str(h)) for i, h in enumerate(headers) if h is not None and str(h).strip()]
    forms = {i: {_norm(t), _norm(re.sub(r"\(.*?\)", " ", t))} for i, t in texts}
    for column in columns:
        for i, _text in texts:
            if i not in found.values() and forms[i] & set(column.names):
                found[column.field] = i
                break
    for column in columns:
        if column.field in found or not column.words:
            continue
        for i, text in texts:
            if i not in found.values() and set(_norm(text).split()) & set(column.words):
                found[column.field] = i
                break
    return found


# --- reading a file into rows ------------------------------------------------------------------------


@dataclass
class Table:
    """The rows under the header, each as {field: cell value}, with the row number people see."""

    sheet: str | None
    header_row: int
    columns: dict[str, int]
    rows: list[tuple[int, dict[str, Any]]]


def read_table(path: str | Path, columns: Sequence[Column], *, what: str) -> Table:
    """Read an .xlsx or .csv file; raise ImportFileError saying how to fix a file that can't be read."""
    path = Path(path)
    if not path.is_file():
        raise ImportFileError(f"There is no file {path}.")
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise ImportFileError(f"{path.name} is in the old Excel format (.xls). Open it in Excel and save it as "
                              f"'Excel Workbook (.xlsx)' or as 'CSV UTF-8', then import that.")
    if suffix not in (".xlsx", ".xlsm", ".csv"):
        raise ImportFileError(f"{path.name} is not a spreadsheet I can read. Save it from Excel as .xlsx or .csv.")
    with path.open("rb") as handle:
        head = handle.read(8)
    if not head:
        raise ImportFileError(f"{path.name} is empty. Export the {what} again and import that file.")
    if suffix == ".csv":
        if head.startswith(b"PK\x03\x04"):
            raise ImportFileError(f"{path.name} is named .csv but is really an Excel workbook. Rename it to .xlsx "
                                  f"and import it again.")
        return _read_csv(path, columns, what=what)
    if not head.startswith(b"PK\x03\x04"):
        looks = "text (perhaps a CSV file renamed)" if _looks_like_text(path) else "not a workbook"
        raise ImportFileError(f"{path.name} is named .xlsx but is {looks}, not an Excel workbook. Open it in Excel "
                              f"and save it as 'Excel Workbook (.xlsx)', or give it its proper name (.csv).")
    return _read_xlsx(path, columns, what=what)


def _looks_like_text(path: Path) -> bool:
    with path.open("rb") as handle:
        sample = handle.read(4096)
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return b"\x00" not in sample


def _read_xlsx(path: Path, columns: Sequence[Column], *, what: str) -> Table:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise ImportFileError(f"{path.name} could not be opened as an Excel workbook ({exc}). It may be damaged: "
                              f"open it in Excel, save it again as .xlsx, and import that.") from None
    try:
        seen: list[tuple[str, int, list[str]]] = []
        for sheet in workbook.worksheets:
            # Files not saved by Excel often carry no size, or a wrong one; reading row by row
            # without it also spares a pass over the whole sheet.
            sheet.reset_dimensions()
            rows = sheet.iter_rows(values_only=True)
            found = _find_header(rows, columns, seen, sheet.title)
            if found is None:
                continue
            header_row, mapping, first_rows = found
            data = _data_rows(first_rows, rows, header_row, mapping)
            return _table(sheet.title, header_row, mapping, data, path, columns, what)
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError) as exc:
        raise ImportFileError(f"{path.name} could not be read ({exc}). Open it in Excel, save it again as .xlsx, "
                              f"and import that.") from None
    finally:
        workbook.close()
    raise ImportFileError(_no_header_message(path.name, columns, seen, what))


def _read_csv(path: Path, columns: Sequence[Column], *, what: str) -> Table:
    raw = path.read_bytes()
    if b"\x00" in raw[:4096]:
        raise ImportFileError(f"{path.name} is named .csv but is not text. Save it from Excel as 'CSV UTF-8' "
                              f"and import that.")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")  # what Excel on Windows writes for plain "CSV"
    if not text.strip():
        raise ImportFileError(f"{path.name} is empty. Export the {what} again and import that file.")
    try:
        dialect: Any = csv.Sniffer().sniff(text[:65536], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect, strict=True)
    seen: list[tuple[str, int, list[str]]] = []
    try:
        found = _find_header(reader, columns, seen, None)
        if found is None:
            raise ImportFileError(_no_header_message(path.name, columns, seen, what))
        header_row, mapping, first_rows = found
        data = _data_rows(first_rows, reader, header_row, mapping)
    except csv.Error as exc:
        raise ImportFileError(f"{path.name} is not a well-formed CSV file (line {reader.line_num}: {exc}). Save it "
                              f"again from Excel as 'CSV UTF-8' and import that.") from None
    return _table(None, header_row, mapping, data, path, columns, what)


def _find_header(rows: Iterator[Sequence[Any]], columns: Sequence[Column], seen: list, sheet: str | None):
    """The first of the top rows that names every required column, with the rows read past it."""
    buffered: list[Sequence[Any]] = []
    for number in range(1, HEADER_SEARCH_ROWS + 1):
        try:
            row = next(rows)
        except StopIteration:
            break
        buffered.append(row)
        cells = [str(c).strip() for c in row if c is not None and str(c).strip()]
        if not cells:
            continue
        mapping = match_columns(row, columns)
        if all(c.field in mapping for c in columns if c.required):
            return number, mapping, []
        seen.append((sheet or "", number, cells))
    return None


def _data_rows(first: list, rest: Iterable[Sequence[Any]], header_row: int,
               mapping: dict[str, int]) -> list[tuple[int, dict[str, Any]]]:
    data = []
    for offset, row in enumerate(rest, start=1):
        values = {f: (row[i] if i < len(row) else None) for f, i in mapping.items()}
        if all(_blank(v) for v in values.values()):
            continue
        data.append((header_row + offset, values))
    return data


def _table(sheet, header_row, mapping, data, path: Path, columns, what) -> Table:
    if not data:
        raise ImportFileError(f"{path.name} has a header row (row {header_row}) but no {what} under it. "
                              f"Nothing was changed.")
    return Table(sheet, header_row, mapping, data)


def _no_header_message(name: str, columns: Sequence[Column], seen: list, what: str) -> str:
    need = ", ".join(f"'{c.label}'" for c in columns if c.required)
    optional = ", ".join(f"'{c.label}'" for c in columns if not c.required)
    if not seen:
        return f"{name} is empty. Export the {what} again and import that file."
    best = max(seen, key=lambda s: len(match_columns(s[2], columns)))
    sheet, row, cells = best
    mapping = match_columns(cells, columns)
    missing = ", ".join(f"'{c.label}'" for c in columns if c.required and c.field not in mapping)
    where = f"sheet \"{sheet}\" row {row}" if sheet else f"row {row}"
    shown = ", ".join(f"'{c}'" for c in cells[:8]) + (", ..." if len(cells) > 8 else "")
    return (f"I could not find the columns for {what} in {name}. The nearest header row ({where}) has {shown}, "
            f"but no column for {missing}. The file needs columns {need}"
            + (f" (and may have {optional})" if optional else "") + "; other columns are ignored.")


# --- cell values ---------------------------------------------------------------------------------------


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def cell_text(value: Any) -> str:
    """A cell as one tidy line of text ('' when empty)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return " ".join(str(value).split())


_DAY_FORMATS = ("%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y", "%d.%m.%Y", "%d %B %Y", "%d %b %Y", "%d %B %y", "%d %b %y",
                "%a %d %b %Y", "%A %d %B %Y", "%B %d %Y", "%b %d %Y")
_MONTH_FORMATS = ("%B %Y", "%b %Y", "%m/%Y")


def parse_day(value: Any) -> date:
    """A due date from a cell: an Excel date, or text in the UK order (31/03/2027, 31 March 2027).

    A month alone ("March 2027") means its last day. Raises ValueError with words for people.
    """
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 30000 <= value <= 80000:
        from openpyxl.utils.datetime import from_excel

        return from_excel(value).date()  # an Excel date serial in a cell without a date format
    text = cell_text(value)
    if not text:
        raise ValueError("no date given")
    cleaned = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", text.replace(",", " "), flags=re.IGNORECASE)
    cleaned = " ".join(cleaned.split())
    try:
        return datetime.fromisoformat(cleaned).date()
    except ValueError:
        pass
    for fmt in _DAY_FORMATS:
        try:
            return datetime.strptime(cleaned, fmt).date()
        except ValueError:
            continue
    for fmt in _MONTH_FORMATS:
        try:
            month = datetime.strptime(cleaned, fmt).date()
        except ValueError:
            continue
        return month.replace(day=monthrange(month.year, month.month)[1])
    raise ValueError(f"'{text}' is not a date; write it like 31/03/2027")


# --- people, matched by email or by name within the partnership ---------------------------------------

_TITLES = {"dr", "di", "ds", "dci", "dc", "pc", "mr", "mrs", "ms", "miss", "mx", "prof", "professor", "cllr",
           "sir", "dame", "rev", "supt", "ch", "insp", "sgt"}
_EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


def _name_key(text: str, *, drop_titles: bool) -> str:
    text = re.sub(r"\(.*?\)", " ", text.lower())
    words = re.sub(r"[^a-z' -]+", " ", text).replace("-", " ").split()
    if drop_titles:
        words = [w for w in words if w.strip(".") not in _TITLES]
    return " ".join(words)


class People:
    """The partnership's members, loaded once, found by email or by name."""

    def __init__(self, members: Iterable[Member], partnership: Partnership):
        self.partnership = partnership
        self.by_id: dict[int, Member] = {}
        self.by_email: dict[str, Member] = {}
        self.by_name: dict[str, list[Member]] = defaultdict(list)
        self.by_bare_name: dict[str, list[Member]] = defaultdict(list)
        self._matched: dict[str, tuple[Member | None, str]] = {}
        for member in members:
            self.add(member)

    @classmethod
    def load(cls, session: Session, partnership: Partnership) -> People:
        members = session.exec(select(Member).where(Member.partnership_id == partnership.id)).all()
        return cls(members, partnership)

    def add(self, member: Member) -> None:
        self._matched.clear()
        self.by_id[member.id] = member
        self.by_email[member.email.lower()] = member
        if member.active:
            self.by_name[_name_key(member.name, drop_titles=False)].append(member)
            self.by_bare_name[_name_key(member.name, drop_titles=True)].append(member)

    def match(self, value: Any) -> tuple[Member | None, str]:
        """The one active member meant by an email or a name, or None and the reason in words."""
        text = cell_text(value)
        # A plan names the same few people on row after row: work each one out once.
        if text not in self._matched:
            self._matched[text] = self._match(text)
        return self._matched[text]

    def _match(self, text: str) -> tuple[Member | None, str]:
        if not text:
            return None, "no owner given; write their name or email"
        emails = _EMAIL.findall(text)
        if len(emails) > 1:
            return None, f"'{text}' names more than one person; give one owner (the lead) per row"
        if emails:
            found = self.by_email.get(emails[0].lower())
            if found is None or not found.active:
                return None, (f"{emails[0]} is not a member of {self.partnership.name}; add them first with "
                              f"`assurebot import members`, or give another owner")
            return found, ""
        for index, key in ((self.by_name, _name_key(text, drop_titles=False)),
                           (self.by_bare_name, _name_key(text, drop_titles=True))):
            found_all = index.get(key, [])
            if len(found_all) == 1:
                return found_all[0], ""
            if len(found_all) > 1:
                who = ", ".join(m.email for m in found_all[:4])
                return None, f"{len(found_all)} members are called '{text}' ({who}); give the email instead"
        if re.search(r"\band\b|&|/|;|,|\+", text):
            return None, f"'{text}' names more than one person or no one; give one owner (the lead) per row"
        return None, (f"nobody called '{text}' is a member of {self.partnership.name}; give their email, or add "
                      f"them first with `assurebot import members`")


# --- the three imports --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Importer:
    """Who is importing, for the audit trail: a member in chat, or a label such as the file's name."""

    actor_id: int | None
    label: str


def _shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _fmt_day(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


def _title_key(text: str) -> str:
    return " ".join(text.split()).casefold()


DONE_WORDS = {"done", "complete", "completed", "closed", "achieved", "finished"}
DROPPED_WORDS = {"dropped", "withdrawn", "cancelled", "canceled", "no longer required", "superseded"}
OPEN_WORDS = {"", "open", "ongoing", "in progress", "not started", "on track", "overdue", "started", "delayed"}


def _status_from(text: str) -> str | None:
    value = " ".join(text.lower().split())
    if value in DONE_WORDS:
        return ActionStatus.DONE.value
    if value in DROPPED_WORDS:
        return ActionStatus.DROPPED.value
    if value in OPEN_WORDS:
        return ActionStatus.OPEN.value
    return None


@dataclass
class _KnownAction:
    id: int
    title: str
    owner_id: int
    agency_id: int
    source: str
    due_date: date
    status: str


def import_actions(path: str | Path, *, session: Session, partnership: Partnership, importer: Importer,
                   now: datetime, dry_run: bool = False) -> ImportReport:
    """Import an action plan (Action (SMART) | By whom | By when | Progress/update).

    A row is the same action as one already held when the wording matches (any case or spacing)
    and, where several actions share that wording, the owner too. Progress text not seen before
    on that action becomes a progress update; the file's dates and owners replace the held ones;
    a Status of done or dropped closes an open action but never reopens one.
    """
    path = Path(path)
    table = read_table(path, ACTION_COLUMNS, what="actions")
    report = ImportReport("actions", path.name, table.sheet, table.header_row, dry_run)
    people = People.load(session, partnership)
    has_source = "source" in table.columns
    default_source = _shorten(path.stem.replace("_", " ").strip(), MAX_SOURCE)

    known = [_KnownAction(*row) for row in session.exec(
        select(Action.id, Action.title, Action.owner_id, Action.agency_id, Action.source, Action.due_date,
               Action.status)
        .join(Agency, Agency.id == Action.agency_id).where(Agency.partnership_id == partnership.id))]
    by_title: dict[str, list[_KnownAction]] = defaultdict(list)
    for action in known:
        by_title[_title_key(action.title)].append(action)
    noted: dict[int, set[str]] = defaultdict(set)
    for action_id, text in session.exec(
            select(ActionUpdate.action_id, ActionUpdate.text).join(Action, Action.id == ActionUpdate.action_id)
            .join(Agency, Agency.id == Action.agency_id).where(Agency.partnership_id == partnership.id)):
        noted[action_id].add(_title_key(text))

    # Which (wording, owner) pairs the file holds, so an owner change is never guessed for an
    # action whose old owner still has a row of the same wording.
    in_file = set()
    for _number, values in table.rows:
        owner, _why = people.match(values.get("owner"))
        if owner is not None:
            in_file.add((_title_key(cell_text(values.get("title"))), owner.id))
    claimed: dict[int, int] = {}  # action id -> the row that matched it
    seen_in_file: dict[tuple[str, int], int] = {}
    new_actions: list[dict[str, Any]] = []
    new_notes: list[tuple[int | None, int, int, str]] = []  # (action id or None, index into new_actions, author, text)
    changes: list[tuple[_KnownAction, dict[str, Any], dict[str, Any]]] = []

    for number, values in table.rows:
        title = cell_text(values.get("title"))
        problems = []
        if not title:
            report.add(number, Outcome.NOT_IMPORTED, "(no action text)",
                       "the Action (SMART) cell is empty; write the action or delete the row")
            continue
        what = f'"{_shorten(title)}"'
        if len(title) > MAX_TITLE:
            problems.append(f"the action is {len(title)} characters long; the most is {MAX_TITLE}")
        owner, why = people.match(values.get("owner"))
        if owner is None:
            problems.append(f"By whom: {why}")
        try:
            due = parse_day(values.get("due"))
        except ValueError as exc:
            due = None
            problems.append(f"By when: {exc}")
        progress = cell_text(values.get("progress"))
        if len(progress) > MAX_PROGRESS:
            problems.append(f"the progress text is {len(progress)} characters; the most is {MAX_PROGRESS}")
        source = _shorten(cell_text(values.get("source")), MAX_SOURCE) if has_source else ""
        status = None
        if "status" in table.columns:
            status = _status_from(cell_text(values.get("status")))
            if status is None:
                problems.append(f"Status '{cell_text(values.get('status'))}' is not one I know; write Open, Done "
                                f"or Dropped")
        if problems:
            report.add(number, Outcome.NOT_IMPORTED, what, "; ".join(problems))
            continue
        key = _title_key(title)
        if (key, owner.id) in seen_in_file:
            report.add(number, Outcome.NOT_IMPORTED, what,
                       f"the same action for the same owner is already on row {seen_in_file[(key, owner.id)]}")
            continue
        seen_in_file[(key, owner.id)] = number

        candidates = [a for a in by_title.get(key, []) if a.id not in claimed]
        match = next((a for a in candidates if a.owner_id == owner.id), None)
        if (match is None and len(candidates) == 1 and len(by_title[key]) == 1
                and (key, candidates[0].owner_id) not in in_file):
            match = candidates[0]  # one action with this wording: its owner has changed
        if match is None:
            author = importer.actor_id or owner.id
            new_actions.append({
                "title": title, "owner_id": owner.id, "agency_id": owner.agency_id,
                "source": source or default_source, "due_date": due,
                "status": status or ActionStatus.OPEN.value, "created_at": now,
                "completed_at": now if status == ActionStatus.DONE.value else None,
                "dropped_reason": "closed in the imported action plan" if status == ActionStatus.DROPPED.value
                else None,
            })
            if progress:
                new_notes.append((None, len(new_actions) - 1, author, progress))
            detail = f"{owner.name}, due {_fmt_day(due)}" + (", with progress" if progress else "")
            report.add(number, Outcome.CREATED, what, detail)
            continue

        claimed[match.id] = number
        before: dict[str, Any] = {}
        after: dict[str, Any] = {}
        said: list[str] = []

        def change(name: str, old: Any, new: Any, words: str | None) -> None:
            if old != new:
                before[name], after[name] = old, new
                if words:
                    said.append(words)

        change("title", match.title, title, "wording")
        if match.owner_id != owner.id:
            old_owner = people.by_id.get(match.owner_id)
            change("owner_id", match.owner_id, owner.id,
                   f"owner {old_owner.name if old_owner else '?'} -> {owner.name}")
            change("agency_id", match.agency_id, owner.agency_id, None)
        if match.due_date != due:
            change("due_date", match.due_date, due, f"due {_fmt_day(match.due_date)} -> {_fmt_day(due)}")
        if has_source and source:
            change("source", match.source, source, f"source -> {source}")
        if status in (ActionStatus.DONE.value, ActionStatus.DROPPED.value) and match.status == ActionStatus.OPEN.value:
            change("status", match.status, status, f"marked {status}")
            if status == ActionStatus.DONE.value:
                change("completed_at", None, now, None)
            else:
                change("dropped_reason", None, "closed in the imported action plan", None)
        elif status == ActionStatus.OPEN.value and match.status != ActionStatus.OPEN.value:
            said.append(f"still {match.status} here (the file says open; not reopened)")
        if progress and _title_key(progress) not in noted[match.id]:
            noted[match.id].add(_title_key(progress))
            new_notes.append((match.id, -1, importer.actor_id or owner.id, progress))
            said.append("progress noted")
        if after:
            changes.append((match, before, after))
        outcome = Outcome.UPDATED if (after or "progress noted" in said) else Outcome.UNCHANGED
        report.add(number, outcome, f"#{match.id} {what}", "; ".join(said))

    if dry_run or not report.changed:
        return report
    try:
        _save_actions(session, partnership, importer, now, new_actions, new_notes, changes, report)
    except Exception:
        session.rollback()
        raise
    return report


def _save_actions(session: Session, partnership: Partnership, importer: Importer, now: datetime,
                  new_actions: list[dict[str, Any]], new_notes: list[tuple[int | None, int, int, str]],
                  changes: list[tuple[_KnownAction, dict[str, Any], dict[str, Any]]], report: ImportReport) -> None:
    """Write the import in bulk: a handful of statements however long the plan is."""
    audit: list[dict[str, Any]] = []

    def event(action: str, entity_id: int, before: dict | None, after: dict | None) -> None:
        audit.append({"partnership_id": partnership.id, "at": now, "actor_id": importer.actor_id,
                      "actor_label": importer.label[:100], "action": action, "entity": "action", "entity_id": entity_id,
                      "before": before, "after": after})

    new_ids: list[int] = []
    first_notes = {index: text for action_id, index, _author, text in new_notes if action_id is None}
    if new_actions:
        new_ids = _insert_returning_ids(session, Action, new_actions)
        for index, (action_id, values) in enumerate(zip(new_ids, new_actions, strict=True)):
            after = {k: values[k] for k in ("title", "owner_id", "agency_id", "source", "due_date", "status")}
            if index in first_notes:  # a new action's first progress note is part of its creation
                after["progress"] = first_notes[index]
            event("action.imported", action_id, None, _jsonable(after))
    if changes:
        session.exec(update(Action), params=[{"id": known.id, **after} for known, _b, after in changes])
        for known, before, after in changes:
            event("action.changed", known.id, _jsonable(before), _jsonable(after))
    if new_notes:
        rows = [{"action_id": action_id if action_id is not None else new_ids[index], "author_id": author,
                 "text": text, "created_at": now} for action_id, index, author, text in new_notes]
        note_ids = _insert_returning_ids(session, ActionUpdate, rows)
        for note_id, row, (action_id, _index, _author, _text) in zip(note_ids, rows, new_notes, strict=True):
            if action_id is not None:
                event("action.updated", row["action_id"], None, {"update_id": note_id, "text": row["text"]})
    audit.append({"partnership_id": partnership.id, "at": now, "actor_id": importer.actor_id,
                  "actor_label": importer.label[:100], "action": "import.actions", "entity": "partnership", "entity_id": partnership.id,
                  "before": None, "after": {"file": report.filename, "created": report.count(Outcome.CREATED),
                                            "updated": report.count(Outcome.UPDATED),
                                            "unchanged": report.count(Outcome.UNCHANGED),
                                            "not_imported": report.count(Outcome.NOT_IMPORTED)}})
    session.connection().execute(insert(AuditEvent.__table__), audit)
    session.commit()


def _insert_returning_ids(session: Session, model: type, rows: list[dict[str, Any]]) -> list[int]:
    """Insert many rows at once (Core, batched by SQLAlchemy) and return their new ids in order."""
    table = model.__table__
    result = session.connection().execute(
        insert(table).returning(table.c.id, sort_by_parameter_order=True), rows)
    return list(result.scalars())


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, (date, datetime)) else v) for k, v in values.items()}


ROLE_WORDS = {"": Role.MEMBER, "member": Role.MEMBER, "chair": Role.CHAIR, "chairperson": Role.CHAIR,
              "co chair": Role.CHAIR, "deputy chair": Role.DEPUTY_CHAIR, "deputy": Role.DEPUTY_CHAIR,
              "vice chair": Role.DEPUTY_CHAIR, "deputy chair person": Role.DEPUTY_CHAIR,
              "deputy chair deputy chair": Role.DEPUTY_CHAIR}


def _by_key_or_name(rows: Iterable[Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for row in rows:
        found[_norm(row.key)] = row
        found.setdefault(_norm(row.name), row)
    return found


def import_members(path: str | Path, *, session: Session, partnership: Partnership, importer: Importer,
                   now: datetime, dry_run: bool = False) -> ImportReport:
    """Import members (Name | Email | Agency | Group | Role). A person is known by their email.

    A person may have one row per group. Nobody is removed or made inactive by an import.
    """
    path = Path(path)
    table = read_table(path, MEMBER_COLUMNS, what="members")
    report = ImportReport("members", path.name, table.sheet, table.header_row, dry_run)
    agencies = _by_key_or_name(session.exec(select(Agency).where(Agency.partnership_id == partnership.id)))
    groups = _by_key_or_name(session.exec(select(Group).where(Group.partnership_id == partnership.id)))
    people = People.load(session, partnership)
    seats = {(s.group_id, s.member_id): s for s in session.exec(
        select(Membership).join(Group, Group.id == Membership.group_id).where(Group.partnership_id == partnership.id))}
    first_row: dict[str, tuple[int, str, int]] = {}  # email -> (row, name, agency id) as first given

    for number, values in table.rows:
        email = cell_text(values.get("email")).lower()
        name = cell_text(values.get("name"))
        agency_text = cell_text(values.get("agency"))
        what = f"{name or '(no name)'} <{email or 'no email'}>"
        problems = []
        if not _EMAIL.fullmatch(email):
            problems.append(f"Email '{email}' is not an email address" if email else "no email given")
        if not name:
            problems.append("no name given")
        elif len(name) > 200:
            problems.append("the name is longer than 200 characters")
        agency = agencies.get(_norm(agency_text))
        if agency is None:
            problems.append(f"Agency: {'no agency given' if not agency_text else repr(agency_text) + ' is unknown'}; "
                            f"use one of: {', '.join(sorted({a.key for a in agencies.values()}))}")
        role_text = _norm(cell_text(values.get("role")))
        role = ROLE_WORDS.get(role_text)
        if role is None:
            problems.append(f"Role '{cell_text(values.get('role'))}' is not chair, deputy chair or member")
        group_names = [g.strip() for g in re.split(r"[;,\n]", cell_text(values.get("group"))) if g.strip()]
        row_groups = []
        for group_name in group_names:
            group = groups.get(_norm(group_name))
            if group is None:
                problems.append(f"Group '{group_name}' is unknown; use one of: "
                                f"{', '.join(sorted({g.key for g in groups.values()}))}")
            else:
                row_groups.append(group)
        if email in first_row and not problems:
            row0, name0, agency0 = first_row[email]
            if name0 != name or agency0 != agency.id:
                problems.append(f"row {row0} gives this email a different name or agency")
        if problems:
            report.add(number, Outcome.NOT_IMPORTED, what, "; ".join(problems))
            continue
        first_row.setdefault(email, (number, name, agency.id))

        said: list[str] = []
        member = people.by_email.get(email)
        created = member is None
        if created:
            member = Member(partnership_id=partnership.id, email=email, name=name, agency_id=agency.id,
                            created_at=now)
            if not dry_run:
                session.add(member)
                session.flush()
                record(session, partnership_id=partnership.id, actor_id=importer.actor_id, actor_label=importer.label[:100], action="member.imported",
                       entity="member", entity_id=member.id, after=snapshot(member, "email", "name", "agency_id"))
            else:
                member.id = -number  # a stand-in so the seats below can be counted
            people.add(member)
            said.append(agency.name)
        else:
            before = snapshot(member, "name", "agency_id", "active")
            if member.name != name:
                said.append(f"name {member.name} -> {name}")
            if member.agency_id != agency.id:
                said.append(f"agency -> {agency.name}")
            if not member.active:
                said.append("made active again")
            if said and not dry_run:
                member.name, member.agency_id, member.active = name, agency.id, True
                session.add(member)
                record(session, partnership_id=partnership.id, actor_id=importer.actor_id, actor_label=importer.label[:100], action="member.changed",
                       entity="member", entity_id=member.id, before=before,
                       after=snapshot(member, "name", "agency_id", "active"))
        for group in row_groups:
            seat = seats.get((group.id, member.id))
            if seat is None:
                said.append(f"{role.value.replace('_', ' ')} of {group.key}")
                seat = Membership(group_id=group.id, member_id=member.id, role=role.value)
                seats[(group.id, member.id)] = seat
                if not dry_run:
                    session.add(seat)
                    session.flush()
                    record(session, partnership_id=partnership.id, actor_id=importer.actor_id, actor_label=importer.label[:100],
                           action="membership.imported", entity="membership", entity_id=seat.id,
                           after=snapshot(seat, "group_id", "member_id", "role"))
            elif seat.role != role.value:
                said.append(f"{group.key} role {seat.role.replace('_', ' ')} -> {role.value.replace('_', ' ')}")
                if not dry_run:
                    before = snapshot(seat, "role")
                    seat.role = role.value
                    session.add(seat)
                    record(session, partnership_id=partnership.id, actor_id=importer.actor_id, actor_label=importer.label[:100],
                           action="membership.changed", entity="membership", entity_id=seat.id, before=before,
                           after=snapshot(seat, "role"))
        outcome = Outcome.CREATED if created else (Outcome.UPDATED if said else Outcome.UNCHANGED)
        report.add(number, outcome, what, "; ".join(said) if outcome != Outcome.UNCHANGED else "")
    _finish(session, partnership, importer, report)
    return report


KIND_WORDS = {
    "": ReturnKind.OTHER, "other": ReturnKind.OTHER, "return": ReturnKind.OTHER,
    "dataset": ReturnKind.DATASET, "data": ReturnKind.DATASET, "multi agency dataset": ReturnKind.DATASET,
    "performance data": ReturnKind.DATASET, "scorecard": ReturnKind.DATASET, "figures": ReturnKind.DATASET,
    "s11": ReturnKind.SECTION_11, "s 11": ReturnKind.SECTION_11, "section 11": ReturnKind.SECTION_11,
    "s175": ReturnKind.SECTION_175, "s 175": ReturnKind.SECTION_175, "section 175": ReturnKind.SECTION_175,
    "s175 157": ReturnKind.SECTION_175, "section 175 157": ReturnKind.SECTION_175, "s157": ReturnKind.SECTION_175,
    "section 157": ReturnKind.SECTION_175, "self assessment": ReturnKind.SELF_ASSESSMENT,
    "self_assessment": ReturnKind.SELF_ASSESSMENT, "audit": ReturnKind.AUDIT,
    "multi agency audit": ReturnKind.AUDIT,
}


def _kind_from(text: str) -> ReturnKind | None:
    value = _norm(text)
    if value in KIND_WORDS:
        return KIND_WORDS[value]
    if "self assessment" in value:
        return ReturnKind.SELF_ASSESSMENT
    if "dataset" in value:
        return ReturnKind.DATASET
    return None


def import_returns(path: str | Path, *, session: Session, partnership: Partnership, importer: Importer,
                   now: datetime, dry_run: bool = False) -> ImportReport:
    """Import the returns schedule (Title | Kind | Agency | Owner | Period | Due).

    A return is known by its agency, title and period; the owner, kind and due date follow the file.
    The owner must be from the return's agency (an empty Agency cell means the owner's agency).
    """
    path = Path(path)
    table = read_table(path, RETURN_COLUMNS, what="returns")
    report = ImportReport("returns", path.name, table.sheet, table.header_row, dry_run)
    agencies = _by_key_or_name(session.exec(select(Agency).where(Agency.partnership_id == partnership.id)))
    by_id = {a.id: a for a in agencies.values()}
    agency_names = {a.id: a.name for a in agencies.values()}
    people = People.load(session, partnership)
    held = {(r.agency_id, _title_key(r.title), r.period.strip().casefold()): r for r in session.exec(
        select(DataReturn).where(col(DataReturn.agency_id).in_(list(agency_names) or [0])))}
    seen_in_file: dict[tuple[int, str, str], int] = {}

    for number, values in table.rows:
        title = cell_text(values.get("title"))
        period = cell_text(values.get("period"))
        what = f'"{_shorten(title)}"' + (f" ({period})" if period else "") if title else "(no title)"
        problems = []
        if not title:
            problems.append("no title given")
        elif len(title) > 300:
            problems.append("the title is longer than 300 characters")
        if len(period) > 60:
            problems.append("the period is longer than 60 characters")
        owner, why = people.match(values.get("owner"))
        if owner is None:
            problems.append(f"Owner: {why}")
        agency_text = cell_text(values.get("agency"))
        agency = agencies.get(_norm(agency_text)) if agency_text else (by_id.get(owner.agency_id) if owner else None)
        if agency_text and agency is None:
            problems.append(f"Agency '{agency_text}' is unknown; use one of: "
                            f"{', '.join(sorted({a.key for a in agencies.values()}))}")
        elif owner and agency and owner.agency_id != agency.id:
            problems.append(f"{owner.name} is from {agency_names.get(owner.agency_id)}, not {agency.name}; a return's "
                            f"responsible person must be from its agency")
        kind = _kind_from(cell_text(values.get("kind")))
        if kind is None:
            problems.append(f"Kind '{cell_text(values.get('kind'))}' is not one I know; use dataset, S11, S175, "
                            f"self assessment, audit or other")
        try:
            due = parse_day(values.get("due"))
        except ValueError as exc:
            due = None
            problems.append(f"Due: {exc}")
        if problems:
            report.add(number, Outcome.NOT_IMPORTED, what, "; ".join(problems))
            continue
        key = (agency.id, _title_key(title), period.casefold())
        if key in seen_in_file:
            report.add(number, Outcome.NOT_IMPORTED, what, f"the same return is already on row {seen_in_file[key]}")
            continue
        seen_in_file[key] = number
        existing = held.get(key)
        if existing is None:
            item = DataReturn(agency_id=agency.id, owner_id=owner.id, title=title, kind=kind.value, period=period,
                              due_date=due)
            if not dry_run:
                session.add(item)
                session.flush()
                record(session, partnership_id=partnership.id, actor_id=importer.actor_id, actor_label=importer.label[:100], action="return.imported",
                       entity="data_return", entity_id=item.id,
                       after=snapshot(item, "agency_id", "owner_id", "title", "kind", "period", "due_date"))
            report.add(number, Outcome.CREATED, what, f"{agency.name}, {owner.name}, due {_fmt_day(due)}")
            continue
        said = []
        if existing.owner_id != owner.id:
            said.append(f"owner -> {owner.name}")
        if existing.kind != kind.value:
            said.append(f"kind -> {kind.value}")
        if existing.due_date != due:
            said.append(f"due {_fmt_day(existing.due_date)} -> {_fmt_day(due)}")
        if said and not dry_run:
            before = snapshot(existing, "owner_id", "kind", "due_date")
            existing.owner_id, existing.kind, existing.due_date = owner.id, kind.value, due
            session.add(existing)
            record(session, partnership_id=partnership.id, actor_id=importer.actor_id, actor_label=importer.label[:100], action="return.changed",
                   entity="data_return", entity_id=existing.id, before=before,
                   after=snapshot(existing, "owner_id", "kind", "due_date"))
        report.add(number, Outcome.UPDATED if said else Outcome.UNCHANGED, f"#{existing.id} {what}", "; ".join(said))
    _finish(session, partnership, importer, report)
    return report


def _finish(session: Session, partnership: Partnership, importer: Importer, report: ImportReport) -> None:
    """Commit a members or returns import with its summary event, or leave a dry run unsaved."""
    if report.dry_run or not report.changed:
        session.rollback()
        return
    record(session, partnership_id=partnership.id, actor_id=importer.actor_id, actor_label=importer.label[:100], action=f"import.{report.kind}",
           entity="partnership", entity_id=partnership.id,
           after={"file": report.filename, "created": report.count(Outcome.CREATED),
                  "updated": report.count(Outcome.UPDATED), "unchanged": report.count(Outcome.UNCHANGED),
                  "not_imported": report.count(Outcome.NOT_IMPORTED)})
    session.commit()


IMPORTERS = {"actions": import_actions, "members": import_members, "returns": import_returns}


def run_import(kind: str, path: str | Path, *, session: Session, partnership: Partnership, importer: Importer,
               now: datetime, dry_run: bool = False) -> ImportReport:
    """Import one kind of spreadsheet in one transaction; a file-level problem changes nothing."""
    try:
        return IMPORTERS[kind](path, session=session, partnership=partnership, importer=importer, now=now,
                               dry_run=dry_run)
    except Exception:
        session.rollback()
        raise


def the_partnership(session: Session, key: str | None = None) -> Partnership:
    """The partnership named, or the database's only one; ImportFileError otherwise, saying what to do."""
    try:
        return chosen_partnership(key, session=session)
    except NoPartnership as problem:
        raise ImportFileError(str(problem)) from None
