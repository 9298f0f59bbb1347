"""Tandems as dyads against R: cor.test, the one-way ICC, lmerTest with a tandem level,
the wave x group F-test, and the APIM of nlme::gls (tests/reference/make_reference.R)."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from impact.dyads import apim, change_interdependence, tandem_mixed_model
from impact.errors import InputError
from impact.longitudinal import wave_by_group

REFERENCE = Path(__file__).parent / "reference"


@pytest.fixture(scope="module")
def dyads():
    data = pd.read_csv(REFERENCE / "dyads.csv").assign(scale="score")
    registry = data.drop_duplicates("participant")[["participant", "tandem", "role", "site"]]
    return data, registry


def test_interdependence_of_change_matches_cor_test_and_the_anova_icc(dyads, reference):
    data, registry = dyads
    ref = reference["dyads"]["interdependence"]
    result = change_interdependence(
        data, registry, dyad="tandem", member="role", waves=["final"]
    ).set_index("method")
    pearson, icc = result.loc["pearson"], result.loc["intraclass"]
    assert pearson["n_dyads"] == ref["n_dyads"] and pearson["distinguishable"]
    assert pearson["members"] == "mentee|mentor"
    assert pearson["r"] == pytest.approx(ref["pearson"]["r"], rel=1e-10)
    assert pearson["statistic"] == pytest.approx(ref["pearson"]["t"], rel=1e-10)
    assert pearson["df1"] == ref["pearson"]["df"]
    assert pearson["p_value"] == pytest.approx(ref["pearson"]["p"], rel=1e-9)
    assert [pearson["ci_low"], pearson["ci_high"]] == pytest.approx(ref["pearson"]["ci"], rel=1e-9)
    assert icc["r"] == pytest.approx(ref["intraclass"]["icc"], rel=1e-10)
    assert icc["statistic"] == pytest.approx(ref["intraclass"]["f"], rel=1e-10)
    assert (icc["df1"], icc["df2"]) == (ref["intraclass"]["df1"], ref["intraclass"]["df2"])
    assert icc["p_value"] == pytest.approx(ref["intraclass"]["p"], rel=1e-9)
    # psych::ICC's ICC1 (its own sums of squares) agrees to about 1e-6
    assert icc["r"] == pytest.approx(ref["intraclass"]["icc_psych"], rel=1e-5)
    assert [icc["ci_low"], icc["ci_high"]] == pytest.approx(ref["intraclass"]["ci"], rel=1e-5)


def test_without_a_member_attribute_the_dyads_are_indistinguishable(dyads):
    data, registry = dyads
    result = change_interdependence(data, registry, dyad="tandem", waves=["final"])
    assert result["method"].tolist() == ["intraclass"]
    assert not result["distinguishable"].any()
    assert change_interdependence(data, registry, dyad="tandem", min_dyads=100).empty
    with pytest.raises(InputError, match="pairing"):
        change_interdependence(data, registry, dyad="team")


def test_tandem_level_model_matches_lmertest(dyads, reference):
    data, registry = dyads
    ref = reference["dyads"]["tandem_model"]
    result = tandem_mixed_model(data, registry, dyad="tandem")
    nested = result[result["model"] == "participant in dyad"].set_index("wave")
    simple = result[result["model"] == "participant"].set_index("wave")
    row = nested.iloc[0]
    assert row["var_dyad"] == pytest.approx(ref["var_tandem"], rel=1e-4)
    assert row["var_participant"] == pytest.approx(ref["var_participant"], rel=1e-4)
    assert row["var_residual"] == pytest.approx(ref["var_residual"], rel=1e-4)
    for wave in ["milestone-1", "milestone-2", "final"]:
        key = f"wave{wave}"
        assert nested.loc[wave, "diff"] == pytest.approx(ref["estimate"][key], rel=1e-4)
        assert nested.loc[wave, "diff_se"] == pytest.approx(ref["se"][key], rel=1e-4)
        assert nested.loc[wave, "diff_df"] == pytest.approx(ref["df"][key], rel=1e-4)
        other = ref["participant_only"]
        assert simple.loc[wave, "diff"] == pytest.approx(other["estimate"][key], rel=1e-4)
        assert simple.loc[wave, "diff_se"] == pytest.approx(other["se"][key], rel=1e-4)
        assert simple.loc[wave, "diff_df"] == pytest.approx(other["df"][key], rel=1e-4)
    assert set(result["n_dyads"]) == {32} and set(result["n_participants"]) == {64}


@pytest.mark.parametrize("by", ["site", "role"])
def test_wave_by_group_matches_lmertest_type_iii_anova(dyads, reference, by):
    data, registry = dyads
    ref = reference["dyads"]["wave_by_group"][by]
    row = wave_by_group(data, registry, by=by).iloc[0]
    assert row["f"] == pytest.approx(ref["f"], rel=1e-6)
    assert row["df1"] == ref["df1"]
    assert row["df2"] == pytest.approx(ref["df2"], rel=1e-4)
    assert row["p_value"] == pytest.approx(ref["p"], rel=1e-4)
    assert row["n_groups"] == len(ref["group_sizes"])


def test_wave_by_group_leaves_small_groups_out(dyads):
    data, registry = dyads
    sizes = registry["site"].value_counts()
    result = wave_by_group(data, registry, by="site", min_group_size=int(sizes.min()) + 1)
    assert result["groups_left_out"].iloc[0] == 1 and result["n_groups"].iloc[0] == 2
    assert wave_by_group(data, registry, by="site", min_group_size=1000).empty


def test_apim_matches_nlme_gls(dyads, reference):
    data, registry = dyads
    ref = reference["dyads"]["apim"]
    result = apim(data, registry, dyad="tandem", member="role", end="final")
    assert set(result["n_dyads"]) == {ref["n_dyads"]}
    assert set(result["df"]) == {ref["df"]}
    names = {"intercept": "role{m}", "actor": "role{m}:actor", "partner": "role{m}:partner"}
    for _, row in result.iterrows():
        key = names[row["effect"]].format(m=row["member"])
        assert row["estimate"] == pytest.approx(ref["estimate"][key], rel=1e-6), key
        assert row["se"] == pytest.approx(ref["se"][key], rel=1e-6), key
        assert row["t"] == pytest.approx(ref["t"][key], rel=1e-6), key
        assert row["p_value"] == pytest.approx(ref["p"][key], rel=1e-5), key
        assert [row["ci_low"], row["ci_high"]] == pytest.approx(ref["ci"][key], rel=1e-6), key
        assert row["residual_sd"] == pytest.approx(ref["residual_sd"][row["member"]], rel=1e-6)
    assert result["residual_correlation"].iloc[0] == pytest.approx(
        ref["residual_correlation"], rel=1e-6
    )


def test_apim_needs_distinguishable_members(dyads):
    data, registry = dyads
    same = registry.assign(role="member")
    assert apim(data, same, dyad="tandem", member="role", end="final").empty


def test_demo_tandems(demo):
    together = demo.dyadic_change(dyad="tandem", member="role")
    assert set(together["method"]) == {"pearson", "intraclass"}
    assert together["n_dyads"].between(10, 26).all()
    nested = demo.tandem_model(dyad="tandem")
    assert set(nested["model"]) == {"participant", "participant in dyad"}
    effects = demo.apim(dyad="tandem", member="role")
    assert set(effects["member"]) == {"mentor", "mentee"}
    # partnership is first asked at a milestone: its APIM starts there
    assert set(effects.query("scale == 'partnership'")["start"]) == {"milestone-1"}
    assert np.isfinite(effects["ci_low"]).all()
