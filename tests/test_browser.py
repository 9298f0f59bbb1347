"""A look through a real browser: headless Chromium, network disabled, no console errors,
and an accessibility audit of the rendered report by axe-core (WCAG 2.1 A and AA and axe's
best practices: language, title, heading order, alt texts, table headers, contrast …).

Uses Debian's ``chromium`` (``make test`` installs it when missing) driven by playwright;
playwright's own browser downloads are not used. axe-core comes with the test dependency
``axe-playwright-python`` (its ``axe.min.js``) and is injected into the page: nothing is
fetched.
"""

import shutil
from pathlib import Path

import pytest

from impact.demo import DEMO_SURVEY
from impact.report import render

# WCAG 2.1 A and AA and axe's best practices (heading order, one main landmark …); passes
# are returned too, to see that the rules ran.
AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"],
    },
    "resultTypes": ["violations", "passes"],
}
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("browser")
    return render(DEMO_SURVEY, "final", "de", out, pdf=False).html


def test_report_opens_offline_in_chromium_without_errors_or_requests(report, tmp_path):
    from axe_playwright_python.sync_playwright import Axe
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
            language = page.evaluate("document.documentElement.lang")
            title = page.title()
            audit = Axe().run(page, options=AXE_OPTIONS)
        finally:
            browser.close()
    assert not problems, problems
    external = [u for u in requests if not u.startswith(("data:", "file:"))]
    assert not external, f"the report fetched {external}"
    assert images and all(width > 100 and alt and done for width, alt, done in images), images
    assert headings[:2] == ["Inhalt", "Auf einen Blick"] and headings[-1] == "Glossar"
    assert screenshot.stat().st_size > 50_000 and screenshot.read_bytes()[:4] == b"\x89PNG"
    assert language == "de" and title.startswith("Evaluationsbericht: ") and "Abschluss" in title
    assert audit.response["testEngine"]["name"] == "axe-core"
    assert len(audit.response["passes"]) > 20, "axe ran its rules"
    passed = {rule["id"] for rule in audit.response["passes"]}
    for rule in ("html-has-lang", "document-title", "heading-order", "image-alt"):
        assert rule in passed, rule
    assert audit.violations_count == 0, audit.generate_report()
