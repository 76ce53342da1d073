"""What a partnership file may say about what has already happened, for a partnership that starts
using AssureBot part way through its year (and for the demo): minutes that went out, who came
to a meeting, actions done or dropped, how far each escalation has gone.

    meetings:    minutes: 2026-06-20                 the day the minutes went out
    attendance:  attended: true | false              recorded after the meeting
    actions:     status: done | dropped | open, closed: 2026-05-01, reason: "..." (dropped)
    escalations: acknowledged: 2026-06-02T09:30, acknowledged_by: EMAIL, assigned_to: EMAIL,
                 stage_entered: 2026-06-10T10:00, closed: 2026-07-01T16:00, outcome: "..."

Free text (a reason, an outcome, a summary) is checked for a child's details as chat checks it, and
every true-or-false value in the file (`attended` here, `clear_days` and the rest) is read by `flag`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from models.escalations import Escalation
from models.identifiers import ESCALATION, GENERAL, PLACE, identifying_details, refusal_text
from models.work import ActionStatus

ACTION_STATES = {s.value for s in ActionStatus}
# The words YAML reads as true or false when they are written bare; in quotes they are text.
FLAG_WORDS = {spelt: meaning for word, meaning in (("true", True), ("yes", True), ("on", True), ("false", False),
                                                   ("no", False), ("off", False))
              for spelt in (word, word.capitalize(), word.upper())}


class History:
    """Mixed into the loader (models.loader._Load), whose helpers it uses: problem, member, as_moment."""

    def flag(self, entry: Any, key: str, where: str, default: bool) -> bool:
        """A true-or-false value: YAML's own true or false (a bare yes or no reads as one), `default` when
        the key is not there. Anything else is a problem by line, and `default` stands in while the rest
        of the file is checked: a quoted "false" is text, which would read as true, so it is never guessed at."""
        if not isinstance(entry, dict) or key not in entry:
            return default
        value = entry[key]
        if isinstance(value, bool):
            return value
        if value is None:
            self.problem(entry, key, where, "must be true or false, not empty")
        elif isinstance(value, str) and value in FLAG_WORDS:
            self.problem(entry, key, where, f"must be true or false, not {value!r} in quotes; "
                         f"write {str(FLAG_WORDS[value]).lower()}, without quotes")
        else:
            self.problem(entry, key, where, f"must be true or false, not {value!r}")
        return default

    def today(self) -> date:
        return self.given_today or datetime.now(self.zone).date()

    def kept_removed(self, member) -> bool:
        """Someone removed in chat (`member remove`) stays removed, with their seats ended, though the
        file lists them: loading it again must not let a leaver back in. `member add` brings them back."""
        if member is None or member.active:
            return False
        self.report.kept_removed.append(f"{member.name} <{member.email}>")
        return True

    def safe_text(self, entry: Any, key: str, where: str, *, escalation: bool = False,
                  place: bool = False) -> str | None:
        """The text under `key`, or None (with a problem) when it names a child by an identifier
        (`escalation`: by an escalation's rules; `place`: a meeting's place, where an address is allowed)."""
        text = entry.get(key)
        if text is None:
            return None
        text = str(text).strip()
        reasons = identifying_details(text, today=self.today(),
                                      where=ESCALATION if escalation else PLACE if place else GENERAL)
        if reasons:
            self.problem(entry, key, where, refusal_text(reasons))
            return None
        return text

    def required_text(self, entry: Any, key: str, where: str, *, escalation: bool = False) -> str | None:
        """Text that must be given (`require`), checked as `safe_text` checks it."""
        if self.require(entry, key, where) is None:
            return None
        return self.safe_text(entry, key, where, escalation=escalation)

    def required_date(self, entry: Any, key: str, where: str):
        """The date under `key`, or None with a problem (it is required)."""
        if entry.get(key) is None:
            self.problem(entry, None, where, f"`{key}` is required")
            return None
        return self.as_date(entry, key, where)

    def from_its_agency(self, entry: Any, owner, agency, where: str) -> bool:
        """A return's responsible person is from its agency, as chat and the import require."""
        if owner is None or agency is None or owner.agency_id == agency.id:
            return True
        self.problem(entry, "owner", where, f"{owner.name} is not from {agency.name}; a return's responsible "
                     "person must be from its agency")
        return False

    def safe_optional(self, entry: Any, key: str, where: str, *, escalation: bool = False,
                      place: bool = False) -> str | None:
        """Optional text under `key` ("" when not given), checked as `safe_text` checks: None when refused."""
        if not isinstance(entry, dict) or entry.get(key) is None:
            return ""
        return self.safe_text(entry, key, where, escalation=escalation, place=place)

    def minutes_values(self, entry: Any, where: str) -> dict[str, Any]:
        if entry.get("minutes") is None:
            return {}
        sent = self.as_moment(entry, "minutes", where)
        return {"minutes_circulated_at": sent} if sent else {}

    def attended_values(self, entry: Any, where: str) -> dict[str, Any]:
        if entry.get("attended") is None:
            return {}  # not recorded
        found = len(self.problems)
        attended = self.flag(entry, "attended", where, False)
        return {"attended": attended} if len(self.problems) == found else {}

    def action_values(self, entry: Any, where: str) -> dict[str, Any]:
        status = str(entry.get("status", ActionStatus.OPEN.value)).lower()
        if status not in ACTION_STATES:
            self.problem(entry, "status", where, "must be open, done or dropped")
            return {}
        if status == ActionStatus.OPEN.value:
            return {"status": status, "completed_at": None, "dropped_reason": None}
        closed = self.as_moment(entry, "closed", where) if entry.get("closed") is not None else None
        if closed is None:
            self.problem(entry, None, where, f"a {status} action needs `closed`, the day it was {status}")
            return {}
        values: dict[str, Any] = {"status": status, "completed_at": closed}
        if status == ActionStatus.DROPPED.value:
            values["dropped_reason"] = self.safe_text(entry, "reason", where) or "no reason given"
        return values

    def escalation_values(self, entry: Any, where: str, raised: datetime | None) -> dict[str, Any]:
        values: dict[str, Any] = {}
        if entry.get("acknowledged") is not None:
            values["acknowledged_at"] = self.as_moment(entry, "acknowledged", where)
            by = self.member(entry, "acknowledged_by", where, required=False)
            values["acknowledged_by_id"] = by.id if by else None
        if entry.get("assigned_to") is not None:
            assignee = self.member(entry, "assigned_to", where)
            values["assigned_to_id"] = assignee.id if assignee else None
        if entry.get("stage_entered") is not None:
            values["stage_entered_at"] = self.as_moment(entry, "stage_entered", where)
        if entry.get("closed") is not None:
            values["closed_at"] = self.as_moment(entry, "closed", where)
            outcome = self.safe_text(entry, "outcome", where, escalation=True)
            if outcome is None:
                self.problem(entry, None, where, "a closed escalation needs its `outcome`")
            values["outcome"] = outcome
        for key in ("acknowledged", "stage_entered", "closed"):
            moment = values.get(f"{key}_at")
            if raised and moment and moment < raised:
                self.problem(entry, key, where, "is before the escalation was raised")
        return values

    @staticmethod
    def stage_history(row: Escalation) -> list[tuple[int, datetime]]:
        """The stages an escalation loaded at stage N went through: each from the day it was raised,
        the last from the day it entered it."""
        raised = row.raised_at
        return [(stage, raised if stage < row.stage else row.stage_entered_at) for stage in range(1, row.stage + 1)]
