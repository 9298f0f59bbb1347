"""The participant-level file (one row per participant, a column per scale × wave) and its
codebook: what SPSS, JASP, Stata and R need to run a paired test without reshaping."""

import json
import re

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from typer.testing import CliRunner

from impact.cli import app
from impact.codebook import codebook, codebook_html, table_schema
from impact.demo import DEMO_SURVEY
from impact.export import (
    participants_wide,
    portable_names,
    wide_variables,
    wide_writers,
    write_outputs,
)

runner = CliRunner()


@pytest.fixture(scope="module")
def written(demo, tmp_path_factory):
    out = tmp_path_factory.mktemp("wide")
    write_outputs(out, wide_writers(demo, formats=["csv", "parquet", "sav"], items=True))
    return out


def test_one_row_per_participant_with_a_column_per_scale_and_wave(demo):
    table = participants_wide(demo)
    assert table["participant"].is_unique
    assert set(table["participant"]) == set(demo.registry["participant"].astype(str))
    scores = demo.scores.astype({"participant": str, "wave": str, "scale": str})
    for row in scores.sample(60, random_state=3).itertuples():
        cell = table.set_index("participant").loc[
            row.participant, f"{row.scale}_{row.wave}".replace("-", "_")
        ]
        assert cell == pytest.approx(row.score, nan_ok=True)
    # The paired change read from the wide file is the one the analysis reports.
    change = demo.change().query("scale == 'who5' and wave == 'final'").iloc[0]
    pairs = table[["who5_kickoff", "who5_final"]].dropna()
    assert len(pairs) == change["n"]
    assert (pairs["who5_final"] - pairs["who5_kickoff"]).mean() == pytest.approx(
        change["mean_diff"]
    )


def test_names_are_valid_in_spss_stata_and_r(demo):
    names = wide_variables(demo, items=True)["name"]
    assert names.str.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,31}").all()
    assert names.str.casefold().is_unique
    assert not set(names.str.casefold()) & {"if", "in", "for", "all", "by", "long", "true"}
    odd = portable_names(["Größe (€)", "größe_", "9er", "x" * 40, "x" * 40 + "y"])
    assert all(re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,31}", n) for n in odd.values())
    assert len({n.casefold() for n in odd.values()}) == 5


def test_the_sav_file_has_labels_value_labels_missing_codes_and_levels(demo, written):
    data, meta = pyreadstat.read_sav(written / "participants.sav", user_missing=True)
    plain, _ = pyreadstat.read_sav(written / "participants.sav")
    assert meta.column_names_to_labels["who5_final"] == "Well-being (WHO-5), Closing event"
    assert meta.missing_ranges["who5_final"] == [
        {"lo": -99.0, "hi": -99.0},
        {"lo": -98.0, "hi": -98.0},
    ]
    labels = meta.variable_value_labels["who5_i1_kickoff"]
    assert labels[5.0] == "All of the time" and labels[-99.0] == "did not take part in this wave"
    # Who did not answer at the final wave is -99 (user-missing), NaN for an ordinary read.
    kept = demo.cleaned.submissions.query("status == 'kept' and wave == 'final'")
    absent = ~data["participant"].isin(kept["participant"].astype(str))
    assert absent.any() and (data.loc[absent, "who5_final"] == -99).all()
    assert plain.loc[absent, "who5_final"].isna().all()
    assert (plain["who5_final"].dropna() >= 0).all()
    # Attributes as labelled codes, the labels from the definition.
    sector = meta.variable_value_labels["sector"]
    assert set(data["sector"].map(sector)) <= set(sector.values())
    assert "University" in sector.values()
    # Measurement levels from the instruments' kinds, not guessed from value labels.
    levels = meta.variable_measure
    assert levels["who5_final"] == "scale" and levels["who5_i1_final"] == "scale"
    assert levels["sdgs_sdg1_final"] == "nominal"  # tick boxes, though labelled 1/2
    assert levels["collaboration_city_final"] == "scale"  # counts
    assert levels["sector"] == "nominal"


def test_csv_and_parquet_hold_the_same_numbers_with_empty_missing_cells(written):
    csv = pd.read_csv(written / "participants.csv")
    parquet = pd.read_parquet(written / "participants.parquet")
    sav, _ = pyreadstat.read_sav(written / "participants.sav")
    assert list(csv.columns) == list(parquet.columns) == list(sav.columns)
    for column in ("who5_kickoff", "who5_final", "competences_then_final", "gse_i1_milestone_1"):
        np.testing.assert_allclose(csv[column], parquet[column])
        np.testing.assert_allclose(csv[column], sav[column])
    assert csv["who5_final"].isna().any() and not (csv.select_dtypes("number") < -90).any().any()


def test_the_codebook_describes_every_exported_variable(demo, written):
    book = codebook(demo, items=True)
    csv = pd.read_csv(written / "participants.csv", dtype={"participant": str})
    assert book["name"].tolist() == list(csv.columns)
    assert (book["valid_n"] == csv.notna().sum().to_numpy()).all()
    row = book.set_index("name").loc["swls_final"]
    alpha = demo.reliability().query("scale == 'swls' and wave == 'final'").iloc[0]
    assert row["alpha"] == pytest.approx(alpha["alpha"])
    assert row["reliability"] == demo.instruments["swls"].reliability
    assert row["instrument"] == "swls" and "Diener" in row["source"]
    assert row["label_de"].endswith(", Abschluss") and row["label_en"].endswith(", Closing event")
    page = codebook_html(book, title="Codebook")
    assert all(f"<code>{name}</code>" in page for name in book["name"])
    assert "did not take part in this wave" in page


def test_the_table_schema_matches_the_csv(demo, written):
    schema = table_schema(codebook(demo, items=True))
    json.dumps(schema)  # plain JSON
    csv = pd.read_csv(written / "participants.csv", dtype=str, keep_default_na=False)
    fields = schema["fields"]
    assert [f["name"] for f in fields] == list(csv.columns)
    assert schema["primaryKey"] == ["participant"] and csv["participant"].is_unique
    for field in fields:
        assert field["type"] in ("string", "number") and field["title"]
        values = csv[field["name"]]
        present = values[~values.isin(schema["missingValues"])]
        if field["type"] == "number":
            pd.to_numeric(present)  # every cell a number or a missing value
        if "enum" in field.get("constraints", {}):
            assert set(present) <= set(field["constraints"]["enum"]), field["name"]
        assert field["validN"] == len(present)


def test_export_verb_writes_the_files_and_the_codebook(tmp_path):
    out = tmp_path / "export"
    result = runner.invoke(app, ["export", str(DEMO_SURVEY), "--out", str(out), "--lang", "de"])
    assert result.exit_code == 0, result.output
    assert {p.name for p in out.iterdir()} == {
        "participants.csv",
        "participants.parquet",
        "participants.sav",
        "codebook.html",
        "codebook.json",
    }
    _, meta = pyreadstat.read_sav(out / "participants.sav", metadataonly=True)
    assert meta.column_names_to_labels["who5_final"] == "Wohlbefinden (WHO-5), Abschluss"
    bad = runner.invoke(app, ["export", str(DEMO_SURVEY), "--out", str(out), "-e", "xls"])
    assert bad.exit_code == 2 and "unknown export format" in bad.output
