"""attend and attendance: members answer for the next meeting; chairs see who is coming."""

from __future__ import annotations

from dataclasses import replace

from sqlmodel import select

from handlers.common import default_group_key, find_group, group_by_id, group_list, resolve_group, the_next_meeting
from handlers.core import Command, Context, Target, UserError, command
from handlers.permissions import (ANSWERS_FOR_A_SEAT, CHAIRS, DEPUTIES, refuse_unless_manages, refuse_unless_seated,
                                  seated_at)
from messages.buttons import attend_buttons, deputy_answer_buttons, deputy_form
from messages.reply import Button, Item, Notice, Reply, Tone
from messages.templates import format_when, say
from models import permissions as may
from models.audit import record, snapshot
from models.meetings import (DEPUTY_CONFIRMED, DEPUTY_DECLINED, Answer, AttendanceAnswer, Meeting, MeetingStatus,
                             answer_for, deputising_for, record_answer, record_deputy_answer)
from models.partnership import Agency, Member
from models.people import colleagues, find_member, group_ids_of
from models.quorum import SeatAnswer, seat_answers

ANSWER_WORDS = {
    "yes": Answer.ATTENDING, "y": Answer.ATTENDING, "attending": Answer.ATTENDING, "attend": Answer.ATTENDING,
    "no": Answer.APOLOGIES, "n": Answer.APOLOGIES, "apologies": Answer.APOLOGIES, "apols": Answer.APOLOGIES,
    "deputy": Answer.DEPUTY, "send": Answer.DEPUTY, "sub": Answer.DEPUTY,
}
DEPUTY_STATES = {"confirmed": "you will be there", "declined": "you can't go"}


def answer_label(answer: str) -> str:
    return {"attending": "attending", "apologies": "apologies", "deputy": "sending a deputy"}.get(answer, answer)


def your_answer(ctx: Context, row: AttendanceAnswer | None) -> str:
    """A member's answer for a meeting as they see it; sending a deputy says who, and whether the
    deputy has said they will go."""
    if row is None:
        return "not answered"
    if row.answer != Answer.DEPUTY.value or row.deputy_id is None:
        return answer_label(row.answer)
    deputy = ctx.scope.get(Member, row.deputy_id, session=ctx.session)
    own = answer_for(row.meeting_id, row.deputy_id, scope=ctx.scope, session=ctx.session)
    state = ("has left the partnership: name someone else" if deputy is not None and not deputy.active else
             "can't go, having sent apologies for their own seat" if own is not None
             and own.answer == Answer.APOLOGIES.value else
             {DEPUTY_CONFIRMED: "confirmed", DEPUTY_DECLINED: "can't go"}.get(row.deputy_answer, "not confirmed yet"))
    return f"sending {deputy.name if deputy else 'a colleague'} as deputy ({state})"


def colleagues_of(ctx: Context, meeting=None, member: Member | None = None) -> list[Member]:
    """The people the member (the person asking, unless named) may send as a deputy: their agency's,
    less themselves, and less those who have sent apologies for `meeting` where one is given."""
    return colleagues(member or ctx.actor, scope=ctx.scope, session=ctx.session,
                      away_from=meeting.id if meeting is not None else None)


def _as_answer(word: str) -> str:
    """An answer as a phone may send it ("Yes.", "no!"), without the stop it adds."""
    bare = word.rstrip(".!,")
    return bare if bare.lower() in ANSWER_WORDS else word


def _split_attend_args(ctx: Context, args: tuple[str, ...]) -> tuple[str | None, Answer | None, str]:
    """[group] yes|no|deputy [NAME-OR-EMAIL] -> (group key, answer, deputy text)."""
    words = list(args)
    group_key = None
    if words and _as_answer(words[0]).lower() in ANSWER_WORDS:  # "deputy." as a phone may send it
        words[0] = _as_answer(words[0])
    elif len(words) >= 2:
        words[1] = _as_answer(words[1])
    if words and words[0].lower() not in ANSWER_WORDS:
        if len(words) == 1 and find_group(ctx, words[0]) is None:  # `attend maybe`: not a group, not an answer
            raise UserError(f"I didn't understand '{words[0]}'. Answer with `attend yes`, `attend no` or "
                            f"`attend deputy NAME-OR-EMAIL` (put the group first for another group: "
                            f"`attend {default_group_key(ctx)} yes`). The groups are: {group_list(ctx)}.")
        group_key = words.pop(0)
    answer = ANSWER_WORDS.get(words[0].lower()) if words else None
    if words and answer is None:
        raise UserError(f"I didn't understand '{words[0]}'. Answer with `attend {group_key or 'arg'} yes`, "
                        f"`attend {group_key or 'arg'} no` or `attend {group_key or 'arg'} deputy NAME-OR-EMAIL`.")
    return group_key, answer, " ".join(words[1:])


