"""The reminder rules the sweep applies, read from a partnership's `reminders` settings.

They are defined, with their defaults and the reading of the settings, in models.reminder_rules:
the loader checks a partnership's settings with the same reading before it saves them, so a
setting the loader accepts is one the sweep can apply.
"""

from models.reminder_rules import (DEFAULT_RULES, WEEKDAYS, Cadence, GroupRules, Rules, RulesError, SettingProblem,
                                   check_rules, read_rules, rules_for)

__all__ = ["DEFAULT_RULES", "WEEKDAYS", "Cadence", "GroupRules", "Rules", "RulesError", "SettingProblem",
           "check_rules", "read_rules", "rules_for"]
