"""Reading a spreadsheet (.xlsx or .csv) into rows, whatever the file looks like around its table.

People keep these files by hand: the header may sit under a title, the columns may be named in
their own words and in any order, and extra columns are theirs. A file that cannot be read is
refused whole with a message saying how to fix it, so nothing is half imported.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

HEADER_SEARCH_ROWS = 30  # the audit tool puts a form above its action table
MAX_FILE_BYTES = 20 * 1024 * 1024  # a partnership's spreadsheets are well under a megabyte
MAX_UNPACKED_BYTES = 200 * 1024 * 1024  # an .xlsx is a zip: what it holds, unpacked
MAX_ROWS = 10_000  # rows with something in them, under the header
MAX_SCANNED_ROWS = 100_000  # rows read at all, blank ones included


class ImportFileError(ValueError):
    """The file as a whole cannot be imported; nothing was changed. The message says how to fix it."""


# --- columns: what an import reads, and the names people give them ------------------------------------


@dataclass(frozen=True)
class Column:
    """A column an import reads. `names` match a whole header; `words` match one word of it."""

    field: str
    label: str
    names: tuple[str, ...]
    words: tuple[str, ...] = ()
    required: bool = True


def norm(text: str) -> str:
    """A header, key or name as compared: lower case, words of letters and digits."""
    return " ".join(re.sub(r"[^a-z0-9@]+", " ", text.lower()).split())


def match_columns(headers: Sequence[Any], columns: Sequence[Column]) -> dict[str, int]:
    """Which header cell holds each column: whole names first, then a telling word."""
    found: dict[str, int] = {}
    texts = [(i, str(h)) for i, h in enumerate(headers) if h is not None and str(h).strip()]
    forms = {i: {norm(t), norm(re.sub(r"\(.*?\)", " ", t))} for i, t in texts}
    for column in columns:
        for i, _text in texts:
            if i not in found.values() and forms[i] & set(column.names):
                found[column.field] = i
                break
    for column in columns:
        if column.field in found or not column.words:
            continue
        for i, text in texts:
            if i not in found.values() and set(norm(text).split()) & set(column.words):
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
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise ImportFileError(f"{path.name} is {_megabytes(size)}; the most I import is {_megabytes(MAX_FILE_BYTES)}. "
                              f"Save just the sheet with the {what} in a file of its own and import that.")
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


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def _unpacked_size(path: Path) -> int:
    try:
        with zipfile.ZipFile(path) as archive:
            return sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError):
        return 0  # openpyxl says what is wrong with it


def _read_xlsx(path: Path, columns: Sequence[Column], *, what: str) -> Table:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    unpacked = _unpacked_size(path)
    if unpacked > MAX_UNPACKED_BYTES:
        raise ImportFileError(f"{path.name} unpacks to {_megabytes(unpacked)}, far more than a sheet of {what} "
                              f"needs (the most I read is {_megabytes(MAX_UNPACKED_BYTES)}). Copy just the table "
                              f"into a new workbook, save it as .xlsx, and import that.")
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
            data = _data_rows(first_rows, rows, header_row, mapping, name=path.name, what=what)
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
        data = _data_rows(first_rows, reader, header_row, mapping, name=path.name, what=what)
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


def _data_rows(first: list, rest: Iterable[Sequence[Any]], header_row: int, mapping: dict[str, int], *,
               name: str, what: str) -> list[tuple[int, dict[str, Any]]]:
    data = []
    for offset, row in enumerate(rest, start=1):
        if offset > MAX_SCANNED_ROWS:
            raise ImportFileError(f"{name} goes on for more than {MAX_SCANNED_ROWS:,} rows under the header, most "
                                  f"of them empty. Delete the empty rows below the {what} (or copy the table into "
                                  f"a new workbook) and import it again. Nothing was changed.")
        values = {f: (row[i] if i < len(row) else None) for f, i in mapping.items()}
        if all(_blank(v) for v in values.values()):
            continue
        if len(data) >= MAX_ROWS:
            raise ImportFileError(f"{name} has more than {MAX_ROWS:,} rows of {what}; the most I import at once is "
                                  f"{MAX_ROWS:,}. Split it into smaller files and import each. Nothing was changed.")
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


def title_key(text: str) -> str:
    """A title as compared with the one held: any case or spacing."""
    return " ".join(text.split()).casefold()
