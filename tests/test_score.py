import dataclasses

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from impact.definitions import SHIPPED_INSTRUMENTS, load_instrument
from impact.items import KeptItems
from impact.score import band_labels, score, score_items


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
    labels = band_labels(pd.Series([28.0, 32.0, 50.0, 52.0]), instruments["who5"], language="de")
    assert labels.str.startswith(("Hinweis", "geringes", "geringes", "gutes")).all()
    assert labels.iloc[0].startswith("Hinweis") and labels.iloc[3].startswith("gutes")


def test_single_items_are_scores_of_their_own(demo):
    cantril = demo.scores.query("instrument == 'cantril'")
    assert set(cantril["scale"]) == {"cantril_now", "cantril_future"}
    assert (cantril["n_items"] == 1).all()
    raw = demo.responses.query("instrument == 'cantril' and item == 'future'")
    ours = cantril.query("scale == 'cantril_future'").set_index(["participant", "wave"])["score"]
    expected = raw.set_index(["participant", "wave"])["value"]
    pd.testing.assert_series_equal(ours.sort_index(), expected.sort_index(), check_names=False)


def test_cantril_categories_follow_the_gallup_rules(instruments):
    from impact.score import categories

    scores = pd.DataFrame(
        {
            "participant": np.repeat(list("abcde"), 2),
            "wave": "kickoff",
            "scale": ["cantril_now", "cantril_future"] * 5,
            "score": [7, 8, 7, 7, 4, 4, 4, 5, 9, np.nan],
        }
    )
    result = categories(scores, instruments["cantril"]).set_index("participant")["category"]
    assert result.to_dict() == {
        "a": "thriving",
        "b": "struggling",
        "c": "suffering",
        "d": "struggling",
    }  # e lacks the future rung


def test_demo_category_counts_add_up(demo):
    counts = demo.category_counts("cantril", "de")
    assert set(counts["category"]) == {"aufblühend", "kämpfend", "leidend"}
    per_wave = counts.groupby("wave", observed=True)["n"].sum()
    assert (per_wave == counts.groupby("wave", observed=True)["total"].first()).all()


def test_demo_bands_cover_every_scored_participant(demo):
    bands = demo.bands()
    who5 = bands.query("scale == 'who5' and wave == 'kickoff'")
    assert who5["band"].tolist() == [
        "likely depression",
        "poor well-being",
        "good well-being",
    ]
    scored = demo.scores.query("scale == 'who5' and wave == 'kickoff'")["score"].notna().sum()
    assert who5["n"].sum() == scored
    assert set(bands["scale"]) == {"who5", "swls"}


def test_gse_is_a_prorated_sum(instruments):
    gse = instruments["gse"]
    assert gse.score_range() == (10, 40)
    values = [3, 3, 3, 3, 3, 3, 3, np.nan, np.nan, np.nan]
    result = score(
        pd.DataFrame(
            {
                "participant": "P1",
                "wave": "kickoff",
                "instrument": "gse",
                "item": gse.item_ids,
                "frame": "now",
                "value": values,
            }
        ),
        instruments,
    )
    assert result["score"].iloc[0] == pytest.approx(30.0)


TEXT_COLUMNS = ["participant", "instrument", "item", "frame"]


def _by_groupby(responses: pd.DataFrame, instruments: dict) -> pd.DataFrame:
    """score() as it was before it ran over integer codes (per instrument, pandas groupby)."""
    parts = []
    for instrument_id, part in responses.groupby("instrument", observed=True, sort=True):
        instrument = instruments[str(instrument_id)]
        if instrument.kind == "single":
            table = part[["participant", "wave", "frame", "item", "value"]].copy()
            table["n_valid"] = table["value"].notna().astype(int)
            table["score"] = table["value"] * instrument.scoring.multiply + instrument.scoring.add
            name = instrument.id + "_" + table["item"].astype(str)
            frame = table["frame"].astype(str)
            table["scale"] = name.where(frame.eq("now"), name + "_" + frame)
            table["n_items"] = 1
        elif instrument.kind == "scale":
            grouped = part.groupby(["participant", "wave", "frame"], observed=True)["value"]
            table = grouped.agg(mean="mean", n_valid="count").reset_index()
            per_item = table["mean"].where(table["n_valid"] >= instrument.min_items)
            n = len(instrument.items)
            raw = per_item * n if instrument.scoring.method == "sum" else per_item
            table["score"] = raw * instrument.scoring.multiply + instrument.scoring.add
            frame = table["frame"].astype(str)
            table["scale"] = (instrument.id + "_" + frame).where(frame.ne("now"), instrument.id)
            table["n_items"] = n
        else:
            continue
        table["instrument"] = instrument.id
        parts.append(
            table[
                ["participant", "wave", "scale", "instrument", "frame", "score"]
                + ["n_valid", "n_items"]
            ]
        )
    result = pd.concat(parts, ignore_index=True)
    result = result.astype({c: str for c in ("participant", "scale", "instrument", "frame")})
    return result.sort_values(["scale", "wave", "participant"], ignore_index=True)


