"""Rendering the collected cards with Microsoft's Adaptive Cards renderer in headless Chromium, with
each Teams theme at each width, keeping a screenshot of each and what is wrong with it.

The page is render.html (with render.js); see render.js for what it reports.
"""

from __future__ import annotations

import asyncio
import base64
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from tests.e2e.tools import CHROMIUM, LAUNCH_ARGS, SCREENSHOTS, THEMES, WIDTHS, Theme

PAGES_AT_ONCE = 3


@dataclass
class Rendered:
    """What was wrong with each card (by name) in one theme at one width, and where its screenshots are."""

    theme: str
    width: int
    problems: dict[str, list[str]] = field(default_factory=dict)
    screenshots: Path | None = None
    count: int = 0

    @property
    def key(self) -> str:
        return f"{self.theme}-{self.width}"


async def render_one_way(browser, site: str, theme: Theme, width: int, cards: dict[str, dict],
                         screenshots: Path, aliases: dict[str, list[str]]) -> Rendered:
    """Every card in one theme at one width: renderer warnings, layout and contrast problems, screenshots."""
    result = Rendered(theme.name, width)
    folder = screenshots / result.key
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    result.screenshots = folder
    host_config = json.loads(theme.host_config.read_text(encoding="utf-8"))
    page = await browser.new_page(viewport={"width": width + 120, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        await page.goto(f"{site}/render.html")
        await page.evaluate("([sheet, background]) => window.assurebotCards.setTheme(sheet, background)",
                            [theme.stylesheet, theme.background])
        await page.evaluate("Promise.all([document.fonts.load('400 14px \"Segoe UI\"'), "
                            "document.fonts.load('600 14px \"Segoe UI\"')]).then(() => true)")
        cdp = await page.context.new_cdp_session(page)
        for name, card in cards.items():
            report = await page.evaluate("([card, config, width]) => window.assurebotCards.renderCard(card, config, "
                                         "width)", [card, host_config, width])
            problems = [f"renderer: {event}" for event in report["events"]] + report["problems"]
            for opened in report["opened"]:
                problems += [f"with \"{opened['title']}\" open, {problem}" for problem in opened["problems"]
                             if problem not in problems]
            x, y, w, h = report["box"]
            shot = await cdp.send("Page.captureScreenshot", {
                "format": "png", "optimizeForSpeed": True, "captureBeyondViewport": True,
                "clip": {"x": x, "y": y, "width": w, "height": h, "scale": 1}})
            png = base64.b64decode(shot["data"])
            for each in aliases.get(name, [name]):
                (folder / f"{each}.png").write_bytes(png)
            if errors:
                problems += [f"the page failed: {error}" for error in errors]
                errors.clear()
            if problems:
                result.problems[name] = problems
            result.count += 1
    finally:
        await page.close()
    return result


async def render_all(site: str, cards: dict[str, dict], screenshots: Path = SCREENSHOTS,
                     aliases: dict[str, list[str]] | None = None) -> dict[str, Rendered]:
    """Every card in every theme at every width, a few pages at a time, keyed `<theme>-<width>`; the
    screenshots go in `screenshots`/<theme>-<width>/<card>.png (each folder emptied first), under
    each of the names in `aliases` that a card was also sent under."""
    from playwright.async_api import async_playwright

    slots = asyncio.Semaphore(PAGES_AT_ONCE)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            async def one(theme: Theme, width: int) -> Rendered:
                async with slots:
                    return await render_one_way(browser, site, theme, width, cards, screenshots, aliases or {})

            done = await asyncio.gather(*(one(theme, width) for theme in THEMES for width in WIDTHS))
        finally:
            await browser.close()
    return {rendered.key: rendered for rendered in done}
