"""Paired change against R's t.test and effectsize::cohens_d (tests/reference/)."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from impact.change import paired_change
from impact.demo import TRUE_CHANGE

REFERENCE = Path(__file__).parent / "reference"


def _long(name):
    wide = pd.read_csv(REFERENCE / f"{name}.csv")
    long = wide.melt(
        id_vars="participant", value_vars=["pre", "post"], var_name="wave", value_name="score"
    )
    long["wave"] = pd.Categorical(
        long["wave"].map({"pre": "kickoff", "post": "final"}),
        categories=["kickoff", "final"],
        ordered=True,
    )
    long["scale"] = "x"
    return long


@pytest.mark.parametrize("name", ["paired", "paired_ties"])
def test_paired_t_and_d_z_match_r(name, reference):
    ref = reference[name]
    row = paired_change(_long(name)).iloc[0]
    assert row["n"] == ref["n"]
    for ours, theirs in [
        ("mean_pre", "mean_pre"),
        ("sd_pre", "sd_pre"),
        ("mean_post", "mean_post"),
        ("sd_post", "sd_post"),
        ("mean_diff", "mean_diff"),
        ("sd_diff", "sd_diff"),
    ]:
        assert row[ours] == pytest.approx(ref[theirs], rel=1e-12)
    t_test = ref["t_test"]
    assert row["t"] == pytest.approx(t_test["t"], rel=1e-10)
    assert row["df"] == t_test["df"]
    assert row["p_value"] == pytest.approx(t_test["p"], rel=1e-8)
    assert [row["ci_low"], row["ci_high"]] == pytest.approx(t_test["conf_int"], rel=1e-10)
    assert row["d_z"] == pytest.approx(ref["d_z"]["d"], rel=1e-10)


def test_missing_partners_leave_only_complete_pairs():
    data = _long("paired")
    data.loc[
        (data["participant"] == data["participant"].iloc[0]) & (data["wave"] == "final"), "score"
    ] = np.nan
    result = paired_change(data)
    assert result["n"].iloc[0] == 39


def test_unknown_baseline_is_named():
    with pytest.raises(ValueError, match="baseline wave 'pre'"):
        paired_change(_long("paired"), baseline="pre")


def test_demo_analysis_recovers_the_true_effects(demo):
    change = demo.change()
    instrument_of = demo.scores.drop_duplicates("scale").set_index("scale")["instrument"]
    checked = 0
    for scale, instrument in instrument_of.items():
        if scale.endswith("_then") or scale not in set(change["scale"]):
            continue
        row = change[(change["scale"] == scale) & (change["wave"] == "final")].iloc[0]
        truth = TRUE_CHANGE[instrument]["final"]
        assert row["ci_low"] <= truth <= row["ci_high"], scale
        assert row["ci_low"] > 0, scale
        checked += 1
    assert checked == 6  # who5, swls, competences, gse and the two Cantril rungs


def test_a_scale_first_asked_after_the_baseline_has_no_change_row(demo):
    assert "partnership" in set(demo.scores["scale"])
    assert "partnership" not in set(demo.change()["scale"])


def test_change_is_reported_per_later_wave_in_order(demo):
    change = demo.change(until="milestone-2")
    assert change.query("scale == 'who5'")["wave"].astype(str).tolist() == [
        "milestone-1",
        "milestone-2",
    ]
