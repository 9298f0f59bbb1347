"""What a researcher following only the docs does: a new instrument and a new programme.

Follows docs/researcher-guide.md ("Add an instrument", "Add a programme"): scaffold with the
CLI, write the instrument definition, map the export columns in survey.yml, copy the
exports and the registry, check, render. No Python in ``impact/`` is touched.
"""

import shutil
from pathlib import Path

import yaml
from typer.testing import CliRunner

from impact.cli import app

FIXTURES = Path(__file__).parent / "fixtures" / "city_lab"
runner = CliRunner()


def test_new_instrument_and_programme_render_their_reports(tmp_path):
    surveys = tmp_path / "surveys"
    result = runner.invoke(app, ["new-programme", "city-lab", "--root", str(surveys), "-i", "who5"])
    assert result.exit_code == 0, result.output
    programme = surveys / "city-lab"
    result = runner.invoke(
        app, ["new-instrument", "whoqol_physical", "--root", str(programme / "instruments")]
    )
    assert result.exit_code == 0, result.output
    shutil.copy(FIXTURES / "whoqol_physical.yml", programme / "instruments" / "whoqol_physical.yml")

    survey_path = programme / "survey.yml"
    survey = yaml.safe_load(survey_path.read_text(encoding="utf-8"))
    survey["programme"]["name"] = {"de": "Stadtlabor Gießen", "en": "City Lab Giessen"}
    survey["instruments"] = ["who5", "whoqol_physical"]
    mapping = {f"WHO5_{i:02d}": f"who5.i{i}" for i in range(1, 6)}
    mapping |= {
        f"WQ_{n:02d}": f"whoqol_physical.{item}"
        for n, item in enumerate(["q3", "q4", "q10", "q15", "q16", "q17", "q18"], start=1)
    }
    survey["mappings"] = {"main": mapping}
    survey_path.write_text(yaml.safe_dump(survey, allow_unicode=True), encoding="utf-8")
    shutil.copy(FIXTURES / "registry.csv", programme / "registry.csv")
    shutil.copytree(FIXTURES / "raw", programme / "raw", dirs_exist_ok=True)

    result = runner.invoke(app, ["check", str(survey_path)])
    assert result.exit_code == 0, result.output
    out = tmp_path / "reports"
    result = runner.invoke(app, ["report", str(survey_path), "--all", "--out", str(out)])
    assert result.exit_code == 0, result.output
    pages = sorted(p.name for p in out.glob("*_*.html"))
    assert pages == [
        f"{w}_{lang}.html" for w in ["final", "kickoff", "milestone-1"] for lang in ("de", "en")
    ]
    final = (out / "final_en.html").read_text(encoding="utf-8")
    assert "City Lab Giessen" in final and "Physical health" in final
    assert "p0@example.org" not in final and "Person 0" not in final
