import numpy as np
import pandas as pd
import pytest

from impact.definitions import SHIPPED_INSTRUMENTS, load_instrument
from impact.score import band_labels, score


@pytest.fixture(scope="module")
def instruments():
    return {p.stem: load_instrument(p) for p in SHIPPED_INSTRUMENTS.glob("*.yml")}


def _responses(instrument, values, frame="now"):
    return pd.DataFrame(
        {
            "participant": "P1",
            "wave": "kickoff",
            "instrument": instrument,
            "item": [f"i{i}" for i in range(1, len(values) + 1)],
            "frame": frame,
            "value": values,
        }
    )


def test_who5_is_sum_times_four(instruments):
    result = score(_responses("who5", [5, 5, 5, 5, 5]), instruments)
    assert result["score"].tolist() == [100.0]


def test_a_sum_is_prorated_when_enough_items_are_valid(instruments):
    result = score(_responses("swls", [4, 6, np.nan, 5, 5]), instruments)
    assert result["score"].iloc[0] == pytest.approx(25.0)  # mean 5 × 5 items
    assert result["n_valid"].iloc[0] == 4


def test_too_few_valid_items_give_a_missing_score(instruments):
    result = score(_responses("swls", [4, np.nan, np.nan, 5, 5]), instruments)
    assert np.isnan(result["score"].iloc[0])
    assert result["n_valid"].iloc[0] == 3


def test_then_ratings_are_their_own_scale(demo):
    scales = set(demo.scores["scale"])
    assert {"who5", "swls", "competences", "competences_then"} <= scales
    then = demo.scores[demo.scores["scale"] == "competences_then"]
    assert set(then["wave"].astype(str)) == {"final"}


def test_demo_scores_lie_in_their_ranges(demo):
    for scale, part in demo.scores.dropna(subset=["score"]).groupby("scale"):
        low, high = demo.instruments[part["instrument"].iloc[0]].score_range()
        assert part["score"].between(low, high).all(), scale


def test_scores_match_a_hand_computation(demo):
    r = demo.responses.query("instrument == 'who5' and frame == 'now'")
    by_hand = r.groupby(["participant", "wave"], observed=True)["value"].agg(["mean", "count"])
    by_hand = (by_hand["mean"] * 5 * 4).where(by_hand["count"] >= 4)
    ours = demo.scores.query("scale == 'who5'").set_index(["participant", "wave"])["score"]
    pd.testing.assert_series_equal(
        ours.sort_index(), by_hand.rename("score").sort_index(), check_names=False
    )


def test_who5_bands_follow_the_published_cut_offs(instruments):
    labels = band_labels(pd.Series([28.0, 32.0, 50.0, 52.0]), instruments["who5"], "de")
    assert labels.str.startswith(("Hinweis", "geringes", "geringes", "gutes")).all()
    assert labels.iloc[0].startswith("Hinweis") and labels.iloc[3].startswith("gutes")