def _group_answered_for(cmd: Command, ctx: Context):
    group_key, _answer, _deputy = _split_attend_args(ctx, cmd.args)
    return resolve_group(ctx, group_key, verb="attend")


@command("attend", summary="answer for the next meeting: yes, no, or deputy NAME-OR-EMAIL",
         example="attend arg deputy sam.patel@police.example.org", usage="attend [group] yes|no|deputy NAME",
         rule=ANSWERS_FOR_A_SEAT, target=Target(_group_answered_for, refuse_unless_seated))
def attend(cmd: Command, ctx: Context) -> Reply:
    _group_key, answer, deputy_text = _split_attend_args(ctx, cmd.args)
    deputy_text = cmd.form.get("deputy", deputy_text).strip().rstrip(".!,;")  # "Sam Patel." from a phone
    group = ctx.target
    meeting = the_next_meeting(ctx, group)
    when = format_when(ctx.calendar.local_datetime(meeting.starts_at))
    if not seated_at(ctx, group, meeting):
        return _as_deputy(ctx, group, meeting, when, answer)
    if answer is None:
        return Reply(title=f"{group.name}, {when}", text=say("attend_ask", group=group),
                     buttons=attend_buttons(group.key, colleagues_of(ctx, meeting)), private=True)
    if answer == Answer.DEPUTY and not deputy_text:
        form = deputy_form(group.key, colleagues_of(ctx, meeting))
        listed = form.fields[0].options
        return Reply(title=f"{group.name}, {when}", form=form, private=True,
                     text=f"{'Choose' if listed else 'Give the name or email of'} the colleague who will go in your "
                          f"place. I'll ask them to confirm, and tell you their answer.")
    deputy = find_deputy(ctx, deputy_text) if answer == Answer.DEPUTY else None
    if deputy is not None:
        refuse_if_away(ctx, deputy, group, meeting)
    earlier = answer_for(meeting.id, ctx.actor.id, scope=ctx.scope, session=ctx.session)
    earlier_deputy = earlier.deputy_id if earlier is not None and earlier.answer == Answer.DEPUTY.value else None
    was_away = earlier is not None and earlier.answer == Answer.APOLOGIES.value  # read now: the row is updated
    said_no = earlier is not None and earlier.deputy_answer == DEPUTY_DECLINED
    _row, changed = record_answer(meeting, ctx.actor.id, answer, deputy_id=deputy.id if deputy else None,
                                  actor_id=ctx.actor.id, session=ctx.session, now=ctx.now())
    reply = Reply(
        title=f"{group.name}, {when}",
        text=say("attend_saved", answer=answer.value, deputy=deputy, changed=changed, group=group),
        tone=Tone.SUCCESS if changed else Tone.INFO, fields=[("Your answer", answer_label(answer.value))],
        buttons=[b for b in attend_buttons(group.key, colleagues_of(ctx, meeting))
                 if not b.command.endswith(_answer_word(answer))],
        private=True,
        changed=changed,
    )
    if deputy and changed and (deputy.id != earlier_deputy or said_no):  # named again after saying no: asked again
        seated = _sits_on(ctx, deputy.id, group, meeting)
        reply.notices.append(Notice(deputy.id, Reply(
            title=f"You are deputising at {group.name}",
            text=say("deputy_notice", member=ctx.actor, group=group, when=when, location=meeting.location,
                     seated=seated),
            buttons=deputy_answer_buttons(group.key, seated=seated), private=True,
        )))
    if changed and earlier_deputy is not None and earlier_deputy != (deputy.id if deputy else None):
        seated = _sits_on(ctx, earlier_deputy, group, meeting)
        reply.notices.append(Notice(earlier_deputy, Reply(
            title=f"No longer deputising at {group.name}",
            text=say("deputy_withdrawn", member=ctx.actor, group=group, when=when, seated=seated), private=True)))
    if changed and answer in (Answer.APOLOGIES, Answer.DEPUTY):
        _tell_who_named_me(ctx, reply, group, meeting, when, sending=answer == Answer.DEPUTY)
    if answer == Answer.ATTENDING:
        _there_for_both(ctx, reply, group, meeting, when, back=was_away)
    return reply


