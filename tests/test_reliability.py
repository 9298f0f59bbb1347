"""Alpha and omega against psych::alpha and psych::omega (tests/reference/)."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from impact.reliability import cronbach_alpha, item_statistics, omega_total, reliability

REFERENCE = Path(__file__).parent / "reference"


@pytest.mark.parametrize("name", ["items", "items_missing"])
def test_alpha_and_its_intervals_match_psych(name, reference):
    items = pd.read_csv(REFERENCE / f"{name}.csv")
    ref = reference[name]["alpha"]
    row = cronbach_alpha(items).iloc[0]
    assert row["n"] == reference[name]["n_rows"]
    assert row["n_complete"] == reference[name]["n_complete_rows"]
    assert row["alpha"] == pytest.approx(ref["raw_alpha"], rel=1e-12)
    assert row["alpha_std"] == pytest.approx(ref["std_alpha"], rel=1e-12)
    assert row["average_r"] == pytest.approx(ref["average_r"], rel=1e-12)
    assert row["ase"] == pytest.approx(ref["ase"], rel=1e-12)
    assert [row["ci_low"], row["ci_high"]] == pytest.approx(ref["feldt_ci"], rel=1e-12)
    duhachek = [row["alpha"] - 1.96 * row["ase"], row["alpha"] + 1.96 * row["ase"]]
    assert duhachek == pytest.approx(ref["duhachek_ci"], rel=1e-12)


@pytest.mark.parametrize("name", ["items", "items_missing"])
def test_item_statistics_match_psych(name, reference):
    items = pd.read_csv(REFERENCE / f"{name}.csv")
    ref = reference[name]["alpha"]
    table = item_statistics(items).set_index("item")
    for item in items.columns:
        assert table.loc[item, "n"] == ref["item_n"][item]
        assert table.loc[item, "r_drop"] == pytest.approx(ref["r_drop"][item], rel=1e-12)
        assert table.loc[item, "alpha_if_dropped"] == pytest.approx(
            ref["alpha_if_dropped"][item], rel=1e-12
        )


def test_listwise_deletion_is_not_what_we_do(reference):
    # The pairwise alpha differs from the complete-case one: the documented choice matters.
    items = pd.read_csv(REFERENCE / "items_missing.csv")
    ours = cronbach_alpha(items)["alpha"].iloc[0]
    listwise = cronbach_alpha(items.dropna())["alpha"].iloc[0]
    assert listwise == pytest.approx(reference["items_missing"]["alpha_listwise"]["raw_alpha"])
    assert abs(ours - listwise) > 1e-3


@pytest.mark.parametrize("name", ["items", "items_missing"])
def test_omega_total_matches_psych(name, reference):
    # psych's minres optimiser stops at about 1e-5 in the loadings; omega agrees to ~1e-7.
    items = pd.read_csv(REFERENCE / f"{name}.csv")
    assert omega_total(items) == pytest.approx(reference[name]["omega"]["omega_tot"], rel=1e-6)


def test_reversed_item_lowers_alpha():
    items = pd.read_csv(REFERENCE / "items.csv")
    flipped = items.assign(i1=6 - items["i1"])
    assert cronbach_alpha(flipped)["alpha"].iloc[0] < cronbach_alpha(items)["alpha"].iloc[0] - 0.1


def test_too_few_rows_give_missing_values_not_errors():
    row = cronbach_alpha(pd.DataFrame({"a": [1.0, 2.0], "b": [2.0, 3.0]})).iloc[0]
    assert row["n"] == 2 and np.isnan(row["alpha"])


def test_demo_reliability_per_scale_and_wave(demo):
    table = reliability(demo.responses, demo.instruments)
    scale_ids = {i for i, d in demo.instruments.items() if d.kind == "scale"}
    assert set(table["instrument"]) == scale_ids
    assert "partnership" not in set(table.query("wave == 'kickoff'")["scale"])
    assert set(table.query("scale == 'competences_then'")["wave"].astype(str)) == {"final"}
    who5 = table.query("scale == 'who5' and wave == 'kickoff'").iloc[0]
    assert who5["ci_low"] < who5["alpha"] < who5["ci_high"]
    assert 0.7 < who5["alpha"] < 0.95 and 0.7 < who5["omega_total"] < 0.95
    # alpha computed from the cleaned (reverse-recoded) items, checked against a pivot by hand
    wide = (
        demo.responses.query("instrument == 'who5' and wave == 'kickoff'")
        .pivot(index="participant", columns="item", values="value")
        .dropna(how="all")
    )
    assert who5["alpha"] == pytest.approx(cronbach_alpha(wide)["alpha"].iloc[0], rel=1e-12)
    assert who5["n"] == len(wide)
