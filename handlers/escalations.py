"""escalate and escalations: a concern raised in a few taps, kept private, routed to its handlers.

Nothing here is for immediate risk to a child: every saved escalation's reply says to call the
police (999) or the children's front door, and the record notes that it did.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlmodel import col, select

from handlers.core import Command, Context, UserError, command
from handlers.escalation_line import read_line
from handlers.escalation_targets import TO_ACKNOWLEDGE, TO_AGREE, TO_ASSIGN, TO_CLOSE, TO_MOVE
from handlers.permissions import ESCALATION_WORK, HANDLERS
from messages.reply import Button, Choice, EscalationAlert, FieldKind, Form, FormField, Item, Notice, Reply, Tone
from messages.templates import format_day, format_when, say, shorten
from models import permissions as may
from models.escalations import (
    CATEGORIES,
    MAX_ACTIONS_AGREED,
    Escalation,
    Urgency,
    acknowledge,
    add_stage_note,
    agree_actions,
    agreed_before,
    assign,
    close,
    count_open_escalations,
    move_to_stage,
    open_escalations,
    raise_escalation,
    raise_to_urgent,
    room_for_actions,
    same_open_escalation,
)
from handlers.fields import free_text, text_check
from handlers.forms import declared_answers, form_problems
from models.identifiers import ESCALATION, identifying_details, mask_identifiers, refusal_text
from models.partnership import Agency, Member, Platform
from models.people import escalation_handlers, find_member

MAX_SUMMARY = 1000
MAX_CASE_REF = 60
MAX_LISTED_SUMMARY = 140  # characters of a summary in the list of escalations
MAX_LISTED = 25  # escalations listed at once, urgent first then oldest
DEFAULT_STAGES = ("Practitioner to practitioner", "Manager to manager", "Senior leads", "The partnership (ARG)")
MAX_NOTE = 1000
MAX_OUTCOME = 2000
SAME_AGAIN_WITHIN = timedelta(minutes=10)  # the same escalation sent again this soon is a second copy, not a new one
# A Slack message's permalink, the only link an escalation keeps: https://WORKSPACE.slack.com/archives/CHANNEL/pTS,
# with the thread's ts and channel when the message is a reply in a thread.
SLACK_PERMALINK = re.compile(r"https://(?:[a-z0-9-]+\.)+slack\.com/archives/[A-Z0-9]+/p\d+"
                             r"(?:\?thread_ts=\d+\.\d+&cid=[A-Z0-9]+)?")


def stage_names(ctx: Context) -> tuple[str, ...]:
    return tuple(ctx.partnership.settings.get("escalation_stages") or DEFAULT_STAGES)


def escalation_form(summary: str = "", category: str | None = None, urgency: str | None = None,
                    case_reference: str = "") -> Form:
    """The escalation form: category, urgency, a short summary and the agency's case reference.
    What is filled in must already be safe to show and keep (see `safe_to_show`)."""
    return Form(
        "escalation",
        "Raise an escalation",
        "escalate",
        (
            FormField("category", "What kind of concern?", FieldKind.CHOICE,
                      options=tuple(Choice(k, v) for k, v in CATEGORIES.items()), initial=category),
            FormField("urgency", "How urgent?", FieldKind.CHOICE,
                      options=(Choice("routine", "Routine"), Choice("urgent", "Urgent")), initial=urgency or "routine"),
            FormField("summary", "Summary", FieldKind.TEXTAREA, max_length=MAX_SUMMARY, initial=summary or None,
                      hint="No names, dates of birth, NHS numbers or addresses.",
                      check=text_check(what="summary", limit=MAX_SUMMARY, where=ESCALATION)),
            FormField("case_reference", "Your agency's case reference (optional)", required=False,
                      max_length=MAX_CASE_REF, initial=case_reference or None, check=_case_reference_problem),
        ),
        submit_label="Raise escalation",
        intro="If a child is at immediate risk, call the police on 999 or the children's front door now.",
    )


@command("escalate", summary="raise a concern privately with the people who handle escalations",
         example="escalate urgent capacity: health visiting caseloads above safe level",
         usage="escalate [urgent|routine] [CATEGORY:] TEXT")
def escalate(cmd: Command, ctx: Context) -> Reply:
    if cmd.form:
        return _save(ctx, declared_answers(escalation_form(), cmd.form), source_link=_message_link(cmd))
    if not cmd.text.strip():
        return Reply(title="Raise an escalation", text=say("escalate_form"), form=escalation_form(), private=True)
    line = read_line(cmd.text)
    summary = line.summary
    if not line.complete:
        errors = {}
        if identifying_details(summary, today=ctx.today(), where=ESCALATION):
            errors["summary"] = refusal_text(identifying_details(summary, today=ctx.today(), where=ESCALATION))
        shown = safe_to_show(ctx, summary, MAX_SUMMARY)
        _say_what_was_cut(errors, "summary", ctx, summary, shown)
        return Reply(title="Raise an escalation", text=say("escalate_needs_more", category=line.category,
                                                           urgency=line.urgency, guessed=line.guessed),
                     form=escalation_form(shown, line.category, line.urgency), errors=errors, private=True,
                     tone=Tone.WARNING)
    return _save(ctx, {"urgency": line.urgency, "category": line.category, "summary": summary})


def _message_link(cmd: Command) -> str | None:
    """The link to the Slack message an escalation was raised from ("Escalate this message"). The
    Slack adapter adds it to the form's answers itself (the person never types it), so it is taken
    only from Slack, and only when it is a Slack message's permalink: anything else there was not
    put by the adapter, and would be shown to the handlers as "From message"."""
    if cmd.platform != Platform.SLACK.value:
        return None
    link = (cmd.form.get("source_link") or "").strip()
    return link if SLACK_PERMALINK.fullmatch(link) else None


def _case_reference_problem(value: str, today: date) -> str | None:
    if identifying_details(value, today=today, where=ESCALATION):
        return "Use your agency's own case reference, not a name, address, NHS number, date or postcode."
    return None


def _validate(ctx: Context, values: dict[str, str]) -> dict[str, str]:
    """The escalation form's own rules (those the console applies as each answer is typed)."""
    errors = form_problems(escalation_form(), values, ctx.today())
    summary = (values.get("summary") or "").strip()
    if "summary" in errors and len(summary) <= MAX_SUMMARY and identifying_details(summary, today=ctx.today(),
                                                                                   where=ESCALATION):
        errors["summary"] += " The rest of what you wrote is kept in the summary, with each one taken out."
    return errors


