"""Keep children's identifying details out of the bot.

A child is referred to only by the agency's own case reference, never by name, date of birth,
NHS number or address. This module is the one check for that: it finds what looks like an NHS
number, a full postcode, a street address, a child's name or a date of birth, says why in plain
words, and can mask what it found so that a refused form can be shown again without keeping the
identifier.

People write the same number many ways (943 476 5919, 943.476.5919, 94 34 76 59 19, with
no-break or thin spaces, en dashes, or in words), so the text is first normalised: every Unicode
space becomes a space, every dash a hyphen, other digits plain digits, and runs of number words
("nine four three ...") digits. The patterns then look at that one form, and a map kept
alongside it says which characters of the original each normalised character came from.

Dates are the hard part: a meeting date and a child's date of birth look the same. So a date is
refused only where it can be a child's date of birth and reads as one, which depends on where the
text is from (see ESCALATION and GENERAL).

Names and addresses are found by their shape, not looked up. A street address is a house number
(or a flat's) and capitalised words ending in a street word: "14 Acacia Avenue", "Flat 3, 22 Mill
Lane". A child's name is up to four capitalised words, not everyday or agency words, straight
after a word for a child ("Child Jayden Smith", "son Tyler", "a girl called Amy Louise Jones") or
after "name is", or straight before a date-of-birth word ("Tyler Smith born 3rd April 2019"). A
professional's name has no such word next to it, or has a title ("Dr Amara Okafor to contact the
school"), and "Child Protection Plan" or "Child In Need" are not names, so both pass. A meeting's
place is an organisation's address ("Riverside House, 12 High Street"), so there (PLACE) a street
address is allowed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from models.identifier_shapes import addresses, names, names_before

# Where the text is from. In an escalation (summary, case reference, stage note, outcome) a date
# that could be a child's date of birth is refused unless the sentence reads it as the date of a
# meeting or other event, and "DOB" or "date of birth" is refused even without a date: it
# announces a date we might not be able to read. Elsewhere (action titles, progress notes, paper
# titles, meeting places) dates are everyday, so one is refused only next to date-of-birth words.
# A meeting's place (PLACE) is read as GENERAL text, except that a street address is allowed: it is
# where the partnership meets, not where a child lives.
ESCALATION = "escalation"
GENERAL = "general"
PLACE = "place"
_WHERE = (ESCALATION, GENERAL, PLACE)

NHS_REASON = "it contains what looks like an NHS number"
POSTCODE_REASON = "it contains a full postcode (the first half, such as B91, is fine)"
DOB_REASON = "it mentions a date of birth"
DATE_REASON = "it contains a date that could be a child's date of birth"
ADDRESS_REASON = "it contains what looks like a street address (a house or flat number and a street)"
NAME_REASON = "it contains what looks like a child's name"

_MARKERS = {"nhs": "[NHS number removed]", "postcode": "[postcode removed]", "date": "[date removed]",
            "dob": "[date of birth removed]", "address": "[address removed]", "name": "[name removed]"}
# Masked text is checked again when it is sent back; the markers themselves must not be refused.
_MARKER = re.compile("|".join(re.escape(m) for m in _MARKERS.values()))

# A child is under 18; a year more allows for a care leaver or a date typed a little wrong.
_CHILDHOOD_YEARS = 19

# --- Normalising -------------------------------------------------------------------------------

_ASCII_SPACES = str.maketrans("\t\n\r\f\v", "     ")
_LOOK_ALIKES = {"-": "\u2010\u2011\u2012\u2013\u2014\u2015\u2043\u2212\ufe58\ufe63\uff0d",
                "/": "\u2044\u2215\uff0f", ".": "\u2024\uff0e", "'": "\u2018\u2019\u02bc\u2032"}


@lru_cache(maxsize=512)
def _plain(char: str) -> str:
    """One typed character as the patterns should see it (possibly none, or several)."""
    for plain, variants in _LOOK_ALIKES.items():
        if char in variants:
            return plain
    category = unicodedata.category(char)
    if category.startswith("Z") or char.isspace():
        return " "
    if category == "Pd":
        return "-"
    if category == "Cf":  # zero-width spaces, soft hyphens: invisible, so they must not split a number
        return ""
    digit = unicodedata.decimal(char, None)
    if digit is not None:
        return str(digit)
    compatible = unicodedata.normalize("NFKC", char)  # full-width letters, ½ and the like
    return compatible if compatible == char else "".join(_plain(c) for c in compatible)


@dataclass
class _Text:
    """The text as the patterns see it, and where each of its characters came from.

    starts[i]:ends[i] is the span of the original text that normalised character i stands for;
    None means the two are the same (the common case, which costs nothing).
    """

    norm: str
    starts: list[int] | None = None
    ends: list[int] | None = None

    def origin(self, start: int, end: int) -> tuple[int, int]:
        if self.starts is None or self.ends is None:
            return start, end
        return self.starts[start], self.ends[end - 1]

    def edited(self, edits: list[tuple[int, int, str]]) -> _Text:
        """A copy with each (start, end, replacement) made; the replacement maps to what it replaced."""
        chars: list[str] = []
        starts: list[int] = []
        ends: list[int] = []
        at = 0
        for start, end, replacement in [*edits, (len(self.norm), len(self.norm), "")]:
            for i in range(at, start):
                chars.append(self.norm[i])
                first, last = self.origin(i, i + 1)
                starts.append(first)
                ends.append(last)
            if start < end:
                first, last = self.origin(start, end)
                for char in replacement:
                    chars.append(char)
                    starts.append(first)
                    ends.append(last)
            at = end
        return _Text("".join(chars), starts, ends)


_DIGIT_WORDS = {"zero": "0", "nought": "0", "nil": "0", "oh": "0", "o": "0", "one": "1", "two": "2",
                "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9"}
_WORDS = "|".join(sorted(_DIGIT_WORDS, key=len, reverse=True))
_NUMBER_WORD = re.compile(rf"\b(?:(double|triple) +)?({_WORDS})\b", re.IGNORECASE)
_NUMBER_TOKEN = rf"(?:(?:double|triple) +)?(?:{_WORDS})\b|\d+\b"
# Three or more number words or digit groups in a row, as someone reading a number aloud writes it.
_NUMBER_RUN = re.compile(rf"\b(?:{_NUMBER_TOKEN})(?:(?: *[-.,/] *| +)(?:{_NUMBER_TOKEN})){{2,}}", re.IGNORECASE)


def _normalise(text: str) -> _Text:
    if text.isascii():
        prepared = _Text(text.translate(_ASCII_SPACES))
    else:
        chars: list[str] = []
        starts: list[int] = []
        for i, char in enumerate(text):
            plain = _plain(char)
            chars.append(plain)
            starts.extend([i] * len(plain))
        prepared = _Text("".join(chars), starts, [i + 1 for i in starts])
    # A marker left by mask_identifiers becomes blank: it is not itself an identifier.
    prepared.norm = _MARKER.sub(lambda m: " " * len(m.group()), prepared.norm)
    if not _NUMBER_WORD.search(prepared.norm):
        return prepared
    # Number words become digits only inside a run of them: "one of the two visits" stays prose.
    edits = []
    for run in _NUMBER_RUN.finditer(prepared.norm):
        for word in _NUMBER_WORD.finditer(prepared.norm, run.start(), run.end()):
            times = {"double": 2, "triple": 3}.get((word.group(1) or "").lower(), 1)
            edits.append((word.start(), word.end(), _DIGIT_WORDS[word.group(2).lower()] * times))
    return prepared.edited(edits) if edits else prepared


# --- NHS numbers -------------------------------------------------------------------------------

# Digit groups joined by spaces, hyphens, dots, slashes, commas, underscores or brackets. A leading
# + or currency sign makes the whole run a phone number or an amount of money, never an NHS number.
_DIGIT_RUN = re.compile(r"(?<!\d)([+£$€] *)?\d+(?:(?: *[-./,_()] *| +)\d+)*")
_DIGITS = re.compile(r"\d+")


def valid_nhs_number(digits: str) -> bool:
    """The NHS number's modulus 11 check: weights 10..2 over the first nine digits."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1)))
    check = 11 - (total % 11)
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def _nhs_numbers(norm: str) -> list[tuple[int, int]]:
    """Spans of ten digits, however grouped, that pass the check digit.

    A run longer than ten digits (an NHS number next to a date, say) is tried ten digits at a
    time along its groups; a group is never split, so a phone number's 11 digits do not count.
    """
    found = []
    for run in _DIGIT_RUN.finditer(norm):
        if run.group(1):
            continue
        groups = list(_DIGITS.finditer(norm, run.start(), run.end()))
        for i in range(len(groups)):
            digits = ""
            for j in range(i, len(groups)):
                digits += groups[j].group()
                if len(digits) >= 10:
                    break
            if len(digits) == 10 and valid_nhs_number(digits) and not _holds_a_date(groups[i:j + 1]):
                found.append((groups[i].start(), groups[j].end()))
    return found


