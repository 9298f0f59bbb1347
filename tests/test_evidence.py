"""d_rm, MIC shares, TOST, Bayes factors, the then-test sample, Satterthwaite df and the
reliability of reliable change, against R (tests/reference/make_reference.R)."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from impact.bayes import bayes_factors, bf10_paired
from impact.change import paired_change, reliable_change, response_shift
from impact.definitions import SHIPPED_INSTRUMENTS, load_instrument
from impact.equivalence import equivalence, tost
from impact.errors import DefinitionError
from impact.longitudinal import mixed_model_means
from impact.meaningful import meaningful_change, wilson_interval

REFERENCE = Path(__file__).parent / "reference"
PAIRED = ["paired", "paired_ties", "paired_small"]
WAVES = ["kickoff", "milestone-1", "milestone-2", "final"]


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


@pytest.mark.parametrize("name", PAIRED)
def test_r_pre_post_and_d_rm_match_the_effectsize_formula(name, reference):
    ref = reference["beyond"][name]["d_rm"]
    row = paired_change(_long(name)).iloc[0]
    assert row["r_pre_post"] == pytest.approx(ref["r_pre_post"], rel=1e-12)
    assert row["d_rm"] == pytest.approx(ref["d_rm"], rel=1e-12)
    # Lakens' eq. 9 is the same number written differently
    assert row["d_rm"] == pytest.approx(ref["d_rm_lakens_eq9"], rel=1e-10)
    assert [row["d_rm_ci_low"], row["d_rm_ci_high"]] == pytest.approx(ref["ci"], rel=1e-12)


@pytest.mark.parametrize("name", PAIRED)
def test_tost_matches_two_one_sided_t_tests(name, reference):
    ref = reference["beyond"][name]["tost"]
    change = paired_change(_long(name))
    row = equivalence(change, bounds={"x": ref["bound"]}).iloc[0]
    for ours, theirs in [
        ("t_lower", "t_lower"),
        ("p_lower", "p_lower"),
        ("t_upper", "t_upper"),
        ("p_upper", "p_upper"),
        ("p_tost", "p_tost"),
    ]:
        assert row[ours] == pytest.approx(ref[theirs], rel=1e-9), ours
    assert [row["ci90_low"], row["ci90_high"]] == pytest.approx(ref["ci90"], rel=1e-12)
    inside = ref["ci90"][0] > -ref["bound"] and ref["ci90"][1] < ref["bound"]
    assert row["verdict"].startswith("equivalent") == inside


def test_tost_verdicts_and_no_decline():
    assert tost(0.1, 1.0, 100, bound=0.5, p_value=0.32)["verdict"] == "equivalent"
    assert tost(0.3, 1.0, 400, bound=0.5)["verdict"] == "equivalent and different"
    assert tost(2.0, 1.0, 100, bound=0.5)["verdict"] == "different"
    assert tost(0.3, 1.0, 5, bound=0.5)["verdict"] == "inconclusive"
    worse_is_higher = tost(0.1, 1.0, 100, bound=0.5, higher_is_better=False)
    assert worse_is_higher["p_no_decline"] == worse_is_higher["p_upper"]
    assert tost(0.1, 0.0, 10, bound=0.5)["verdict"] is None


@pytest.mark.parametrize("name", PAIRED)
def test_bayes_factor_matches_bayesfactor_ttestbf(name, reference):
    ref = reference["beyond"][name]["bayes_factor"]
    change = paired_change(_long(name))
    bf = bayes_factors(change)["bf10"].iloc[0]
    assert bf == pytest.approx(ref["bf10"], rel=1e-6)
    assert bf10_paired(ref["t"], ref["n"]) == pytest.approx(ref["bf10_from_t"], rel=1e-6)


def test_bayes_factor_is_undefined_without_a_t():
    assert np.isnan(bf10_paired(float("nan"), 10))
    assert np.isnan(bf10_paired(1.0, 1))


@pytest.mark.parametrize("name", PAIRED)
def test_mic_shares_and_wilson_intervals_match_prop_test(name, reference):
    ref = reference["beyond"][name]["mic"]
    row = meaningful_change(_long(name), mic={"x": ref["mic"]}).iloc[0]
    assert row["n"] == ref["n"]
    assert row["n_improved"] == ref["n_improved"]
    assert row["n_deteriorated"] == ref["n_deteriorated"]
    assert row["n_unchanged"] == ref["n"] - ref["n_improved"] - ref["n_deteriorated"]
    assert [row["improved_ci_low"], row["improved_ci_high"]] == pytest.approx(
        ref["improved_ci"], rel=1e-9, abs=1e-15
    )
    assert [row["deteriorated_ci_low"], row["deteriorated_ci_high"]] == pytest.approx(
        ref["deteriorated_ci"], rel=1e-9, abs=1e-15
    )


def test_mic_direction_follows_higher_is_better():
    data = _long("paired")
    better = meaningful_change(data, mic={"x": 10}).iloc[0]
    worse = meaningful_change(data, mic={"x": 10}, higher_is_better={"x": False}).iloc[0]
    assert (worse["n_improved"], worse["n_deteriorated"]) == (
        better["n_deteriorated"],
        better["n_improved"],
    )
    assert meaningful_change(data, mic={}).empty
    assert np.isnan(wilson_interval(0, 0)).all()  # NaN, not an error


def test_then_test_uses_one_sample_and_adds_up(reference):
    ref = reference["then"]
    wide = pd.read_csv(REFERENCE / "then.csv")
    rows = []
    for column, wave, scale in [
        ("pre", "kickoff", "c"),
        ("post", "final", "c"),
        ("then", "final", "c_then"),
    ]:
        rows.append(
            pd.DataFrame(
                {
                    "participant": wide["participant"],
                    "wave": wave,
                    "scale": scale,
                    "score": wide[column],
                }
            )
        )
    data = pd.concat(rows, ignore_index=True)
    shift = response_shift(data).set_index("comparison")
    assert set(shift["n"]) == {ref["n_common"]}
    for comparison in ("pre_post", "then_post", "pre_then"):
        assert shift.loc[comparison, "mean_diff"] == pytest.approx(
            ref[comparison]["mean_diff"], rel=1e-12
        )
        assert shift.loc[comparison, "t"] == pytest.approx(ref[comparison]["t"], rel=1e-10)
        assert shift.loc[comparison, "p_value"] == pytest.approx(ref[comparison]["p"], rel=1e-8)
    total = shift.loc["then_post", "mean_diff"] + shift.loc["pre_then", "mean_diff"]
    assert total == pytest.approx(shift.loc["pre_post", "mean_diff"], abs=1e-12)
    separate = response_shift(data, common=False).set_index("comparison")
    assert separate["n"].nunique() > 1  # the old way: a different sample for each


def test_mixed_model_satterthwaite_df_and_intervals_match_lmertest(reference):
    ref = reference["satterthwaite"]
    long = pd.read_csv(REFERENCE / "long.csv").assign(scale="score")
    means = mixed_model_means(long, waves=WAVES).set_index("wave")
    for wave in WAVES:
        expected = ref["wave_means"][wave]
        assert means.loc[wave, "df"] == pytest.approx(expected["df"], rel=1e-4)
        assert [means.loc[wave, "ci_low"], means.loc[wave, "ci_high"]] == pytest.approx(
            expected["ci"], rel=1e-6
        )
    for wave in WAVES[1:]:
        key = f"wave{wave}"
        assert means.loc[wave, "diff_df"] == pytest.approx(ref["coef_df"][key], rel=1e-4)
        assert means.loc[wave, "diff_p"] == pytest.approx(ref["coef_p"][key], rel=1e-4)
        assert [means.loc[wave, "diff_ci_low"], means.loc[wave, "diff_ci_high"]] == (
            pytest.approx(ref["coef_ci"][key], rel=1e-6)
        )
    normal = mixed_model_means(long, waves=WAVES, df_method="normal").set_index("wave")
    assert (normal["ci_high"] - normal["ci_low"] < means["ci_high"] - means["ci_low"]).all()
    assert set(normal["df_method"]) == {"normal"}


def test_reliable_change_reliability_is_chosen():
    who5 = load_instrument(SHIPPED_INSTRUMENTS / "who5.yml")
    data = pd.DataFrame(
        {
            "participant": list("abcdab"),
            "scale": "who5",
            "wave": ["kickoff"] * 4 + ["final"] * 2,
            "score": [40, 60, 20, 52, 72, 56],
        }
    )
    published = reliable_change(data, {"who5": who5}, alphas={"who5": 0.9})
    sample = reliable_change(data, {"who5": who5}, alphas={"who5": 0.9}, reliability="sample")
    assert set(published["reliability"]) == {who5.reliability}
    assert set(published["reliability_source"]) == {"definition"}
    assert set(sample["reliability"]) == {0.9}
    assert set(sample["reliability_source"]) == {"baseline alpha"}
    assert set(sample["reliability_choice"]) == {"sample"}
    # without a sample alpha the published one stands in, and says so
    fallback = reliable_change(data, {"who5": who5}, reliability="sample")
    assert set(fallback["reliability_source"]) == {"definition"}
    with pytest.raises(DefinitionError, match="reliable_change_reliability"):
        reliable_change(data, {"who5": who5}, reliability="cohort")


def test_survey_chooses_the_reliability(demo):
    from dataclasses import replace

    assert demo.survey.analysis.reliable_change_reliability == "published"
    chosen = demo.survey.model_copy(
        update={
            "analysis": demo.survey.analysis.model_copy(
                update={"reliable_change_reliability": "sample"}
            )
        }
    )
    sample = replace(demo, survey=chosen).reliable_change_reliability()
    published = demo.reliable_change_reliability()
    assert set(sample["reliability_choice"]) == {"sample"}
    who5 = (sample.set_index("scale").loc["who5"], published.set_index("scale").loc["who5"])
    assert who5[0]["reliability_source"] == "baseline alpha"
    assert who5[1]["reliability_source"] == "definition"


def test_overwhelming_evidence_is_infinite_and_written_as_strict_json():
    import json

    import pandas as pd

    from impact.bayes import bayes_factors
    from impact.sections.common import _records

    change = pd.DataFrame({"scale": ["who5"], "wave": ["final"], "n": [10_000], "t": [80.0]})
    factors = bayes_factors(change)
    assert factors["bf10"].iloc[0] == float("inf") and factors["bf01"].iloc[0] == 0
    (record,) = _records(factors)
    assert record["bf10"] is None and record["bf01"] == 0
    json.dumps(record, allow_nan=False)  # raises on Infinity
