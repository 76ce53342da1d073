"""Asking before saving what is allowed but is probably a slip: a meeting on a weekend or a bank
holiday, an action that is overdue the day it is added.

The question is the same on every platform, and nothing is saved until it is answered. Typed, the
reply carries a button that sends the same command again with `confirm=yes` (typing that does the
same, in the console too). Sent from a form, the form comes back as it was filled in, with the
warning above it and a choice to keep the date; changing the date instead asks again if need be.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from dataclasses import replace
from datetime import date

from handlers.core import Command, Context
from messages.reply import Button, Choice, FieldKind, Form, FormField, Reply, Tone
from messages.templates import format_day
from models.partnership import Nation

CONFIRM = "confirm"
YES = frozenset({"yes", "y", "true"})
NATION_NAMES = {Nation.ENGLAND_AND_WALES: "England and Wales", Nation.SCOTLAND: "Scotland",
                Nation.NORTHERN_IRELAND: "Northern Ireland"}


def confirmed(fields: Mapping[str, str], day: date) -> bool:
    """Whether the person has said to go ahead: `confirm=yes` typed, or the form's choice to keep
    this very date (so a date changed on the form is checked again)."""
    value = (fields.get(CONFIRM) or "").strip().lower()
    return value in YES or value == day.isoformat()


def unusual_day(ctx: Context, day: date) -> str | None:
    """Why a meeting on this day may be a slip: a bank holiday of the partnership's nation, or a
    weekend; None on a working day."""
    holiday = ctx.calendar.bank_holiday(day)
    if holiday:
        return f"{format_day(day)} is a bank holiday in {NATION_NAMES[ctx.calendar.nation]} ({holiday})"
    if day.weekday() >= 5:
        return f"{format_day(day)} is a {day:%A}"
    return None


def command_line(verb: str, *words: str, **fields: str | None) -> str:
    """A command as it would be typed, each value quoted as needed: the same whenever it is sent
    (a date written out, never `tomorrow`)."""
    parts = [verb, *(_quoted(w) for w in words)]
    parts += [f"{key}={_quoted(value)}" for key, value in fields.items() if value]
    return " ".join(parts)


def _quoted(value: str) -> str:
    """A value as a person would type it: bare when it is one plain word, else in double quotes
    (title="Dr O'Neill's data" reads better on a phone than the shell's '...'"'"'...'), the shell's
    quoting only for a value that holds a double quote itself. handlers.core.words_of reads each back."""
    plain = shlex.quote(value)
    if plain == value or '"' in value:
        return plain
    return f'"{value}"'


def ask_to_confirm(cmd: Command, *, warning: str, day: date, line: str, anyway: str,
                   form: Form | None = None, values: Mapping[str, str] | None = None) -> Reply:
    """The warning, and a way to go ahead: a button running `line` with confirm=yes, or, for a
    command sent from `form`, that form again with `values` filled in and a choice to keep `day`."""
    if cmd.form and form is not None:
        filled = form.filled(values or {})
        keep = FormField(CONFIRM, "Keep this date?", FieldKind.CHOICE, required=False,
                         options=(Choice(day.isoformat(), f"Yes, keep {format_day(day)}"),))
        intro = f"{warning}. To keep the date, choose Yes below and send the form again; or change the date."
        return Reply(title="Check the date", text="Nothing is saved yet: one question about the date.",
                     tone=Tone.WARNING, private=True,
                     form=replace(filled, fields=(*(f for f in filled.fields if f.name != CONFIRM), keep),
                                  intro=intro))
    return Reply(title="Check the date",
                 text=(f"{warning}. Nothing is saved yet. If that is right, press {anyway} (or send the same "
                       f"command with confirm=yes); if not, send it again with another date."),
                 tone=Tone.WARNING, private=True,
                 buttons=[Button(anyway, f"{line} {CONFIRM}=yes", style="primary")])
