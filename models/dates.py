"""Reading the dates and times people write, one way everywhere: chat, forms, the command line
and spreadsheet cells; date_value and moment_value read the values of a file, such as the
partnership's YAML.

Dates are read in the UK order, day before month:

    2027-03-02                          ISO (a time after it, as in 2027-03-02T10:00, is set aside)
    02/03/2027, 2/3/27                  also with - or . between: 02-03-2027, 2.3.27
                                        a two-digit year is this century: 27 is 2027
    2 March 2027, 2 Mar 27, 31st Mar 2027, 2nd of March 2027, March 2 2027
    Tue 2 Mar 2027, Tuesday 2 March 2027  the weekday must be the date's own
    2 March, 2nd Mar, 2/3               no year: see below
    today, tomorrow, yesterday
    Friday, fri                         a weekday alone: see below
    this Friday, next Friday, last Friday
                                        the Friday of this, next or last week; weeks run Monday
                                        to Sunday, so on Wednesday 3 March 2027 next Tuesday is
                                        9 March and this Tuesday was 2 March
    in 3 days, in 2 weeks, in a week, 3 days ago, a week ago

Looking ahead (the usual way, for meetings and due dates), a weekday alone is the next one after
today (on a Friday, "Friday" is a week today), and a date without a year is the next one not
before today (on 3 March 2027, "2 March" is 2 March 2028 and "3 March" is today). Looking back
(`past=True`, for the start and end of a report) a weekday alone is the last one before today,
and a date without a year the last one not after today.

Words that depend on the day (today, Friday, 2 March) need `today`; without it, as for a file
read at any time, they are refused and the date itself is asked for.

A date that can be read but does not exist is named (there is no 31 February 2027); one that
can't be read is answered with how to write it. Both raise DateError, a ValueError whose
message is written for people.

local_moment turns a date and a time into the moment the partnership's clocks show it, and names a
time the clocks skip (01:30 on the day they go forward in the UK) rather than moving it.
"""

from __future__ import annotations

import re
from calendar import monthrange
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from typing import Any, Sequence

HOW_TO_WRITE = "write it like 2 March 2027 or 02/03/2027"
HOW_TO_WRITE_TIME = "write it like 10:00, 14:30 or 2.30pm"
HOW_TO_WRITE_BOTH = "write it like 2 March 2027 10:00 or 2027-03-02T10:00"
FIRST_YEAR, LAST_YEAR = 1900, 2199
LONGEST_DATE = 4  # words, as in "Tue 2 Mar 2027"
SHOWN = 40  # longer text is not repeated back

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTH = {name.lower(): number for number, name in enumerate(MONTHS, start=1)}
_MONTH.update({name[:3].lower(): number for number, name in enumerate(MONTHS, start=1)})
_MONTH["sept"] = 9
_WEEKDAY = {name.lower(): number for number, name in enumerate(WEEKDAYS)}
_WEEKDAY.update({name[:3].lower(): number for number, name in enumerate(WEEKDAYS)})
_WEEKDAY.update({"tues": 1, "weds": 2, "thur": 3, "thurs": 3})

_M = "(" + "|".join(sorted(_MONTH, key=len, reverse=True)) + ")"
_W = "(" + "|".join(sorted(_WEEKDAY, key=len, reverse=True)) + ")"
_ISO = re.compile(r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})"
                  r"(?:[t ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:z|[+-]\d{2}:?\d{2})?)?")  # a time after it is set aside
