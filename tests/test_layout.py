"""The printed reports, measured: every character and picture inside the margins, no page
left nearly empty (but the last), a cover, a contents page, page numbers, the right title
and language; and the editable DOCX holding every table of the report.

Reads the PDFs' character boxes with pdfium (``pypdfium2``, a test dependency) and their
catalogue with pypdf; runs on the demo and on a second programme (the tools fixture).
"""

from __future__ import annotations

import re
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_raw
import pytest
from bs4 import BeautifulSoup
from pypdf import PdfReader

from impact import fmt
from impact.report import TEMPLATES, render_all

ROOT = Path(__file__).resolve().parent.parent
SECOND_PROGRAMME = ROOT / "tests" / "fixtures" / "tools" / "survey.yml"
MM = 72 / 25.4
# A character may reach this far (points) past a margin: glyph boxes round outwards.
TOLERANCE = 1.0
# A page (but the last) whose content ends in the top fifth of its text area is nearly empty.
NEARLY_EMPTY = 0.2


def page_margins() -> tuple[float, float, float, float]:
    """The @page margins of report.css (top, right, bottom, left) in points."""
    css = (TEMPLATES / "impact_report" / "report.css").read_text(encoding="utf-8")
    block = re.search(r"@page\s*\{[^@]*?margin:\s*([^;]+);", css)
    assert block, "report.css sets the page margins"
    values = [float(v.removesuffix("mm")) * MM for v in block[1].split()]
    values = (values * 4)[:4] if len(values) == 1 else values
    if len(values) == 2:
        values = values * 2
    if len(values) == 3:
        values = [values[0], values[1], values[2], values[1]]
    return tuple(values)


def layout_problems(pdf_path: Path) -> list[str]:
    """Everything wrong with a printed report's pages, one line each (empty: none)."""
    top, right, bottom, left = page_margins()
    problems = []
    document = pdfium.PdfDocument(pdf_path)
    pages = len(document)
    for number, page in enumerate(document, start=1):
        width, height = page.get_size()
        text = page.get_textpage()
        lowest = height  # the lowest point of the page's body content
        outside = []
        for index in range(text.count_chars()):
            char_left, char_bottom, char_right, char_top = text.get_charbox(index)
            if char_right <= char_left:  # spaces and line ends have no box
                continue
            if char_top <= bottom:  # the running footer in the bottom margin
                continue
            lowest = min(lowest, char_bottom)
            beside = char_right > width - right + TOLERANCE or char_left < left - TOLERANCE
            if beside or char_top > height - top + TOLERANCE:
                outside.append(index)
        for image in page.get_objects(filter=[pdfium_raw.FPDF_PAGEOBJ_IMAGE]):
            image_left, image_bottom, image_right, image_top = image.get_bounds()
            lowest = min(lowest, image_bottom)
            if image_right > width - right + TOLERANCE or image_left < left - TOLERANCE:
                problems.append(f"page {number}: a picture reaches past the margin")
        if outside:
            words = sorted({_word(text, index) for index in outside})
            problems.append(f"page {number}: {len(outside)} characters past the margin {words[:5]}")
        body = height - top - bottom
        used = (height - top - lowest) / body
        if number < pages and used < NEARLY_EMPTY:
            problems.append(f"page {number} of {pages} is nearly empty ({used:.0%} used)")
        footer = " ".join(text.get_text_bounded(0, 0, width, bottom).split())
        if number > 1 and f"{number} / {pages}" not in footer:
            problems.append(f"page {number} has no page number ({footer!r})")
    return problems


def _word(text, index: int) -> str:
    start = max(0, index - 12)
    return " ".join(text.get_text_range(start, 24).split())


def document_problems(pdf_path: Path, html_path: Path) -> list[str]:
    """A title, language, tags, cover and contents page, as the HTML page states them."""
    page = BeautifulSoup(html_path.read_text(encoding="utf-8"), "html.parser")
    title = page.title.get_text(strip=True) if page.title else ""
    language = page.html.get("lang")
    t = fmt.texts(language)
    problems = []
    cover = page.find("header", class_="impact-cover")
    if not title or title == "Notebook" or cover is None or cover.h1 is None:
        problems.append(f"{html_path.name}: no title ({title!r})")
    elif not title.startswith(cover.h1.get_text(" ", strip=True)):
        problems.append(f"{html_path.name}: the title {title!r} is not the cover's")
    reader = PdfReader(pdf_path)
    if reader.metadata is None or reader.metadata.title != title:
        problems.append(f"{pdf_path.name}: PDF title {reader.metadata and reader.metadata.title!r}")
    if reader.metadata is None or not reader.metadata.author:
        problems.append(f"{pdf_path.name}: no author")
    catalogue = reader.trailer["/Root"]
    if catalogue.get("/Lang") != language:
        problems.append(f"{pdf_path.name}: PDF language {catalogue.get('/Lang')!r}")
    if "/StructTreeRoot" not in catalogue or not catalogue["/MarkInfo"].get("/Marked"):
        problems.append(f"{pdf_path.name}: not tagged")
    first = reader.pages[0].extract_text()
    if cover is not None and cover.h1.get_text(" ", strip=True).split()[0] not in first:
        problems.append(f"{pdf_path.name}: page 1 is not the cover")
    if not reader.pages[1].extract_text().strip().startswith(t["print_contents"]):
        problems.append(f"{pdf_path.name}: page 2 is not the contents")
    return problems