def safe_to_show(ctx: Context, text: str, limit: int) -> str:
    """What a redrawn form may hold: the text with each identifier taken out and marked, so the person
    need not type it all again and nothing refused is kept, shown or stored with the form."""
    return mask_identifiers(text.strip(), today=ctx.today(), where=ESCALATION)[:limit]


def _say_what_was_cut(errors: dict[str, str], field: str, ctx: Context, sent: str, shown: str) -> None:
    """A form given back with less than was sent says so under the field, so nobody sends it on
    thinking it is all there (an identifier taken out is already said; this is the length)."""
    whole = mask_identifiers(sent.strip(), today=ctx.today(), where=ESCALATION)
    if len(whole) > len(shown):
        cut = f"Only the first {len(shown)} are kept below; the last {len(whole) - len(shown)} characters were cut."
        errors[field] = f"{errors.get(field) or f'At most {len(shown)} characters.'} {cut}"


def _one_of(value: str | None, allowed) -> str | None:
    """A choice sent back, shown again only if it is one of the form's own (anything else was not
    chosen from the form, and is not repeated)."""
    return value if value in allowed else None


def _refused(ctx: Context, values: dict[str, str], errors: dict[str, str]) -> Reply:
    """The form again with what may be kept of what was sent, and each problem under its field."""
    shown = {name: safe_to_show(ctx, values.get(name) or "", limit)
             for name, limit in (("summary", MAX_SUMMARY), ("case_reference", MAX_CASE_REF))}
    for name, text in shown.items():
        _say_what_was_cut(errors, name, ctx, values.get(name) or "", text)
    return Reply(
        title="Not saved yet",
        text="Nothing has been saved. Please fix what is marked and send it again.",
        tone=Tone.ERROR,
        errors=errors,
        form=escalation_form(shown["summary"], _one_of(values.get("category"), CATEGORIES),
                             _one_of(values.get("urgency"), {u.value for u in Urgency}), shown["case_reference"]),
        private=True,
    )