def _holds_a_date(groups: list[re.Match]) -> bool:
    """Whether three groups in a row read as a date with its year in full (2026-12-03, 03/12/2026):
    a date and a time ("2026-12-03 15:00") can make ten digits that pass the check, and nobody
    writes an NHS number in a date's groups."""
    parts = [m.group() for m in groups]
    for first, middle, last in zip(parts, parts[1:], parts[2:]):
        year, day = (first, last) if len(first) == 4 else (last, first) if len(last) == 4 else (None, None)
        if (year is not None and 1900 <= int(year) <= 2100 and len(middle) <= 2 and len(day) <= 2
                and _calendar((int(year), middle, day))):
            return True
    return False


# --- Postcodes ---------------------------------------------------------------------------------

# The real postcode areas: far fewer false alarms than "any one or two letters" (Q3, Y10, KS2).
_AREAS = frozenset(
    "AB AL B BA BB BD BF BH BL BN BR BS BT BX CA CB CF CH CM CO CR CT CV CW DA DD DE DG DH DL DN DT DY E EC EH "
    "EN EX FK FY G GL GU GY HA HD HG HP HR HS HU HX IG IM IP IV JE KA KT KW KY L LA LD LE LL LN LS LU M ME MK ML "
    "N NE NG NN NP NR NW OL OX PA PE PH PL PO PR RG RH RM S SA SE SG SK SL SM SN SO SP SR SS ST SW SY TA TD TF "
    "TN TQ TR TS TW UB W WA WC WD WF WN WR WS WV YO ZE".split())
