"""The Teams door: /api/messages exists only when Teams is configured, needs a Bot Framework token
once an app id is set, and the local mode (no token) listens on loopback only. Replies and member
look-ups go only to trusted service URLs, and nobody is recognised by a display name."""

import aiohttp
import pytest
from aiohttp import web
from sqlmodel import select

from bot.delivery import Unreachable
from bot.server import DELIVERY, build_app
from bot.settings import Settings
from bot.teams import conversations
from bot.teams.adapter import TeamsSettingsError
from bot.teams.identity import HomeTenant
from bot.teams.setup import TEAMS, home_tenant
from bot.teams.adapter import bot_config
from bot.teams.trust import TrustedServiceUrls, is_loopback_host
from botbuilder.schema import ChannelAccount, ConversationAccount, ConversationReference
from messages.reply import Reply
from models.audit import AuditEvent
from models.db import session_for
from tests.conftest import ADMIN, POLICE
from tests.fakes.teams_world import card_text, start_world, stop_world, teams, unescaped  # noqa: F401

APP_ID = "5d2f1c3e-0000-4000-8000-000000000001"
TEAMS_SERVICE_URL = "https://smba.trafficmanager.net/emea/"


@pytest.fixture
async def teams_with_auth(demo, clock):
    world = await start_world(demo, clock, settings=Settings(
        _env_file=None, microsoft_app_id=APP_ID, microsoft_app_password="not-a-real-secret",
        microsoft_app_type="MultiTenant"))
    try:
        yield world
    finally:
        await stop_world(world)


async def _status_of_post(app: web.Application, body: dict) -> int:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    try:
        async with aiohttp.ClientSession() as http, \
                http.post(f"http://127.0.0.1:{port}/api/messages", json=body) as response:
            return response.status
    finally:
        await runner.cleanup()


async def test_without_an_app_id_or_the_local_mode_there_is_no_teams_door_at_all(demo, clock):
    app = build_app(demo, settings=Settings(_env_file=None), clock=clock)
    body = {"type": "message", "channelId": "emulator", "serviceUrl": "http://127.0.0.1:9/",
            "from": {"id": "x", "name": ADMIN}, "conversation": {"id": "c"}, "text": "escalations"}
    assert await _status_of_post(app, body) == 404
    assert TEAMS not in app
    assert "teams" not in app[DELIVERY].senders  # and no reminder is ever sent to a Teams address
    with session_for(demo) as session:
        assert session.exec(select(AuditEvent).where(AuditEvent.action == "access.unregistered")).all() == []


def test_the_local_mode_refuses_to_start_off_loopback_or_beside_an_app_id(demo, clock):
    with pytest.raises(TeamsSettingsError, match="--host 127.0.0.1"):
        build_app(demo, settings=Settings(_env_file=None, teams_local_mode=True, host="0.0.0.0"), clock=clock)
    with pytest.raises(TeamsSettingsError, match="unset it when MICROSOFT_APP_ID is set"):
        build_app(demo, settings=Settings(_env_file=None, teams_local_mode=True, microsoft_app_id=APP_ID,
                                          microsoft_app_password="x"), clock=clock)
    assert TEAMS in build_app(demo, settings=Settings(_env_file=None, teams_local_mode=True, host="::1"),
                              clock=clock)


def test_serve_says_why_it_will_not_start_in_the_local_mode_on_a_public_address(demo, monkeypatch, capsys):
    from bot import server
    from bot.settings import get_settings

    monkeypatch.setenv("TEAMS_LOCAL_MODE", "1")
    monkeypatch.setattr("bot.cli.ready_engine", lambda url: demo)
    get_settings.cache_clear()
    try:
        assert server.serve("sqlite://", host="0.0.0.0", port=0) == 2
    finally:
        get_settings.cache_clear()
    assert "AssureBot cannot start: TEAMS_LOCAL_MODE" in capsys.readouterr().err


async def test_with_an_app_id_a_request_without_a_token_gets_401_and_nothing_happens(teams_with_auth):
    world = teams_with_auth
    mark = world.user(POLICE)
    message = world.message(mark, "actions")
    message["serviceUrl"] = TEAMS_SERVICE_URL
    assert await world.post(message) == 401
    assert world.connector.calls == []
    with session_for(world.engine) as session:
        assert session.exec(select(AuditEvent).where(AuditEvent.action == "access.unregistered")).all() == []


async def test_with_an_app_id_an_activity_naming_an_untrusted_service_url_is_refused_before_any_call(
        teams_with_auth):
    world = teams_with_auth
    stranger = world.user(ADMIN, linked=False)
    assert await world.say(stranger, "escalations") == 403  # the fake connector is not a Microsoft address
    assert world.connector.calls == []
    assert world.member(ADMIN).teams_aad_id is None


async def test_in_the_local_mode_a_display_name_is_not_an_identity(teams):
    """Anyone can call themselves by an admin's email in the Emulator; it must not make them that admin."""
    impostor = teams.user("nobody@elsewhere.example", name=ADMIN, known_to_teams=False)
    activity = teams.message(impostor, "escalations")
    activity["channelId"] = "emulator"
    assert await teams.post(activity) == 201
    card, _ = teams.last_card_to(teams.personal_id(impostor))
    assert "not registered" in unescaped(card_text(card))
    assert teams.member(ADMIN).teams_aad_id is None


