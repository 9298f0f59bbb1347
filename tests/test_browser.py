"""A look through a real browser: headless Chromium, network disabled, no console errors.

Uses Debian's ``chromium`` (``make test`` installs it when missing) driven by playwright;
playwright's own browser downloads are not used.
"""

import shutil
from pathlib import Path

import pytest

from impact.demo import DEMO_SURVEY
from impact.report import render

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("browser")
    return render(DEMO_SURVEY, "final", "de", out, pdf=False).html


def test_report_opens_offline_in_chromium_without_errors_or_requests(report, tmp_path):
    from playwright.sync_api import sync_playwright

    assert CHROMIUM, "Debian's chromium is needed: `apt-get install chromium` (make test does it)"
    requests, problems = [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            context = browser.new_context(offline=True, viewport={"width": 1200, "height": 900})
            page = context.new_page()
            page.on("request", lambda r: requests.append(r.url))
            page.on("console", lambda m: m.type in ("error", "warning") and problems.append(m.text))
            page.on("pageerror", lambda e: problems.append(str(e)))
            page.on("requestfailed", lambda r: problems.append(f"failed: {r.url}"))
            page.goto(report.as_uri(), wait_until="load")
            images = page.eval_on_selector_all(
                "img", "els => els.map(e => [e.naturalWidth, e.alt, e.complete])"
            )
            headings = page.eval_on_selector_all("h2", "els => els.map(e => e.textContent)")
            screenshot = tmp_path / "final_de.png"
            page.screenshot(path=str(screenshot), full_page=True)
        finally:
            browser.close()
    assert not problems, problems
    external = [u for u in requests if not u.startswith(("data:", "file:"))]
    assert not external, f"the report fetched {external}"
    assert images and all(width > 100 and alt and done for width, alt, done in images), images
    assert headings[0] == "Zusammenfassung" and headings[-1] == "Glossar"
    assert screenshot.stat().st_size > 50_000 and screenshot.read_bytes()[:4] == b"\x89PNG"
