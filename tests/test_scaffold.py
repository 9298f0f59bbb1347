import pytest
import yaml
from typer.testing import CliRunner

from impact.cli import app
from impact.definitions import load_instrument, load_survey
from impact.errors import DefinitionError
from impact.scaffold import new_instrument, new_programme, shipped_instruments

runner = CliRunner()


def test_new_programme_is_a_valid_commented_definition(tmp_path):
    path = new_programme("youth-lab", root=tmp_path)
    survey, instruments = load_survey(path)
    assert survey.wave_ids == ["kickoff", "milestone-1", "final"]
    assert set(instruments) <= set(shipped_instruments())
    text = path.read_text(encoding="utf-8")
    assert text.count("\n#") >= 5, "the file explains itself in comments"
    mapped = {spec.target.instrument for spec in survey.mappings["main"].columns.values()}
    assert mapped == set(survey.instruments)


def test_new_programme_refuses_to_overwrite(tmp_path):
    new_programme("youth-lab", root=tmp_path)
    with pytest.raises(DefinitionError, match="exists already"):
        new_programme("youth-lab", root=tmp_path)


def test_new_programme_names_an_unknown_instrument(tmp_path):
    with pytest.raises(DefinitionError, match="no shipped instrument 'who6'"):
        new_programme("x", root=tmp_path, instruments=["who6"])


def test_new_instrument_loads_and_keeps_its_comments(tmp_path):
    path = new_instrument("team_climate", root=tmp_path)
    instrument = load_instrument(path)
    assert instrument.reverse_items == ["i3"]
    assert "# What the licence allows" in path.read_text(encoding="utf-8")


def test_a_typo_in_an_edited_definition_names_line_and_nearest_key(tmp_path):
    path = new_instrument("team_climate", root=tmp_path)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    text = path.read_text(encoding="utf-8").replace("  min_items: 2", "  min_item: 2")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DefinitionError) as caught:
        load_instrument(path)
    assert "scoring.min_item" in str(caught.value) and "did you mean 'min_items'" in str(
        caught.value
    )
    assert text.splitlines()[caught.value.line - 1].strip().startswith("min_item:")
    assert data["scoring"]["min_items"] == 2


def test_cli_scaffolds_both(tmp_path):
    result = runner.invoke(
        app, ["new-programme", "city-lab", "--root", str(tmp_path), "-i", "who5"]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "city-lab" / "survey.yml").exists()
    result = runner.invoke(
        app, ["new-instrument", "wellbeing_x", "--root", str(tmp_path / "city-lab" / "instruments")]
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["new-programme", "City Lab", "--root", str(tmp_path)])
    assert result.exit_code == 2 and "not a valid programme id" in result.output