# Area, district (91, 1A), then the inward code (3QJ), with any separator or none between them.
_POSTCODE = re.compile(
    r"(?<![a-z0-9])(?P<area>[a-z]{1,2}) ?\d[a-z\d]?(?: *[-./] *| *)(?P<inward>\d[a-z]{2})(?![a-z0-9])", re.IGNORECASE)
_ORDINAL = re.compile(r"1st|2nd|3rd|[04-9]th")


def _postcodes(norm: str) -> list[tuple[int, int]]:
    # "S11 2nd floor" and "SE1 7th" are ordinals, not postcodes; "B1 1ST" in capitals is a postcode.
    return [(m.start(), m.end()) for m in _POSTCODE.finditer(norm) if m.group("area").upper() in _AREAS
            and not (_ORDINAL.fullmatch(m.group("inward")) and not m.group("inward").isupper())]


# --- Dates -------------------------------------------------------------------------------------

_MONTH = (r"(jan(?:uary)?|feb(?:ruary|uary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
          r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)(?![a-z])\.?")
_MONTH_NUMBER = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}
_SEP = r"(?: *[-./] *| +)"
_WORD_SEP = r"(?: *[-./,] *| +)"
_ORD = r"(?:st|nd|rd|th)?"
# Not the middle of a longer number (0121 704 6000) or of a dotted list (1.01.02.2019).
_BEFORE = r"(?<!\d)(?<!\d[./-])"
_AFTER = r"(?!\d)(?![./-]\d)"
_NUMERIC = re.compile(rf"{_BEFORE}(\d{{1,2}}){_SEP}(\d{{1,2}}){_SEP}(\d{{4}}|\d{{2}}){_AFTER}")
_ISO = re.compile(rf"{_BEFORE}(\d{{4}}){_SEP}(\d{{1,2}}){_SEP}(\d{{1,2}}){_AFTER}")
_COMPACT = re.compile(r"(?<!\d)(\d{8})(?!\d)")
_DAY_MONTH = re.compile(
    rf"{_BEFORE}(\d{{1,2}}){_ORD}{_WORD_SEP}(?:of +)?{_MONTH}{_WORD_SEP}'?(\d{{4}}|\d{{2}}){_AFTER}", re.IGNORECASE)
