"""Property-based tests of the cleaning rules (Hypothesis)."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from impact.clean import accounting, clean, recode, reverse_key
from impact.definitions import SHIPPED_INSTRUMENTS, load_instrument, load_survey
from impact.score import score

INSTRUMENTS = {p.stem: load_instrument(p) for p in sorted(SHIPPED_INSTRUMENTS.glob("*.yml"))}
SCALES = [i for i in INSTRUMENTS.values() if i.kind == "scale" and i.response is not None]


@st.composite
def scale_values(draw):
    low = draw(st.integers(-3, 3))
    high = draw(st.integers(low + 1, low + 10))
    values = draw(st.lists(st.integers(low, high) | st.just(None), max_size=30))
    return low, high, pd.Series(values, dtype=float)


@given(scale_values())
def test_reverse_keying_twice_is_the_identity(case):
    low, high, values = case
    once = reverse_key(values, low=low, high=high)
    assert once.dropna().between(low, high).all()
    pd.testing.assert_series_equal(reverse_key(once, low=low, high=high), values)


@given(
    st.dictionaries(st.integers(-9, 20), st.integers(-50, 50), min_size=1, max_size=12).filter(
        lambda m: len(set(m.values())) == len(m)
    ),
    st.data(),
)
def test_recoding_with_a_mapping_and_its_inverse_round_trips(mapping, data):
    codes = data.draw(st.lists(st.sampled_from(sorted(mapping)), max_size=30))
    values = pd.Series(codes, dtype=float)
    there = recode(values, mapping)
    assert there.tolist() == [float(mapping[int(c)]) for c in codes]
    inverse = {v: k for k, v in mapping.items()}
    pd.testing.assert_series_equal(recode(there, inverse), values)


@st.composite
def scale_responses(draw):
    instrument = draw(st.sampled_from(SCALES))
    low, high = int(instrument.response.min), int(instrument.response.max)
    people = draw(st.integers(1, 6))
    rows = []
    for person in range(people):
        for item in instrument.item_ids:
            value = draw(st.integers(low, high) | st.just(None))
            rows.append((f"P{person}", "kickoff", instrument.id, item, "now", value))
    columns = ["participant", "wave", "instrument", "item", "frame", "value"]
    return instrument, pd.DataFrame(rows, columns=columns).astype({"value": float})


@given(scale_responses())
def test_scores_stay_within_their_scales_range(case):
    instrument, responses = case
    scores = score(responses, {instrument.id: instrument})["score"].dropna()
    low, high = instrument.score_range()
    assert scores.between(low - 1e-9, high + 1e-9).all()


REGISTRY = ["AB01CD", "EF02GH", "IK03LM", "NO04PR", "ST05UW", "ZA06BC"]
SURVEY = """
programme: {id: prop, name: property test}
instruments: [who5, competences]
registry: {file: registry.csv, key: code}
missing_codes: [-9]
quality: {straightlining: %s, speeders: %s, duplicates: %s, incomplete: %s}
mappings:
  sosci:
    key: IC01_01
    columns: {WB01_01: who5.i1, WB01_02: who5.i2, KO01_01: competences.c1,
              KO01_05: competences.c5}
waves:
  - {id: kickoff, date: 2024-01-01, label: K, files: [{path: k.csv, mapping: sosci}]}
  - {id: final, date: 2024-12-01, label: F, files: [{path: f.csv, mapping: sosci}]}
"""
CELL = st.sampled_from(["", "-9", "-1", "0", "1", "3", "5", "7", "99", "2,0", " 4 "])
KEY = st.sampled_from(REGISTRY) | st.sampled_from(["ab01cd", " EF02GH", "AB01CE", "QQ99QQ", ""])


@st.composite
def export(draw, questionnaire: str = "prop"):
    """A SoSci export of random keys, cells and durations. Its last row answers both ends
    of each scale (who5 0 and 5, competences 1 and 5), so the export is never one that
    looks shifted (refused, see tests/test_hostile.py); ``questionnaire`` tells the
    exports of two waves apart (identical exports are refused as one named twice)."""
    rows = draw(
        st.lists(
            st.tuples(
                KEY, st.lists(CELL, min_size=4, max_size=4), st.booleans(), st.integers(1, 900)
            ),
            min_size=1,
            max_size=25,
        )
    )
    rows.append((draw(st.sampled_from(REGISTRY)), ["0", "5", "1", "5"], True, 500))
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=draw(st.sampled_from([";", ",", "\t"])))
    writer.writerow(
        [
            "CASE",
            "QUESTNNR",
            "STARTED",
            "IC01_01",
            "WB01_01",
            "WB01_02",
            "KO01_01",
            "KO01_05",
            "TIME_SUM",
            "FINISHED",
        ]
    )
    for case, (key, cells, finished, seconds) in enumerate(rows, start=1):
        writer.writerow(
            [
                case,
                questionnaire,
                f"2024-01-01 10:{case % 60:02d}:00",
                key,
                *cells,
                seconds,
                int(finished),
            ]
        )
    return buffer.getvalue(), len(rows)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    export("kickoff"),
    export("final"),
    st.sampled_from(["flag", "exclude"]),
    st.sampled_from(["flag", "exclude", "keep"]),
    st.sampled_from(["keep-latest-complete", "keep-most-complete"]),
    st.sampled_from(["exclude", "keep"]),
)
def test_raw_rows_equal_kept_plus_excluded_for_any_export(
    kickoff, final, straightlining, speeders, duplicates, incomplete
):
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        (base / "survey.yml").write_text(
            SURVEY % (straightlining, speeders, duplicates, incomplete), encoding="utf-8"
        )
        (base / "registry.csv").write_text("code\n" + "\n".join(REGISTRY) + "\n")
        (base / "k.csv").write_text(kickoff[0], encoding="utf-8")
        (base / "f.csv").write_text(final[0], encoding="utf-8")
        survey, instruments = load_survey(base / "survey.yml")
        cleaned = clean(survey, instruments, base)
    table = accounting(cleaned)
    assert table["raw_rows"].tolist() == [kickoff[1], final[1]]
    assert (table["raw_rows"] == table["kept"] + table["excluded"]).all()
    reasons = [
        c
        for c in table.columns
        if c not in ("wave", "file", "format", "raw_rows", "kept", "excluded")
    ]
    assert (table[reasons].sum(axis=1) == table["excluded"]).all()
    s = cleaned.submissions
    assert s.loc[s["status"].eq("excluded"), "reason"].notna().all()
    kept = s[s["status"].eq("kept")]
    assert not kept.duplicated(["wave", "participant"]).any()
    values = cleaned.responses["value"].dropna()
    assert np.isin(values, [0, 1, 2, 3, 4, 5]).all()
