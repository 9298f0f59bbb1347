"""Bad input, one test per case: a one-line error naming the file (and row and column where
there is one), exit code 2 from the CLI, no traceback, and nothing written."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from impact.cli import app

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "tools"
runner = CliRunner()


@pytest.fixture
def programme(tmp_path: Path) -> Path:
    """A writable copy of the fixture programme; returns its survey.yml."""
    target = tmp_path / "programme"
    shutil.copytree(FIXTURES, target, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return target / "survey.yml"


def _edit_text(path: Path, edit, encoding: str = "cp1252") -> None:
    path.write_bytes(edit(path.read_bytes().decode(encoding)).encode(encoding))


def _fails(survey: Path, *fragments: str) -> str:
    out = survey.parent / "out"
    result = runner.invoke(app, ["import", str(survey), "--out", str(out), "--export", "sav"])
    assert result.exit_code == 3, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert lines[0].startswith("error: ") and "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    assert not out.exists(), "nothing may be written when the input is bad"
    return lines[0]


def test_empty_file(programme):
    (programme.parent / "office.csv").write_bytes(b"")
    _fails(programme, "office.csv", "the export file is empty")


def test_header_only(programme):
    _edit_text(programme.parent / "office.csv", lambda t: t.splitlines(keepends=True)[0])
    _fails(programme, "office.csv", "header but no data rows")


def test_truncated_last_line(programme):
    office = programme.parent / "office.csv"
    office.write_bytes(office.read_bytes()[:-40])
    _fails(programme, "office.csv", "row 6", "truncated")


def test_wrong_delimiter(programme):
    _edit_text(
        programme,
        lambda t: t.replace(
            "format: csv, mapping: office", "format: csv, delimiter: ',', mapping: office"
        ),
        "utf-8",
    )
    _fails(programme, "office.csv", "single column when split by ','", "delimiter is wrong")


def test_undecodable_bytes(programme):
    qualtrics = programme.parent / "qualtrics.csv"
    data = qualtrics.read_bytes()
    cut = data.index(b"HA06BU")
    qualtrics.write_bytes(data[:cut] + b"HA\xff06BU" + data[cut + 6 :])
    _fails(programme, "qualtrics.csv", "cannot decode byte 0xff", "line 8")


def test_duplicated_column_names(programme):
    _edit_text(programme.parent / "office.csv", lambda t: t.replace("Datum;", "Kompetenz_2;", 1))
    _fails(programme, "office.csv", "column 'Kompetenz_2'", "repeats column", "positions 2 and")


def test_mapped_column_missing_from_the_export(programme):
    _edit_text(
        programme.parent / "office.csv", lambda t: t.replace("Kompetenz_3;", "Kompetenz3;", 1)
    )
    _fails(programme, "office.csv", "column 'Kompetenz_3'", "did you mean 'Kompetenz3'")


def test_text_in_a_numeric_item_without_a_label(programme):
    _edit_text(
        programme.parent / "office.csv",
        lambda t: t.replace("CL27ST;28.11.2024;5,0", "CL27ST;28.11.2024;sehr gut"),
    )
    _fails(programme, "office.csv", "column 'Wohlbefinden_1'", "row 3", "'sehr gut'")


def test_a_wave_whose_keys_match_nobody(programme):
    def edit(text: str) -> str:
        for number, code in enumerate(["AN12KL", "BE03MU", "CL27ST", "DA09RO", "FE21HA", "GR30PE"]):
            text = text.replace(code, f"P{number:05d}")
        return text

    _edit_text(programme.parent / "office.csv", edit)
    _fails(programme, "office.csv", "column 'Teilnehmer-Code'", "none of the keys", "P00000")


def test_a_registry_with_duplicate_keys(programme):
    _edit_text(programme.parent / "registry.csv", lambda t: t.replace("HA06BU", "an12kl"), "utf-8")
    _fails(programme, "registry.csv", "column 'code'", "row 1", "more than once")


def test_an_unknown_format_name(programme):
    _edit_text(
        programme,
        lambda t: t.replace("format: csv, mapping: office", "format: spss, mapping: office"),
        "utf-8",
    )
    _fails(programme, "survey.yml", "waves.5.files.0.format", "'sav'")


def test_a_survey_definition_pointing_to_a_missing_file(programme):
    _edit_text(programme, lambda t: t.replace("path: office.csv", "path: offfice.csv"), "utf-8")
    _fails(programme, "offfice.csv", "does not exist", "did you mean 'office.csv'")