_NUMERIC = re.compile(r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})")
_NUMERIC_NO_YEAR = re.compile(r"(\d{1,2})/(\d{1,2})")
_DAY_MONTH = re.compile(rf"(?:{_W} )?(\d{{1,2}}) {_M}(?: (\d{{4}}|\d{{2}}))?")
_MONTH_DAY = re.compile(rf"(?:{_W} )?{_M} (\d{{1,2}})(?: (\d{{4}}))?")
_MONTH_ALONE = re.compile(rf"{_M} (\d{{4}})|(\d{{1,2}})/(\d{{4}})")
_WEEKDAY_WORDS = re.compile(rf"(?:(this|next|last) )?{_W}")
_IN = re.compile(r"in (\d{1,5}|a|an|one) (day|days|week|weeks|fortnight)")
_AGO = re.compile(r"(\d{1,5}|a|an|one) (day|days|week|weeks|fortnight) ago")
_DAYS_AWAY = {"today": 0, "tomorrow": 1, "yesterday": -1}
_UNIT_DAYS = {"day": 1, "days": 1, "week": 7, "weeks": 7, "fortnight": 14}

_CLOCK = re.compile(r"(\d{1,2})(?:[:.h](\d{2}))?(?::(\d{2}))?(am|pm)")
_TWENTY_FOUR = re.compile(r"(\d{1,2})[:.h](\d{2})(?::(\d{2})(?:\.\d+)?)?|(\d{2})(\d{2})|(\d{1,2})h")
_NAMED_TIMES = {"noon": time(12), "midday": time(12), "midnight": time(0)}


class DateError(ValueError):
    """A date or time that can't be used; `message` says why in words for people (a clause, with
    no capital or full stop, so that it can be put into a longer line)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    @property
    def sentence(self) -> str:
        """The message as a sentence of its own."""
        return self.message[:1].upper() + self.message[1:] + "."


class ImpossibleDate(DateError):
    """A date or time written in a way that can be read, but that does not exist: 31 February,
    month 13, 25:00, or a weekday that is not the date's own."""


class SkippedTime(ImpossibleDate):
    """A time of day the clocks jump over when they go forward, so no meeting can start then."""

    @property
    def sentence(self) -> str:
        why, _, what = self.message.rpartition("; ")
        return f"{why}. {what[:1].upper()}{what[1:]}."


def local_moment(day: date, at: time, zone: tzinfo) -> datetime:
    """`at` on `day` as the clocks of `zone` show it, as a datetime in that zone.

    A time the clocks skip when they go forward is refused (SkippedTime): on Sunday 28 March 2027
    there is no 01:30 in the UK, and saving it as 02:30 would put a meeting an hour from where
    the reply said. In the hour that comes twice when they go back, the first is meant (still
    summer time), so 01:30 on Sunday 31 October 2027 is 00:30 UTC however it is entered."""
    wanted = datetime.combine(day, at, tzinfo=zone)  # fold 0: the first of an hour that comes twice
    found = wanted.astimezone(timezone.utc).astimezone(zone)
    if found.replace(tzinfo=None) == wanted.replace(tzinfo=None):
        return found
    before, after = wanted.utcoffset(), wanted.replace(fold=1).utcoffset()  # the skipped time reads both ways
    change = wanted.replace(fold=1).astimezone(timezone.utc)  # a moment before the clocks went forward
    while change.astimezone(zone).utcoffset() != after:
        change += timedelta(minutes=1)
    place = "in the UK" if getattr(zone, "key", None) == "Europe/London" else f"in the {zone} time zone"
    raise SkippedTime(f"{at:%H:%M} does not exist on {format_day(day)} {place}: the clocks go forward from "
                      f"{change + before:%H:%M} to {change.astimezone(zone):%H:%M}; choose another time")


def format_day(value: date | datetime) -> str:
    """A date as people read it: Tue 2 Mar 2027."""
    return f"{value:%a} {value.day} {value:%b %Y}"


def _shown(text: str) -> str:
    return f"'{text}'" if len(text) <= SHOWN else "that"


def _clean(text: str) -> str:
    """Lower case, single spaces, no commas, and no ordinals or dots after words: '31st of Mar.'
    becomes '31 mar'."""
    cleaned = re.sub(r"(?<=[a-z])\.", "", text.lower().replace(",", " "))
    cleaned = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", cleaned)
    cleaned = re.sub(r"(\d) of ", r"\1 ", cleaned)
    return " ".join(cleaned.split())


