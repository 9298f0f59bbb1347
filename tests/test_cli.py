import pytest
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


def test_a_missing_survey_file_is_a_clear_error_with_exit_code_3(tmp_path):
    result = runner.invoke(app, ["check", str(tmp_path / "nope.yml")])
    assert result.exit_code == 3
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


def test_python_m_impact_and_version(tmp_path):
    import subprocess
    import sys

    import impact

    run = subprocess.run(
        [sys.executable, "-m", "impact", "--version"], capture_output=True, text=True, cwd=tmp_path
    )
    assert run.returncode == 0 and run.stdout.strip() == f"impact {impact.__version__}"
    run = subprocess.run(
        [sys.executable, "-m", "impact", "--help"], capture_output=True, text=True, cwd=tmp_path
    )
    assert run.returncode == 0 and "analyse" in run.stdout and "Exit codes" in run.stdout
    assert "--install-completion" in runner.invoke(app, ["--help"]).output


def test_exit_codes_tell_usage_from_bad_data_from_failed_output(demo_copy, tmp_path):
    usage = runner.invoke(app, ["analyse", str(DEMO_SURVEY), "--until", "milestone-9"])
    assert usage.exit_code == 2 and "no wave 'milestone-9'" in usage.output
    assert runner.invoke(app, ["analyse", str(DEMO_SURVEY), "--format", "xml"]).exit_code == 2
    (demo_copy.parent / "registry.csv").unlink()
    bad = runner.invoke(app, ["check", str(demo_copy)])
    assert bad.exit_code == 3 and "registry.csv" in bad.output


def test_analyse_csv_has_every_column_of_the_change_table(demo):
    import io

    import pandas as pd

    result = runner.invoke(app, ["analyse", str(DEMO_SURVEY), "--format", "csv"])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(io.StringIO(result.output))
    expected = demo.change()
    assert list(table.columns) == list(expected.columns)
    assert len(table) == len(expected)
    assert table["d_z"].to_numpy() == pytest.approx(expected["d_z"].to_numpy())


def test_analyse_table_keeps_every_column_off_a_terminal():
    result = runner.invoke(app, ["analyse", str(DEMO_SURVEY)])
    header = next(line for line in result.output.splitlines() if "scale" in line)
    cells = [cell.strip() for cell in header.strip("┃").split("┃")]
    assert cells == [
        "scale",
        "wave",
        "n",
        "mean_pre",
        "mean_post",
        "mean_diff",
        "ci_low",
        "ci_high",
        "t",
        "df",
        "p_value",
        "d_z",
    ]
    assert max(len(line) for line in result.output.splitlines()) > 80


def test_check_json_holds_every_table_and_the_report_plans(demo):
    import json

    result = runner.invoke(app, ["check", str(DEMO_SURVEY), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) >= {"accounting", "cleaning_decisions", "keys_to_review", "reports"}
    accounting = demo.accounting()
    assert [row["raw_rows"] for row in data["accounting"]] == accounting["raw_rows"].tolist()
    assert [r["milestone"] for r in data["reports"]] == demo.survey.wave_ids
    csv = runner.invoke(app, ["check", str(DEMO_SURVEY), "--format", "csv"])
    assert csv.output.splitlines()[0].startswith("wave,file,format,raw_rows,kept,excluded")


def test_progress_is_shown_on_a_terminal_only(monkeypatch):
    import io

    from rich.console import Console

    import impact.cli

    quiet = runner.invoke(app, ["check", str(DEMO_SURVEY), "--format", "csv"])
    assert "reading and cleaning" not in quiet.output and "━" not in quiet.output
    terminal = io.StringIO()
    monkeypatch.setattr(impact.cli, "errors", Console(file=terminal, force_terminal=True))
    assert runner.invoke(app, ["check", str(DEMO_SURVEY), "--format", "csv"]).exit_code == 0
    assert "reading and cleaning the exports" in terminal.getvalue()


def test_the_version_is_the_distributions():
    from importlib.metadata import metadata

    import impact

    assert metadata("impact-evaluation")["Version"] == impact.__version__
