"""End to end: the demo's raw exports → every milestone report, in German and English."""

import csv
import html
import json
import re

import docx
import nbformat
import pandas as pd
import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from impact import fmt
from impact.cli import app
from impact.definitions import SHIPPED_INSTRUMENTS
from impact.demo import DEMO_SURVEY
from impact.errors import DefinitionError, ReportError
from impact.report import check_parameters, export_html

SCRIPT = "<script>alert('x')</script>"


@pytest.fixture(scope="module")
def rendered(demo_reports):
    return demo_reports


def test_every_milestone_renders_in_both_languages(rendered):
    out, results = rendered
    assert [r.ok for r in results] == [True] * 8, [r.error for r in results]
    names = sorted(p.name for p in out.glob("*.html"))
    assert len(names) == 9 and "index.html" in names
    assert len(list(out.glob("*.pdf"))) == 8 and len(list(out.glob("*.results.json"))) == 8
    assert len(list(out.glob("*.docx"))) == 8
    index = (out / "index.html").read_text(encoding="utf-8")
    assert all(
        f"href='{r.html.name}'" in index
        and f"href='{r.pdf.name}'" in index
        and f"href='{r.docx.name}'" in index
        for r in results
    )
    assert not list(out.glob(".*")), "no temporary files left behind"


def test_index_lists_each_languages_reports_with_dates_and_headlines(rendered):
    out, _ = rendered
    index = (out / "index.html").read_text(encoding="utf-8")
    tables = re.findall(r"<section lang='(\w+)'>(.*?)</section>", index)
    assert [language for language, _ in tables] == ["de", "en"]
    for language, table in tables:
        rows = re.findall(r"<tr><td>(.*?)</tr>", table)
        assert len(rows) == 4
        milestones = ("kickoff", "milestone-1", "milestone-2", "final")
        for milestone, row in zip(milestones, rows, strict=True):
            results = json.loads((out / f"{milestone}_{language}.results.json").read_text())
            assert html.escape(results["executive_summary"]["headline"]) in row
            assert f"href='{milestone}_{language}.results.json'" in row
            assert results["labels"]["wave"] in row
    assert "<th scope='col'>Das Wichtigste</th>" in tables[0][1]
    assert "<th scope='col'>Headline</th>" in tables[1][1]


def test_pdfs_are_real_reports_in_their_language(rendered):
    out, _ = rendered
    german = "".join(page.extract_text() for page in PdfReader(out / "final_de.pdf").pages)
    english = "".join(page.extract_text() for page in PdfReader(out / "kickoff_en.pdf").pages)
    assert "Abschlussbericht" in german and "Glossar" in german
    assert re.search(r"t\(\d+\) = \d+,\d\d", german)
    assert "Wirkungsbericht" not in german  # the change is not attributed to the programme
    assert "Baseline report" in english and "Universit" in english
    assert len(PdfReader(out / "final_de.pdf").pages) >= 3


def test_the_main_body_fits_twelve_pages_with_the_full_tables_in_an_appendix(rendered):
    out, results = rendered
    for result in results:
        t = fmt.texts(result.language)
        pages = [page.extract_text() for page in PdfReader(result.pdf).pages]
        first = next(i for i, text in enumerate(pages) if i > 1 and t["section_executive"] in text)
        appendix = [t["print_tables_appendix"], t["section_appendix"]]
        last = next(
            i for i, text in enumerate(pages) if i > first and any(a in text for a in appendix)
        )
        # the statistical sentences are in the appendix: the body is for reading
        assert last - first + 1 <= 12, (result.pdf.name, first, last)
        html = result.html.read_text(encoding="utf-8")
        if result.milestone != "kickoff":  # the change table is too wide for the body
            body, _, appendix_part = html.partition(f">{t['print_tables_appendix']}</h2>")
            assert t["print_see_table"] in body and 'id="table-a1"' in appendix_part


def test_reports_are_self_contained_and_have_no_code(rendered):
    out, _ = rendered
    for page in out.glob("*_*.html"):
        text = page.read_text(encoding="utf-8")
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", text), page.name
        assert "<script src" not in text
        assert "load_programme" not in text and "import " not in text, "no code in the report"
        assert re.search(r"<img[^>]+src=\"data:image/png;base64,", text), "figures are embedded"
        assert "<script" not in text, "no scripts at all"
        images = re.findall(r"<img[^>]*>", text)
        assert images and all(re.search(r'alt="[^"]{20,}"', img) for img in images), page.name
        assert text.count("<figcaption>") == len(images)