def _sits_on(ctx: Context, member_id: int, group, meeting) -> bool:
    """Whether a colleague (a deputy) holds a seat of their own on the group on the meeting's day."""
    return group.id in group_ids_of(member_id, scope=ctx.scope, session=ctx.session,
                                    on=ctx.calendar.local_date(meeting.starts_at))


def _there_for_both(ctx: Context, reply: Reply, group, meeting, when: str, *, back: bool) -> None:
    """Someone with a seat of their own who is also a colleague's named deputy at this meeting: coming
    to it is coming for both (the deputy notice's "I'll be there" sends this same `attend GROUP yes`),
    so a deputy place not yet answered is confirmed, and the colleague told. One coming `back` after
    sending apologies (their colleague was told they couldn't go) is confirmed again, and the colleague
    told so; a deputy place they turned down themselves stays turned down."""
    row = deputising_for(meeting.id, ctx.actor.id, scope=ctx.scope, session=ctx.session)
    if row is None or row.deputy_answer == DEPUTY_DECLINED or (row.deputy_answer is not None and not back):
        return
    record_deputy_answer(row, True, actor_id=ctx.actor.id, session=ctx.session)
    member = ctx.scope.get(Member, row.member_id, session=ctx.session)
    also = f"You will also attend for {member.name}, as their deputy: I've told them."
    reply.text = f"{reply.text} {also}" if reply.changed else f"You were already down as attending. {also}"
    reply.tone, reply.changed = Tone.SUCCESS, True
    reply.fields.append(("Also deputising for", f"{member.name} ({DEPUTY_STATES['confirmed']})"))
    reply.notices.append(Notice(member.id, Reply(
        title=f"Your deputy at {group.name}",
        text=say("deputy_reply_notice", coming=True, deputy=ctx.actor, group=group, when=when),
        private=True)))


def _tell_who_named_me(ctx: Context, reply: Reply, group, meeting, when: str, *, sending: bool = False) -> None:
    """Apologies for my own seat mean I can't deputise at the same meeting either: the member who named
    me is told, so they can name someone else (the quorum already stops counting me for their seat)."""
    row = deputising_for(meeting.id, ctx.actor.id, scope=ctx.scope, session=ctx.session)
    if row is None or row.deputy_answer == DEPUTY_DECLINED:  # told already, when the place was turned down
        return
    member = ctx.scope.get(Member, row.member_id, session=ctx.session)
    if sending:  # someone sending a deputy in their own place won't be in the room for anyone else either
        record_deputy_answer(row, False, actor_id=ctx.actor.id, session=ctx.session)
        reply.text += (f" You were named as {member.name}'s deputy for this meeting: I've told them you can't go in "
                       f"their place now.")
    else:
        reply.text += (f" I've told {member.name}, who named you as their deputy for this meeting, that you can't "
                       f"go in their place.")
    why = "is sending a deputy in their own place at" if sending else "has sent apologies for"
    reply.notices.append(Notice(member.id, Reply(
        title=f"Your deputy can't go to {group.name}", tone=Tone.WARNING, private=True,
        text=(f"{ctx.actor.name} {why} {group.name} on {when}, so can't attend in your place. Please name someone "
              f"else from your agency, or send your apologies."),
        buttons=attend_buttons(group.key, colleagues_of(ctx, meeting, member)))))