def _already_saved(ctx: Context, values: dict[str, str]) -> Reply | None:
    """The same escalation sent again (a double tap, a form sent twice, the line typed again): when
    this person raised one with the same category and summary in the last few minutes and it is
    still open, nothing new is saved and nobody is told twice. Sent again as urgent while it is
    routine, it is made urgent, and those who handle it are told (see _now_urgent); sent again as
    routine, an urgent one stays urgent."""
    held = same_open_escalation(raised_by_id=ctx.actor.id, category=values["category"], summary=values["summary"],
                                since=ctx.now() - SAME_AGAIN_WITHIN, scope=ctx.scope, session=ctx.session)
    if held is None:
        return None
    if values["urgency"] == Urgency.URGENT.value and held.urgency != Urgency.URGENT.value:
        return _now_urgent(ctx, held)
    return Reply(title=f"Escalation E{held.id} already saved",
                 text=say("escalation_saved", escalation=held, again=True, now_urgent=False,
                          stays_urgent=held.urgency == Urgency.URGENT.value and values["urgency"] != held.urgency,
                          front_door=ctx.partnership.front_door,
                          raised=format_when(ctx.calendar.local_datetime(held.raised_at))),
                 tone=Tone.INFO, private=True)


def _now_urgent(ctx: Context, held: Escalation) -> Reply:
    """A routine escalation sent again as urgent: saved as urgent, and everyone who handles it (and
    whoever it is assigned to) is sent it again as urgent, as a new urgent escalation would be."""
    raise_to_urgent(held, actor_id=ctx.actor.id, session=ctx.session)
    told = [h for h in escalation_handlers(scope=ctx.scope, session=ctx.session, on=ctx.today())
            if h.id != ctx.actor.id]
    assignee = member_named(ctx, held.assigned_to_id)
    if assignee is not None and assignee.id != ctx.actor.id and all(p.id != assignee.id for p in told):
        told.append(assignee)
    reply = Reply(title=f"Escalation E{held.id} is now urgent",
                  text=say("escalation_saved", escalation=held, again=True, now_urgent=True, stays_urgent=False,
                           front_door=ctx.partnership.front_door, handlers=[p.name for p in told],
                           raised=format_when(ctx.calendar.local_datetime(held.raised_at))),
                  tone=Tone.WARNING, private=True, changed=True)
    agency = _agency(ctx, held.agency_id)
    for person in told:
        reply.notices.append(Notice(person.id, escalation_card(ctx, held, raiser=ctx.actor, agency=agency,
                                                               headline="Now urgent")))
    return reply


def _save(ctx: Context, values: dict[str, str], source_link: str | None = None) -> Reply:
    errors = _validate(ctx, values)
    if errors:
        return _refused(ctx, values, errors)
    again = _already_saved(ctx, values)
    if again is not None:
        return again
    saved = raise_escalation(
        raised_by_id=ctx.actor.id, agency_id=ctx.actor.agency_id, category=values["category"],
        urgency=values["urgency"], summary=values["summary"].strip(),
        case_reference=(values.get("case_reference") or "").strip() or None,
        source_link=source_link, session=ctx.session, now=ctx.now(),
    )
    handlers = escalation_handlers(scope=ctx.scope, session=ctx.session, on=ctx.today())
    urgent = saved.urgency == Urgency.URGENT.value
    reply = Reply(
        title=f"Escalation E{saved.id} saved",
        text=say("escalation_saved", escalation=saved, again=False, now_urgent=False, stays_urgent=False,
                 front_door=ctx.partnership.front_door,
                 handlers=[h.name for h in handlers if h.id != ctx.actor.id]),
        tone=Tone.WARNING if urgent else Tone.SUCCESS,
        private=True,
        changed=True,
    )
    agency = _agency(ctx, saved.agency_id)
    for handler in handlers:
        if handler.id == ctx.actor.id:
            continue
        reply.notices.append(Notice(handler.id, escalation_card(ctx, saved, raiser=ctx.actor, agency=agency,
                                                                 headline="New escalation")))
    return reply


def _agency(ctx: Context, agency_id: int) -> Agency:
    return ctx.scope.get(Agency, agency_id, session=ctx.session)


def member_named(ctx: Context, member_id: int | None) -> Member | None:
    return ctx.scope.get(Member, member_id, session=ctx.session)


def escalation_card(ctx: Context, escalation: Escalation, *, raiser: Member, agency: Agency, headline: str) -> Reply:
    """An escalation as its handlers see it, privately, with an Acknowledge button until acknowledged
    (the dispatcher offers it only to those who may press it)."""
    buttons = []
    if escalation.acknowledged_at is None:
        buttons.append(Button("Acknowledge", f"escalation ack {escalation.id}", style="primary"))
    return Reply(
        title=f"{headline}: E{escalation.id} ({escalation.urgency}, {CATEGORIES.get(escalation.category, '')})",
        text=escalation.summary,
        fields=escalation_fields(ctx, escalation, raiser, agency),
        buttons=buttons,
        tone=Tone.WARNING if escalation.urgency == Urgency.URGENT.value else Tone.INFO,
        private=True,
        escalation=alert(ctx, escalation, headline),
    )