def test_reports_show_real_content_in_their_language(rendered):
    out, _ = rendered
    final_de = (out / "final_de.html").read_text(encoding="utf-8")
    final_en = (out / "final_en.html").read_text(encoding="utf-8")
    assert "Abschlussbericht" in final_de and "Veränderung seit dem Auftakt" in final_de
    assert "Final report" in final_en and "Change since the kick-off" in final_en
    assert re.search(r"t\(\d+\) = \d+,\d\d", final_de), "German APA numbers use a decimal comma"
    assert "synthetic demo cohort" in final_en
    kickoff = (out / "kickoff_en.html").read_text(encoding="utf-8")
    assert "Baseline report" in kickoff and "Change since the kick-off" not in kickoff
    order = ["At a glance", "Key figures", "Figures", "Methods", "Limitations", "Appendix"]
    order.append("Glossary")
    positions = [re.search(f"<h2[^>]*>{heading}", final_en).start() for heading in order]
    assert positions == sorted(positions), "sections in the funder order"
    # two Moshi participants: "by site" is no breakdown, so Moshi is named nowhere
    assert "Universität" in final_de and "Moshi (Tansania)" not in final_de


def test_results_json_carries_the_reported_numbers(rendered, demo):
    out, _ = rendered
    results = json.loads((out / "final_en.results.json").read_text(encoding="utf-8"))
    change = pd.DataFrame(results["change"])
    who5 = change[(change["scale"] == "who5") & (change["wave"] == "final")].iloc[0]
    expected = demo.change().query("scale == 'who5' and wave == 'final'").iloc[0]
    assert who5["mean_diff"] == pytest.approx(expected["mean_diff"])
    html = (out / "final_en.html").read_text(encoding="utf-8")
    assert f"+{expected['mean_diff']:.1f}" in html


def test_no_participant_key_name_or_email_in_any_output(rendered):
    out, _ = rendered
    registry = pd.read_csv(DEMO_SURVEY.parent / "registry.csv", dtype=str)
    secrets = set(registry["code"]) | set(registry["email"]) | set(registry["last_name"])
    # a surname that is also an author the references cite (Roth in Glaesmer et al., 2011)
    # is printed as that author; the definitions and texts it comes from are public
    public = [
        *SHIPPED_INSTRUMENTS.glob("*.yml"),
        *(SHIPPED_INSTRUMENTS.parent / "locales").glob("*.yml"),
    ]
    cited = " ".join(p.read_text(encoding="utf-8") for p in public)
    secrets = {s for s in secrets if not re.search(rf"\b{re.escape(s)}\b", cited)}
    assert len(secrets) > 100  # the codes, e-mails and nearly every name are still checked
    for path in [*out.glob("*.html"), *out.glob("*.json"), *out.glob("*.pdf"), *out.glob("*.docx")]:
        if path.suffix == ".pdf":
            text = "".join(page.extract_text() for page in PdfReader(path).pages)
        elif path.suffix == ".docx":
            document = docx.Document(path)
            cells = [c.text for table in document.tables for row in table.rows for c in row.cells]
            text = "\n".join([p.text for p in document.paragraphs] + cells)
        else:
            text = path.read_text(encoding="utf-8")
        leaked = {s for s in secrets if re.search(rf"\b{re.escape(s)}\b", text)}
        assert not leaked, f"{path.name} leaks {sorted(leaked)[:3]}"


def test_unknown_milestone_or_language_fails_before_a_kernel_starts():
    with pytest.raises(DefinitionError, match="did you mean 'milestone-2'"):
        check_parameters(DEMO_SURVEY, "milestone-3", "de")
    with pytest.raises(ReportError, match="language 'fr' is not offered"):
        check_parameters(DEMO_SURVEY, "final", "fr")


