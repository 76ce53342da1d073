"""returns, return done and return reopen: what my agency owes the partnership, and marking it sent (or,
marked by mistake, not sent after all)."""

from __future__ import annotations

from sqlmodel import col, select

from handlers.common import parse_id, tell_marker, tell_owner
from handlers.core import Command, Context, Target, UserError, command
from handlers.fields import done_on, marked_reply, stale_undo, undoing_an_earlier_marking
from handlers.permissions import refuse_unless_in_agency
from messages.buttons import return_buttons
from messages.reply import Item, Reply, Tone
from messages.templates import format_day, say
from models.partnership import Agency, Member
from models.work import (RETURN_KIND_NAMES, DataReturn, count_outstanding_returns, data_return, mark_return_submitted,
                         outstanding_returns, reopen_return)

MAX_ITEMS = 25


@command("returns", summary="my agency's outstanding returns with due dates", example="returns",
         usage="returns")
def returns(cmd: Command, ctx: Context) -> Reply:
    agency = ctx.scope.get(Agency, ctx.actor.agency_id, session=ctx.session)
    today = ctx.today()
    total, late_total = count_outstanding_returns(scope=ctx.scope, session=ctx.session, agency_id=agency.id,
                                                  today=today)
    rows = outstanding_returns(scope=ctx.scope, session=ctx.session, agency_id=agency.id, limit=MAX_ITEMS)
    owners = dict(ctx.session.exec(select(Member.id, Member.name).where(
        ctx.scope.where(Member), col(Member.id).in_({r.owner_id for r in rows} or {0}))).all())
    items = []
    for item in rows:
        late = item.due_date < today
        days = ctx.calendar.working_days_between(item.due_date, today)
        due = format_day(item.due_date) + (f" (late by {days} working day{'s' if days != 1 else ''})" if late else "")
        items.append(Item(
            text=f"#{item.id} {item.title}" + (f" ({item.period})" if item.period else ""),
            key=f"return:{item.id}",
            fields=[("Kind", RETURN_KIND_NAMES.get(item.kind, item.kind)), ("Due", due),
                    ("Responsible", owners.get(item.owner_id, "?"))],
            buttons=return_buttons(item.id, responsible=item.owner_id == ctx.actor.id),
        ))
    return Reply(title=f"Returns outstanding: {agency.name}",
                 text=say("returns", count=total, late=late_total),
                 items=items, more=max(0, total - len(rows)))


def _find_return(cmd: Command, ctx: Context) -> DataReturn:
    return_id = parse_id(cmd.args[0] if cmd.args else None, what="return", listing="returns")
    found = data_return(return_id, scope=ctx.scope, session=ctx.session)
    if found is None:
        raise UserError(f"There is no return #{return_id}. Type `returns` to see your agency's.")
    return found


@command("return done", summary="mark a return submitted (today, or the day given)", example="return done 4",
         usage="return done ID [DAY]",
         target=Target(_find_return, lambda ctx, r: refuse_unless_in_agency(ctx, r.agency_id, "mark it submitted"),
                       kind=DataReturn))
def return_done(cmd: Command, ctx: Context) -> Reply:
    item: DataReturn = ctx.target
    done = done_on(cmd, ctx, after=1, what="the return was submitted", example=f"return done {item.id} 30/11/2026")
    changed = mark_return_submitted(item, actor_id=ctx.actor.id, session=ctx.session, now=done)
    on_time = ctx.calendar.local_date(item.submitted_at) <= item.due_date
    submitted = format_day(ctx.calendar.local_date(item.submitted_at))
    return marked_reply(ctx, say("return_done", item=item, changed=changed, on_time=on_time, submitted=submitted,
                                 named=_named(item)),
                        changed=changed, reopen=f"return reopen {item.id}", moment=item.submitted_at,
                        owner_id=item.owner_id, title="Your return is marked submitted",
                        put_right="Not submitted after all",
                        told=f"marked the return {_named(item)}, which you are responsible for, submitted on "
                             f"{submitted}. It gets no more reminders.")


@command("return reopen", summary="mark a return not submitted after all, so it is chased again",
         example="return reopen 4", usage="return reopen ID", options=("marked",),
         target=Target(_find_return, lambda ctx, r: refuse_unless_in_agency(ctx, r.agency_id, "change it"),
                       kind=DataReturn))
def return_reopen(cmd: Command, ctx: Context) -> Reply:
    item: DataReturn = ctx.target
    was = item.submitted_at
    if undoing_an_earlier_marking(cmd, was):
        return stale_undo(f"Return {_named(item)}", "marked submitted again", ctx.calendar.local_date(was),
                          f"return reopen {item.id}")
    marker = item.submitted_by_id
    if not reopen_return(item, actor_id=ctx.actor.id, session=ctx.session):
        return Reply(text=f"Return {_named(item)} is not marked submitted. Nothing changed.", tone=Tone.INFO,
                     buttons=return_buttons(item.id, responsible=item.owner_id == ctx.actor.id))
    today = ctx.today()
    days = ctx.calendar.working_days_between(item.due_date, today)
    late = f", late by {days} working day{'s' if days != 1 else ''}" if item.due_date < today else ""
    reply = Reply(text=f"Return {_named(item)} is outstanding again (it was marked submitted on "
                       f"{format_day(ctx.calendar.local_date(was))}). Due {format_day(item.due_date)}{late}; "
                       f"reminders for it start again.",
                  tone=Tone.SUCCESS, changed=True,
                  buttons=return_buttons(item.id, responsible=item.owner_id == ctx.actor.id))
    tell_owner(ctx, reply, item.owner_id, title="Your return is outstanding again",
               text=f"marked the return {_named(item)}, which you are responsible for, not submitted after all. "
                    f"Due {format_day(item.due_date)}{late}; reminders for it start again.",
               buttons=return_buttons(item.id, responsible=True))
    tell_marker(ctx, reply, marker, owner_id=item.owner_id, title="A return you marked submitted is outstanding again",
                text=f"marked the return {_named(item)}, which you had marked submitted, as not submitted after all. "
                     f"Due {format_day(item.due_date)}{late}; reminders for it start again.")
    return reply


def _named(item: DataReturn) -> str:
    """A return as its notices name it: number, title and period (an agency has several of a title)."""
    return f"#{item.id} \"{item.title}\"" + (f" ({item.period})" if item.period else "")