def _year(text: str) -> int:
    return 2000 + int(text) if len(text) == 2 else int(text)


def _checked(year: int | None, month: int, day: int, shown: str) -> None:
    """Refuse a month or a day that does not exist (in `year`, or in any year when None)."""
    if not 1 <= month <= 12:
        raise ImpossibleDate(f"there is no month {month}")
    if year is not None and not FIRST_YEAR <= year <= LAST_YEAR:
        raise DateError(f"{shown} is not a date I can use: the year must be between {FIRST_YEAR} and "
                        f"{LAST_YEAR}; {HOW_TO_WRITE}")
    if day < 1:
        raise ImpossibleDate(f"there is no day {day}")
    if day > (monthrange(year, month)[1] if year is not None else (29 if month == 2 else monthrange(2001, month)[1])):
        named = f"{day} {MONTHS[month - 1]}" + (f" {year}" if year is not None else "")
        if year is not None and month == 2 and day == 29:
            raise ImpossibleDate(f"there is no {named}; {year} is not a leap year")
        raise ImpossibleDate(f"there is no {named}")


def _without_year(month: int, day: int, today: date | None, past: bool, text: str) -> date:
    """The next such day not before today, or looking back the last one not after it."""
    if today is None:
        raise DateError(f"{_shown(text)} needs a year; {HOW_TO_WRITE}")
    _checked(None, month, day, _shown(text))
    step = -1 if past else 1
    year = today.year
    while True:  # 29 February comes round within four years
        if day <= monthrange(year, month)[1]:
            found = date(year, month, day)
            if (found <= today) if past else (found >= today):
                return found
        year += step


def _weekday_date(which: str | None, weekday: int, today: date | None, past: bool, text: str) -> date:
    if today is None:
        raise DateError(f"{_shown(text)} depends on the day it is read; {HOW_TO_WRITE}")
    if which:
        monday = today - timedelta(today.weekday())
        return monday + timedelta({"this": 0, "next": 7, "last": -7}[which] + weekday)
    if past:
        return today - timedelta((today.weekday() - weekday) % 7 or 7)
    return today + timedelta((weekday - today.weekday()) % 7 or 7)


def _moved(today: date | None, days: int, text: str) -> date:
    if today is None:
        raise DateError(f"{_shown(text)} depends on the day it is read; {HOW_TO_WRITE}")
    try:
        found = today + timedelta(days)
    except OverflowError:
        found = None
    if found is None or not FIRST_YEAR <= found.year <= LAST_YEAR:
        raise DateError(f"{_shown(text)} is too far off to be a date I can use; {HOW_TO_WRITE}")
    return found


def _count(word: str) -> int:
    return 1 if word in ("a", "an", "one") else int(word)


def _same_weekday(found: date, named: str | None) -> date:
    if named and found.weekday() != _WEEKDAY[named]:
        raise ImpossibleDate(f"{found.day} {MONTHS[found.month - 1]} {found.year} is a {WEEKDAYS[found.weekday()]}, "
                             f"not a {WEEKDAYS[_WEEKDAY[named]]}")
    return found


def _dated(year: str | None, month: int, day: int, today: date | None, past: bool, text: str) -> date:
    if year is None:
        return _without_year(month, day, today, past, text)
    _checked(_year(year), month, day, _shown(text))
    return date(_year(year), month, day)


