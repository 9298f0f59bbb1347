"""Per-wave descriptives, the share below a value, the cut-off crossing and the
multi-select counts, against R (tests/reference/make_describe.R) and by definition."""

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from impact.crossing import cutoff_crossing
from impact.definitions import SHIPPED_INSTRUMENTS, load_instrument
from impact.describe import share_below, wave_summary
from impact.errors import ArgumentError
from impact.multiselect import option_counts

REFERENCE = Path(__file__).parent / "reference"
R = json.loads((REFERENCE / "describe.json").read_text(encoding="utf-8"))
WAVES = ["kickoff", "milestone-1", "milestone-2", "final"]


@pytest.fixture(scope="module")
def long() -> pd.DataFrame:
    data = pd.read_csv(REFERENCE / "long.csv")
    data["wave"] = pd.Categorical(data["wave"], categories=WAVES, ordered=True)
    return data.assign(scale="x")


@pytest.mark.parametrize("confidence", [0.95, 0.90])
def test_wave_summary_matches_r_t_test(long, confidence):
    table = wave_summary(long, confidence=confidence).set_index("wave")
    assert list(table.index.astype(str)) == WAVES
    key = f"conf_int_{round(confidence * 100)}"
    for wave, expected in R["wave_summary"]["waves"].items():
        row = table.loc[wave]
        assert row["n"] == expected["n"]
        assert row["mean"] == pytest.approx(expected["mean"], abs=1e-9)
        assert row["sd"] == pytest.approx(expected["sd"], abs=1e-9)
        assert row["ci_low"] == pytest.approx(expected[key][0], abs=1e-9)
        assert row["ci_high"] == pytest.approx(expected[key][1], abs=1e-9)


