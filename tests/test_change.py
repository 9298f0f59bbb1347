"""Paired change against R's t.test and effectsize::cohens_d (tests/reference/)."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from impact.change import adjust_p, paired_change, paired_statistics, reliable_change
from impact.demo import TRUE_CHANGE, TRUE_RESPONSE_SHIFT
from impact.errors import ArgumentError

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
    with pytest.raises(ArgumentError, match=r"`baseline` must be a wave of column 'wave' .*'pre'"):
        paired_change(_long("paired"), baseline="pre")


ALTERNATIVES = json.loads((REFERENCE / "alternatives.json").read_text(encoding="utf-8"))


def _finite(value):
    return np.inf if value is None else value


@pytest.mark.parametrize("name", sorted(ALTERNATIVES))
def test_one_sided_tests_and_other_levels_match_r(name):
    """t.test / wilcox.test / effectsize::cohens_d with alternative= and conf.level=
    (tests/reference/make_alternatives.R)."""
    data = _long(name)
    for case in ALTERNATIVES[name]:
        alternative = case["alternative"].replace(".", "-")
        row = paired_change(
            data, alternative=alternative, confidence=case["confidence"], adjust=None
        ).iloc[0]
        where = (name, alternative, case["confidence"])
        assert row["t"] == pytest.approx(case["t"], rel=1e-10), where
        assert row["p_value"] == pytest.approx(case["p"], rel=1e-8), where
        low, high = case["conf_int"]
        low = -np.inf if low is None else low
        assert [row["ci_low"], row["ci_high"]] == pytest.approx([low, _finite(high)], rel=1e-9)
        assert row["wilcoxon_v"] == case["wilcoxon_V"], where
        assert row["wilcoxon_p"] == pytest.approx(case["wilcoxon_p"], rel=1e-7), where
        d_low, d_high = case["d_z_ci"]
        d_low = -np.inf if d_low is None else d_low
        # effectsize stops its root search at about 1e-5 (tests/reference/README.md).
        assert row["d_z_ci_low"] == pytest.approx(d_low, abs=2e-5), where
        assert row["d_z_ci_high"] == pytest.approx(_finite(d_high), abs=2e-5), where


def test_the_defaults_are_the_two_sided_95_percent_tests():
    data = _long("paired")
    pd.testing.assert_frame_equal(
        paired_change(data), paired_change(data, alternative="two-sided", confidence=0.95)
    )


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            {"dv": "Score"},
            r"`dv` must be a column of `data` \[.*\]; got 'Score' \(did you mean 'score'\?\)",
        ),
        ({"subject": "id"}, r"`subject` must be a column of `data` .*; got 'id'"),
        ({"within": "time"}, r"`within` must be a column of `data` .*; got 'time'"),
        ({"scale": "outcome"}, r"`scale` must be a column of `data` .*; got 'outcome'"),
        (
            {"alternative": "two.sided"},
            r"`alternative` must be one of .*'two-sided'.*; got 'two.sided'",
        ),
        ({"confidence": 95}, r"`confidence` must be a level between 0 and 1 .*; got 95"),
        ({"adjust": "hochberg"}, r"`method` must be one of .*; got 'hochberg'"),
    ],
)
def test_wrong_arguments_are_named_with_their_choices(arguments, message):
    with pytest.raises(ArgumentError, match=message):
        paired_change(_long("paired"), **arguments)


def test_one_outcome_needs_no_scale_column():
    data = _long("paired").drop(columns="scale")
    result = paired_change(data)
    assert result["scale"].tolist() == ["score"]
    expected = paired_change(_long("paired")).drop(columns="scale")
    pd.testing.assert_frame_equal(result.drop(columns="scale"), expected)


def test_families_are_corrected_separately():
    data = pd.concat([_long("paired").assign(scale=s) for s in ("a", "b", "c")])
    data.loc[data["scale"] == "b", "score"] += np.tile(np.arange(40) % 7, 2)[
        : (data["scale"] == "b").sum()
    ]
    together = paired_change(data).set_index("scale")
    apart = paired_change(data, families={"a": "primary", "b": "primary", "c": "secondary"})
    apart = apart.set_index("scale")
    # c alone in its family: its adjusted p is its p; a and b: Holm over two.
    assert apart.loc["c", "p_adjusted"] == pytest.approx(apart.loc["c", "p_value"])
    pair = adjust_p(together.loc[["a", "b"]].reset_index())["p_adjusted"].tolist()
    assert apart.loc[["a", "b"], "p_adjusted"].tolist() == pytest.approx(pair)
    assert apart["family"].to_dict() == {"a": "primary", "b": "primary", "c": "secondary"}
    assert "family" not in together.columns


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


PAIRED = ["paired", "paired_ties", "paired_small"]


@pytest.mark.parametrize("name", PAIRED)
def test_wilcoxon_and_rank_biserial_match_r(name, reference):
    ref = reference[name]
    row = paired_change(_long(name)).iloc[0]
    default = ref["wilcoxon"]["default"]
    assert bool(row["wilcoxon_exact"]) == default["exact_used"]
    assert row["wilcoxon_v"] == default["V"]
    assert row["wilcoxon_p"] == pytest.approx(default["p"], rel=1e-10)
    assert row["r_rb"] == pytest.approx(ref["rank_biserial"]["r"], rel=1e-12)
    assert [row["r_rb_ci_low"], row["r_rb_ci_high"]] == pytest.approx(
        ref["rank_biserial"]["ci"], rel=1e-10
    )


def test_exact_and_normal_wilcoxon_paths_are_both_exercised(reference):
    used = {reference[name]["wilcoxon"]["default"]["exact_used"] for name in PAIRED}
    assert used == {True, False}


def test_ties_need_the_rounded_differences(reference):
    # Unrounded float differences split ties and give R's DO_NOT_MATCH value; we do not.
    row = paired_change(_long("paired_ties")).iloc[0]
    wrong = reference["paired_ties"]["wilcoxon"]["raw_float_diff_DO_NOT_MATCH"]["V"]
    assert row["wilcoxon_v"] != wrong


@pytest.mark.parametrize("name", PAIRED)
def test_effect_sizes_and_their_intervals_match_r(name, reference):
    ref = reference[name]
    row = paired_change(_long(name)).iloc[0]
    assert [row["d_z_ci_low"], row["d_z_ci_high"]] == pytest.approx(
        ref["d_z"]["ci_ncp_uniroot"], rel=1e-9
    )
    # effectsize 0.8.3 itself stops its optimiser at about 1e-5 (tests/reference/README.md)
    assert [row["d_z_ci_low"], row["d_z_ci_high"]] == pytest.approx(
        ref["d_z"]["ci_effectsize"], rel=1e-6, abs=1e-6
    )
    d_av = ref["d_av"]
    assert row["d_av"] == pytest.approx(d_av["d"], rel=1e-12)
    assert row["g_av"] == pytest.approx(d_av["g_exact_df_n_minus_1"], rel=1e-12)
    assert [row["d_av_ci_low"], row["d_av_ci_high"]] == pytest.approx(
        d_av["normal_ci"]["ci_unadjusted"], rel=1e-12
    )
    assert [row["g_av_ci_low"], row["g_av_ci_high"]] == pytest.approx(
        d_av["normal_ci"]["ci_adjusted_J_exact"], rel=1e-12
    )


@pytest.mark.parametrize("name", PAIRED)
def test_shapiro_wilk_of_the_differences_matches_r(name, reference):
    row = paired_change(_long(name)).iloc[0]
    # scipy's and R's Shapiro-Wilk (both Royston's AS R94) agree to about 1e-9.
    assert row["shapiro_w"] == pytest.approx(reference[name]["shapiro"]["W"], rel=1e-8)
    assert row["shapiro_p"] == pytest.approx(reference[name]["shapiro"]["p"], rel=1e-7)


@pytest.mark.parametrize(("method", "key"), [("holm", "holm"), ("fdr_bh", "BH")])
def test_p_adjustment_matches_p_adjust(method, key, reference):
    table = pd.read_csv(REFERENCE / "pvalues.csv").rename(columns={"p": "p_value"})
    adjusted = adjust_p(table, method=method)["p_adjusted"]
    assert adjusted.tolist() == pytest.approx(reference["pvalues"][key], rel=1e-12)


def test_holm_is_applied_across_the_outcomes_of_each_wave(demo):
    change = demo.change()
    for _, part in change.groupby("wave", observed=True):
        expected = adjust_p(part[["p_value"]], method="holm")["p_adjusted"]
        assert part["p_adjusted"].tolist() == pytest.approx(expected.tolist())
    assert (change["p_adjusted"] >= change["p_value"]).all()
    bh = demo.change(adjust="fdr_bh")
    assert (bh["p_adjusted"] <= change["p_adjusted"] + 1e-15).all()
    with pytest.raises(ValueError, match="`method` must be one of"):
        adjust_p(change, method="sidak")


def test_reliable_change_by_hand(demo):
    individual = demo.reliable_change()
    who5 = demo.instruments["who5"]
    baseline = demo.scores.query("scale == 'who5' and wave == 'kickoff'")["score"].dropna()
    s_diff = np.sqrt(2) * baseline.std() * np.sqrt(1 - who5.reliability)
    final = individual.query("scale == 'who5' and wave == 'final'")
    assert final["reliability_source"].eq("definition").all()
    assert final["s_diff"].iloc[0] == pytest.approx(s_diff)
    assert final["rci"].tolist() == pytest.approx(
        ((final["post"] - final["pre"]) / s_diff).tolist()
    )
    improved = final["rci"] > 1.96
    assert (final.loc[improved, "reliable_change"] == "improved").all()
    assert (final.loc[final["rci"].abs() <= 1.96, "reliable_change"] == "no reliable change").all()
    recovered = final["clinical_change"] == "recovered"
    assert (final.loc[recovered, "pre"] <= 50).all() and (final.loc[recovered, "post"] > 50).all()
    assert improved[recovered].all()


def test_reliable_change_falls_back_to_the_baseline_alpha(demo):
    individual = demo.reliable_change()
    gse = individual.query("scale == 'gse'")
    alpha = demo.reliability().query("scale == 'gse' and wave == 'kickoff'")["alpha"].iloc[0]
    assert gse["reliability_source"].eq("baseline alpha").all()
    assert gse["reliability"].iloc[0] == pytest.approx(alpha)
    assert gse["clinical_change"].isna().all()  # the GSE has no cut-off


def test_lower_is_better_turns_the_direction():
    from impact.definitions import SHIPPED_INSTRUMENTS, load_instrument

    who5 = load_instrument(SHIPPED_INSTRUMENTS / "who5.yml")
    worse_when_high = who5.model_copy(update={"higher_is_better": False})
    data = pd.DataFrame(
        {
            "participant": list("abcdab"),
            "scale": "who5",
            "wave": ["kickoff"] * 4 + ["final"] * 2,
            "score": [40.0, 60, 20, 52, 72, 56],
        }
    )
    normal = reliable_change(data, {"who5": who5}).set_index("participant")
    turned = reliable_change(data, {"who5": worse_when_high}).set_index("participant")
    assert normal.loc["a", "reliable_change"] == "improved"
    assert turned.loc["a", "reliable_change"] == "deteriorated"


def test_reliable_change_counts_cover_every_category(demo):
    counts = demo.reliable_change_counts()
    final = counts.query("scale == 'who5' and wave == 'final' and kind == 'clinical_change'")
    assert final["category"].tolist() == ["recovered", "improved", "unchanged", "deteriorated"]
    individual = demo.reliable_change().query("scale == 'who5' and wave == 'final'")
    assert final["n"].sum() == len(individual) == final["total"].iloc[0]


def test_response_shift_recovers_the_demo_truth(demo):
    shift = demo.response_shift().set_index("comparison")
    assert set(shift.index) == {"pre_post", "then_post", "pre_then"}
    truth = TRUE_RESPONSE_SHIFT["competences"]
    pre_then = shift.loc["pre_then"]
    assert pre_then["ci_low"] <= truth <= pre_then["ci_high"]
    assert shift.loc["then_post", "mean_diff"] > shift.loc["pre_post", "mean_diff"]
    # pre vs post is the same comparison as the ordinary change at the final wave
    change = demo.change().query("scale == 'competences' and wave == 'final'").iloc[0]
    assert shift.loc["pre_post", "t"] == pytest.approx(change["t"])


def test_paired_statistics_with_too_few_pairs_are_missing_not_errors():
    row = paired_statistics(np.array([1.0]), np.array([2.0]))
    assert row["n"] == 1 and np.isnan(row["t"]) and np.isnan(row["d_z_ci_low"])
    row = paired_statistics(np.array([1.0, 2.0]), np.array([2.0, 3.0]))  # constant difference
    assert row["n"] == 2 and np.isnan(row["t"]) and np.isnan(row["shapiro_w"])


def test_d_z_interval_holds_for_large_t_in_tiny_groups():
    # scipy's nct.cdf returns NaN far from t; the interval must still be found (found in a
    # subgroup of four with a large t, where a wide bracket made brentq fail).
    from scipy import stats

    from impact.change import d_z_interval

    t, df, n = 40.0, 3, 4
    low, high = d_z_interval(t, df, n)
    assert low < t / np.sqrt(n) < high
    assert stats.nct.cdf(t, df, low * np.sqrt(n)) == pytest.approx(0.975, abs=1e-9)
    assert stats.nct.cdf(t, df, high * np.sqrt(n)) == pytest.approx(0.025, abs=1e-9)