# February 1st 2019, Feb 1, 2019; a two-digit year only with its apostrophe (May 20-26 is a range).
_MONTH_DAY = re.compile(rf"(?<![a-z]){_MONTH}{_SEP}(\d{{1,2}}){_ORD}(?: *, *|{_SEP})(?:(\d{{4}})|'(\d{{2}})){_AFTER}",
                        re.IGNORECASE)
# Looser shapes, counted only next to date-of-birth words: "born Feb 2019", "DOB 010219", "born 1 Feb".
_MONTH_YEAR = re.compile(rf"(?<![a-z]){_MONTH}{_WORD_SEP}(\d{{4}}){_AFTER}", re.IGNORECASE)
_COMPACT_SHORT = re.compile(r"(?<!\d)(\d{6})(?!\d)")
_NO_YEAR = re.compile(rf"{_BEFORE}\d{{1,2}}{_ORD}{_WORD_SEP}(?:of +)?{_MONTH}|(?<![a-z]){_MONTH}{_SEP}\d{{1,2}}{_ORD}"
                      rf"{_AFTER}|{_BEFORE}\d{{1,2}}/\d{{1,2}}{_AFTER}", re.IGNORECASE)
# A case reference with its date run into it (CS-20190201) is a reference, not a date.
_REFERENCE_PREFIX = re.compile(r"[a-z][-/]?$", re.IGNORECASE)


@dataclass
class _Date:
    start: int
    end: int
    readings: list[date]  # every real calendar date it can be read as; none when impossible
    year: int
    loose: bool = False
    reference: bool = False


def _full_year(year: str, today: date) -> int:
    # 19 is 2019, but 27 (not yet come) is 1927: a two-digit year is the most recent it can be.
    if len(year) == 4:
        return int(year)
    return 2000 + int(year) if 2000 + int(year) <= today.year else 1900 + int(year)


def _calendar(*candidates: tuple[int, int | str, int | str]) -> list[date]:
    readings = []
    for year, month, day in candidates:
        try:
            readings.append(date(year, int(month), int(day)))
        except ValueError:  # 31/02/2019 is not a date
            continue
    return readings


def _dates(norm: str, today: date) -> list[_Date]:
    found: list[_Date] = []

    def add(match: re.Match, readings: list[date], year: int, loose: bool = False, reference: bool = False) -> None:
        if not any(match.start() < d.end and d.start < match.end() for d in found):  # the first shape wins
            found.append(_Date(match.start(), match.end(), readings, year, loose, reference))

    for m in _DAY_MONTH.finditer(norm):
        year = _full_year(m.group(3), today)
        add(m, _calendar((year, _MONTH_NUMBER[m.group(2)[:3].lower()], m.group(1))), year)
    for m in _MONTH_DAY.finditer(norm):
        year = _full_year(m.group(3) or m.group(4), today)
        add(m, _calendar((year, _MONTH_NUMBER[m.group(1)[:3].lower()], m.group(2))), year)
    for m in _ISO.finditer(norm):
        add(m, _calendar((int(m.group(1)), m.group(2), m.group(3))), int(m.group(1)))
    for m in _NUMERIC.finditer(norm):
        # UK order first; an American month/day is read too, in case that is how it was typed.
        day, month, year = m.group(1), m.group(2), _full_year(m.group(3), today)
        add(m, _calendar((year, month, day), (year, day, month)), year)
    for m in _COMPACT.finditer(norm):
        digits = m.group(1)
        readings = _calendar((int(digits[4:]), digits[2:4], digits[:2]), (int(digits[:4]), digits[4:6], digits[6:]))
        year = readings[0].year if readings else int(digits[4:])
        add(m, readings, year, reference=bool(_REFERENCE_PREFIX.search(norm, max(0, m.start() - 2), m.start())))
    for m in _MONTH_YEAR.finditer(norm):
        add(m, _calendar((int(m.group(2)), _MONTH_NUMBER[m.group(1)[:3].lower()], 1)), int(m.group(2)), loose=True)
    for m in _COMPACT_SHORT.finditer(norm):
        digits = m.group(1)
        year = _full_year(digits[4:], today)
        add(m, _calendar((year, digits[2:4], digits[:2])), year, loose=True)
    for m in _NO_YEAR.finditer(norm):
        add(m, [], today.year, loose=True)
    return found


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _in_childhood(found: _Date, today: date) -> bool:
    """A real date from the last nineteen years, up to and including today: a newborn's is last week."""
    earliest = _years_before(today, _CHILDHOOD_YEARS)
    return any(earliest <= reading <= today for reading in found.readings)


