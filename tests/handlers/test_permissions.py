"""The permission table, command by command and role by role.

Each row: who asks, what they type, whether it is allowed. A refusal must name who can do it.
"""

import pytest

from tests.conftest import ADMIN, AUDIT_CHAIR, CHAIR, DEPUTY_CHAIR, HOUSING, POLICE, PRACTITIONER

TABLE = [
    # a member: their own answers, actions, papers and their agency's returns
    (HOUSING, "attend arg yes", True),
    (HOUSING, "paper done 4", True),
    (HOUSING, "action done 6", True),
    (HOUSING, "return done 5", True),
    (HOUSING, "quorum arg", True),
    (HOUSING, "attendance arg", False),
    (HOUSING, "actions all", False),
    (HOUSING, "paper done 1", False),
    (HOUSING, "action done 1", False),
    (HOUSING, "return done 4", False),
    (HOUSING, "escalation ack 1", False),
    # a chair: their group
    (CHAIR, "attendance arg", True),
    (CHAIR, "actions all", True),
    (CHAIR, "action done 6", True),
    (CHAIR, "paper done 1", True),
    (CHAIR, "attendance audit", False),
    (AUDIT_CHAIR, "attendance audit", True),
    (AUDIT_CHAIR, "attendance arg", False),
    (DEPUTY_CHAIR, "attendance arg", True),
    # chairs of the ARG and admins handle escalations; the audit chair does not
    (CHAIR, "escalation ack 1", True),
    (DEPUTY_CHAIR, "escalation assign 1 emma.clarke@bu.example.org", True),
    (AUDIT_CHAIR, "escalation ack 1", False),
    (POLICE, "escalations", True),
    # admins: everything
    (ADMIN, "attendance audit", True),
    (ADMIN, "actions agency la", True),
    (ADMIN, "return done 1", True),
    (ADMIN, "action done 1", True),
    (ADMIN, "escalation close 1 Resolved", True),
    # a practitioner: raise escalations, nothing else of others'
    (PRACTITIONER, "escalate routine practice: disagreement on closure", True),
    (PRACTITIONER, "quorum arg", False),
    (PRACTITIONER, "actions agency la", False),
]


@pytest.mark.parametrize("email, line, allowed", TABLE, ids=[f"{e.split('@')[0]}: {l}" for e, l, _ in TABLE])
async def test_permission_table(chat, email, line, allowed):
    reply = await chat(email, line)
    if allowed:
        assert not reply.is_error, reply.text
    else:
        assert reply.is_error
        assert not reply.changed
        assert any(word in reply.text for word in ("Only", "only", "don't sit", "belongs to", "can't find")), reply.text
