from typer.testing import CliRunner

from impact.cli import app
from impact.demo import DEMO_SURVEY

runner = CliRunner()


def test_check_prints_the_row_accounting():
    result = runner.invoke(app, ["check", str(DEMO_SURVEY)])
    assert result.exit_code == 0, result.output
    assert "Raw rows = kept + excluded" in result.output
    assert "milestone-2" in result.output and "excluded:duplicate" in result.output


def test_analyse_prints_change(tmp_path):
    result = runner.invoke(app, ["analyse", str(DEMO_SURVEY), "--until", "milestone-1"])
    assert result.exit_code == 0, result.output
    assert "who5" in result.output and "final" not in result.output.split("Change")[1]


def test_import_writes_clean_data(tmp_path):
    result = runner.invoke(app, ["import", str(DEMO_SURVEY), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert {p.name for p in tmp_path.iterdir()} == {
        "responses.csv",
        "scores.csv",
        "cleaning_log.csv",
        "provenance.csv",
    }


def test_a_missing_survey_file_is_a_clear_error_with_exit_code_2(tmp_path):
    result = runner.invoke(app, ["check", str(tmp_path / "nope.yml")])
    assert result.exit_code == 2
    assert "does not exist" in result.output and "Traceback" not in result.output


def test_report_rejects_an_unknown_milestone_without_rendering(tmp_path):
    result = runner.invoke(
        app, ["report", str(DEMO_SURVEY), "-m", "milestone-9", "--out", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert "milestone-9" in result.output
    assert not list(tmp_path.iterdir())


def test_every_verb_has_help():
    for verb in ["check", "import", "analyse", "report", "demo"]:
        result = runner.invoke(app, [verb, "--help"])
        assert result.exit_code == 0 and "Usage" in result.output