def parse_date(text: str, *, today: date | None, past: bool = False, month_end: bool = False) -> date:
    """The date `text` means, read as the module's docstring sets out.

    `today` places words such as tomorrow, Friday and 2 March; None refuses them. `past` reads
    those looking back rather than ahead. With `month_end`, a month alone (March 2027, 03/2027)
    means its last day. Raises DateError (ImpossibleDate for a date that does not exist).
    """
    original = " ".join((text or "").split())
    s = _clean(original)
    if not s:
        raise DateError(f"no date given; {HOW_TO_WRITE}")
    if s in _DAYS_AWAY:
        return _moved(today, _DAYS_AWAY[s], original)
    if m := _IN.fullmatch(s):
        return _moved(today, _count(m[1]) * _UNIT_DAYS[m[2]], original)
    if m := _AGO.fullmatch(s):
        return _moved(today, -_count(m[1]) * _UNIT_DAYS[m[2]], original)
    if m := _WEEKDAY_WORDS.fullmatch(s):
        return _weekday_date(m[1], _WEEKDAY[m[2]], today, past, original)
    if m := _ISO.fullmatch(s):
        return _dated(m[1], int(m[3]), int(m[4]), today, past, original)
    if m := _NUMERIC.fullmatch(s):
        return _dated(m[4], int(m[3]), int(m[1]), today, past, original)
    if m := _NUMERIC_NO_YEAR.fullmatch(s):
        return _dated(None, int(m[2]), int(m[1]), today, past, original)
    if m := _DAY_MONTH.fullmatch(s):
        return _same_weekday(_dated(m[4], _MONTH[m[3]], int(m[2]), today, past, original), m[1])
    if m := _MONTH_DAY.fullmatch(s):
        return _same_weekday(_dated(m[4], _MONTH[m[2]], int(m[3]), today, past, original), m[1])
    if m := _MONTH_ALONE.fullmatch(s):
        year, month = (int(m[2]), _MONTH[m[1]]) if m[1] else (int(m[4]), int(m[3]))
        _checked(year, month, 1, _shown(original))
        if month_end:
            return date(year, month, monthrange(year, month)[1])
        raise DateError(f"{_shown(original)} is a month; give the day too, like "
                        f"{monthrange(year, month)[1]} {MONTHS[month - 1]} {year}")
    raise DateError(f"{_shown(original)} is not a date; {HOW_TO_WRITE}")


def parse_time(text: str) -> time:
    """The time of day `text` means: 10:00, 10.00, 1000, 14h30, 10am, 2.30pm, 2:30 pm, noon,
    midday or midnight. An hour alone (10) is refused, as it could be morning or evening.
    Raises DateError (ImpossibleDate for a time that does not exist, such as 25:00)."""
    original = " ".join((text or "").split())
    s = re.sub(r"\s+(?=[ap]m$)", "", _clean(original).replace("a.m", "am").replace("p.m", "pm"))
    if not s:
        raise DateError(f"no time given; {HOW_TO_WRITE_TIME}")
    if s in _NAMED_TIMES:
        return _NAMED_TIMES[s]
    if m := _CLOCK.fullmatch(s):
        hour, minute = int(m[1]), int(m[2] or 0)
        if not 1 <= hour <= 12:
            raise ImpossibleDate(f"there is no {hour}{m[4]}; with am or pm the hours go from 1 to 12")
        _clock_checked(minute, int(m[3] or 0), original)
        return time(hour % 12 + (12 if m[4] == "pm" else 0), minute, int(m[3] or 0))
    if m := _TWENTY_FOUR.fullmatch(s):
        hour, minute, second = ((int(m[1]), int(m[2]), int(m[3] or 0)) if m[1] else
                                (int(m[4]), int(m[5]), 0) if m[4] else (int(m[6]), 0, 0))
        if hour > 23:
            raise ImpossibleDate(f"there is no {hour:02}:{minute:02}; the day runs from 00:00 to 23:59")
        _clock_checked(minute, second, original)
        return time(hour, minute, second)
    raise DateError(f"{_shown(original)} is not a time; {HOW_TO_WRITE_TIME}")


def _clock_checked(minute: int, second: int, original: str) -> None:
    if minute > 59 or second > 59:
        raise ImpossibleDate(f"there is no {original}; the minutes of an hour go from 00 to 59")