@pytest.fixture
def broken_demo(demo_copy):
    """The demo with no kept response at milestone 2 and a script in a registry value."""
    folder = demo_copy.parent
    export = folder / "raw" / "milestone-2.csv"  # a Qualtrics export: three header rows
    with export.open(newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    finished, progress = rows[0].index("Finished"), rows[0].index("Progress")
    for row in rows[3:]:  # every submission abandoned early: all excluded by the policy
        row[finished], row[progress] = "0", "10"
    with export.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    registry = pd.read_csv(folder / "registry.csv", dtype=str)
    registry.loc[registry["sector"] == "university", "sector"] = SCRIPT
    registry.to_csv(folder / "registry.csv", index=False)
    return demo_copy


def test_a_failing_report_is_named_leaves_nothing_and_spares_the_others(broken_demo, tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app,
        [
            "report",
            str(broken_demo),
            "-m",
            "kickoff",
            "-m",
            "milestone-2",
            "-l",
            "en",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 4, result.output
    output = " ".join(result.output.split())
    assert "milestone-2 (en): report milestone-2_en: milestone 'milestone-2' has no responses" in (
        output
    )
    assert sorted(p.name for p in out.iterdir()) == [
        "index.html",
        "kickoff_en.docx",
        "kickoff_en.html",
        "kickoff_en.pdf",
        "kickoff_en.results.json",
    ], "the failed report left no files, partial or temporary"
    kickoff = (out / "kickoff_en.html").read_text(encoding="utf-8")
    assert SCRIPT not in kickoff
    assert kickoff.count("&lt;script&gt;alert(") == 2  # group table cell, figure alt text
    assert "<script" not in kickoff


def test_each_kind_of_report_shows_its_statistics(rendered):
    out, _ = rendered
    kickoff = (out / "kickoff_en.html").read_text(encoding="utf-8")
    progress = (out / "milestone-1_en.html").read_text(encoding="utf-8")
    final = (out / "final_en.html").read_text(encoding="utf-8")

    def h3(text: str, page: str) -> bool:
        return re.search(f"<h3[^>]*>{re.escape(text)}", page) is not None

    for heading in ("Life evaluation classes", "Collaboration across sectors", "Reliability"):
        assert h3(heading, kickoff), heading
    assert "E–I index of" in kickoff and "thriving" in kickoff
    for heading in ("Partnership quality", "All answers used"):
        assert h3(heading, progress), heading
    for text in ("p (Holm)", "V = "):
        assert text in progress, text
    assert h3("Who stopped answering", progress) and "Design sensitivity" in progress
    for heading in ("Individual change", "Change by group", "Who takes part"):
        assert not h3(heading, progress), heading
    # silo crossing, the partnership's early warning and feedback in every milestone report
    for heading in ("Collaboration across sectors", "Feedback"):
        assert h3(heading, progress), heading
    assert "Early warning" in progress and h3("Who takes part", final)
    for heading in (
        "Individual change",
        "Learning, with a retrospective rating",
        "Collaboration across sectors",
        "Self-reported alignment with the Sustainable Development Goals",
        "Feedback",
        "Change by group",
        "Partnership quality",
    ):
        assert h3(heading, final), heading
    # trajectories, effect sizes, changes against the MIC, reliable change, sector
    # matrices, SDG coverage (no Jacobson–Truax scatter: it draws each person)
    assert final.count("<figure") == 6
    assert h3("Meaningful change", final) and h3("Tandems: do partners change together?", final)
    assert kickoff.count("<figure") == 4  # cohort, WHO-5, SWLS, sector matrix
    german = (out / "final_de.html").read_text(encoding="utf-8")
    assert h3("Individuelle Veränderung", german) and "Antwortverschiebung" in german


def test_final_report_numbers_are_in_results_json(rendered):
    out, _ = rendered
    results = json.loads((out / "final_en.results.json").read_text(encoding="utf-8"))
    html = (out / "final_en.html").read_text(encoding="utf-8")
    change = results["ei_index"]["change"][0]
    assert f"+{change['ei_diff']:.2f}" in html
    competences = [
        r
        for r in results["reliable_change"]
        if r["scale"] == "competences" and r["category"] == "improved"
    ][0]
    assert f"Competences: {competences['n']} of 43 improved" in html
    goals = pd.DataFrame(results["sdg_coverage"])
    assert len(goals) == 17 and f"{goals['answered'].iloc[0]} projects said which" in html
    assert results["feedback"]["comments"] > 0 and results["attrition"]


def test_feedback_is_counted_not_quoted_by_default(rendered, demo):
    out, _ = rendered
    final = (out / "final_en.html").read_text(encoding="utf-8")
    assert "comments are counted by theme but not quoted" in final
    assert "<blockquote" not in final
    comments = [c for c in demo.feedback()["text"] if len(c) > 20]
    assert comments and not any(c[:20] in final for c in comments)


def test_warnings_a_cell_writes_to_stderr_stay_out_of_the_report():
    notebook = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("x = 1")
    cell.outputs = [
        nbformat.v4.new_output(
            "stream",
            name="stderr",
            text="/home/evaluator/impact/reliability.py:102: RuntimeWarning: invalid value\n",
        ),
        nbformat.v4.new_output("display_data", data={"text/html": "<p>Key figures</p>"}),
    ]
    notebook.cells = [cell]
    page = export_html(notebook, "en")
    assert "Key figures" in page
    assert "RuntimeWarning" not in page and "/home/evaluator" not in page
