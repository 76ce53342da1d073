from tests.conftest import CHAIR


async def test_the_chair_sees_the_arg_is_not_quorate_because_police_sent_apologies(chat):
    reply = await chat(CHAIR, "quorum arg")
    assert "not quorate" in reply.title
    assert "Riverside Police sent apologies with no deputy" in reply.text
