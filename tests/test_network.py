"""Collaboration matrix and E–I index: hand computations and the demo's known truth."""

import numpy as np
import pandas as pd
import pytest

from impact.definitions import SHIPPED_INSTRUMENTS, load_instrument
from impact.demo import COLLABORATION_EXTERNAL, COLLABORATION_INTERNAL
from impact.network import cohort_ei, collaboration_matrix, ei_change, ei_index


@pytest.fixture(scope="module")
def collaboration():
    return load_instrument(SHIPPED_INSTRUMENTS / "collaboration.yml")


def _responses(rows):
    table = pd.DataFrame(rows, columns=["participant", "wave", "item", "value"])
    return table.assign(instrument="collaboration", frame="now")


def test_e_i_index_by_hand(collaboration):
    responses = _responses(
        [
            ("a", "kickoff", "city", 4.0),
            ("a", "kickoff", "culture", 1.0),
            ("a", "kickoff", "company", np.nan),  # blank: missing, not zero
            ("b", "kickoff", "culture", 0.0),
            ("b", "kickoff", "city", 0.0),
            ("c", "kickoff", "city", 3.0),  # no count for own sector: no index
        ]
    )
    registry = pd.DataFrame(
        {"participant": ["a", "b", "c"], "Bereich": ["city", "culture", "investor"]}
    )
    ei = ei_index(responses, collaboration, registry=registry, sector="Bereich").set_index(
        "participant"
    )
    assert ei.loc["a", ["internal", "external", "total"]].tolist() == [4.0, 1.0, 5.0]
    assert ei.loc["a", "ei"] == pytest.approx((1 - 4) / 5)
    assert np.isnan(ei.loc["b", "ei"])  # worked with nobody
    assert "c" not in ei.index


def test_cohort_index_pools_counts(collaboration):
    ei = pd.DataFrame(
        {"wave": "k", "internal": [8.0, 0.0], "external": [2.0, 1.0], "ei": [-0.6, 1.0]}
    )
    row = cohort_ei(ei).iloc[0]
    assert row["ei"] == pytest.approx((3 - 8) / 11)
    assert row["mean_ei"] == pytest.approx(0.2)


def test_matrix_sums_counts_by_sector_pair(collaboration):
    responses = _responses(
        [
            ("a", "final", "city", 4.0),
            ("a", "final", "culture", 1.0),
            ("b", "final", "culture", 2.0),
            ("c", "final", "culture", 5.0),
        ]
    )
    registry = pd.DataFrame(
        {"participant": list("abc"), "Arbeitsfeld": ["city", "city", "culture"]}
    )
    matrix = collaboration_matrix(
        responses, collaboration, registry=registry, sector="Arbeitsfeld", k=2
    )
    cell = matrix.set_index(["from_sector", "to_sector"])
    assert cell.loc[("city", "culture"), "contacts"] == 3.0
    assert cell.loc[("city", "culture"), "respondents"] == 2
    assert cell.loc[("culture", "culture"), "suppressed"]
    assert not cell.loc[("city", "city"), "suppressed"]
    assert len(matrix) == len(collaboration.items) * len(set(matrix["from_sector"]))
    assert matrix["contacts"].sum() == 12.0


def test_bootstrap_is_reproducible_and_brackets_the_estimate():
    rng = np.random.default_rng(1)
    n = 30
    ei = pd.DataFrame(
        {
            "participant": np.tile(np.arange(n), 2),
            "wave": ["kickoff"] * n + ["final"] * n,
            "internal": rng.poisson(5, 2 * n).astype(float),
            "external": np.r_[rng.poisson(3, n), rng.poisson(8, n)].astype(float),
        }
    )
    ei["ei"] = (ei["external"] - ei["internal"]) / (ei["external"] + ei["internal"])
    first = ei_change(ei, baseline="kickoff")
    again = ei_change(ei, baseline="kickoff")
    pd.testing.assert_frame_equal(first, again)
    row = first.iloc[0]
    assert row["ci_low"] < row["ei_diff"] < row["ci_high"]
    assert row["mean_ci_low"] < row["mean_diff"] < row["mean_ci_high"]
    other = ei_change(ei, baseline="kickoff", seed=7).iloc[0]
    assert other["ci_low"] != row["ci_low"]


def test_demo_e_i_index_rises_as_generated(demo):
    cohort = demo.cohort_ei().set_index("wave")
    truth = {
        wave: (external - COLLABORATION_INTERNAL) / (external + COLLABORATION_INTERNAL)
        for wave, external in COLLABORATION_EXTERNAL.items()
    }
    assert cohort.loc["kickoff", "ei"] == pytest.approx(truth["kickoff"], abs=0.12)
    assert cohort.loc["final", "ei"] == pytest.approx(truth["final"], abs=0.12)
    change = demo.ei_change().set_index("wave").loc["final"]
    assert change["ci_low"] > 0
    assert change["ci_low"] <= truth["final"] - truth["kickoff"] <= change["ci_high"]


def test_demo_matrix_flags_small_sectors(demo):
    matrix = demo.collaboration_matrix()
    k = demo.survey.privacy.min_group_size
    assert (matrix["suppressed"] == (matrix["respondents"] < k)).all()
    assert matrix["suppressed"].any() and not matrix["suppressed"].all()
