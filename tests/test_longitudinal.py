"""Mixed model, completers and attrition against lme4 and R (tests/reference/)."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from statsmodels.tools.sm_exceptions import ConvergenceWarning

from impact.demo import TRUE_CHANGE
from impact.errors import ArgumentError
from impact.longitudinal import (
    attrition,
    completers,
    completers_change,
    fit_mixed_model,
    fixed_effects_vcov,
    mixed_model_means,
)

REFERENCE = Path(__file__).parent / "reference"
WAVES = ["kickoff", "milestone-1", "milestone-2", "final"]


@pytest.fixture(scope="module")
def long():
    data = pd.read_csv(REFERENCE / "long.csv")
    data["wave"] = pd.Categorical(data["wave"], WAVES, ordered=True)
    data["scale"] = "score"
    return data


def test_fixed_effects_and_variances_match_lmer(long, reference):
    ref = reference["long"]
    fit = fit_mixed_model(long, waves=WAVES)
    assert fit.converged
    estimates = list(ref["fixed_effects"]["estimate"].values())
    assert fit.fe_params.tolist() == pytest.approx(estimates, rel=1e-6)
    # statsmodels' and lme4's optimisers stop at different points of a flat REML surface:
    # the variance components agree to about 1e-6 relative, so we test 1e-5.
    assert float(fit.cov_re.iloc[0, 0]) == pytest.approx(ref["random_intercept_variance"], rel=1e-5)
    assert float(fit.scale) == pytest.approx(ref["residual_variance"], rel=1e-5)
    assert np.asarray(fixed_effects_vcov(fit)) == pytest.approx(np.array(ref["vcov"]), rel=1e-5)


def test_wave_means_and_wald_intervals_match_lmer(long, reference):
    ref = reference["long"]
    means = mixed_model_means(long, df_method="normal").set_index("wave")
    for wave in WAVES:
        expected = ref["wave_means"][wave]
        row = means.loc[wave]
        assert row["n_obs"] == ref["n_obs_per_wave"][wave]
        assert row["estimate"] == pytest.approx(expected["estimate"], rel=1e-6)
        assert row["se"] == pytest.approx(expected["se"], rel=1e-5)
        assert [row["ci_low"], row["ci_high"]] == pytest.approx(expected["ci"], rel=1e-6)
    assert means.loc["final", "diff"] == pytest.approx(
        ref["fixed_effects"]["estimate"]["wavefinal"], rel=1e-6
    )
    assert means.loc["final", "diff_se"] == pytest.approx(
        ref["fixed_effects"]["se"]["wavefinal"], rel=1e-5
    )
    assert means["icc"].iloc[0] == pytest.approx(ref["icc"], rel=1e-5)
    assert np.isnan(means.loc["kickoff", "diff"])


def test_statsmodels_own_covariance_would_miss_lme4(long, reference):
    # Why fixed_effects_vcov exists: the Hessian-based cov_params differs by ~1e-3.
    fit = fit_mixed_model(long, waves=WAVES)
    theirs = fit.cov_params().iloc[:4, :4].to_numpy()
    assert np.abs(theirs / np.array(reference["long"]["vcov"]) - 1).max() > 1e-4


def test_completers_answered_every_wave(long):
    subset = completers(long, waves=WAVES)
    per_person = subset.groupby("participant")["wave"].nunique()
    assert (per_person == 4).all()
    everyone = long.groupby("participant")["wave"].nunique()
    assert len(per_person) == int((everyone == 4).sum())
    change = completers_change(long, waves=WAVES)
    assert change["n"].tolist() == [len(per_person)] * 3


def test_attrition_matches_welch_t_test_and_hedges_g(long, reference):
    ref = reference["attrition"]
    row = attrition(long, baseline="kickoff", last="final").iloc[0]
    assert row["n_stayers"] == ref["n_stayers"] and row["n_leavers"] == ref["n_leavers"]
    assert row["mean_stayers"] == pytest.approx(ref["mean_stayers"], rel=1e-12)
    assert row["diff"] == pytest.approx(ref["mean_leavers"] - ref["mean_stayers"], rel=1e-12)
    assert row["t"] == pytest.approx(ref["t"], rel=1e-10)
    assert row["df"] == pytest.approx(ref["df"], rel=1e-10)
    assert row["p_value"] == pytest.approx(ref["p"], rel=1e-8)
    assert row["g"] == pytest.approx(ref["g"], rel=1e-10)


def test_demo_mixed_model_uses_every_response_and_recovers_the_truth(demo):
    means = demo.mixed_model()
    who5 = means.query("scale == 'who5'").set_index("wave")
    scores = demo.scores.query("scale == 'who5' and frame == 'now'").dropna(subset=["score"])
    assert who5["n_obs"].sum() == len(scores)
    final = who5.loc["final"]
    assert final["diff_ci_low"] <= TRUE_CHANGE["who5"]["final"] <= final["diff_ci_high"]
    assert who5["converged"].all()
    # partnership has no kick-off: its reference level is the first milestone
    partnership = means.query("scale == 'partnership'")
    assert partnership["wave"].astype(str).tolist()[0] == "milestone-1"


def test_demo_completers_and_attrition(demo):
    change = demo.completers_change()
    full = demo.change()
    merged = change.merge(full, on=["scale", "wave"], suffixes=("_completers", "_all"))
    assert (merged["n_completers"] <= merged["n_all"]).all()
    table = demo.attrition()
    baseline = demo.scores.query("wave == 'kickoff' and scale == 'who5'")["score"].notna().sum()
    who5 = table.set_index("scale").loc["who5"]
    assert who5["n_stayers"] + who5["n_leavers"] == baseline
    assert who5["n_leavers"] > 0


def test_fit_mixed_model_refuses_several_scales_and_names_columns(long):
    two = pd.concat([long.assign(scale="who5"), long.assign(scale="swls")])
    with pytest.raises(ArgumentError, match=r"`data` holds 2 scales \['swls', 'who5'\]"):
        fit_mixed_model(two, waves=WAVES)
    with pytest.raises(ArgumentError, match=r"`dv` must be a column of `data` .*got 'Score'"):
        fit_mixed_model(long, waves=WAVES, dv="Score")
    with pytest.raises(ArgumentError, match=r"`waves` names \['closing'\]"):
        fit_mixed_model(long, waves=["kickoff", "closing"])
    fit = fit_mixed_model(long[long["scale"] == "score"], waves=WAVES)
    assert "C(wave)[T.final]" in fit.summary().as_text()


def test_fit_mixed_model_surfaces_the_optimiser_warnings():
    # No spread between participants: the variance estimate lies on the boundary.
    rng = np.random.default_rng(1)
    data = pd.DataFrame(
        {
            "participant": np.repeat(np.arange(30), 2),
            "wave": ["kickoff", "final"] * 30,
            "score": rng.normal(size=60),
        }
    )
    with pytest.warns(ConvergenceWarning, match="boundary"):
        fit = fit_mixed_model(data, waves=["kickoff", "final"])
    assert any("boundary" in message for message in fit.fit_warnings)
