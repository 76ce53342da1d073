"""The reminder rules as data: which day each kind of item goes into somebody's digest.

The defaults are what the partnership asked for. A partnership changes any of them in its
settings under `reminders`, and one group's (papers, attendance, missed meetings) under
`reminders.groups.<group key>`; anything left out keeps its default:

    reminders:
      returns:      {before: [5, 1], on_due: true, overdue_every: 2}
      papers:       {before: [3], on_due: true, overdue_every: 1, admins_on_deadline: true}
      actions:      {before: [5], on_due: true, overdue_every: 5}
      attendance:   {ask_before: [10, 3], quorum_forecast_before: 2}
      escalations:  {acknowledge_within: 1, stage_timescale: 5}    # or one per stage: [5, 5, 10]
      by_exception: {weekday: monday, missed_in_a_row: 2, overdue_more_than: 10}
      groups:
        audit: {papers: {before: [5, 3]}, attendance: {ask_before: [15, 5]}}

Every number is in working days, except `weekday`. `overdue_every: 0` stops reminding once
an item is past its date (the weekly by-exception report still lists it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday")


class RulesError(ValueError):
    """A partnership's reminder settings that cannot be read; the message names the setting."""


@dataclass(frozen=True)
class Cadence:
    """Remind `before` working days ahead of a date, on it, then every `overdue_every` working days after."""

    before: tuple[int, ...]
    on_due: bool = True
    overdue_every: int = 0  # 0: no reminders once the date has passed

    @property
    def furthest_ahead(self) -> int:
        return max(self.before, default=0)

    def reminds(self, when: str, days: int) -> bool:
        """Whether an item is in the digest when it is `when` ("ahead", "today", "overdue") by `days` working days."""
        if when == "ahead":
            return days in self.before
        if when == "today":
            return self.on_due
        return self.overdue_every > 0 and days % self.overdue_every == 0


@dataclass(frozen=True)
class GroupRules:
    """The rules that concern one group's meetings."""

    papers: Cadence = Cadence(before=(3,), on_due=True, overdue_every=1)
    admins_on_papers_deadline: bool = True
    attendance_ask_before: tuple[int, ...] = (10, 3)
    quorum_forecast_before: int | None = 2
    missed_in_a_row: int = 2


@dataclass(frozen=True)
class Rules:
    """Everything that decides a partnership's digests."""

    returns: Cadence = Cadence(before=(5, 1), on_due=True, overdue_every=2)
    actions: Cadence = Cadence(before=(5,), on_due=True, overdue_every=5)
    group_defaults: GroupRules = GroupRules()
    groups: Mapping[str, GroupRules] = field(default_factory=dict)
    acknowledge_within: int = 1
    stage_timescale: tuple[int, ...] = (5,)  # per stage; the last one holds for later stages
    exception_weekday: int = 0  # Monday: or the first working day after it that week
    overdue_more_than: int = 10

    def for_group(self, group_key: str) -> GroupRules:
        return self.groups.get(group_key, self.group_defaults)

    def stage_days(self, stage: int) -> int:
        """How long an escalation may sit in a stage before its handlers are told."""
        return self.stage_timescale[min(max(stage, 1), len(self.stage_timescale)) - 1]


DEFAULT_RULES = Rules()