def alert(ctx: Context, escalation: Escalation, headline: str) -> EscalationAlert:
    """What an email may say of this escalation: that it needs attention, never what it is about."""
    return EscalationAlert(number=escalation.id, category=CATEGORIES.get(escalation.category, escalation.category),
                           urgency=escalation.urgency,
                           raised=format_when(ctx.calendar.local_datetime(escalation.raised_at)), headline=headline)


def escalation_fields(ctx: Context, escalation: Escalation, raiser: Member, agency: Agency) -> list[tuple[str, str]]:
    stages = stage_names(ctx)
    stage = stages[escalation.stage - 1] if 0 < escalation.stage <= len(stages) else str(escalation.stage)
    fields = [
        ("Raised by", f"{raiser.name}, {agency.name}"),
        ("Raised", format_when(ctx.calendar.local_datetime(escalation.raised_at))),
        ("Stage", f"{escalation.stage}: {stage}"),
    ]
    if escalation.case_reference:
        fields.append(("Case reference", escalation.case_reference))
    if escalation.acknowledged_at:
        fields.append(("Acknowledged", format_when(ctx.calendar.local_datetime(escalation.acknowledged_at))))
    assignee = member_named(ctx, escalation.assigned_to_id)
    if assignee is not None:
        fields.append(("Assigned to", assignee.name))
    if escalation.actions_agreed:
        fields.append(("Actions agreed", escalation.actions_agreed))
    if escalation.source_link:
        fields.append(("From message", escalation.source_link))
    return fields


@command("escalations", summary="escalations I raised; handlers see every open one", example="escalations",
         usage="escalations")
def escalations(cmd: Command, ctx: Context) -> Reply:
    handler = may.handles_escalations(ctx.person)
    whose = {"involving": None if handler else ctx.actor.id}
    rows = open_escalations(scope=ctx.scope, session=ctx.session, limit=MAX_LISTED, **whose)
    total = count_open_escalations(scope=ctx.scope, session=ctx.session, **whose) if len(rows) == MAX_LISTED \
        else len(rows)
    people = {m.id: m for m in ctx.session.exec(select(Member).where(
        ctx.scope.where(Member), col(Member.id).in_({e.raised_by_id for e in rows} or {0})))}
    agencies = {a.id: a for a in ctx.session.exec(select(Agency).where(
        ctx.scope.where(Agency), col(Agency.id).in_({e.agency_id for e in rows} or {0})))}
    items = []
    for row in rows:
        raiser = people[row.raised_by_id]
        buttons = []
        if row.acknowledged_at is None:
            buttons.append(Button("Acknowledge", f"escalation ack {row.id}", style="primary"))
        buttons.append(Button("Details", f"escalation {row.id}"))
        items.append(Item(
            text=f"E{row.id} {row.urgency.upper() if row.urgency == 'urgent' else ''}"
                 f"{' ' if row.urgency == 'urgent' else ''}{shorten(row.summary, MAX_LISTED_SUMMARY)}",
            key=f"escalation:{row.id}",
            fields=escalation_fields(ctx, row, raiser, agencies[row.agency_id]),
            buttons=buttons,
        ))
    return Reply(title="Open escalations" if handler else "Your escalations",
                 text=say("escalations", count=total, handler=handler), items=items,
                 more=total - len(rows), private=True,
                 buttons=[Button("Raise an escalation", "escalate")])


def _raiser_notice(ctx: Context, escalation: Escalation, text: str) -> Notice:
    return Notice(escalation.raised_by_id, Reply(title=f"Your escalation E{escalation.id}", text=text, private=True,
                                                 escalation=alert(ctx, escalation, "News of your escalation")))


@command("escalation ack", summary="acknowledge an escalation", example="escalation ack 3",
         usage="escalation ack ID", rule=ESCALATION_WORK, target=TO_ACKNOWLEDGE)
