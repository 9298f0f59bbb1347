"""The researcher notebooks run top to bottom on the demo (the report notebook: test_report)."""

import json
from pathlib import Path

import papermill
import pytest

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
        cwd=str(ROOT),
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
    text = _text(_run("cohort_explorer", tmp_path))
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
