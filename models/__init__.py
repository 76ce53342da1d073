"""SQLModel tables, one module per concept, and the functions that read and write them."""

from models.audit import AuditEvent
from models.delivery import ConversationRef, OutboxMessage
from models.escalations import Escalation, EscalationStageChange
from models.groups import Group, Membership
from models.meetings import AttendanceAnswer, Meeting, Paper
from models.partnership import Agency, Member, Partnership
from models.snooze import Snooze
from models.submits import FormSubmit
from models.teams_cards import TeamsCard, TeamsFileOffer
from models.work import Action, ActionUpdate, DataReturn

__all__ = [
    "Action",
    "ActionUpdate",
    "Agency",
    "AttendanceAnswer",
    "AuditEvent",
    "ConversationRef",
    "DataReturn",
    "Escalation",
    "EscalationStageChange",
    "FormSubmit",
    "Group",
    "Meeting",
    "Member",
    "Membership",
    "OutboxMessage",
    "Paper",
    "Partnership",
    "Snooze",
    "TeamsCard",
    "TeamsFileOffer",
]