def _as_text(table: pd.DataFrame) -> pd.DataFrame:
    columns = [c for c in [*TEXT_COLUMNS, "scale"] if c in table]
    return table.astype({c: str for c in columns})


def test_scores_equal_a_groupby_per_instrument(demo):
    ours = _as_text(demo.scores)
    pd.testing.assert_frame_equal(ours, _by_groupby(demo.responses, demo.instruments))
    assert len(ours) > 1000 and ours["score"].notna().mean() > 0.9


def test_scores_of_text_columns_equal_those_of_categoricals(demo):
    text = _as_text(demo.responses)
    assert not isinstance(text["participant"].dtype, pd.CategoricalDtype)
    pd.testing.assert_frame_equal(score(text, demo.instruments), demo.scores)


def test_score_columns_are_categoricals_sorted_as_text(demo):
    scores = demo.scores
    for column in ("participant", "scale", "instrument", "frame"):
        dtype = scores[column].dtype
        assert isinstance(dtype, pd.CategoricalDtype) and not dtype.ordered, column
        assert dtype.categories.is_monotonic_increasing, column
    assert scores["wave"].dtype == demo.responses["wave"].dtype and scores["wave"].cat.ordered
    assert scores["scale"].cat.categories.tolist() == sorted(set(scores["scale"].astype(str)))
    keys = pd.DataFrame(
        {
            "scale": scores["scale"].astype(str),
            "wave": scores["wave"].cat.codes,
            "participant": scores["participant"].astype(str),
        }
    )
    assert keys.equals(keys.sort_values(["scale", "wave", "participant"]))
    assert scores[["score"]].dtypes.eq("float64").all()
    assert scores[["n_valid", "n_items"]].dtypes.eq("int64").all()


def test_unsorted_categories_still_give_rows_sorted_by_text(instruments):
    responses = pd.concat(
        [_responses("who5", [5, 5, 5, 5, 5]).assign(participant=p) for p in ("b", "a")],
        ignore_index=True,
    )
    responses["participant"] = pd.Categorical(responses["participant"], categories=["b", "a"])
    result = score(responses, instruments)
    assert result["participant"].astype(str).tolist() == ["a", "b"]
    assert result["participant"].cat.categories.tolist() == ["a", "b"]


def test_a_single_item_answered_twice_gives_two_scores_in_row_order(instruments):
    responses = pd.DataFrame(
        {
            "participant": "P1",
            "wave": "kickoff",
            "instrument": "cantril",
            "item": ["now", "future", "now"],
            "frame": "now",
            "value": [7.0, 9.0, 4.0],
        }
    )
    result = score(responses, instruments)
    assert result["scale"].astype(str).tolist() == ["cantril_future", "cantril_now", "cantril_now"]
    assert result["score"].tolist() == [9.0, 7.0, 4.0]
    expected = _by_groupby(responses, instruments)
    pd.testing.assert_frame_equal(_as_text(result), expected)


def test_instruments_that_are_not_scales_are_not_scored(demo):
    kinds = {i: inst.kind for i, inst in demo.instruments.items()}
    scored = set(demo.scores["instrument"].astype(str))
    assert {kinds[i] for i in scored} == {"scale", "single"}
    unscored = {str(i) for i in demo.responses["instrument"].unique()} - scored
    assert unscored and {kinds[i] for i in unscored} <= {"counts", "multiselect", "text"}


