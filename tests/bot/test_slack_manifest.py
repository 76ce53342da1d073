"""The Slack app manifest in the repository asks for what the adapter answers, and no more."""

from pathlib import Path

import yaml

from bot.slack.setup import EVENTS_PATH
from bot.slack.app import MESSAGE_SHORTCUT, RAISE_SHORTCUT
from bot.slack.install import BOT_SCOPES, REDIRECT_PATH

MANIFEST = yaml.safe_load((Path(__file__).resolve().parents[2] / "slack-manifest.yaml").read_text())


def test_the_commands_shortcuts_and_events_are_the_ones_the_adapter_listens_for():
    features = MANIFEST["features"]
    assert [c["command"] for c in features["slash_commands"]] == ["/assure", "/escalate"]
    assert {(s["type"], s["callback_id"]) for s in features["shortcuts"]} == {
        ("global", RAISE_SHORTCUT), ("message", MESSAGE_SHORTCUT)}
    assert MANIFEST["settings"]["event_subscriptions"]["bot_events"] == [
        "app_home_opened", "app_uninstalled", "tokens_revoked"]
    assert features["app_home"]["home_tab_enabled"] is True


def test_every_request_goes_to_the_one_signed_endpoint():
    settings = MANIFEST["settings"]
    urls = [c["url"] for c in MANIFEST["features"]["slash_commands"]]
    urls += [settings["event_subscriptions"]["request_url"], settings["interactivity"]["request_url"]]
    assert all(url.endswith(EVENTS_PATH) and url.startswith("https://") for url in urls)
    assert settings["interactivity"]["is_enabled"] is True


def test_the_bot_asks_only_for_the_scopes_it_uses_and_installs_with_the_same():
    assert set(MANIFEST["oauth_config"]["scopes"]["bot"]) == {
        "commands", "chat:write", "im:write", "im:history", "files:write", "users:read", "users:read.email"}
    assert set(BOT_SCOPES) == set(MANIFEST["oauth_config"]["scopes"]["bot"])
    assert MANIFEST["oauth_config"]["redirect_urls"] == ["https://assurebot.example.org" + REDIRECT_PATH]


def test_slack_limits_on_names_are_met():
    assert len(MANIFEST["display_information"]["long_description"]) >= 175
    assert all(len(s["name"]) <= 24 for s in MANIFEST["features"]["shortcuts"])
    assert all(len(s["description"]) <= 150 for s in MANIFEST["features"]["shortcuts"])