@pytest.fixture(scope="module")
def second_programme(tmp_path_factory):
    """Two reports of another programme (its first and last wave, one language each)."""
    out = tmp_path_factory.mktemp("second")
    results = render_all(SECOND_PROGRAMME, out, milestones=["kickoff", "final"])
    assert all(r.ok for r in results), [r.error for r in results]
    return out, results


def _reports(folder: Path) -> list[tuple[Path, Path]]:
    pdfs = sorted(folder.glob("*.pdf"))
    return [(pdf, pdf.with_suffix(".html")) for pdf in pdfs]


def test_every_demo_pdf_keeps_inside_its_margins_and_leaves_no_page_nearly_empty(
    demo_reports,
):
    out, results = demo_reports
    assert len(_reports(out)) == 8
    problems = {pdf.name: layout_problems(pdf) for pdf, _ in _reports(out)}
    assert not any(problems.values()), {k: v for k, v in problems.items() if v}


def test_every_demo_report_has_its_title_language_cover_and_contents(demo_reports):
    out, _ = demo_reports
    problems = [p for pdf, page in _reports(out) for p in document_problems(pdf, page)]
    assert not problems, problems
    german = BeautifulSoup((out / "final_de.html").read_text(encoding="utf-8"), "html.parser")
    assert german.html["lang"] == "de" and german.title.string.startswith("Evaluationsbericht")


def test_a_second_programme_prints_as_well(second_programme):
    out, results = second_programme
    reports = _reports(out)
    assert len(reports) == len(results) >= 4
    problems = [p for pdf, page in reports for p in layout_problems(pdf)]
    problems += [p for pdf, page in reports for p in document_problems(pdf, page)]
    assert not problems, problems


def test_the_layout_check_finds_a_word_past_the_margin_and_a_stranded_page(tmp_path):
    from weasyprint import HTML

    css = (TEMPLATES / "impact_report" / "report.css").read_text(encoding="utf-8")
    page = (
        f"<html lang='en'><head><title>T</title><style>{css}</style></head><body><main>"
        "<p style='white-space: nowrap'>" + "overflowing " * 30 + "</p>"
        "<p style='break-after: page'>alone</p><p>last</p></main></body></html>"
    )
    HTML(string=page).write_pdf(tmp_path / "bad.pdf")
    problems = layout_problems(tmp_path / "bad.pdf")
    assert any("past the margin" in p and "page 1" in p for p in problems), problems
    assert any("page 1 of 2 is nearly empty" in p for p in problems), problems


def test_each_docx_opens_and_holds_every_table_and_figure_of_its_report(demo_reports):
    import docx

    out, results = demo_reports
    assert all(r.docx is not None and r.docx.is_file() for r in results)
    for result in results:
        page = BeautifulSoup(result.html.read_text(encoding="utf-8"), "html.parser")
        document = docx.Document(result.docx)
        tables = page.select("main table")
        assert len(document.tables) == len(tables), result.docx.name
        for html_table, word_table in zip(tables, document.tables, strict=True):
            for subscript in html_table.find_all("sub"):  # d<sub>z</sub> is "dz" in Word
                subscript.unwrap()
            html_table = BeautifulSoup(str(html_table), "html.parser")
            html_rows = [
                [" ".join(c.get_text(" ").split()) for c in row.find_all(["th", "td"])]
                for row in html_table.find_all("tr")
            ]
            word_rows = [[" ".join(c.text.split()) for c in row.cells] for row in word_table.rows]
            assert word_rows == html_rows, result.docx.name
        assert len(document.inline_shapes) == len(page.select("main figure img"))
        headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
        sections = [h.get_text(" ", strip=True) for h in page.select("main > h2, main h2")]
        assert [h for h in sections if h in headings] == [
            h for h in sections if h != fmt.texts(result.language)["print_contents"]
        ], result.docx.name
        assert document.core_properties.title == page.title.string
        assert document.core_properties.language == result.language


def test_the_index_lists_every_reports_docx(demo_reports):
    out, results = demo_reports
    index = (out / "index.html").read_text(encoding="utf-8")
    assert all(f"href='{r.docx.name}'>DOCX</a>" in index for r in results)
