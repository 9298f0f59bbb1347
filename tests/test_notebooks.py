"""The researcher notebooks run top to bottom on the demo with ``notebooks/`` as their
working folder, as JupyterLab runs them (the report notebook: test_report), and check
their parameters as the command line does."""

import json
from pathlib import Path

import papermill
import pytest
from papermill.exceptions import PapermillExecutionError

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"


def _run(name: str, tmp_path: Path, **parameters) -> dict:
    output = tmp_path / f"{name}.ipynb"
    papermill.execute_notebook(
        str(NOTEBOOKS / f"{name}.ipynb"),
        str(output),
        parameters=parameters,
        kernel_name="python3",
        progress_bar=False,
        cwd=str(NOTEBOOKS),
    )
    return json.loads(output.read_text(encoding="utf-8"))


def _text(notebook: dict) -> str:
    parts = []
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            text = output.get("text") or output.get("data", {}).get("text/plain") or ""
            parts.append("".join(text))
            parts.append("".join(output.get("data", {}).get("text/html", "")))
    return "\n".join(parts)


def test_every_notebook_is_tested():
    tested = {"cohort_explorer", "psychometrics", "custom_analysis"}
    assert {p.stem for p in NOTEBOOKS.glob("*.ipynb")} == tested


def test_cohort_explorer_accounts_for_every_row(tmp_path):
    # A path from the project, as the docs write it, is found from notebooks/.
    text = _text(_run("cohort_explorer", tmp_path, survey="impact/demo_programme/survey.yml"))
    assert "raw_rows" in text and "missing_code" in text and "key_typo_matched" in text


def test_psychometrics_matches_the_reliability_api(tmp_path, demo):
    text = _text(_run("psychometrics", tmp_path, instrument="swls", wave="final"))
    expected = demo.reliability().query("scale == 'swls' and wave == 'final'").iloc[0]
    assert f"{expected['alpha']:.3f}" in text
    assert "parallel analysis suggests" in text


@pytest.mark.parametrize("language", ["de"])
def test_custom_analysis_adds_a_section_to_a_rendered_report(tmp_path, language):
    out = tmp_path / "reports"
    _run("custom_analysis", tmp_path, language=language, output_dir=str(out))
    page = (out / f"final_{language}.html").read_text(encoding="utf-8")
    assert "Change by group" in page


def _error(name: str, tmp_path: Path, **parameters) -> str:
    with pytest.raises(PapermillExecutionError) as raised:
        _run(name, tmp_path, **parameters)
    return f"{raised.value.ename}: {raised.value.evalue}"


@pytest.mark.parametrize(
    ("name", "parameters", "expected"),
    [
        ("psychometrics", {"wave": "kickof"}, "no wave 'kickof' (did you mean 'kickoff'?)"),
        (
            "psychometrics",
            {"instrument": "WHO5"},
            "the programme has no instrument 'WHO5' (did you mean 'who5'?)",
        ),
        (
            "psychometrics",
            {"instrument": "partnership", "wave": "kickoff"},
            "instrument 'partnership' at wave 'kickoff': 0 participants answered",
        ),
        ("cohort_explorer", {"survey": "surveys/dmo/survey.yml"}, "the definition file does not"),
        (
            "custom_analysis",
            {"milestone": "Final"},
            "there is no milestone 'Final' (did you mean 'final'?)",
        ),
        ("custom_analysis", {"language": "fr"}, "language 'fr' is not offered"),
        ("custom_analysis", {"breakdown": "rol"}, "did you mean 'role'?"),
    ],
)
def test_notebooks_check_their_parameters_as_the_command_line_does(
    tmp_path, name, parameters, expected
):
    message = _error(name, tmp_path, **parameters)
    assert expected in message, message
    assert "DefinitionError" in message or "ReportError" in message or "ImpactError" in message


def test_the_report_notebook_runs_with_its_defaults_anywhere_and_writes_to_a_temporary_folder(
    tmp_path, monkeypatch
):
    """Opened from the package and run as it is, in a folder of no meaning to it: it
    renders the demo's final report and leaves rendered reports alone."""
    from impact.report import REPORT_NOTEBOOK

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    before = {p: p.stat().st_mtime_ns for p in ROOT.glob("reports/**/*") if p.is_file()}
    output = tmp_path / "report.ipynb"
    papermill.execute_notebook(
        str(REPORT_NOTEBOOK),
        str(output),
        kernel_name="python3",
        progress_bar=False,
        cwd=str(elsewhere),
    )
    text = _text(json.loads(output.read_text(encoding="utf-8")))
    assert "<h2" in text
    after = {p: p.stat().st_mtime_ns for p in ROOT.glob("reports/**/*") if p.is_file()}
    assert after == before and not any(elsewhere.iterdir())


def test_the_report_notebook_checks_its_milestone(tmp_path):
    from impact.report import REPORT_NOTEBOOK

    with pytest.raises(PapermillExecutionError, match=r"did you mean 'final'\?"):
        papermill.execute_notebook(
            str(REPORT_NOTEBOOK),
            str(tmp_path / "report.ipynb"),
            kernel_name="python3",
            progress_bar=False,
            cwd=str(tmp_path),
            parameters={"milestone": "Final"},
        )