def escalation_ack(cmd: Command, ctx: Context) -> Reply:
    escalation: Escalation = ctx.target  # an open one: its target refused a closed one
    changed = acknowledge(escalation, actor_id=ctx.actor.id, session=ctx.session, now=ctx.now())
    if not changed:
        who = member_named(ctx, escalation.acknowledged_by_id)
        return Reply(text=f"E{escalation.id} was already acknowledged by {who.name} on "
                          f"{format_when(ctx.calendar.local_datetime(escalation.acknowledged_at))}. Nothing changed.",
                     private=True)
    reply = Reply(text=f"Acknowledged E{escalation.id}. I've told the person who raised it.", tone=Tone.SUCCESS,
                  private=True, changed=True)
    if escalation.raised_by_id != ctx.actor.id:
        reply.notices.append(_raiser_notice(ctx, escalation, f"{ctx.actor.name} has acknowledged your escalation "
                                                             f"E{escalation.id} and will be in touch."))
    return reply


@command("escalation assign", summary="give an escalation to someone to handle",
         example="escalation assign 3 jo.bloggs@council.example.org", usage="escalation assign ID EMAIL",
         rule=HANDLERS, target=TO_ASSIGN)
def escalation_assign(cmd: Command, ctx: Context) -> Reply:
    escalation: Escalation = ctx.target  # an open one: its target refused a closed one
    if len(cmd.args) < 2:
        raise UserError(f"Who should handle it? For example `escalation assign {escalation.id} name@agency.org`.")
    matches = find_member(" ".join(cmd.args[1:]), scope=ctx.scope, session=ctx.session)
    if not matches:
        raise UserError(f"'{' '.join(cmd.args[1:])}' is not a member of the partnership. Give their work email.")
    if len(matches) != 1:
        raise UserError(f"I need exactly one person; '{' '.join(cmd.args[1:])}' matches {len(matches)}. "
                        f"Give their email.")
    assignee = matches[0]
    if assignee.id == escalation.raised_by_id:  # they would then move and close their own concern
        raise UserError(f"{assignee.name} raised E{escalation.id}, so someone else handles it: assign it to "
                        f"another person. Nothing changed.")
    changed = assign(escalation, assignee.id, actor_id=ctx.actor.id, session=ctx.session)
    reply = Reply(text=f"E{escalation.id} is assigned to {assignee.name}." + ("" if changed else " Nothing changed."),
                  tone=Tone.SUCCESS if changed else Tone.INFO, private=True, changed=changed)
    if changed and assignee.id != ctx.actor.id:
        raiser = member_named(ctx, escalation.raised_by_id)
        reply.notices.append(Notice(assignee.id, escalation_card(
            ctx, escalation, raiser=raiser, agency=_agency(ctx, escalation.agency_id),
            headline=f"{ctx.actor.name} has assigned you an escalation")))
    return reply


@command("escalation stage", summary="move an escalation to another stage, or add a note at the stage it is at",
         example="escalation stage 3 2 Managers to meet on Friday", usage="escalation stage ID N [NOTE]",
         rule=ESCALATION_WORK, target=TO_MOVE)
def escalation_stage(cmd: Command, ctx: Context) -> Reply:
    escalation: Escalation = ctx.target  # an open one: its target refused a closed one
    stages = stage_names(ctx)
    choices = "; ".join(f"{i}: {name}" for i, name in enumerate(stages, start=1))
    number = cmd.args[1] if len(cmd.args) > 1 else ""
    if not (number.isascii() and number.isdigit()) or not 1 <= int(number) <= len(stages):
        raise UserError(f"Give the stage number, for example `escalation stage {escalation.id} 2`. Stages: {choices}.")
    stage = int(cmd.args[1])
    # Free text as typed, not the command's words: they read apostrophes and quotes as quoting.
    note = free_text(ctx, cmd.text_after(2), field="note", what="stage note", limit=MAX_NOTE, required=False,
                     where=ESCALATION, unchanged=None if stage == escalation.stage else
                     f"E{escalation.id} is still at stage {escalation.stage}") or None
    changed = move_to_stage(escalation, stage, actor_id=ctx.actor.id, session=ctx.session, now=ctx.now(), note=note)
    text = f"E{escalation.id} is at stage {stage}: {stages[stage - 1]}."
    if not changed and note:  # already there: the note is what they came to add
        add_stage_note(escalation, note, actor_id=ctx.actor.id, session=ctx.session, now=ctx.now())
        return Reply(text=f"{text} It was already there; I've saved your note at this stage.", tone=Tone.SUCCESS,
                     private=True, changed=True)
    reply = Reply(text=text + ("" if changed else " Nothing changed."), tone=Tone.SUCCESS if changed else Tone.INFO,
                  private=True, changed=changed)
    if changed and escalation.raised_by_id != ctx.actor.id:
        reply.notices.append(_raiser_notice(ctx, escalation, f"Your escalation E{escalation.id} has moved to "
                                                             f"stage {stage}: {stages[stage - 1]}."))
    return reply


