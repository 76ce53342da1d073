"""The buttons that chat answers and the daily digest both put on an item, and the forms they open.

Each button carries the console command that does the same thing; who may press it is decided
by whoever offers it, with the verb's own rule (see handlers.core), so nothing is offered that
would then be refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from messages.reply import Button, Choice, FieldKind, Form, FormField

MAX_UPDATE = 2000
MAX_DEPUTY_OPTIONS = 100  # a choice list longer than this is unusable on a phone


class Person(Protocol):
    """Anyone offered as a deputy: their email is what the form sends back."""

    email: str
    name: str


# The same for every action: a field cannot be changed once made, so one is shared by every form.
_UPDATE_FIELDS = (FormField("text", "What has happened?", FieldKind.TEXTAREA, max_length=MAX_UPDATE),)


def update_form(action_id: int) -> Form:
    """Add a progress update to an action."""
    return Form(f"action-update-{action_id}", "Add a progress update", f"action update {action_id}",
                _UPDATE_FIELDS, submit_label="Save update")


def action_buttons(action_id: int) -> list[Button]:
    """Done, Add update and the two snoozes, for the action's owner."""
    return [
        Button("Done", f"action done {action_id}", style="primary"),
        Button("Add update", f"action update {action_id}", form=update_form(action_id)),
        Button("Snooze 1 day", f"snooze action {action_id} day"),
        Button("Snooze 1 week", f"snooze action {action_id} week"),
    ]


def return_buttons(return_id: int, *, responsible: bool) -> list[Button]:
    """Submitted for anyone in the agency; the snoozes only for the person named for it."""
    buttons = [Button("Submitted", f"return done {return_id}", style="primary")]
    if responsible:
        buttons += [Button("Snooze 1 day", f"snooze return {return_id} day"),
                    Button("Snooze 1 week", f"snooze return {return_id} week")]
    return buttons


def paper_buttons(paper_id: int) -> list[Button]:
    """Mark submitted and the two snoozes, for the paper's owner."""
    return [
        Button("Mark submitted", f"paper done {paper_id}", style="primary"),
        Button("Snooze 1 day", f"snooze paper {paper_id} day"),
        Button("Snooze 1 week", f"snooze paper {paper_id} week"),
    ]


def deputy_choices(colleagues: Sequence[Person]) -> tuple[Choice, ...]:
    return tuple(Choice(m.email, m.name) for m in colleagues[:MAX_DEPUTY_OPTIONS])


def deputy_form(group_key: str, colleagues: Sequence[Person] = (), *,
                choices: tuple[Choice, ...] | None = None) -> Form:
    """The Send deputy form: a colleague from my agency, chosen from a list when we have one."""
    options = deputy_choices(colleagues) if choices is None else choices
    if options:
        field = FormField("deputy", "Who will attend for you?", FieldKind.MEMBER, options=options)
    else:
        field = FormField("deputy", "Who will attend for you? (name or email, from your agency)", max_length=254)
    return Form("deputy", "Send a deputy", f"attend {group_key} deputy", (field,), submit_label="Send deputy",
                intro="Your deputy must be from your own agency.")


def attend_buttons(group_key: str, colleagues: Sequence[Person] = (), *,
                   choices: tuple[Choice, ...] | None = None) -> list[Button]:
    """Attending, Apologies, Send deputy (with the colleagues the member may send)."""
    return [
        Button("Attending", f"attend {group_key} yes", style="primary"),
        Button("Apologies", f"attend {group_key} no"),
        Button("Send deputy", f"attend {group_key} deputy", form=deputy_form(group_key, colleagues, choices=choices)),
    ]


def deputy_answer_buttons(group_key: str, *, seated: bool = False) -> list[Button]:
    """For a named deputy: they confirm they will go, or say they can't (which tells the member). One
    with a seat of their own answers for it too, so theirs says so: "no" sends their own apologies;
    and they may come for their own seat only (`deputise GROUP no`)."""
    return [
        Button("I'll be there", f"attend {group_key} yes", style="primary"),
        Button("Can't come at all" if seated else "I can't go", f"attend {group_key} no"),
    ] + ([Button("Just my own seat", f"deputise {group_key} no")] if seated else [])