def refuse_if_away(ctx: Context, deputy: Member, group, meeting) -> None:
    """Someone who has sent apologies for their own seat at this meeting, or is sending a deputy in it,
    won't be in the room, so can't attend for anyone else: refuse, rather than count a deputy who
    isn't coming."""
    own = answer_for(meeting.id, deputy.id, scope=ctx.scope, session=ctx.session)
    why = {Answer.DEPUTY.value: f"is sending a deputy in their own place at this meeting of {group.name}, so won't "
                                f"be there to attend for you",
           Answer.APOLOGIES.value: f"has sent apologies for this meeting of {group.name}, so can't attend for you",
           }.get(own.answer) if own is not None else None
    if why:
        raise UserError(f"{deputy.name} {why}. Please name someone else from your agency (`attend {group.key} deputy "
                        f"NAME-OR-EMAIL`), or answer `attend {group.key} no` if nobody can go.")


def _as_deputy(ctx: Context, group, meeting, when: str, answer: Answer | None, *, seated: bool = False,
               own_coming: bool = False) -> Reply:
    """A named deputy's own answer: they confirm they will go, or say they can't (the member is told).
    One `seated` on the group answers here for the deputy place alone (`deputise`); `own_coming` when
    they have said they will be there for their own seat (the member is told so)."""
    row = deputising_for(meeting.id, ctx.actor.id, scope=ctx.scope, session=ctx.session)
    if row is None:
        raise UserError(f"Nobody has named you as their deputy for the next {group.name} meeting ({when}), so "
                        f"there is nothing to answer.")
    member = ctx.scope.get(Member, row.member_id, session=ctx.session)
    title = f"{group.name}, {when}"
    if answer is None:
        return Reply(title=title, text=say("deputy_ask", member=member, group=group, location=meeting.location,
                                           state=row.deputy_answer),
                     buttons=deputy_answer_buttons(group.key), private=True)
    if answer == Answer.DEPUTY:
        raise UserError(f"Only {member.name} can name a deputy for their seat. If you can't go, answer "
                        f"`attend {group.key} no` and I'll tell them.")
    coming = answer == Answer.ATTENDING
    changed = record_deputy_answer(row, coming, actor_id=ctx.actor.id, session=ctx.session)
    reply = Reply(title=title, text=say("deputy_saved", coming=coming, changed=changed, member=member, group=group,
                                        seated=seated),
                  tone=Tone.SUCCESS if changed else Tone.INFO, private=True, changed=changed,
                  fields=[("Your answer", DEPUTY_STATES["confirmed" if coming else "declined"]) if not seated
                          else (f"In {member.name}'s place", "you will go" if coming else "you won't go")])
    if changed:
        again = [] if coming else attend_buttons(group.key, colleagues_of(ctx, meeting, member))
        reply.notices.append(Notice(member.id, Reply(
            title=f"Your deputy at {group.name}" if coming else f"Your deputy can't go to {group.name}",
            text=say("deputy_reply_notice", coming=coming, deputy=ctx.actor, group=group, when=when,
                     seated=own_coming),
            tone=Tone.INFO if coming else Tone.WARNING, buttons=again, private=True)))
    return reply


def _answer_word(answer: Answer) -> str:
    return {Answer.ATTENDING: "yes", Answer.APOLOGIES: "no", Answer.DEPUTY: "__"}[answer]


def find_deputy(ctx: Context, text: str) -> Member:
    """A registered colleague from my own agency, by name or email."""
    candidates = find_member(text, scope=ctx.scope, session=ctx.session)
    mine = [m for m in candidates if m.agency_id == ctx.actor.agency_id and m.id != ctx.actor.id]
    if len(mine) == 1:
        return mine[0]
    if len(mine) > 1:
        raise UserError(f"More than one colleague matches '{text}': "
                        + ", ".join(f"{m.name} ({m.email})" for m in mine[:5]) + ". Give their email.")
    others = [m for m in candidates if m.agency_id != ctx.actor.agency_id]
    if others:
        agency = ctx.scope.get(Agency, others[0].agency_id, session=ctx.session)
        own = ctx.scope.get(Agency, ctx.actor.agency_id, session=ctx.session)
        raise UserError(f"{others[0].name} is from {agency.name}. A deputy must be from your own agency "
                        f"({own.name}).")
    if candidates and candidates[0].id == ctx.actor.id:
        raise UserError("You can't be your own deputy. Answer `attend yes` if you are coming.")
    raise UserError(f"I can't find '{text}' in your agency. Give their work email; if they are not registered, "
                    f"ask the business unit to add them first.")