def _could_be_a_birth(found: _Date, today: date) -> bool:
    """Next to "born" or "DOB", any past date counts, even an impossible one: it is a mistyped birth date."""
    if found.readings:
        return any(reading <= today for reading in found.readings)
    return found.year <= today.year


# --- Reading a date as a date of birth ---------------------------------------------------------

# "DOB", "d.o.b.", "date of birth" announce a date of birth; "born" and "birthday" are everyday
# words ("babies born to mothers who ...") and count only next to a date.
_DOB_WORD = re.compile(r"\b(?:(?P<label>dobs?|d\. ?o\. ?b|dates? of birth|birth ?dates?|birth-date)(?![a-z])\.?"
                       r"|(?:new-?)?born(?![a-z])|birthdays?(?![a-z]))", re.IGNORECASE)
_SHORT_GAP = re.compile(r"[^\w;!?]*(?:\w+[^\w;!?]+){0,3}")  # "DOB: ", "date of birth is given as "
_LONG_GAP = re.compile(r"[^\w;!?]*(?:\w+[^\w;!?]+){0,4}")  # "born at home on "

# Words that make a date the date of something that happened: "Strategy meeting on 01/02/2025".
_EVENT = re.compile(
    r"\b(?:meetings?|conferences?|strategy|strat|discussions?|reviews?|reviewed|panels?|visits?|visited"
    r"|appointments?|referrals?|referred|assessments?|hearings?|sessions?|training|audits?|audited|calls?"
    r"|called|contacts?|consultations?|supervision|huddles?|icpc|rcpc|core group|lado|escalated|emails?"
    r"|emailed|letters?|reports?|reported|submitted|received|sent|held|dated|attended|agreed|closed|opened"
    r"|reopened|allocated|deadline|due|until|till|since|by|before|after|between|from|seen|placed|started"
    r"|moved|excluded|incidents?|w/c|w/e|commencing|ending|minutes|notified|informed|chased"
    r"|raised|published|updated|issued)\b", re.IGNORECASE)
# ... unless the child comes between: "Referral for baby 16/11/2026" reads as the baby's birth date.
_CHILD = re.compile(r"\b(?:child(?:ren)?|bab(?:y|ies)|infants?|newborns?|sons?|daughters?|siblings?|brothers?"
                    r"|sisters?|boys?|girls?|toddlers?|twins?|young (?:person|people)|yp|cyp|pupils?|students?"
                    r"|unborn|kids?)\b", re.IGNORECASE)
_CLAUSE_END = re.compile(r"[;!?()\[\]]|\.\s")


def _dob_words_next_to(norm: str, found: _Date, words: list[re.Match]) -> list[re.Match]:
    """The date-of-birth words that make the date read as a date of birth."""
    return [word for word in words if (
        word.end() <= found.start and found.start - word.end() <= 40
        and (_SHORT_GAP if word.group("label") else _LONG_GAP).fullmatch(norm, word.end(), found.start)) or (
        found.end <= word.start() and word.start() - found.end <= 30
        and _SHORT_GAP.fullmatch(norm, found.end, word.start()))]


def _reads_as_an_event(norm: str, start: int) -> bool:
    """The few words before the date, in the same clause, name a meeting or event, and no child."""
    before = norm[max(0, start - 80):start]
    clause_breaks = list(_CLAUSE_END.finditer(before))
    if clause_breaks:
        before = before[clause_breaks[-1].end():]
    words = " ".join(before.split()[-6:])
    events = list(_EVENT.finditer(words))
    return bool(events) and not _CHILD.search(words, events[-1].end())


# --- Finding -----------------------------------------------------------------------------------


def _check_where(where: str) -> None:
    if where not in _WHERE:
        raise ValueError(f"where must be {ESCALATION!r}, {GENERAL!r} or {PLACE!r}, not {where!r}")


