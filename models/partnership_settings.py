"""A partnership's settings as a whole: what each may hold, and the check the loader makes.

    settings:
      reminders: {...}                    # the reminder rules: see models.reminder_rules
      attendance:
        expected_rate: 75                 # per cent, for every group...
        groups: {audit: {expected_rate: 80}}   # ...or for one
      escalation_stages: [Practitioner to practitioner, Manager to manager, Senior leads, The partnership]

The loader refuses a file whose settings have any problem, so what is stored is what the
reminders, the reports and the escalations read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from models.known_keys import what_to_write
from models.reminder_rules import SettingProblem, read_rules

SETTINGS_KEYS = ("reminders", "attendance", "escalation_stages")
ATTENDANCE_KEYS = ("expected_rate", "groups")
GROUP_ATTENDANCE_KEYS = ("expected_rate",)
MAX_STAGES = 10
MAX_STAGE_NAME = 100


def expected_rate_percent(value: Any) -> int | None:
    """An expected attendance rate as a whole per cent, or None when it is not one.

    A rate is a number above 0 and at most 100 per cent; 0.75 is read as 75%.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 100:
        return None
    return round(value * 100) if value <= 1 else round(value)


def check_settings(settings: Mapping[str, Any]) -> list[SettingProblem]:
    """Every problem with a partnership's settings: unknown keys, and values of the wrong kind or size."""
    problems = [SettingProblem((str(key),), what_to_write(str(key), SETTINGS_KEYS), unknown=True)
                for key in settings if key not in SETTINGS_KEYS]
    problems += read_rules(settings)[1]
    problems += _attendance_problems(settings.get("attendance"))
    problems += _stage_problems(settings.get("escalation_stages"))
    return problems


def _attendance_problems(raw: Any) -> list[SettingProblem]:
    if raw is None:
        return []
    if not isinstance(raw, Mapping):
        return [SettingProblem(("attendance",), f"must be a mapping of settings, not {raw!r}")]
    problems = [SettingProblem(("attendance", str(key)), what_to_write(str(key), ATTENDANCE_KEYS), unknown=True)
                for key in raw if key not in ATTENDANCE_KEYS]
    places: list[tuple[tuple[str, ...], Mapping[str, Any]]] = [(("attendance",), raw)]
    groups = raw.get("groups")
    if groups is not None and not isinstance(groups, Mapping):
        problems.append(SettingProblem(("attendance", "groups"), f"must be a mapping of group keys, not {groups!r}"))
    elif groups:
        for key, values in groups.items():
            where = ("attendance", "groups", str(key))
            if not isinstance(values, Mapping):
                problems.append(SettingProblem(where, f"must be a mapping of settings, not {values!r}"))
                continue
            problems += [SettingProblem((*where, str(k)), what_to_write(str(k), GROUP_ATTENDANCE_KEYS), unknown=True)
                         for k in values if k not in GROUP_ATTENDANCE_KEYS]
            places.append((where, values))
    for where, values in places:
        if "expected_rate" in values and expected_rate_percent(values["expected_rate"]) is None:
            problems.append(SettingProblem((*where, "expected_rate"), "must be a per cent above 0 and at most 100, "
                                           f"for example 75 (got {values['expected_rate']!r})"))
    return problems


def _stage_problems(raw: Any) -> list[SettingProblem]:
    if raw is None:
        return []
    where = ("escalation_stages",)
    if (not isinstance(raw, list) or not 1 <= len(raw) <= MAX_STAGES
            or not all(isinstance(name, str) and name.strip() for name in raw)):
        return [SettingProblem(where, f"must be a list of 1 to {MAX_STAGES} stage names, for example "
                                      f"[Practitioner to practitioner, Manager to manager] (got {raw!r})")]
    too_long = [name for name in raw if len(name) > MAX_STAGE_NAME]
    if too_long:
        return [SettingProblem(where, f"has a stage name longer than {MAX_STAGE_NAME} characters: "
                                      f"{too_long[0][:40]!r}...")]
    return []


def unknown_groups(settings: Mapping[str, Any], group_keys: Iterable[str]) -> list[SettingProblem]:
    """Settings for a group the partnership doesn't have (reminders.groups, attendance.groups)."""
    group_keys = set(group_keys)
    problems = []
    for section in ("reminders", "attendance"):
        part = settings.get(section)
        groups = part.get("groups") if isinstance(part, Mapping) else None
        if not isinstance(groups, Mapping):
            continue
        for key in groups:
            if str(key) not in group_keys:
                hint = what_to_write(str(key), group_keys) if group_keys else "add the group under groups first"
                problems.append(SettingProblem((section, "groups", str(key)),
                                               f"no group has the key {str(key)!r}; {hint}"))
    return problems
