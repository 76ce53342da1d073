"""Forms people fill in: each answer checked by the rules its field carries, and a form whose
answers are refused brought back filled in as it was sent, with the problems under the fields.

A form is defined once, as the FormField list its handler returns. The console checks each answer
with answer_problem as it is typed; Slack modals and Teams cards send the whole form back, and
the handler checks it with the same function (see `checked_form`) before it reads anything else.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import date
from types import MappingProxyType

from handlers.confirm import CONFIRM
from handlers.core import Command, Context, Handler, UserError
from handlers.fields import Check, date_check
from messages.reply import FieldKind, Form, FormField, Reply, Tone
from models.dates import DateError, parse_date
from models.identifiers import GENERAL, mask_identifiers

ABOUT_THE_FORM = "form"  # the key of a problem that is about no one field
MAX_CHOICES_NAMED = 8  # a refused choice names the choices when there are no more than this
_DATE_RULE = date_check()


def answer_problem(field: FormField, value: str | None, today: date) -> str | None:
    """What is wrong with one answer (a choice's value, for a choice), or None: given when it is
    needed, one of the choices, within its length, and the field's own rule (a date must exist)."""
    value = (value or "").strip()
    if not value:
        return "Please answer this one." if field.required else None
    if field.kind == FieldKind.CHOICE and field.options and value not in {o.value for o in field.options}:
        if len(field.options) > MAX_CHOICES_NAMED:
            return "Choose one of the list."
        return "Choose one of: " + ", ".join(o.label for o in field.options) + "."
    if field.max_length and len(value) > field.max_length:
        return f"At most {field.max_length} characters; this is {len(value)}. Please shorten it."
    check = field.check or (_DATE_RULE if field.kind == FieldKind.DATE else None)
    return check(value, today) if check is not None else None


def declared_answers(form: Form, values: Mapping[str, str], *, also: Iterable[str] = ()) -> dict[str, str]:
    """Only the answers to the fields the form asks (and to `also`, a question added to it since,
    such as a confirm step's). What comes back from a Teams card is the client's to edit, and any
    key can be added to it; a field the form does not declare is never checked, so it is dropped
    here, before anything can read it, on every platform alike."""
    asked = {f.name for f in form.fields} | set(also)
    return {name: value for name, value in values.items() if name in asked}


def form_problems(form: Form, values: Mapping[str, str], today: date) -> dict[str, str]:
    """Every answer's problem, by field name."""
    problems = {f.name: answer_problem(f, values.get(f.name), today) for f in form.fields}
    return {name: problem for name, problem in problems.items() if problem}


def refused(ctx: Context, form: Form, values: Mapping[str, str], errors: dict[str, str], *,
            where: str = GENERAL) -> Reply:
    """The form again, filled in as it was sent less anything that may not be kept or shown (a
    child's details are taken out and marked; a date is written out, and one or a choice that could
    not be read is left empty), with each problem under its field. Nothing has been saved."""
    kept = {f.name: _keepable(ctx, f, (values.get(f.name) or "").strip(), where) for f in form.fields}
    return Reply(title="Not saved yet", text="Nothing has been saved. Please fix what is marked and send it again.",
                 tone=Tone.ERROR, errors=errors, form=form.filled(kept), private=True)


def _keepable(ctx: Context, field: FormField, value: str, where: str) -> str:
    if field.kind == FieldKind.DATE:
        try:
            return parse_date(value, today=ctx.today()).isoformat()  # what a date picker can show again
        except DateError:
            return ""
    if field.kind == FieldKind.CHOICE and field.options:
        return value if value in {o.value for o in field.options} else ""
    # A field checked by its own rules (a meeting's place, where an address is allowed) is masked by them.
    return mask_identifiers(value, today=ctx.today(), where=getattr(field.check, "where", where))


def with_checks(form: Form, **checks: Check) -> Form:
    """The form with these rules on the fields named: for a form made where the rules cannot be (a
    digest's button), given them by the handler that shows it."""
    return replace(form, fields=tuple(replace(f, check=checks.get(f.name, f.check)) for f in form.fields))


def checked_form(make_form: Callable[[Context], Form]) -> Callable[[Handler], Handler]:
    """For the handler of a form's command: a submitted form's answers are checked against the form
    (made by `make_form`) before the handler runs, and answers it refuses bring the form back
    filled in, with the problems under the fields, rather than a message that loses them. The
    handler sees only the answers the form asks for (and a confirm step's, see handlers.confirm)."""

    def wrap(handler: Handler) -> Handler:
        @functools.wraps(handler)
        def run(cmd: Command, ctx: Context) -> Reply:
            if not cmd.form:
                return handler(cmd, ctx)
            form = make_form(ctx)
            cmd = replace(cmd, form=MappingProxyType(declared_answers(form, cmd.form, also=(CONFIRM,))))
            errors = form_problems(form, cmd.form, ctx.today())
            if not errors:
                try:
                    return handler(cmd, ctx)
                except UserError as problem:
                    ctx.session.rollback()
                    errors = dict(problem.field_errors) or {ABOUT_THE_FORM: problem.message}
            return refused(ctx, form, cmd.form, errors)

        return run

    return wrap
