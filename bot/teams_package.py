"""`assurebot teams-package`: the Teams app package a business manager uploads.

The zip holds manifest.json (personal, team and groupChat scopes, the command lists shown in
the compose box, valid domains), color.png (192x192) and outline.png (32x32, white on
transparent), as Teams requires. The icons are drawn here so the repository holds no binaries.
"""

from __future__ import annotations

import json
import re
import struct
import sys
import uuid
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

MANIFEST_VERSION = "1.17"
MANIFEST_SCHEMA = ("https://developer.microsoft.com/en-us/json-schemas/teams/"
                   f"v{MANIFEST_VERSION}/MicrosoftTeams.schema.json")
APP_VERSION = "1.0.0"
ACCENT = (0x1F, 0x4E, 0x79)  # a deep blue, readable behind the white shield
# What the compose box offers, one tap away on the mobile app (Teams shows at most 10 per list).
PERSONAL_COMMANDS = ("help", "actions", "meetings", "attend", "returns", "papers", "escalate", "escalations",
                     "quorum", "whoami")
# In channels and group chats: nothing that invites typing an escalation where others can read it.
SHARED_COMMANDS = ("help", "meetings", "quorum", "attendance", "papers", "actions", "returns", "whoami")

Pixel = tuple[int, int, int, int]


def command_list(verbs: tuple[str, ...]) -> list[dict[str, str]]:
    """Each verb with its help line as the description (Teams allows 32 and 128 characters)."""
    from handlers.dispatch import REGISTRY  # importing dispatch registers every verb

    commands = []
    for verb in verbs:
        summary = REGISTRY[verb].summary
        commands.append({"title": verb[:32], "description": (summary[0].upper() + summary[1:])[:128]})
    return commands


def manifest(app_id: str, domain: str) -> dict:
    """The Teams app manifest for this bot."""
    site = f"https://{domain}"
    return {
        "$schema": MANIFEST_SCHEMA,
        "manifestVersion": MANIFEST_VERSION,
        "version": APP_VERSION,
        "id": app_id,
        "developer": {"name": "AssureBot", "websiteUrl": f"{site}/", "privacyUrl": f"{site}/",
                      "termsOfUseUrl": f"{site}/"},
        "name": {"short": "AssureBot", "full": "AssureBot for the safeguarding children partnership"},
        "description": {
            "short": "Reminders, attendance, quoracy and escalations for the partnership.",
            "full": ("AssureBot helps a safeguarding children partnership run its assurance work: it reminds "
                     "group members about actions, returns and papers, records attendance, apologies and "
                     "deputies, tells chairs whether a meeting will be quorate, and lets practitioners raise "
                     "an escalation privately. Refer to a child only by your agency's case reference."),
        },
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": "#{:02X}{:02X}{:02X}".format(*ACCENT),
        "bots": [{
            "botId": app_id,
            "scopes": ["personal", "team", "groupChat"],
            "isNotificationOnly": False,
            "supportsFiles": True,  # reports' CSV, Excel and charts, offered with file consent cards
            "commandLists": [
                {"scopes": ["personal"], "commands": command_list(PERSONAL_COMMANDS)},
                {"scopes": ["team", "groupChat"], "commands": command_list(SHARED_COMMANDS)},
            ],
        }],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": [domain],
    }


def write_package(output: str | Path, *, app_id: str | None = None, domain: str | None = None) -> int:
    """Write the zip; returns the exit code (2, with the reason printed, when a value is missing)."""
    if app_id is None:
        from bot.settings import get_settings

        app_id = get_settings().microsoft_app_id
    problems = []
    if not app_id:
        problems.append("Give --app-id (or set MICROSOFT_APP_ID): the Microsoft App ID of your Azure bot.")
    elif not _is_guid(app_id):
        problems.append(f"The app id {app_id!r} is not a Microsoft App ID (it looks like "
                        f"00000000-0000-0000-0000-000000000000).")
    host = _host(domain)
    if not host:
        problems.append("Give --domain: the public host name where `assurebot serve` runs, for example "
                        "assurebot.example.org (the Azure bot's messaging endpoint is https://HOST/api/messages).")
    if problems:
        for problem in problems:
            print(problem, file=sys.stderr)
        return 2
    path = Path(output)
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as package:
        package.writestr("manifest.json", json.dumps(manifest(app_id.strip(), host), indent=2) + "\n")
        package.writestr("color.png", color_icon())
        package.writestr("outline.png", outline_icon())
    print(f"Wrote {path}. Upload it in Teams: Apps, Manage your apps, Upload an app "
          f"(or ask your Teams administrator to add it for the organisation).")
    return 0


def _is_guid(value: str) -> bool:
    try:
        uuid.UUID(value.strip())
    except ValueError:
        return False
    return bool(re.fullmatch(r"[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}", value.strip()))


def _host(domain: str | None) -> str | None:
    """A bare host name from what was given (a URL is fine too)."""
    if not domain:
        return None
    host = re.sub(r"^[a-z]+://", "", domain.strip(), flags=re.IGNORECASE).split("/")[0].split(":")[0].lower()
    return host if re.fullmatch(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+", host) else None


# Icons -----------------------------------------------------------------------------------------------

def _shield(x: float, y: float) -> float:
    """Signed inside-ness of a shield in the unit square: > 0 inside."""
    if y < 0.12 or y > 0.9:
        return -1.0
    half_width = 0.34 if y < 0.5 else 0.34 * (1 - ((y - 0.5) / 0.4) ** 1.6)
    return half_width - abs(x - 0.5)


def _near_tick(x: float, y: float, thickness: float) -> bool:
    """On the tick drawn across the shield."""
    for (x1, y1), (x2, y2) in (((0.34, 0.48), (0.46, 0.62)), ((0.46, 0.62), (0.68, 0.36))):
        dx, dy = x2 - x1, y2 - y1
        t = max(0.0, min(1.0, ((x - x1) * dx + (y - y1) * dy) / (dx * dx + dy * dy)))
        if (x - x1 - t * dx) ** 2 + (y - y1 - t * dy) ** 2 <= thickness ** 2:
            return True
    return False


def _color_pixel(x: float, y: float) -> Pixel:
    if _shield(x, y) > 0:
        return (*ACCENT, 255) if _near_tick(x, y, 0.045) else (255, 255, 255, 255)
    return (*ACCENT, 255)


def _outline_pixel(x: float, y: float) -> Pixel:
    inside = _shield(x, y)
    if (0 < inside < 0.07) or (inside > 0 and (y < 0.19 or y > 0.83)) or (inside > 0 and _near_tick(x, y, 0.05)):
        return (255, 255, 255, 255)
    return (255, 255, 255, 0)


def _draw(size: int, pixel: Callable[[float, float], Pixel], samples: int = 4) -> bytes:
    """An RGBA PNG, each pixel averaged over samples x samples points for smooth edges."""
    rows = []
    for py in range(size):
        row = bytearray([0])  # filter type: none
        for px in range(size):
            total = [0, 0, 0, 0]
            for sy in range(samples):
                for sx in range(samples):
                    colour = pixel((px + (sx + 0.5) / samples) / size, (py + (sy + 0.5) / samples) / size)
                    for i in range(4):
                        total[i] += colour[i]
            row.extend(round(v / (samples * samples)) for v in total)
        rows.append(bytes(row))
    return _png(size, size, b"".join(rows))


def _png(width: int, height: int, raw: bytes) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def color_icon() -> bytes:
    """192x192, full colour."""
    return _draw(192, _color_pixel, samples=2)


def outline_icon() -> bytes:
    """32x32, white on a transparent background."""
    return _draw(32, _outline_pixel)
