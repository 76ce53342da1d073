"""Who hears that a meeting moved or was cancelled, and what each of them is told.

Everyone on the group is told, answered or not, and so are the deputies named for it and whoever
owes it a paper (only those still here). Each notice says who made the change. When the time of
the group's next meeting moves, each person's notice shows where they stand (their answer, or the
place they were named to as a deputy) with the buttons that change it; someone whose seat ends
before the new day is told there is nothing for them to answer.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import col, select

from handlers.attendance import DEPUTY_STATES, colleagues_of, your_answer
from handlers.common import the_next_meeting
from handlers.core import Context
from messages.buttons import attend_buttons, deputy_answer_buttons
from messages.reply import Notice, Reply
from messages.templates import format_when
from models.groups import Group, Membership, held_on
from models.meetings import DEPUTY_CONFIRMED, DEPUTY_DECLINED, Answer, AttendanceAnswer, Meeting, member_ids_to_tell
from models.partnership import Member


def told_of_change(ctx: Context, meeting: Meeting, *days: date) -> list[int]:
    """Who to tell of a move or cancellation (not the person making it): the group's members on
    those days, whoever answered for the meeting or was named as a deputy, and whoever owes it a paper."""
    return [m for m in member_ids_to_tell(meeting, scope=ctx.scope, session=ctx.session, seated_on=days)
            if m != ctx.actor.id]


def who_was_told(told: list[int]) -> str:
    if not told:
        return "Nobody else is on the group, named as a deputy for it or owes it a paper, so nobody else was told."
    if len(told) == 1:
        return "I've told the one other person concerned."
    return (f"I've told the {len(told)} people concerned: the group's members, any deputy named for it and anyone "
            f"who owes it a paper.")


def next_meeting_now(ctx: Context, group: Group, meeting: Meeting, *, was_next: bool) -> str:
    """A sentence when moving the group's next meeting later has put another one first, or ""."""
    now_next = the_next_meeting(ctx, group) if was_next else None
    if now_next is None or now_next.id == meeting.id:
        return ""
    return (f" The next meeting of {group.name} is now #{now_next.id} on "
            f"{format_when(ctx.calendar.local_datetime(now_next.starts_at))}: answers given from now on are for that "
            f"one, and those already given for this one are kept.")


def cancel_notices(ctx: Context, group: Group, told: list[int], text: str) -> list[Notice]:
    return [Notice(m, Reply(title=f"{group.name} is cancelled", text=text, private=True,
                            fields=[("Cancelled by", ctx.actor.name)])) for m in told]


def move_notices(ctx: Context, meeting: Meeting, group: Group, told: list[int], *, title: str, text: str,
                 no_seat_text: str, moved: bool) -> list[Notice]:
    """The notice of a move for each person told (see the module's docstring); `no_seat_text` for
    those whose seat ends before the new day, without asking them to check they can still come."""
    by = ("Moved by" if moved else "Changed by", ctx.actor.name)
    if not moved or the_next_meeting(ctx, group).id != meeting.id:
        return [Notice(m, Reply(title=title, text=text, fields=[by], private=True)) for m in told]
    answers = {row.member_id: row for row in ctx.session.exec(select(AttendanceAnswer).where(
        ctx.scope.where(AttendanceAnswer), AttendanceAnswer.meeting_id == meeting.id))}
    named = {row.deputy_id: row for row in answers.values()
             if row.answer == Answer.DEPUTY.value and row.deputy_id is not None}
    seated = set(ctx.session.exec(select(Membership.member_id).where(
        ctx.scope.where(Membership), Membership.group_id == group.id,
        held_on(ctx.calendar.local_date(meeting.starts_at)))))
    people = {m.id: m for m in ctx.session.exec(select(Member).where(
        ctx.scope.where(Member), col(Member.id).in_([*told, *(row.member_id for row in named.values())])))}
    notices = []
    for member_id in told:
        reply = Reply(title=title, text=text, fields=[by], private=True)
        if not _where_they_stand(ctx, reply, meeting, group, people, member_id, answers.get(member_id),
                                 named.get(member_id), member_id in seated):
            reply.text = f"{no_seat_text} Your seat on the group ends before the new date, so there is nothing for " \
                         f"you to answer."
        notices.append(Notice(member_id, reply))
    return notices


def _where_they_stand(ctx: Context, reply: Reply, meeting: Meeting, group: Group, people: dict[int, Member],
                      member_id: int, own: AttendanceAnswer | None, named: AttendanceAnswer | None,
                      seated: bool) -> bool:
    """One person's answer (or deputy place) on the moved meeting, and the buttons that change it;
    False for someone who had a seat but has none on the new day."""
    person = people.get(member_id)
    away = own is not None and own.answer == Answer.APOLOGIES.value
    if named is not None:
        colleague = people.get(named.member_id)
        state = ("can't go, having sent apologies" if seated and away else
                 "you won't go in their place" if seated and named.deputy_answer == DEPUTY_DECLINED else
                 DEPUTY_STATES.get(named.deputy_answer or "", "not answered yet"))
        reply.fields.append(("Deputising for", f"{colleague.name if colleague else 'a colleague'} ({state})"))
    if seated and person is not None:
        reply.fields.append(("Your answer", your_answer(ctx, own)))
        if named is not None and named.deputy_answer != DEPUTY_DECLINED and (
                own is None or own.answer == Answer.ATTENDING.value):  # one answer for both places
            reply.buttons = [b for b in deputy_answer_buttons(group.key, seated=True)
                             if not (named.deputy_answer == DEPUTY_CONFIRMED and b.command.endswith(" yes"))]
            return True
        same = {Answer.ATTENDING.value: " yes", Answer.APOLOGIES.value: " no"}.get(own.answer) if own else None
        reply.buttons = [b for b in attend_buttons(group.key, colleagues_of(ctx, meeting, person))
                         if same is None or not b.command.endswith(same)]
    elif named is not None:
        given = {DEPUTY_CONFIRMED: " yes", DEPUTY_DECLINED: " no"}.get(named.deputy_answer)
        reply.buttons = [b for b in deputy_answer_buttons(group.key) if given is None or not b.command.endswith(given)]
    elif own is not None or person is not None and _had_a_seat(ctx, group, member_id):
        return False
    return True


def _had_a_seat(ctx: Context, group: Group, member_id: int) -> bool:
    return ctx.session.exec(select(Membership.id).where(
        ctx.scope.where(Membership), Membership.group_id == group.id, Membership.member_id == member_id)).first() \
        is not None