def _group_deputised_for(cmd: Command, ctx: Context):
    """The group named, or without one the group where the person is named as a deputy (if only one)."""
    group_key, _answer, _rest = _split_attend_args(ctx, cmd.args)
    named_at = set(ctx.person.deputy_meetings.values())
    if group_key is None and len(named_at) == 1:
        return group_by_id(ctx, named_at.pop())
    if group_key is None and len(named_at) > 1:
        keys = sorted(group_by_id(ctx, group_id).key for group_id in named_at)
        raise UserError(f"You are named as a deputy at {len(keys)} groups: say which, for example `deputise {keys[0]} "
                        f"no`. The groups: {', '.join(keys)}.")
    return resolve_group(ctx, group_key, verb="deputise")


def _refuse_unless_named(ctx: Context, group) -> str | None:
    if group is None or may.deputises_at(ctx.person, group.id):
        return None
    return (f"You don't have a deputy place to answer for: nobody has named you as their deputy for the next "
            f"{group.name} meeting. For your own seat, use `attend {group.key} yes` or `attend {group.key} no`.")


@command("deputise", summary="as a deputy with a seat of your own: go in your colleague's place (yes) or not (no), "
                             "your own answer unchanged", example="deputise arg no", usage="deputise [group] yes|no",
         rule=DEPUTIES, target=Target(_group_deputised_for, _refuse_unless_named))
def deputise(cmd: Command, ctx: Context) -> Reply:
    _group_key, answer, _rest = _split_attend_args(ctx, cmd.args)
    group = ctx.target
    meeting = the_next_meeting(ctx, group)
    when = format_when(ctx.calendar.local_datetime(meeting.starts_at))
    if answer == Answer.DEPUTY:
        raise UserError(f"Answer `deputise {group.key} yes` if you will go in their place, or `deputise {group.key} "
                        f"no` if you can't.")
    seated = seated_at(ctx, group, meeting)
    own = answer_for(meeting.id, ctx.actor.id, scope=ctx.scope, session=ctx.session) if seated else None
    away = own is not None and own.answer == Answer.APOLOGIES.value
    sending = own is not None and own.answer == Answer.DEPUTY.value
    if answer is None and (away or sending):  # no deputy place to take up: say why, and the way back
        why = "you have sent apologies for this meeting" if away else "you are sending a deputy in your own place"
        return Reply(title=f"{group.name}, {when}", private=True, buttons=[
            Button("I'll be there after all", f"attend {group.key} yes", style="primary")],
            text=f"You can't go in anyone's place at this meeting: {why}. If you will be there after all, answer "
                 f"`attend {group.key} yes`.")
    if answer == Answer.ATTENDING and away:
        raise UserError(f"Nothing changed: you have sent apologies for this meeting of {group.name}, so you can't go "
                        f"in anyone's place. If you can come after all, answer `attend {group.key} yes`.")
    if answer == Answer.ATTENDING and sending:
        raise UserError(f"Nothing changed: you are sending a deputy in your own place, so you won't be there to go "
                        f"in anyone else's. If you will be there after all, answer `attend {group.key} yes` first.")
    if answer == Answer.APOLOGIES and away:  # they were told when the apologies were sent
        return Reply(text="Nothing changed: you have sent apologies for this meeting, and the colleague who named "
                          "you was told then that you can't go in their place.", tone=Tone.INFO, private=True)
    if not seated:
        return _as_deputy(ctx, group, meeting, when, answer)
    reply = _as_deputy(ctx, group, meeting, when, answer, seated=True,
                       own_coming=own is not None and own.answer == Answer.ATTENDING.value)
    reply.fields.append(("For your own seat", your_answer(ctx, own)))  # left as it is, and shown
    row = deputising_for(meeting.id, ctx.actor.id, scope=ctx.scope, session=ctx.session)
    colleague = ctx.scope.get(Member, row.member_id, session=ctx.session)
    go = Button(f"Go in {colleague.name}'s place", f"deputise {group.key} yes", style="primary")
    own_only = Button("Just my own seat", f"deputise {group.key} no")
    reply.buttons = {DEPUTY_CONFIRMED: [own_only], DEPUTY_DECLINED: [go]}.get(row.deputy_answer, [go, own_only])
    if sending:
        reply.buttons = []  # no place to take up while sending their own deputy
    if own is None:
        reply.buttons += [b for b in attend_buttons(group.key) if not b.command.endswith(" deputy")]
    return reply