@command("escalation agree", summary="record the actions agreed on an escalation, added to those agreed before",
         example="escalation agree 3 Joint visit by HV and social worker by Friday; CSC to review plan",
         usage="escalation agree ID ACTIONS", rule=ESCALATION_WORK, target=TO_AGREE)
def escalation_agree(cmd: Command, ctx: Context) -> Reply:
    escalation: Escalation = ctx.target  # an open one: its target refused a closed one
    actions = cmd.text_after(1)
    if not actions:
        raise UserError(f"Say what was agreed, for example `escalation agree {escalation.id} Joint visit by HV and "
                        f"social worker by Friday`.")
    day = format_day(ctx.today())
    room = room_for_actions(escalation, day)
    if len(actions) > room:
        raise UserError(_no_room_for(escalation, room, len(actions)),
                        field_errors={"actions": f"At most {room} characters."})
    actions = free_text(ctx, actions, field="actions", what="actions agreed", limit=room, where=ESCALATION,
                        plural=True)
    before = agreed_before(escalation, actions)
    if before is not None:
        when = f" (agreed on {before[0]})" if before[0] else ""
        return Reply(text=f"Those actions are already recorded on E{escalation.id}{when}. Nothing changed.",
                     private=True)
    first = not escalation.actions_agreed
    agree_actions(escalation, actions, day=day, actor_id=ctx.actor.id, session=ctx.session)
    kept = "" if first else ", added to those agreed before"
    reply = Reply(text=f"Recorded the actions agreed on E{escalation.id}{kept}. Now agreed:\n"
                       f"{escalation.actions_agreed}", tone=Tone.SUCCESS, private=True, changed=True)
    if escalation.raised_by_id != ctx.actor.id:
        reply.notices.append(_raiser_notice(ctx, escalation, f"Actions agreed on your escalation E{escalation.id}"
                                                             f"{kept}. Now agreed:\n{escalation.actions_agreed}"))
    return reply


def _no_room_for(escalation: Escalation, room: int, length: int) -> str:
    """Why actions that do not fit are refused, and how much room is left for them."""
    if not escalation.actions_agreed:
        return (f"The actions agreed are {length:,} characters; the most is {room:,} (they are kept with the day "
                f"they were agreed). Nothing was saved. Please shorten them.")
    kept = (f"what is agreed on E{escalation.id} is kept, each agreement with its day, in at most "
            f"{MAX_ACTIONS_AGREED:,} characters")
    instead = (f"record them as a note at its stage (`escalation stage {escalation.id} {escalation.stage} NOTE`), "
               f"or close it with its outcome when it is done")
    if room == 0:
        return f"There is no room left for more actions on E{escalation.id}: {kept}. Nothing was saved. " \
               f"Please {instead}."
    return (f"There is room for {room:,} more characters of actions on E{escalation.id} ({kept}); these are "
            f"{length:,}. Nothing was saved. Please shorten them to fit, or {instead}.")


@command("escalation close", summary="close an escalation with its outcome",
         example="escalation close 3 Agreed joint visit; plan updated", usage="escalation close ID OUTCOME",
         rule=ESCALATION_WORK, target=TO_CLOSE)
def escalation_close(cmd: Command, ctx: Context) -> Reply:
    escalation: Escalation = ctx.target  # an open one: its target refused a closed one
    outcome = (cmd.form.get("outcome") or cmd.text_after(1)).strip()  # as typed, apostrophes and quotes kept
    if not outcome:
        raise UserError(f"Say what the outcome was, for example `escalation close {escalation.id} Resolved at "
                        f"stage 2: joint visit agreed`.")
    outcome = free_text(ctx, outcome, field="outcome", what="outcome", limit=MAX_OUTCOME, where=ESCALATION)
    close(escalation, outcome, actor_id=ctx.actor.id, session=ctx.session, now=ctx.now())
    reply = Reply(text=f"Closed E{escalation.id}. Outcome recorded.", tone=Tone.SUCCESS, private=True, changed=True)
    if escalation.raised_by_id != ctx.actor.id:
        reply.notices.append(_raiser_notice(ctx, escalation, f"Your escalation E{escalation.id} is closed. "
                                                             f"Outcome: {outcome}"))
    return reply