def _find(text: _Text, today: date, where: str) -> list[tuple[str, int, int]]:
    """(kind, start, end) in the normalised text; kind is nhs, postcode, address, name, dob (a label),
    dob-date or date."""
    norm = text.norm
    found = [("nhs", s, e) for s, e in _nhs_numbers(norm)] + [("postcode", s, e) for s, e in _postcodes(norm)]
    if where != PLACE:
        found += [("address", s, e) for s, e in addresses(norm)]
    found += [("name", s, e) for s, e in names(norm)]
    words = list(_DOB_WORD.finditer(norm))
    dated: set[int] = set()  # where the date-of-birth words next to a date of birth start
    for d in _dates(norm, today):
        if any(s < d.end and d.start < e for _, s, e in found):
            continue  # digits already taken as an NHS number (94 34 76 59 19 holds 34 76 59)
        if (next_to := _dob_words_next_to(norm, d, words)) and _could_be_a_birth(d, today):
            found.append(("dob-date", d.start, d.end))
            dated.update(w.start() for w in next_to)
        elif (where == ESCALATION and not (d.loose or d.reference) and _in_childhood(d, today)
              and not _reads_as_an_event(norm, d.start)):
            found.append(("date", d.start, d.end))
    if where == ESCALATION:
        found += [("dob", w.start(), w.end()) for w in words if w.group("label")]
    # A name straight before "DOB", or before "born" with a date of birth: "Tyler Smith born 3/4/2019".
    cues = [(w.start(), w.start() in dated or where == ESCALATION) for w in words
            if w.group("label") or w.start() in dated]
    found += [("name", s, e) for s, e in names_before(norm, cues)]
    return sorted(found, key=lambda f: (f[1], f[2]))


def identifying_details(text: str, *, today: date, where: str = ESCALATION) -> list[str]:
    """Reasons the text looks like it identifies a child, in plain words; empty when it looks safe.

    where is ESCALATION (the default: escalation summary, case reference, stage note, outcome),
    GENERAL (action titles, progress notes, paper and return titles) or PLACE (a meeting's place:
    as GENERAL, but an organisation's street address is allowed there). ESCALATION and GENERAL
    differ only in how dates are read. NHS numbers, full postcodes and a child's name are refused
    wherever they are, and a street address everywhere but in a meeting's place.
    """
    _check_where(where)
    kinds = {kind for kind, _, _ in _find(_normalise(text), today, where)}
    reasons = []
    if "name" in kinds:
        reasons.append(NAME_REASON)
    if "nhs" in kinds:
        reasons.append(NHS_REASON)
    if "postcode" in kinds:
        reasons.append(POSTCODE_REASON)
    if "address" in kinds:
        reasons.append(ADDRESS_REASON)
    if kinds & {"dob", "dob-date"}:
        reasons.append(DOB_REASON)
    elif "date" in kinds:
        reasons.append(DATE_REASON)
    return reasons


def mask_identifiers(text: str, *, today: date, where: str = ESCALATION) -> str:
    """The text with each identifier identifying_details would refuse replaced by a marker.

    [NHS number removed], [postcode removed], [address removed], [name removed], [date removed] or,
    for "DOB 01/02/2019" or "DOB" in an escalation, [date of birth removed]. Only the name goes
    from "Child Jayden Smith" (to "Child [name removed]"), and the number and street from an address
    ("Family at [address removed], Riverside"). Everything else is kept as typed, and the result
    passes identifying_details with the same where, so a refused form can be shown again.
    """
    _check_where(where)
    prepared = _normalise(text)
    norm = prepared.norm
    spans: list[list] = []  # [start, end, kind] in the normalised text, merged where they touch
    for kind, start, end in _find(prepared, today, where):
        marker = {"dob-date": "date"}.get(kind, kind)
        if spans and start < spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], end)
        elif spans and spans[-1][2] == "dob" and kind == "dob-date" and not norm[spans[-1][1]:start].strip(" :-("):
            spans[-1][1] = end  # "DOB: 01/02/2019" is one detail
        else:
            spans.append([start, end, marker])
    masked = text
    for start, end, kind in reversed(spans):
        first, last = prepared.origin(start, end)
        masked = masked[:first] + _MARKERS[kind] + masked[last:]
    return masked


def refusal_text(reasons: list[str]) -> str:
    """The message shown when text is refused: the reasons, and how to refer to the child instead."""
    return (
        "I can't save this because " + "; ".join(reasons) + ". Please refer to the child only by your "
        "agency's case reference (for example CS-12345), never by name, date of birth, NHS number or address."
    )
