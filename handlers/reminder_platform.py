"""reminders: where my reminders come (Slack, Teams or email), chosen by me; and stopping reminder emails.

The same verb serves chat and the page behind the unsubscribe link in every reminder email, so a
choice made either way is recorded in the audit trail as the member's own, and the business unit
is told: they keep the partnership file, and a member whose emails are off is listed for them as
not reached, as anyone is whom AssureBot cannot reach.
"""

from __future__ import annotations

from handlers.core import Command, Context, UserError, command
from handlers.permissions import business_unit
from messages.reply import Button, Notice, Reply, Tone
from models.audit import record
from models.partnership import REMINDERS_WHERE, Member, Platform
from models.people import admins

PLACES = {Platform.SLACK.value: "in Slack", Platform.TEAMS.value: "in Teams", Platform.EMAIL.value: "by email",
          Platform.CONSOLE.value: "nowhere yet"}
CHOICES = (Platform.SLACK.value, Platform.TEAMS.value, Platform.EMAIL.value)
STOP = "stop"


def reachable_on(ctx: Context, member: Member) -> list[str]:
    """The platforms this member could choose: those AssureBot can reach them on."""
    found = []
    if member.slack_user_id:
        found.append(Platform.SLACK.value)
    if member.teams_aad_id and not member.teams_unreachable:
        found.append(Platform.TEAMS.value)
    if ctx.email_on:
        found.append(Platform.EMAIL.value)
    return found


def where_now(member: Member) -> str:
    """Where the member's reminders go, in words."""
    if member.preferred_platform == Platform.EMAIL.value and member.email_off:
        return "nowhere: you turned reminder emails off"
    if member.preferred_platform == Platform.EMAIL.value:
        return f"by email to {member.email}"
    return PLACES.get(member.preferred_platform, member.preferred_platform)


@command("reminders", summary="where your reminders come (Slack, Teams or email), or stop reminder emails",
         example="reminders email", usage="reminders [slack|teams|email|stop]")
def reminders(cmd: Command, ctx: Context) -> Reply:
    choice = cmd.args[0].lower() if cmd.args else ""
    member = ctx.actor
    options = reachable_on(ctx, member)
    if not choice:
        buttons = [Button(f"Get them {PLACES[p]}", f"reminders {p}") for p in options
                   if p != member.preferred_platform or member.email_off]
        text = f"Your reminders come {where_now(member)}." if options else _nowhere(ctx)
        return Reply(title="Your reminders", text=text, buttons=buttons, private=True)
    if choice == STOP:
        return _stop_email(ctx, member)
    if choice not in CHOICES:
        raise UserError("Say where your reminders should come: `reminders slack`, `reminders teams` or "
                        "`reminders email`; or `reminders stop` to stop reminder emails.")
    if choice not in options:
        raise UserError(_why_not(ctx, choice))
    if member.preferred_platform == choice and not member.email_off:
        return Reply(text=f"Your reminders already come {where_now(member)}. Nothing changed.", private=True)
    before = {"preferred_platform": member.preferred_platform, "email_off": member.email_off}
    member.preferred_platform = choice
    member.email_off = False
    return _saved(ctx, member, before, text=f"Done: your reminders will come {PLACES[choice]} from now on.",
                  told=(f"{member.name} ({member.email}) chose to get their reminders {PLACES[choice]}. If the "
                        f"partnership file names a platform for them (`platform:`), change it there too, or the "
                        f"next load will set it back; without one, loads keep their choice."))


def _stop_email(ctx: Context, member: Member) -> Reply:
    if member.preferred_platform != Platform.EMAIL.value:
        raise UserError(f"Your reminders come {where_now(member)}, not by email, so there are no reminder emails "
                        f"to stop.")
    if member.email_off:
        return Reply(text="Reminder emails are already off for you. Nothing changed.", private=True)
    before = {"preferred_platform": member.preferred_platform, "email_off": False}
    member.email_off = True
    return _saved(ctx, member, before,
                  text=(f"Reminder emails are off. {business_unit(ctx)} will see that your reminders are not "
                        f"reaching you, and can help you choose another way."),
                  told=(f"{member.name} ({member.email}) turned reminder emails off. Until they choose another "
                        f"way, their reminders are listed for you as not delivered."))


def _saved(ctx: Context, member: Member, before: dict, *, text: str, told: str) -> Reply:
    ctx.session.add(member)
    record(ctx.session, actor_id=ctx.actor.id, action=REMINDERS_WHERE, entity="member",
           entity_id=member.id, before=before,
           after={"preferred_platform": member.preferred_platform, "email_off": member.email_off})
    ctx.session.commit()
    reply = Reply(text=text, tone=Tone.SUCCESS, private=True, changed=True)
    for admin in admins(scope=ctx.scope, session=ctx.session):
        if admin.id != member.id:
            reply.notices.append(Notice(admin.id, Reply(title="Reminders: a member changed how they get them",
                                                         text=told, private=True)))
    return reply


def _nowhere(ctx: Context) -> str:
    """Where reminders come for someone AssureBot can reach nowhere (so none do), and what to do:
    it learns a chat account the first time they write to it there."""
    return ("Your reminders come nowhere yet: AssureBot can't reach you in Slack or Teams, and email is not set up "
            "on this AssureBot. To get them, write to AssureBot once where you work: in Slack, type "
            "`/assure whoami`; in Teams, open AssureBot (Apps, search for AssureBot, Add) and say hello. Then type "
            f"`reminders` to choose where they come. If you use neither, ask {business_unit(ctx)}.")


def _why_not(ctx: Context, choice: str) -> str:
    if choice == Platform.EMAIL.value:
        return f"Email is not set up on this AssureBot, so reminders can't come by email. Ask {business_unit(ctx)}."
    if choice == Platform.SLACK.value:
        return ("AssureBot doesn't know your Slack account yet. Type `/assure whoami` in Slack once, then choose "
                "again.")
    return ("AssureBot can't reach you in Teams yet. Open AssureBot in Teams (Apps, search for AssureBot, Add) and "
            "write to it once, then choose again.")