@command("attendance", summary="who is attending, deputising, giving apologies, not answered",
         example="attendance arg", usage="attendance [group]", rule=CHAIRS,
         target=Target(lambda cmd, ctx: resolve_group(ctx, cmd.args[0] if cmd.args else None, verb="attendance"),
                       lambda ctx, group: refuse_unless_manages(ctx, group, "see who is coming")))
def attendance(cmd: Command, ctx: Context) -> Reply:
    group = ctx.target
    meeting = the_next_meeting(ctx, group)
    rows = seat_answers(meeting, day=ctx.calendar.local_date(meeting.starts_at), scope=ctx.scope,
                        session=ctx.session)
    by_answer: dict[str | None, list] = {"attending": [], "deputy": [], "apologies": [], None: []}
    for seat in rows:
        by_answer.setdefault(seat.answer, []).append(_as_listed(seat))
    items = [
        Item(text=f"{s.name} ({s.agency_name}): not answered", key=f"seat:{s.member_id}")
        for s in by_answer[None]
    ]
    return Reply(
        title=f"Attendance: {group.name}, {format_when(ctx.calendar.local_datetime(meeting.starts_at))}",
        text=say("attendance", attending=by_answer["attending"], deputies=by_answer["deputy"],
                 apologies=by_answer["apologies"], waiting=by_answer[None], deputies_count=group.deputies_count),
        items=items,
        buttons=[Button("Check quorum", f"quorum {group.key}", style="primary")],
    )


def _as_listed(seat: SeatAnswer) -> SeatAnswer:
    """The list shows a deputy's own word; one who has sent apologies for their own seat can't go
    either, whatever they said about deputising, so they are listed as the deputy who can't go."""
    return replace(seat, deputy_answer=DEPUTY_DECLINED) if seat.deputy_declined else seat


def deputy_has_left(ctx: Context, left: Member) -> list[Notice]:
    """Someone removed can't go in anyone's place: each deputy place they were named to at a meeting
    still to come is turned down (so no quorum counts them), and the member who named them is told,
    to name someone else. Saved with the removal, in the same commit."""
    rows = ctx.session.exec(select(AttendanceAnswer, Meeting).join(Meeting, Meeting.id == AttendanceAnswer.meeting_id)
                            .where(ctx.scope.where(AttendanceAnswer), AttendanceAnswer.deputy_id == left.id,
                                   AttendanceAnswer.answer == Answer.DEPUTY.value,
                                   Meeting.status == MeetingStatus.SCHEDULED.value,
                                   Meeting.starts_at > ctx.now())).all()
    notices = []
    for row, meeting in rows:
        before = snapshot(row, "deputy_answer")
        row.deputy_answer = DEPUTY_DECLINED
        ctx.session.add(row)
        record(ctx.session, actor_id=ctx.actor.id, action="attendance.deputy_left", entity="attendance_answer",
               entity_id=row.id, before=before, after=snapshot(row, "deputy_answer"))
        member = ctx.scope.get(Member, row.member_id, session=ctx.session)
        group = group_by_id(ctx, meeting.group_id)
        if member is None or not member.active or group is None:
            continue
        when = format_when(ctx.calendar.local_datetime(meeting.starts_at))
        is_next = the_next_meeting(ctx, group).id == meeting.id
        notices.append(Notice(member.id, Reply(
            title=f"Your deputy can't go to {group.name}", tone=Tone.WARNING, private=True,
            text=f"{left.name} has left the partnership, so can't attend {group.name} for you on {when}. Please "
                 f"name someone else from your agency, or send your apologies.",
            buttons=attend_buttons(group.key, colleagues_of(ctx, meeting, member)) if is_next else [])))
    return notices
