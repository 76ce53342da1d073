"""Keep children's identifying details out of the bot.

A child is referred to only by the agency's own case reference. Text that looks like an NHS
number, a date of birth or a full postcode is refused with the reason.
"""

from __future__ import annotations

import re
from datetime import date

_NHS_CANDIDATE = re.compile(r"(?<!\d)(\d{3})[ -]?(\d{3})[ -]?(\d{4})(?!\d)")
_POSTCODE = re.compile(r"\b([A-Z]{1,2}\d[A-Z\d]?)\s*(\d[A-Z]{2})\b", re.IGNORECASE)
_DOB_WORDS = re.compile(r"\b(d\.?\s?o\.?\s?b\.?|date of birth|born(?: on)?)\b", re.IGNORECASE)
_MONTHS = "jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec"
_NUMERIC_DATE = re.compile(r"(?<!\d)(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})(?!\d)")
_WORDY_DATE = re.compile(
    rf"(?<!\d)(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTHS})[a-z]*\.?,?\s+(\d{{4}})(?!\d)", re.IGNORECASE
)
_MONTH_NUMBER = {m: i for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep",
                                               "oct", "nov", "dec"], start=1)}


def valid_nhs_number(digits: str) -> bool:
    """The NHS number's modulus 11 check: weights 10..2 over the first nine digits."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1)))
    check = 11 - (total % 11)
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def _dates_in(text: str) -> list[date]:
    found: list[date] = []
    for day, month, year in _NUMERIC_DATE.findall(text):
        y = int(year) + (2000 if len(year) == 2 else 0)
        try:
            found.append(date(y, int(month), int(day)))
        except ValueError:
            continue
    for day, month, year in _WORDY_DATE.findall(text):
        try:
            found.append(date(int(year), _MONTH_NUMBER[month.lower()[:3]], int(day)))
        except (ValueError, KeyError):
            continue
    return found


def identifying_details(text: str, *, today: date) -> list[str]:
    """Reasons the text looks like it identifies a child; empty when it looks safe."""
    reasons: list[str] = []
    if any(valid_nhs_number(a + b + c) for a, b, c in _NHS_CANDIDATE.findall(text)):
        reasons.append("it contains what looks like an NHS number")
    if _POSTCODE.search(text):
        reasons.append("it contains a full postcode (the first half, such as B91, is fine)")
    dates = _dates_in(text)
    if _DOB_WORDS.search(text):
        reasons.append("it mentions a date of birth")
    elif any(_looks_like_child_birth_date(d, today) for d in dates):
        reasons.append("it contains a date that could be a child's date of birth")
    return reasons


def _looks_like_child_birth_date(day: date, today: date) -> bool:
    """A date between 1 and 19 years ago: too old to be a recent event, young enough to be a child's birth."""
    age_days = (today - day).days
    return 365 <= age_days <= 19 * 366


def refusal_text(reasons: list[str]) -> str:
    return (
        "I can't save this because " + "; ".join(reasons) + ". Please refer to the child only by your "
        "agency's case reference (for example CS-12345), never by name, date of birth, NHS number or address."
    )
