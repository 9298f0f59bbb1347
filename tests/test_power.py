"""Design sensitivity against R's power.t.test (tests/reference/)."""

import pandas as pd
import pytest

from impact.power import design_sensitivity, min_detectable_d_z


@pytest.mark.parametrize("key", ["n40", "n25", "n12"])
def test_smallest_detectable_d_z_matches_power_t_test(key, reference):
    ref = reference["power"][key]
    ours = min_detectable_d_z(ref["n"])
    # statsmodels counts both rejection tails, as power.t.test(strict = TRUE) does
    assert ours == pytest.approx(ref["delta_strict"], rel=1e-9)
    # R's default (strict = FALSE) ignores the far tail: 1e-6 apart at these n
    assert ours == pytest.approx(ref["delta"], rel=2e-6)


def test_more_pairs_detect_smaller_effects():
    values = [min_detectable_d_z(n) for n in (10, 20, 40, 80)]
    assert values == sorted(values, reverse=True)
    assert min_detectable_d_z(40, power=0.9) > min_detectable_d_z(40)


def test_design_sensitivity_adds_a_column(demo):
    table = design_sensitivity(pd.DataFrame({"n": [12, 40]}))
    assert table["min_d_z"].tolist() == pytest.approx([0.8886542, 0.4542569], rel=1e-6)
    demo_table = demo.design_sensitivity()
    assert len(demo_table) == len(demo.change())
    assert (demo_table["min_d_z"].between(0.3, 0.6)).all()