def rules_for(settings: Mapping[str, Any] | None) -> Rules:
    """The partnership's rules: its `reminders` settings over the defaults. Raises RulesError."""
    raw = (settings or {}).get("reminders") or {}
    _mapping(raw, "reminders")
    _known(raw, "reminders", {"returns", "papers", "actions", "attendance", "escalations", "by_exception", "groups"})
    escalations = _mapping(raw.get("escalations", {}), "reminders.escalations")
    _known(escalations, "reminders.escalations", {"acknowledge_within", "stage_timescale"})
    exception = _mapping(raw.get("by_exception", {}), "reminders.by_exception")
    _known(exception, "reminders.by_exception", {"weekday", "missed_in_a_row", "overdue_more_than"})

    group_defaults = _group_rules(raw, "reminders", GroupRules())
    if "missed_in_a_row" in exception:
        group_defaults = replace(group_defaults, missed_in_a_row=_count(
            exception["missed_in_a_row"], "reminders.by_exception.missed_in_a_row", least=1))
    groups = {}
    for key, values in _mapping(raw.get("groups", {}), "reminders.groups").items():
        where = f"reminders.groups.{key}"
        values = _mapping(values, where)
        _known(values, where, {"papers", "attendance", "by_exception"})
        rules = _group_rules(values, where, group_defaults)
        own_exception = _mapping(values.get("by_exception", {}), f"{where}.by_exception")
        _known(own_exception, f"{where}.by_exception", {"missed_in_a_row"})
        if "missed_in_a_row" in own_exception:
            rules = replace(rules, missed_in_a_row=_count(
                own_exception["missed_in_a_row"], f"{where}.by_exception.missed_in_a_row", least=1))
        groups[str(key)] = rules

    timescale = escalations.get("stage_timescale", DEFAULT_RULES.stage_timescale)
    if isinstance(timescale, int) and not isinstance(timescale, bool):
        timescale = [timescale]
    return Rules(
        returns=_cadence(raw.get("returns"), "reminders.returns", DEFAULT_RULES.returns),
        actions=_cadence(raw.get("actions"), "reminders.actions", DEFAULT_RULES.actions),
        group_defaults=group_defaults,
        groups=groups,
        acknowledge_within=_count(escalations.get("acknowledge_within", DEFAULT_RULES.acknowledge_within),
                                  "reminders.escalations.acknowledge_within", least=1),
        stage_timescale=_days(timescale, "reminders.escalations.stage_timescale", least=1, empty_ok=False),
        exception_weekday=_weekday(exception.get("weekday", WEEKDAYS[DEFAULT_RULES.exception_weekday]),
                                   "reminders.by_exception.weekday"),
        overdue_more_than=_count(exception.get("overdue_more_than", DEFAULT_RULES.overdue_more_than),
                                 "reminders.by_exception.overdue_more_than", least=1),
    )


def check_rules(settings: Mapping[str, Any] | None) -> list[str]:
    """Problems with a partnership's reminder settings, in words (empty when they are fine)."""
    try:
        rules_for(settings)
    except RulesError as error:
        return [str(error)]
    return []


# --- reading the settings -----------------------------------------------------------------


def _group_rules(raw: Mapping[str, Any], where: str, base: GroupRules) -> GroupRules:
    papers = _mapping(raw.get("papers", {}), f"{where}.papers")
    attendance = _mapping(raw.get("attendance", {}), f"{where}.attendance")
    _known(attendance, f"{where}.attendance", {"ask_before", "quorum_forecast_before"})
    forecast = attendance.get("quorum_forecast_before", base.quorum_forecast_before)
    return GroupRules(
        papers=_cadence({k: v for k, v in papers.items() if k != "admins_on_deadline"}, f"{where}.papers",
                        base.papers),
        admins_on_papers_deadline=_flag(papers.get("admins_on_deadline", base.admins_on_papers_deadline),
                                        f"{where}.papers.admins_on_deadline"),
        attendance_ask_before=_days(attendance.get("ask_before", base.attendance_ask_before),
                                    f"{where}.attendance.ask_before"),
        quorum_forecast_before=None if forecast is None else _count(
            forecast, f"{where}.attendance.quorum_forecast_before", least=0),
        missed_in_a_row=base.missed_in_a_row,
    )


def _cadence(raw: Any, where: str, base: Cadence) -> Cadence:
    values = _mapping(raw or {}, where)
    _known(values, where, {"before", "on_due", "overdue_every"})
    return Cadence(
        before=_days(values.get("before", base.before), f"{where}.before"),
        on_due=_flag(values.get("on_due", base.on_due), f"{where}.on_due"),
        overdue_every=_count(values.get("overdue_every", base.overdue_every), f"{where}.overdue_every", least=0),
    )


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise RulesError(f"{where} must be a mapping of settings, not {value!r}")
    return value


def _known(values: Mapping[str, Any], where: str, allowed: set[str]) -> None:
    unknown = sorted(set(values) - allowed)
    if unknown:
        raise RulesError(f"{where} has unknown setting(s) {unknown}; use {sorted(allowed)}")


def _count(value: Any, where: str, *, least: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise RulesError(f"{where} must be a whole number of working days, at least {least} (got {value!r})")
    return value


def _days(value: Any, where: str, *, least: int = 1, empty_ok: bool = True) -> tuple[int, ...]:
    if not isinstance(value, (list, tuple)) or (not value and not empty_ok):
        raise RulesError(f"{where} must be a list of working days, for example [5, 1] (got {value!r})")
    return tuple(_count(v, where, least=least) for v in value)


def _flag(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise RulesError(f"{where} must be true or false (got {value!r})")
    return value


def _weekday(value: Any, where: str) -> int:
    if isinstance(value, str) and value.strip().lower() in WEEKDAYS:
        return WEEKDAYS.index(value.strip().lower())
    raise RulesError(f"{where} must be a weekday, monday to friday (got {value!r})")