def test_one_score_has_a_mean_but_no_sd_or_interval_and_no_warning():
    r = R["wave_summary"]["one_score"]
    scores = pd.DataFrame({"scale": "x", "wave": "kickoff", "score": [r["x"]]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        row = wave_summary(scores).iloc[0]
    assert row["n"] == 1 and row["mean"] == pytest.approx(r["mean"])
    assert r["sd_is_na"] and np.isnan(row["sd"])
    assert np.isnan(row["ci_low"]) and np.isnan(row["ci_high"])


def test_all_equal_scores_give_sd_zero_and_the_mean_as_interval():
    r = R["wave_summary"]["all_equal"]
    scores = pd.DataFrame({"scale": "x", "wave": "kickoff", "score": r["x"]})
    row = wave_summary(scores).iloc[0]
    assert row["sd"] == r["sd"] == 0
    assert row["ci_low"] == row["ci_high"] == pytest.approx(r["mean"])


def test_a_wave_without_any_score_has_no_row():
    scores = pd.DataFrame(
        {"scale": ["x", "x", "y"], "wave": ["kickoff", "final", "final"], "score": [1.0, np.nan, 2]}
    )
    table = wave_summary(scores)
    assert list(zip(table["scale"], table["wave"], strict=True)) == [
        ("x", "kickoff"),
        ("y", "final"),
    ]


@pytest.mark.parametrize("confidence", [0, 1, 95, "0.95"])
def test_a_confidence_outside_zero_and_one_is_refused(long, confidence):
    with pytest.raises(ArgumentError, match="confidence"):
        wave_summary(long, confidence=confidence)
    with pytest.raises(ArgumentError, match="confidence"):
        share_below(long, values={"x": 50}, confidence=confidence)


def test_share_below_matches_r_prop_test(long):
    r = R["share_below"]
    table = share_below(long, values={"x": r["value"]}).set_index("wave")
    assert list(table.index) == WAVES
    for wave, expected in r["waves"].items():
        row = table.loc[wave]
        assert (row["n"], row["n_below"]) == (expected["n"], expected["n_below"])
        assert row["share"] == pytest.approx(expected["share"], abs=1e-12)
        assert row["ci_low"] == pytest.approx(expected["conf_int"][0], abs=1e-9)
        assert row["ci_high"] == pytest.approx(expected["conf_int"][1], abs=1e-9)


def test_cutoff_crossing_matches_r_prop_test(long):
    r = R["crossing"]
    table = cutoff_crossing(long, cutoffs={"x": r["cutoff"]}, baseline=r["baseline"])
    table = table.set_index("wave")
    assert list(table.index) == WAVES[1:]
    for wave, expected in r["waves"].items():
        row = table.loc[wave]
        assert (row["n"], row["n_crossed"]) == (expected["n"], expected["n_crossed"])
        assert row["share"] == pytest.approx(expected["share"], abs=1e-12)
        assert row["ci_low"] == pytest.approx(expected["conf_int"][0], abs=1e-9)
        assert row["ci_high"] == pytest.approx(expected["conf_int"][1], abs=1e-9)


def test_cutoff_crossing_without_the_baseline_or_the_scale_is_empty(long):
    assert cutoff_crossing(long, cutoffs={"x": 50}, baseline="intake").empty
    assert cutoff_crossing(long, cutoffs={"other": 50}, baseline="kickoff").empty


@pytest.fixture(scope="module")
def sdgs():
    return load_instrument(SHIPPED_INSTRUMENTS / "sdgs.yml")


def test_option_counts_count_a_unit_once_when_any_member_chose(sdgs):
    responses = pd.DataFrame(
        {
            "participant": ["a", "b", "c", "d", "a", "b", "c", "d"],
            "wave": "final",
            "instrument": "sdgs",
            "item": ["sdg1"] * 4 + ["sdg2"] * 4,
            "value": [2, 2, 1, 2, 1, 1, 2, np.nan],
        }
    )
    teams = pd.Series({"a": "T1", "b": "T1", "c": "T2"})  # d has no team
    by_team = option_counts(responses, sdgs, units=teams).set_index("item")
    assert by_team["n"].to_dict() == {"sdg1": 1, "sdg2": 1}
    assert by_team["respondents"].to_dict() == {"sdg1": 2, "sdg2": 2}
    by_person = option_counts(responses, sdgs).set_index("item")
    assert by_person["n"].to_dict() == {"sdg1": 3, "sdg2": 1}
    assert by_person["respondents"].to_dict() == {"sdg1": 4, "sdg2": 4}


def test_programme_wave_summary_is_what_the_report_withholds_from(demo):
    from impact.sections.scores import wave_levels

    summary = demo.wave_summary(until="final")
    pd.testing.assert_frame_equal(summary, wave_levels(demo, "final"))
    kickoff = demo.scores.query("wave == 'kickoff' and scale == 'who5'")["score"].dropna()
    row = summary.query("wave == 'kickoff' and scale == 'who5'").iloc[0]
    assert row["n"] == kickoff.size and row["mean"] == pytest.approx(kickoff.mean())


def test_programme_sdgs_by_tandem_counts_projects_as_the_report_does(demo):
    from impact import sections

    pairing = demo.survey.registry.pairing
    by_tandem = demo.sdgs(until="final", by=pairing).query("wave == 'final'")
    by_person = demo.sdgs(until="final").query("wave == 'final'")
    coverage = sections.sdg_coverage(demo, "final").set_index("item")
    for row in by_tandem.itertuples():
        assert coverage.loc[row.item, "projects"] == row.n
        assert coverage.loc[row.item, "answered"] == row.respondents
    assert (by_tandem["n"].to_numpy() <= by_person["n"].to_numpy()).all()
    assert by_tandem["respondents"].iloc[0] < by_person["respondents"].iloc[0]


def test_programme_sdgs_refuses_an_unknown_attribute(demo):
    with pytest.raises(ArgumentError, match="by"):
        demo.sdgs(by="tandme")


def test_programme_cutoff_crossing_feeds_the_goal(demo):
    from impact.sections.goals import _crossing

    table = demo.cutoff_crossing().query("scale == 'who5' and wave == 'final'").iloc[0]
    assert 0 < table["n_crossed"] < table["n"]
    assert table["ci_low"] < table["share"] < table["ci_high"]
    estimate, low, high, n = _crossing(demo, "who5", "final")
    assert n == table["n"]
    # the report blanks a count of 1 to k - 1 people
    assert table["n_crossed"] < demo.survey.privacy.min_group_size
    assert np.isnan(estimate) and np.isnan(low) and np.isnan(high)