def test_waves_keep_the_order_of_their_categories(instruments):
    responses = pd.concat(
        [_responses("who5", [5, 4, 3, 2, 1]).assign(wave=w) for w in ("final", "kickoff")],
        ignore_index=True,
    )
    for ordered in (True, False):
        waves = pd.CategoricalDtype(["kickoff", "final"], ordered=ordered)
        result = score(responses.astype({"wave": waves}), instruments)
        assert result["wave"].dtype == waves
        assert result["wave"].astype(str).tolist() == ["kickoff", "final"]
    pd.testing.assert_frame_equal(
        _as_text(score(responses.astype({"wave": waves}), instruments)),
        _by_groupby(responses.astype({"wave": waves}), instruments),
    )


# ----------------------------------------------------- scores from the kept item matrices

_TARGETS = [  # (instrument, frame, item): scales in both frames, single items, a text
    *[("swls", "now", f"i{i}") for i in range(1, 6)],
    *[("competences", f, f"c{i}") for f in ("now", "then") for i in range(1, 7)],
    ("cantril", "now", "now"),
    ("cantril", "now", "future"),
    ("feedback", "now", "best"),
]


@st.composite
def _kept_items(draw):
    """Exports of random width (items in any order, some mapped twice), values with NaN
    and fractions, several exports per wave, random kept rows and participants; with
    ``deduplicated`` each participant is kept at most once per wave, as cleaning keeps them.
    """
    waves = pd.CategoricalDtype(["kickoff", "milestone-1", "final"], ordered=True)
    values, wave_of, participants, kept = [], [], [], []
    for _ in range(draw(st.integers(1, 4))):
        columns = draw(st.lists(st.sampled_from(_TARGETS), min_size=0, max_size=8))
        rows = draw(st.integers(0, 6))
        cells = draw(
            st.lists(
                st.one_of(st.just(np.nan), st.integers(0, 7), st.floats(0, 7, width=16)),
                min_size=rows * len(columns),
                max_size=rows * len(columns),
            )
        )
        matrix = np.asarray(cells, dtype=float).reshape((rows, len(columns)), order="F")
        values.append((matrix, columns))
        wave_of += [draw(st.sampled_from(list(waves.categories)))] * rows
        participants += draw(st.lists(st.sampled_from("ABCDE"), min_size=rows, max_size=rows))
        kept += draw(st.lists(st.booleans(), min_size=rows, max_size=rows))
    submissions = pd.DataFrame({"wave": wave_of, "participant": participants})
    kept = np.array(kept, dtype=bool)
    deduplicated = draw(st.booleans())
    if deduplicated:
        kept &= ~(submissions[kept].duplicated().reindex(submissions.index, fill_value=False))
    single_twice = any(
        len(c) > len(set(c)) and any(c.count(t) > 1 for t in c if t[0] == "cantril")
        for _, c in values
    )
    items = KeptItems.of_submissions(values, submissions, kept, waves)
    return items, deduplicated and not single_twice


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=_kept_items())
def test_scores_of_the_matrices_equal_those_of_the_long_table(case, instruments):
    kept, one_row_per_scale = case
    fast = score_items(kept, instruments)
    if one_row_per_scale:
        assert fast is not None
    if fast is not None:  # None only where a scale has two kept rows in a wave
        pd.testing.assert_frame_equal(fast, score(kept.long_table(), instruments))


def test_programme_scores_come_from_the_matrices_without_building_the_long_table(demo_copy):
    from impact.pipeline import load_programme

    programme = load_programme(demo_copy)
    scores = programme.scores
    assert "responses" not in vars(programme.cleaned)  # not written yet
    pd.testing.assert_frame_equal(scores, score(programme.responses, programme.instruments))
    assert "responses" in vars(programme.cleaned)


def test_responses_given_as_a_table_are_the_table_and_scored_from_it(demo):
    head = demo.responses.head(100)
    replaced = dataclasses.replace(demo.cleaned, responses=head)
    assert replaced.kept_items is None
    assert len(replaced.responses) == 100
    programme = dataclasses.replace(demo, cleaned=replaced)
    pd.testing.assert_frame_equal(programme.scores, score(head, demo.instruments))
    assert programme.scores["participant"].nunique() < demo.scores["participant"].nunique()


def test_programme_scores_fall_back_to_the_long_table(demo, monkeypatch):
    import impact.pipeline

    monkeypatch.setattr(impact.pipeline, "score_items", lambda kept, instruments: None)
    programme = dataclasses.replace(demo)  # a new instance: no cached scores
    pd.testing.assert_frame_equal(programme.scores, demo.scores)
