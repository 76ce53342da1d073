"""What a partnership file may hold: the keys of each of its sections, declared once.

A key that is not declared here is refused with its line and the closest known key
("line 14: groups[0]: unknown key 'clear_day'; did you mean 'clear_days'?"), so a misspelt
setting never loads quietly as its default. The partnership's `settings` are checked by the one
reading the reminders and reports use (models.partnership_settings), and named by line here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from models.known_keys import what_to_write
from models.partnership_settings import check_settings, unknown_groups
from models.quorum import RULE_KEYS
from models.reminder_rules import SettingProblem


@dataclass(frozen=True)
class Section:
    """The keys one mapping of the file may have: plain values, one mapping, or a list of mappings."""

    values: tuple[str, ...]
    mappings: Mapping[str, Section] = field(default_factory=dict)
    lists: Mapping[str, Section] = field(default_factory=dict)

    @property
    def known(self) -> tuple[str, ...]:
        return (*self.values, *self.mappings, *self.lists)


QUORUM = Section(tuple(sorted(RULE_KEYS)))
SEAT = Section(("email", "role", "since", "until"))
PARTNERSHIP = Section(("key", "name", "timezone", "nation", "front_door", "settings", "slack_team_id",
                       "slack_enterprise_id", "teams_tenant_id"))
AGENCY = Section(("key", "name", "named_partner"))
MEMBER = Section(("email", "name", "agency", "admin", "preferred_name", "platform", "slack_id", "teams_aad_id"))
GROUP = Section(("key", "name", "papers_notice_working_days", "clear_days", "deputies_count", "handles_escalations",
                 "minutes_within_days", "slack_channel"), mappings={"quorum": QUORUM}, lists={"members": SEAT})
MEETING = Section(("group", "starts", "location", "minutes"))
PAPER = Section(("group", "meeting", "title", "owner"))
RETURN = Section(("title", "kind", "agency", "owner", "period", "due", "submitted"))
ACTION = Section(("title", "owner", "due", "source", "status", "closed", "reason"))
ATTENDANCE = Section(("group", "meeting", "email", "answer", "deputy", "attended"))
ESCALATION = Section(("raised_by", "summary", "category", "urgency", "raised", "case_reference", "stage",
                      "acknowledged", "acknowledged_by", "assigned_to", "stage_entered", "closed", "outcome"))
FILE = Section((), mappings={"partnership": PARTNERSHIP},
               lists={"agencies": AGENCY, "members": MEMBER, "groups": GROUP, "meetings": MEETING, "papers": PAPER,
                      "returns": RETURN, "actions": ACTION, "attendance": ATTENDANCE, "escalations": ESCALATION})


def unknown_keys(data: Mapping[str, Any]) -> list[str]:
    """Every key in the file that no section declares, with its line and the closest known key."""
    problems: list[str] = []
    _walk(data, FILE, "", problems)
    return problems


def _walk(entry: Any, section: Section, where: str, problems: list[str]) -> None:
    if not isinstance(entry, Mapping):
        return  # the loader says what belongs there
    lines = getattr(entry, "key_lines", {})
    for key, value in entry.items():
        name = str(key)
        inside = f"{where}.{name}" if where else name
        if name in section.mappings:
            _walk(value, section.mappings[name], inside, problems)
        elif name in section.lists:
            for index, item in enumerate(value if isinstance(value, list) else []):
                _walk(item, section.lists[name], f"{inside}[{index}]", problems)
        elif name not in section.values:
            line = lines.get(name) or getattr(entry, "line", 0)
            problems.append(f"line {line}: {where + ': ' if where else ''}unknown key {name!r}; "
                            f"{what_to_write(name, section.known)}")


def settings_problems(partnership: Mapping[str, Any]) -> list[str]:
    """Every problem with the partnership's settings, by line: unknown keys, and values of the wrong kind or size."""
    settings = partnership.get("settings")
    return _setting_lines(partnership, check_settings(settings)) if isinstance(settings, Mapping) else []


def settings_group_problems(data: Mapping[str, Any], held: set[str]) -> list[str]:
    """Settings for a group (reminders.groups, attendance.groups) that is neither in the file nor `held`."""
    partnership, listed = data.get("partnership"), data.get("groups")
    settings = partnership.get("settings") if isinstance(partnership, Mapping) else None
    if not isinstance(settings, Mapping):
        return []
    keys = held | {str(group["key"]).lower() for group in (listed if isinstance(listed, list) else [])
                   if isinstance(group, Mapping) and group.get("key")}
    return _setting_lines(partnership, unknown_groups(settings, keys))


def _setting_lines(partnership: Mapping[str, Any], problems: list[SettingProblem]) -> list[str]:
    """Problems with the partnership's settings as the loader lists them: by line, under partnership.settings."""
    settings = partnership.get("settings")
    start = getattr(partnership, "key_lines", {}).get("settings") or getattr(partnership, "line", 0)
    found = []
    for problem in problems:
        line = _line_of(settings, problem.path, start)
        if problem.unknown:
            where = ".".join(("partnership.settings", *problem.path[:-1]))
            found.append(f"line {line}: {where}: unknown key {problem.path[-1]!r}; {problem.message}")
        else:
            found.append(f"line {line}: {'.'.join(('partnership.settings', *problem.path))}: {problem.message}")
    return found


def _line_of(node: Any, path: tuple[str, ...], line: int) -> int:
    """The line of the deepest key along `path` that the file has."""
    for key in path:
        if not isinstance(node, Mapping):
            break
        lines = getattr(node, "key_lines", {})
        match = next((k for k in node if str(k) == key), None)
        if match is None:
            break
        line = lines.get(key) or line
        node = node[match]
    return line
