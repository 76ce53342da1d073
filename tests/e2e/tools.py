"""What the end-to-end tests run on: Debian's Chromium, the npm packages in tests/e2e/node_modules,
the fonts the card pages use, and a web server on 127.0.0.1 for the pages."""

from __future__ import annotations

import functools
import importlib.util
import shutil
import subprocess
import threading
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

E2E = Path(__file__).resolve().parent
NODE_MODULES = E2E / "node_modules"
SCREENSHOTS = E2E / "screenshots"
OUT = E2E / "out"
CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]
DESIGNER = "node_modules/adaptivecards-designer"
NPM_CI = "(cd tests/e2e && npm ci)"
FONTS = ("Liberation Sans", "Noto Color Emoji")
APT = "sudo apt-get install -y chromium fonts-liberation fonts-noto-color-emoji"


@dataclass(frozen=True)
class Theme:
    """A Teams theme: its host config, the styles Teams draws cards with, and the chat's background (the
    light and dark ones as adaptivecards-designer's Teams container has them)."""

    name: str
    host_config: Path
    stylesheet: str  # relative to tests/e2e, as the page loads it
    background: str


THEMES = (
    Theme("light", E2E / DESIGNER / "lib/hostConfigs/microsoft-teams-light.json",
          f"{DESIGNER}/dist/containers/teams-container-light.css", "#F6F6F6"),
    Theme("dark", E2E / DESIGNER / "lib/hostConfigs/microsoft-teams-dark.json",
          f"{DESIGNER}/dist/containers/teams-container-dark.css", "#201E1F"),
    Theme("high-contrast", E2E / "hostconfigs/microsoft-teams-high-contrast.json",
          "hostconfigs/teams-container-high-contrast.css", "#000000"),
)
WIDTHS = (324, 560)  # a phone, and Teams on a desktop

NEEDED_FILES = {
    "node_modules/adaptivecards/dist/adaptivecards.min.js": NPM_CI,
    "node_modules/markdown-it/dist/markdown-it.min.js": NPM_CI,
    "node_modules/botframework-webchat/dist/webchat.js": NPM_CI,
    "node_modules/@microsoft/app-manifest/build/json-schemas/teams": NPM_CI,
    f"{DESIGNER}/lib/hostConfigs/microsoft-teams-light.json": NPM_CI,
    f"{DESIGNER}/dist/containers/teams-container-dark.css": NPM_CI,
}


def installed_fonts() -> str:
    try:
        return subprocess.run(["fc-list", ":", "family"], capture_output=True, text=True, timeout=60,
                              check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return ""


def missing_tools() -> list[str]:
    """What is missing for the end-to-end tests, each with the command that installs it."""
    missing = []
    if not CHROMIUM.exists():
        missing.append(f"Chromium is not at {CHROMIUM}: run `{APT}`")
    if not NODE_MODULES.exists():
        missing.append(f"tests/e2e/node_modules is missing (Microsoft's renderer, Web Chat, host configs and "
                       f"manifest schemas): run `{NPM_CI}`")
    else:
        missing += [f"tests/e2e/{relative} is missing: run `{fix}`" for relative, fix in NEEDED_FILES.items()
                    if not (E2E / relative).exists()]
    if importlib.util.find_spec("playwright") is None:
        missing.append("Playwright for Python is not installed: run `.venv/bin/pip install -e '.[test,e2e]'`")
    fonts = installed_fonts()
    for font in FONTS:
        if font not in fonts:
            missing.append(f"the font {font} is not installed: run `{APT}`")
    if shutil.which("fc-list") is None:
        missing.append(f"fontconfig is not installed: run `{APT}`")
    return missing


class StaticSite:
    """tests/e2e served over HTTP on 127.0.0.1 (a free port), for the card and Web Chat pages."""

    def __init__(self) -> None:
        handler = functools.partial(_QuietHandler, directory=str(E2E))
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> StaticSite:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass
