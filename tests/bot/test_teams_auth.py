"""/api/messages refuses requests without a Bot Framework token once an app id is set."""

import pytest
from sqlmodel import select

from bot.settings import Settings
from bot.teams.adapter import TeamsSettingsError, bot_config
from models.audit import AuditEvent
from models.db import session_for
from tests.conftest import POLICE
from tests.fakes.teams_world import start_world, stop_world, teams  # noqa: F401  (teams is a fixture)

APP_ID = "5d2f1c3e-0000-4000-8000-000000000001"


@pytest.fixture
async def teams_with_auth(demo, clock):
    world = await start_world(demo, clock, settings=Settings(
        _env_file=None, microsoft_app_id=APP_ID, microsoft_app_password="not-a-real-secret",
        microsoft_app_type="MultiTenant"))
    try:
        yield world
    finally:
        await stop_world(world)


async def test_with_an_app_id_a_request_without_a_token_gets_401_and_nothing_happens(teams_with_auth):
    world = teams_with_auth
    mark = world.user(POLICE)
    assert await world.say(mark, "actions") == 401
    assert world.connector.calls == []
    with session_for(world.engine) as session:
        assert session.exec(select(AuditEvent).where(AuditEvent.action == "access.unregistered")).all() == []


async def test_without_an_app_id_the_emulator_can_talk_to_the_bot(teams):
    mark = teams.user(POLICE)
    assert await teams.say(mark, "whoami") == 201
    assert len(teams.connector.sent()) == 1


async def test_a_request_that_is_not_json_is_refused(teams):
    async with teams.http.post(f"{teams.url}/api/messages", data="hello", headers={"Content-Type": "text/plain"}) \
            as response:
        assert response.status == 415


def test_settings_that_do_not_fit_together_are_refused_at_start_with_the_fix():
    with pytest.raises(TeamsSettingsError, match="MICROSOFT_APP_TENANT_ID"):
        bot_config(Settings(_env_file=None, microsoft_app_id=APP_ID, microsoft_app_password="x",
                            microsoft_app_type="SingleTenant"))
    with pytest.raises(TeamsSettingsError, match="MICROSOFT_APP_PASSWORD"):
        bot_config(Settings(_env_file=None, microsoft_app_id=APP_ID))
    with pytest.raises(TeamsSettingsError, match="MultiTenant, SingleTenant or UserAssignedMSI"):
        bot_config(Settings(_env_file=None, microsoft_app_id=APP_ID, microsoft_app_type="Personal"))
    config = bot_config(Settings(_env_file=None, microsoft_app_id=APP_ID, microsoft_app_password="x",
                                 microsoft_app_type="singletenant", microsoft_app_tenant_id="tenant-1"))
    assert (config.APP_TYPE, config.APP_TENANTID) == ("SingleTenant", "tenant-1")


def test_the_password_never_appears_in_the_configuration_repr():
    config = bot_config(Settings(_env_file=None, microsoft_app_id=APP_ID, microsoft_app_password="s3cret-value"))
    assert "s3cret-value" not in repr(config)
