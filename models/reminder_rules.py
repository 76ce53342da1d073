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

Every number is in working days, except `weekday` and `missed_in_a_row` (meetings).
`overdue_every: 0` stops reminding once an item is past its date (the weekly by-exception
report still lists it).

This is the one reading of the settings: the loader refuses a partnership file whose settings
it finds a problem in, and the reminder sweep reads the stored settings with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from models.known_keys import what_to_write

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday")
MOST_WORKING_DAYS = 260  # a year of working days: no reminder looks further than that

# The settings each part of `reminders` may hold.
REMINDER_KEYS = ("returns", "papers", "actions", "attendance", "escalations", "by_exception", "groups")
CADENCE_KEYS = ("before", "on_due", "overdue_every")
PAPERS_KEYS = (*CADENCE_KEYS, "admins_on_deadline")
ATTENDANCE_KEYS = ("ask_before", "quorum_forecast_before")
ESCALATION_KEYS = ("acknowledge_within", "stage_timescale")
BY_EXCEPTION_KEYS = ("weekday", "missed_in_a_row", "overdue_more_than")
GROUP_KEYS = ("papers", "attendance", "by_exception")
GROUP_BY_EXCEPTION_KEYS = ("missed_in_a_row",)


@dataclass(frozen=True)
class SettingProblem:
    """One setting that cannot be read: where it is (`path`, the keys down to it) and what is wrong.

    For a key nobody knows, `path` ends with that key and `message` says what to write instead.
    """

    path: tuple[str, ...]
    message: str
    unknown: bool = False

    def __str__(self) -> str:
        if self.unknown:
            return f"{'.'.join(self.path[:-1]) or 'settings'} has unknown setting {self.path[-1]!r}; {self.message}"
        return f"{'.'.join(self.path)} {self.message}"


class RulesError(ValueError):
    """A partnership's reminder settings that cannot be read; each problem names its setting."""

    def __init__(self, problems: list[SettingProblem]):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


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


def read_rules(settings: Mapping[str, Any] | None) -> tuple[Rules, list[SettingProblem]]:
    """The partnership's rules (its `reminders` settings over the defaults) and every problem found.

    A setting with a problem keeps its default in the rules returned; the problems name each one.
    """
    read = _Reader()
    raw = read.mapping((settings or {}).get("reminders"), ("reminders",))
    read.known(raw, ("reminders",), REMINDER_KEYS)
    escalations = read.mapping(raw.get("escalations"), ("reminders", "escalations"))
    read.known(escalations, ("reminders", "escalations"), ESCALATION_KEYS)
    exception = read.mapping(raw.get("by_exception"), ("reminders", "by_exception"))
    read.known(exception, ("reminders", "by_exception"), BY_EXCEPTION_KEYS)

    group_defaults = read.group_rules(raw, ("reminders",), GroupRules())
    if "missed_in_a_row" in exception:
        group_defaults = replace(group_defaults, missed_in_a_row=read.count(
            exception["missed_in_a_row"], ("reminders", "by_exception", "missed_in_a_row"), least=1,
            default=group_defaults.missed_in_a_row, unit="meetings"))
    groups = {}
    for key, values in read.mapping(raw.get("groups"), ("reminders", "groups")).items():
        where = ("reminders", "groups", str(key))
        values = read.mapping(values, where)
        read.known(values, where, GROUP_KEYS)
        rules = read.group_rules(values, where, group_defaults)
        own_exception = read.mapping(values.get("by_exception"), (*where, "by_exception"))
        read.known(own_exception, (*where, "by_exception"), GROUP_BY_EXCEPTION_KEYS)
        if "missed_in_a_row" in own_exception:
            rules = replace(rules, missed_in_a_row=read.count(
                own_exception["missed_in_a_row"], (*where, "by_exception", "missed_in_a_row"), least=1,
                default=rules.missed_in_a_row, unit="meetings"))
        groups[str(key)] = rules

    timescale = escalations.get("stage_timescale", DEFAULT_RULES.stage_timescale)
    if isinstance(timescale, int) and not isinstance(timescale, bool):
        timescale = [timescale]
    weekday = read.weekday(exception.get("weekday", WEEKDAYS[DEFAULT_RULES.exception_weekday]),
                           ("reminders", "by_exception", "weekday"), default=DEFAULT_RULES.exception_weekday)
    rules = Rules(
        returns=read.cadence(raw.get("returns"), ("reminders", "returns"), DEFAULT_RULES.returns, CADENCE_KEYS),
        actions=read.cadence(raw.get("actions"), ("reminders", "actions"), DEFAULT_RULES.actions, CADENCE_KEYS),
        group_defaults=group_defaults,
        groups=groups,
        acknowledge_within=read.count(escalations.get("acknowledge_within", DEFAULT_RULES.acknowledge_within),
                                      ("reminders", "escalations", "acknowledge_within"), least=1,
                                      default=DEFAULT_RULES.acknowledge_within),
        stage_timescale=read.days(timescale, ("reminders", "escalations", "stage_timescale"), least=1,
                                  empty_ok=False, default=DEFAULT_RULES.stage_timescale),
        exception_weekday=weekday,
        overdue_more_than=read.count(exception.get("overdue_more_than", DEFAULT_RULES.overdue_more_than),
                                     ("reminders", "by_exception", "overdue_more_than"), least=1,
                                     default=DEFAULT_RULES.overdue_more_than),
    )
    return rules, read.problems