def _time_like(word: str) -> bool:
    """A word that is part of a time, never of a date: 10:00, 10am, pm, noon."""
    word = word.lower()
    return ":" in word or bool(re.search(r"[ap]\.?m\.?$", word)) or word in _NAMED_TIMES


def take_date(words: Sequence[str], *, today: date | None, past: bool = False) -> tuple[date, list[str]]:
    """The date at the start of `words`, and the words after it.

    The longest run of up to four words that reads as a date is taken, so that
    `2 March 2027 10am Council House` gives 2 March 2027 and `10am Council House`; a run never
    takes in a time. A run that reads as a date that does not exist is refused at once.
    Raises DateError.
    """
    words = list(words)
    if not words:
        return parse_date("", today=today, past=past), []
    errors: dict[int, DateError] = {}
    for count in range(min(LONGEST_DATE, len(words)), 0, -1):
        if any(_time_like(word) for word in words[1:count]):
            continue
        try:
            return parse_date(" ".join(words[:count]), today=today, past=past), words[count:]
        except ImpossibleDate:
            raise
        except DateError as error:
            errors[count] = error
    shown = 1
    if re.fullmatch(r"\d{1,2}", words[0]):  # the start of a date in words, as in "2 Marhc 2027"
        while shown < min(LONGEST_DATE - 1, len(words)) and not _time_like(words[shown]):
            shown += 1
    raise errors.get(shown) or DateError(f"{_shown(' '.join(words[:shown]))} is not a date; {HOW_TO_WRITE}")


def take_time(words: Sequence[str]) -> tuple[time, list[str]]:
    """The time at the start of `words` (one word, or two as in `2.30 pm`), and the words after it.
    Raises DateError."""
    words = list(words)
    if len(words) > 1 and re.fullmatch(r"[ap]\.?m\.?", words[1].lower()):
        return parse_time(" ".join(words[:2])), words[2:]
    return parse_time(words[0] if words else ""), words[1:]


def parse_moment(text: str, *, today: date | None, default_time: time | None = None) -> datetime:
    """A date and a time together: 2027-03-02T10:00, 2027-03-02 10:00, 2 March 2027 10am,
    02/03/2027 at 14:30. A date alone takes `default_time`, or is refused when that is None.
    The result carries a zone only when the text gives one (2027-03-02T10:00+00:00).
    Raises DateError."""
    original = " ".join((text or "").split())
    if re.match(r"\d{4}-\d{1,2}-\d{1,2}[tT ]\d", original):
        try:
            return datetime.fromisoformat(original)
        except ValueError:
            original = re.sub(r"(?<=\d)[tT](?=\d)", " ", original, count=1)
    words = [w for w in original.split() if w.lower() != "at"]
    try:
        day, rest = take_date(words, today=today)
    except ImpossibleDate:
        raise
    except DateError:
        raise DateError(f"{_shown(original)} is not a date and time; {HOW_TO_WRITE_BOTH}") from None
    if not rest:
        if default_time is None:
            raise DateError(f"{_shown(original)} has no time; {HOW_TO_WRITE_BOTH}")
        return datetime.combine(day, default_time)
    at, extra = take_time(rest)
    if extra:
        raise DateError(f"{_shown(original)} is not a date and time; {HOW_TO_WRITE_BOTH}")
    return datetime.combine(day, at)


def date_value(value: Any, *, today: date | None = None) -> date:
    """A date from a value read from a file: a date (or date and time) already, or text
    parse_date reads. Raises DateError."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return parse_date("" if value is None else str(value), today=today)


def moment_value(value: Any, *, today: date | None = None, default_time: time | None = None) -> datetime:
    """A date and time from a value read from a file: a datetime already, a date (at
    `default_time`), or text parse_moment reads. Raises DateError."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        if default_time is None:
            raise DateError(f"{format_day(value)} has no time; {HOW_TO_WRITE_BOTH}")
        return datetime.combine(value, default_time)
    return parse_moment("" if value is None else str(value), today=today, default_time=default_time)
