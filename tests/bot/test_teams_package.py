"""`assurebot teams-package`: the zip a business manager uploads to Teams."""

import json
import struct
import zipfile
import zlib

from bot.cli import main

APP_ID = "5d2f1c3e-0000-4000-8000-000000000001"


def package(tmp_path, *args) -> tuple[int, zipfile.ZipFile | None]:
    output = tmp_path / "assurebot-teams.zip"
    code = main(["teams-package", "--output", str(output), *args])
    return code, zipfile.ZipFile(output) if output.exists() else None


def png(data: bytes) -> tuple[int, int, list[tuple[int, int, int, int]]]:
    """Width, height and RGBA pixels of an 8-bit RGBA PNG without filters (as the package writes)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height, depth, colour = struct.unpack(">IIBB", data[16:26])
    assert (depth, colour) == (8, 6)
    idat, at = b"", 8
    while at < len(data):
        length = struct.unpack(">I", data[at:at + 4])[0]
        if data[at + 4:at + 8] == b"IDAT":
            idat += data[at + 8:at + 8 + length]
        at += 12 + length
    raw = zlib.decompress(idat)
    pixels = []
    for row in range(height):
        line = raw[row * (width * 4 + 1) + 1:(row + 1) * (width * 4 + 1)]
        pixels.extend(tuple(line[i:i + 4]) for i in range(0, len(line), 4))
    return width, height, pixels


def test_the_package_has_a_manifest_for_chats_teams_and_group_chats_with_the_commands(tmp_path, capsys):
    code, zipped = package(tmp_path, "--app-id", APP_ID, "--domain", "assurebot.example.org")
    assert code == 0
    assert "Upload an app" in capsys.readouterr().out
    assert sorted(zipped.namelist()) == ["color.png", "manifest.json", "outline.png"]
    manifest = json.loads(zipped.read("manifest.json"))
    assert manifest["id"] == APP_ID and manifest["bots"][0]["botId"] == APP_ID
    assert manifest["bots"][0]["scopes"] == ["personal", "team", "groupChat"]
    assert manifest["bots"][0]["supportsFiles"] is True  # reports' files, offered in personal chats
    assert manifest["validDomains"] == ["assurebot.example.org"]
    assert manifest["icons"] == {"color": "color.png", "outline": "outline.png"}
    assert len(manifest["description"]["short"]) <= 80
    lists = {tuple(cl["scopes"]): cl["commands"] for cl in manifest["bots"][0]["commandLists"]}
    personal = {c["title"]: c["description"] for c in lists[("personal",)]}
    assert personal["escalate"] == "Raise a concern privately with the people who handle escalations"
    assert {"actions", "attend", "meetings", "quorum", "help"} <= set(personal)
    shared = [c["title"] for c in lists[("team", "groupChat")]]
    assert "escalate" not in shared and "quorum" in shared
    for commands in lists.values():
        assert len(commands) <= 10
        assert all(len(c["title"]) <= 32 and 0 < len(c["description"]) <= 128 for c in commands)


def test_the_icons_are_the_sizes_teams_asks_for_and_the_outline_is_white_on_transparent(tmp_path):
    _, zipped = package(tmp_path, "--app-id", APP_ID, "--domain", "assurebot.example.org")
    width, height, pixels = png(zipped.read("color.png"))
    assert (width, height) == (192, 192)
    assert all(alpha == 255 for *_, alpha in pixels)
    width, height, pixels = png(zipped.read("outline.png"))
    assert (width, height) == (32, 32)
    assert any(alpha == 0 for *_, alpha in pixels) and any(alpha == 255 for *_, alpha in pixels)
    assert all((r, g, b) == (255, 255, 255) for r, g, b, _ in pixels)


def test_a_url_given_as_the_domain_is_reduced_to_the_host(tmp_path):
    _, zipped = package(tmp_path, "--app-id", APP_ID, "--domain", "https://AssureBot.example.org/api/messages")
    assert json.loads(zipped.read("manifest.json"))["validDomains"] == ["assurebot.example.org"]


def test_without_an_app_id_or_domain_nothing_is_written_and_the_fix_is_named(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("MICROSOFT_APP_ID", raising=False)
    code, zipped = package(tmp_path, "--app-id", "not-a-guid")
    assert code == 2 and zipped is None
    problems = capsys.readouterr().err
    assert "is not a Microsoft App ID" in problems
    assert "Give --domain" in problems