async def test_in_the_local_mode_an_activity_from_outside_this_machine_is_refused(teams):
    mark = teams.user(POLICE, linked=False)
    activity = teams.message(mark, "whoami")
    activity["serviceUrl"] = "https://attacker.example.net/"
    assert await teams.post(activity) == 403
    assert teams.connector.calls == []
    member = teams.member(POLICE)
    assert (member.teams_aad_id, member.preferred_platform) == (None, "console")


async def test_no_reminder_goes_to_a_saved_conversation_whose_service_url_is_not_trusted(teams):
    mark = teams.member(POLICE)
    reference = ConversationReference(
        channel_id="msteams", service_url="https://attacker.example.net/",
        bot=ChannelAccount(id="28:bot"), user=ChannelAccount(id="29:mark"),
        conversation=ConversationAccount(id="a:planted", conversation_type="personal"))
    with session_for(teams.engine) as session:
        conversations.save_reference(reference, kind=conversations.PERSONAL, member_id=mark.id, channel_id=None,
                                     session=session)
    with pytest.raises(Unreachable):
        await teams.gateway.send_to_member(mark, Reply(text="Your digest", private=True))
    assert teams.connector.calls == []


@pytest.mark.parametrize("url, trusted", [
    ("https://smba.trafficmanager.net/emea/", True),
    ("https://SMBA.trafficmanager.net/amer/", True),
    ("https://smba.infra.gcc.teams.microsoft.com/gcc/", True),
    ("https://smba.trafficmanager.net.attacker.example/emea/", False),
    ("https://attacker.example/https://smba.trafficmanager.net/", False),
    ("http://smba.trafficmanager.net/emea/", False),
    ("https://user@smba.trafficmanager.net/emea/", False),
    ("http://127.0.0.1:3978/", False),
    ("", False),
    (None, False),
])
def test_only_microsoft_service_urls_are_trusted_by_default(url, trusted):
    settings = Settings(_env_file=None)
    assert (url in TrustedServiceUrls.from_setting(settings.teams_service_urls, allow_loopback=False)) is trusted


def test_loopback_service_urls_are_trusted_only_in_the_local_mode():
    local = TrustedServiceUrls.from_setting("", allow_loopback=True)
    assert "http://127.0.0.1:5000/" in local and "http://localhost:5000/" in local and "http://[::1]:80/" in local
    assert "http://10.0.0.8:5000/" not in local
    assert is_loopback_host("127.0.0.2") and not is_loopback_host("0.0.0.0") and not is_loopback_host("example.org")


def test_a_service_url_setting_that_is_not_https_is_refused_at_start(demo, clock):
    with pytest.raises(TeamsSettingsError, match="https"):
        build_app(demo, settings=Settings(_env_file=None, microsoft_app_id=APP_ID, microsoft_app_password="x",
                                          teams_service_urls="http://smba.example/"), clock=clock)


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


async def test_in_the_local_mode_the_emulator_can_talk_to_the_bot(teams):
    mark = teams.user(POLICE)
    assert await teams.say(mark, "whoami") == 201
    assert len(teams.connector.sent()) == 1


async def test_a_request_that_is_not_json_is_refused(teams):
    async with teams.http.post(f"{teams.url}/api/messages", data="hello", headers={"Content-Type": "text/plain"}) \
            as response:
        assert response.status == 415
    async with teams.http.post(f"{teams.url}/api/messages", data="{not json",
                               headers={"Content-Type": "application/json"}) as response:
        assert response.status == 400


async def test_a_lone_partnership_takes_only_its_home_tenants_people_in_teams(teams):
    """A Single Tenant bot's own tenant is its home; an account from another organisation's tenant,
    whose directory could give it a member's email, is refused and linked to nobody."""
    teams.gateway.home = HomeTenant(tenant_id="tenant-of-the-partnership")
    stranger = teams.user(ADMIN, linked=False)  # the world's accounts are in "tenant-1"
    assert await teams.say(stranger, "escalations") == 201
    card, _ = teams.last_card_to(teams.personal_id(stranger))
    assert "isn't linked to a partnership" in unescaped(card_text(card))
    assert teams.member(ADMIN).teams_aad_id is None
    teams.gateway.home = HomeTenant(tenant_id="tenant-1")
    assert await teams.say(stranger, "escalations") == 201
    card, _ = teams.last_card_to(teams.personal_id(stranger))
    assert "Open escalations" in unescaped(card_text(card))
    assert teams.member(ADMIN).teams_aad_id == "aad-priya-shah"


def test_a_multi_tenant_bot_has_no_home_tenant_and_a_single_tenant_bot_has_its_own():
    multi = bot_config(Settings(_env_file=None, microsoft_app_id=APP_ID, microsoft_app_password="x",
                                microsoft_app_type="MultiTenant"))
    single = bot_config(Settings(_env_file=None, microsoft_app_id=APP_ID, microsoft_app_password="x",
                                 microsoft_app_type="SingleTenant", microsoft_app_tenant_id="tenant-1"))
    assert not home_tenant(multi, local=False).holds("tenant-1")
    assert home_tenant(single, local=False).holds("tenant-1")
    assert not home_tenant(single, local=False).holds("tenant-2") and not home_tenant(single, local=False).holds(None)
    assert home_tenant(bot_config(Settings(_env_file=None)), local=True).holds(None)