def rules_for(settings: Mapping[str, Any] | None) -> Rules:
    """The partnership's rules: its `reminders` settings over the defaults. Raises RulesError."""
    rules, problems = read_rules(settings)
    if problems:
        raise RulesError(problems)
    return rules


def check_rules(settings: Mapping[str, Any] | None) -> list[str]:
    """Problems with a partnership's reminder settings, in words (empty when they are fine)."""
    return [str(problem) for problem in read_rules(settings)[1]]


class _Reader:
    """Reads settings, noting every problem and keeping the default wherever there is one."""

    def __init__(self) -> None:
        self.problems: list[SettingProblem] = []

    def problem(self, path: tuple[str, ...], message: str) -> None:
        self.problems.append(SettingProblem(path, message))

    def mapping(self, value: Any, path: tuple[str, ...]) -> Mapping[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            self.problem(path, f"must be a mapping of settings, not {value!r}")
            return {}
        return value

    def known(self, values: Mapping[str, Any], path: tuple[str, ...], allowed: tuple[str, ...]) -> None:
        for key in values:
            if key not in allowed:
                self.problems.append(SettingProblem((*path, str(key)), what_to_write(str(key), allowed), unknown=True))

    def count(self, value: Any, path: tuple[str, ...], *, least: int, default: int, unit: str = "working days") -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not least <= value <= MOST_WORKING_DAYS:
            self.problem(path, f"must be a whole number of {unit}, at least {least} and at most {MOST_WORKING_DAYS} "
                               f"(got {value!r})")
            return default
        return value

    def days(self, value: Any, path: tuple[str, ...], *, default: tuple[int, ...], least: int = 1,
             empty_ok: bool = True) -> tuple[int, ...]:
        if not isinstance(value, (list, tuple)) or (not value and not empty_ok):
            self.problem(path, f"must be a list of working days, for example [5, 1] (got {value!r})")
            return default
        found = len(self.problems)
        days = tuple(self.count(v, path, least=least, default=least) for v in value)
        return default if len(self.problems) > found else days

    def flag(self, value: Any, path: tuple[str, ...], *, default: bool) -> bool:
        if not isinstance(value, bool):
            self.problem(path, f"must be true or false (got {value!r})")
            return default
        return value

    def weekday(self, value: Any, path: tuple[str, ...], *, default: int) -> int:
        if isinstance(value, str) and value.strip().lower() in WEEKDAYS:
            return WEEKDAYS.index(value.strip().lower())
        self.problem(path, f"must be a weekday, monday to friday (got {value!r})")
        return default

    def cadence(self, raw: Any, path: tuple[str, ...], base: Cadence, allowed: tuple[str, ...]) -> Cadence:
        values = self.mapping(raw, path)
        self.known(values, path, allowed)
        return Cadence(
            before=self.days(values.get("before", base.before), (*path, "before"), default=base.before),
            on_due=self.flag(values.get("on_due", base.on_due), (*path, "on_due"), default=base.on_due),
            overdue_every=self.count(values.get("overdue_every", base.overdue_every), (*path, "overdue_every"),
                                     least=0, default=base.overdue_every),
        )

    def group_rules(self, raw: Mapping[str, Any], path: tuple[str, ...], base: GroupRules) -> GroupRules:
        papers = self.mapping(raw.get("papers"), (*path, "papers"))
        attendance = self.mapping(raw.get("attendance"), (*path, "attendance"))
        self.known(attendance, (*path, "attendance"), ATTENDANCE_KEYS)
        forecast = attendance.get("quorum_forecast_before", base.quorum_forecast_before)
        return GroupRules(
            papers=self.cadence(papers, (*path, "papers"), base.papers, PAPERS_KEYS),
            admins_on_papers_deadline=self.flag(papers.get("admins_on_deadline", base.admins_on_papers_deadline),
                                                (*path, "papers", "admins_on_deadline"),
                                                default=base.admins_on_papers_deadline),
            attendance_ask_before=self.days(attendance.get("ask_before", base.attendance_ask_before),
                                            (*path, "attendance", "ask_before"), default=base.attendance_ask_before),
            quorum_forecast_before=None if forecast is None else self.count(
                forecast, (*path, "attendance", "quorum_forecast_before"), least=0,
                default=base.quorum_forecast_before if base.quorum_forecast_before is not None else 0),
            missed_in_a_row=base.missed_in_a_row,
        )
