from pathlib import Path

import pandas as pd
import pyreadstat
import pytest
from typer.testing import CliRunner

from impact.cli import app
from impact.demo import DEMO_SURVEY
from impact.errors import InputError
from impact.export import export, wide
from impact.pipeline import load_programme

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "tools"
runner = CliRunner()


@pytest.fixture(scope="module")
def programme():
    return load_programme(FIXTURES / "survey.yml")


def test_wide_has_one_row_per_kept_participant_and_wave(programme):
    table = wide(programme.cleaned, programme.instruments)
    kept = programme.cleaned.submissions.query("status == 'kept'")
    assert len(table) == len(kept[["participant", "wave"]].drop_duplicates())
    assert not table.duplicated(["participant", "wave"]).any()
    assert table["wave"].cat.ordered
    assert list(table.columns[-6:]) == [f"competences_c{i}_then" for i in range(1, 7)]
    r = programme.responses
    for _, row in r.sample(40, random_state=1).iterrows():
        column = f"{row['instrument']}_{row['item']}" + ("_then" if row["frame"] == "then" else "")
        cell = table.loc[
            (table["participant"] == row["participant"]) & (table["wave"] == row["wave"]), column
        ].iloc[0]
        assert (pd.isna(cell) and pd.isna(row["value"])) or cell == row["value"]


def test_csv_parquet_and_sav_hold_the_same_data(programme, tmp_path):
    written = export(
        programme.cleaned,
        programme.instruments,
        tmp_path,
        formats=["csv", "parquet", "sav"],
        language="de",
    )
    assert [p.name for p in written] == ["cleaned.csv", "cleaned.parquet", "cleaned.sav"]
    assert not list(tmp_path.glob(".*.tmp"))
    table = wide(programme.cleaned, programme.instruments)
    csv = pd.read_csv(tmp_path / "cleaned.csv")
    parquet = pd.read_parquet(tmp_path / "cleaned.parquet")
    sav, meta = pyreadstat.read_sav(tmp_path / "cleaned.sav")
    for other in (csv, parquet, sav):
        assert len(other) == len(table)
        pd.testing.assert_series_equal(
            other["who5_i1"].astype(float), table["who5_i1"], check_names=False
        )
    assert list(parquet["wave"].cat.categories) == list(table["wave"].cat.categories)
    assert parquet["wave"].cat.ordered
    assert meta.variable_value_labels["wave"][1.0] == "kickoff"
    assert sav["wave"].map(meta.variable_value_labels["wave"]).tolist() == (
        table["wave"].astype(str).tolist()
    )
    assert meta.variable_value_labels["who5_i1"][5.0] == "Die ganze Zeit"
    # c5 is reverse-keyed: the recoded 5 is what was answered as "trifft gar nicht zu".
    assert meta.variable_value_labels["competences_c5"][5.0] == "trifft gar nicht zu"
    assert "Kompetenzen" in meta.column_names_to_labels["competences_c5"]
    assert "[then]" in meta.column_names_to_labels["competences_c1_then"]


def test_sav_measurement_levels_follow_the_instruments_kinds(demo, tmp_path):
    export(demo.cleaned, demo.instruments, tmp_path, formats=["sav"])
    _, meta = pyreadstat.read_sav(tmp_path / "cleaned.sav", metadataonly=True)
    expected = {"scale": "scale", "counts": "scale", "multiselect": "nominal"}
    seen = set()
    for instrument_id, instrument in demo.instruments.items():
        for item in instrument.items:
            name = f"{instrument_id}_{item.id}"
            if name in meta.variable_measure and instrument.kind in expected:
                assert meta.variable_measure[name] == expected[instrument.kind], name
                seen.add(instrument.kind)
    # counts of 0–11 people are scale, tick boxes nominal, whatever their value labels
    assert seen == set(expected)
    assert meta.variable_measure["wave"] == "ordinal"
    assert meta.variable_measure["participant"] == "nominal"


def test_exports_carry_no_identifying_data(programme, tmp_path):
    export(programme.cleaned, programme.instruments, tmp_path, formats=["csv", "sav"])
    text = (tmp_path / "cleaned.csv").read_text(encoding="utf-8")
    binary = (tmp_path / "cleaned.sav").read_bytes()
    for secret in ("Frieda", "example.org", "192.0.2", "Müller"):
        assert secret not in text and secret.encode() not in binary


def test_an_unknown_export_format_writes_nothing(programme, tmp_path):
    with pytest.raises(InputError, match=r"unknown export format.*'xls'"):
        export(programme.cleaned, programme.instruments, tmp_path / "out", formats=["csv", "xls"])
    assert not (tmp_path / "out").exists()


def test_import_verb_prints_the_accounting_and_writes_the_exports(tmp_path):
    result = runner.invoke(
        app,
        ["import", str(FIXTURES / "survey.yml"), "--out", str(tmp_path), "-e", "sav", "-e", "csv"],
    )
    assert result.exit_code == 0, result.output
    assert "Raw rows = kept + excluded" in result.output and "qualtrics" in result.output
    assert "Keys to review" in result.output and "GR30PF" in result.output
    assert {p.name for p in tmp_path.iterdir()} == {
        "responses.csv",
        "scores.csv",
        "cleaning_log.csv",
        "provenance.csv",
        "cleaned.sav",
        "cleaned.csv",
    }


def test_import_refuses_an_unknown_export_format_before_reading(tmp_path):
    result = runner.invoke(
        app, ["import", str(FIXTURES / "survey.yml"), "--out", str(tmp_path / "o"), "-e", "dta"]
    )
    assert result.exit_code == 2 and "unknown export format" in result.output
    assert not (tmp_path / "o").exists()


def test_check_verb_on_the_demo_prints_accounting_per_tool():
    result = runner.invoke(app, ["check", str(DEMO_SURVEY)])
    assert result.exit_code == 0, result.output
    for text in ("sosci", "limesurvey", "qualtrics", "excluded:duplicate", "Keys to review"):
        assert text in result.output


def test_wide_is_the_same_from_categorical_and_text_responses(programme):
    import dataclasses

    responses = programme.cleaned.responses
    assert isinstance(responses["item"].dtype, pd.CategoricalDtype)
    text = responses.astype({c: str for c in ("participant", "instrument", "item", "frame")})
    as_text = dataclasses.replace(programme.cleaned, responses=text)
    table = wide(programme.cleaned, programme.instruments)
    pd.testing.assert_frame_equal(table, wide(as_text, programme.instruments))
    assert table["participant"].dtype == programme.cleaned.submissions["participant"].dtype
    one = responses.dropna(subset=["value"]).iloc[0]
    row = table[(table["participant"] == one["participant"]) & (table["wave"] == one["wave"])]
    column = f"{one['instrument']}_{one['item']}" + ("" if one["frame"] == "now" else "_then")
    assert row[column].iloc[0] == one["value"]
