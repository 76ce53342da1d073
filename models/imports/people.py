"""Who a cell means: a member by email or by name, an agency or a group by key or by name.

Spreadsheets name people as they are known ("Dr Amara Okafor", "DI Mark Evans", an email), so
a name is matched with and without titles, and a name that fits several members or none is
refused with the reason rather than guessed.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlmodel import Session, select

from models.imports.reading import cell_text, norm
from models.partnership import Member, Partnership
from models.people import normalise_email

_TITLES = {"dr", "di", "ds", "dci", "dc", "pc", "mr", "mrs", "ms", "miss", "mx", "prof", "professor", "cllr",
           "sir", "dame", "rev", "supt", "ch", "insp", "sgt"}
EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


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
        self.by_email[normalise_email(member.email)] = member
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
        emails = EMAIL.findall(text)
        if len(emails) > 1:
            return None, f"'{text}' names more than one person; give one owner (the lead) per row"
        if emails:
            found = self.by_email.get(normalise_email(emails[0]))
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


def by_key_or_name(rows: Iterable[Any]) -> dict[str, Any]:
    """Agencies or groups found by their key or their name, as a cell writes either."""
    found: dict[str, Any] = {}
    for row in rows:
        found[norm(row.key)] = row
        found.setdefault(norm(row.name), row)
    return found
