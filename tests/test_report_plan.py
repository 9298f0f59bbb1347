"""The report plan is one ordered list of sections, read by the report and by results.json.

Each section says which kinds of report it belongs to, what it needs of the programme,
what it shows and what it writes to ``results.json``; the report notebook's kernel only
shows the content prepared from that plan, so it loads no data library.
"""

from __future__ import annotations

import dataclasses
import json
import re

import nbformat
import pytest

from impact import fmt, sections
from impact.demo import DEMO_SURVEY
from impact.errors import ReportError
from impact.report import REPORT_NOTEBOOK, render
from impact.sections import outline

MILESTONES = ["kickoff", "milestone-1", "final"]


def _headings(blocks: list[str]) -> list[str]:
    return re.findall(r"<h[23][^>]*>(.*?)</h[23]>", "".join(blocks))


@pytest.mark.parametrize("milestone", MILESTONES)
def test_the_report_shows_the_included_sections_in_the_plans_order(demo, milestone):
    parts = sections.report_parts(demo, milestone, "en")
    shown = _headings(parts)
    positions = []
    for section_id in sections.included_sections(demo, milestone):
        blocks = sections.section(section_id).show(demo, milestone, "en")
        if not blocks:  # a section with nothing to show at this milestone (no classes …)
            continue
        first = _headings(blocks)[0] if _headings(blocks) else None
        if first is None:  # the executive summary's own markup
            assert blocks[0] in parts
            continue
        positions.append(shown.index(first, positions[-1] if positions else 0))
    assert positions == sorted(positions) and len(positions) >= 8
    left_out = set(sections.report_plan(demo, milestone).query("~included")["section"])
    titles = {fmt.text(s.title, "en") for s in sections.SECTIONS if s.id in left_out and s.title}
    titles -= {fmt.text(s.title, "en") for s in sections.SECTIONS if s.id not in left_out}
    assert not titles & set(shown), "a section left out of the plan is shown"


@pytest.mark.parametrize("milestone", MILESTONES)
def test_results_json_has_the_keys_of_exactly_the_included_sections(demo, milestone):
    document = sections.results(demo, milestone, "en")
    included = set(sections.included_sections(demo, milestone))
    for section in sections.SECTIONS:
        if section.results is None:
            continue
        keys = section.results(demo, milestone, "en")
        if section.id in included:
            assert keys and all(document[key] == value for key, value in keys.items())
        else:
            assert not set(keys) & set(document), section.id


def test_every_section_of_the_plan_shows_something_and_belongs_to_some_kind():
    for section in sections.SECTIONS:
        assert section.show is not None and section.kinds, section.id
        assert section.kinds <= {"kickoff", "progress", "final"}


def _failing(section_id: str, monkeypatch) -> None:
    def boom(programme, milestone, language):
        raise RuntimeError("boom")

    failing = dataclasses.replace(sections.section(section_id), show=boom)
    monkeypatch.setitem(outline._BY_ID, section_id, failing)


def test_a_section_that_fails_is_named_with_its_report(demo, monkeypatch):
    _failing("network", monkeypatch)
    with pytest.raises(ReportError) as raised:
        sections.report_parts(demo, "final", "de")
    assert str(raised.value) == "report final_de, section 'network': RuntimeError: boom"
    assert raised.value.section == "network"


def test_a_failing_section_stops_the_report_before_a_kernel_starts(demo, monkeypatch, tmp_path):
    _failing("change", monkeypatch)

    def no_kernel(*args, **kwargs):
        raise AssertionError("a kernel was started")

    monkeypatch.setattr("papermill.execute_notebook", no_kernel)
    out = tmp_path / "reports"
    with pytest.raises(ReportError, match=r"^report final_en, section 'change': RuntimeError"):
        render(demo, "final", "en", out, pdf=False)
    assert list(out.iterdir()) == [], "nothing of the report, no scratch folder"


def test_the_report_kernel_loads_no_data_statistics_or_plotting_library(tmp_path):
    """The kernel shows what the command prepared: none of the heavy libraries load."""
    listing = tmp_path / "modules.json"
    notebook = nbformat.read(REPORT_NOTEBOOK, as_version=4)
    notebook.cells.append(
        nbformat.v4.new_code_cell(
            "import sys\n"
            "heavy = {'pandas', 'numpy', 'scipy', 'matplotlib', 'seaborn', 'statsmodels',\n"
            "         'impact'}\n"
            f"_ = Path({str(listing)!r}).write_text(json.dumps(sorted(\n"
            "    m for m in sys.modules if m.split('.')[0] in heavy)))"
        )
    )
    copy = tmp_path / "report.ipynb"
    nbformat.write(notebook, copy)
    result = render(DEMO_SURVEY, "kickoff", "en", tmp_path / "reports", notebook=copy, pdf=False)
    assert json.loads(listing.read_text()) == []
    page = result.html.read_text(encoding="utf-8")
    assert ">Key figures</h2>" in page and "<figure" in page


def test_a_cell_that_fails_in_a_copy_of_the_notebook_is_named(tmp_path):
    notebook = nbformat.read(REPORT_NOTEBOOK, as_version=4)
    failing = nbformat.v4.new_code_cell("raise LookupError('no such table')")
    failing.metadata["tags"] = ["mine"]
    notebook.cells.insert(4, failing)
    copy = tmp_path / "report.ipynb"
    nbformat.write(notebook, copy)
    with pytest.raises(ReportError) as raised:
        render(DEMO_SURVEY, "kickoff", "de", tmp_path / "reports", notebook=copy, pdf=False)
    assert str(raised.value).startswith("report kickoff_de, cell 5 [mine]")
    assert str(raised.value).endswith("LookupError: no such table")
    assert not any(p.suffix == ".html" for p in (tmp_path / "reports").iterdir())
