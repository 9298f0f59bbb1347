"""Disclosure control: small groups never shown, free text scrubbed."""

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from impact.definitions import load_survey
from impact.demo import DEMO_SURVEY
from impact.scrub import (
    combine_small_groups,
    registry_names,
    scrub,
    scrub_text,
    suppress_small_groups,
)


def test_small_groups_are_blanked_and_flagged():
    data = pd.DataFrame({"g": ["a", "b", "c"], "n": [5, 4, 0], "mean": [1.0, 2.0, None]})
    out = suppress_small_groups(data, count="n", k=5)
    assert out["suppressed"].tolist() == [False, True, True]
    assert out.loc[0, "n"] == 5 and out.loc[0, "mean"] == 1.0
    assert out.loc[1:, "n"].isna().all() and out.loc[1:, "mean"].isna().all()
    assert data.loc[1, "n"] == 4, "the input is not modified"


def test_suppression_names_a_missing_count_column():
    with pytest.raises(KeyError, match="'size'"):
        suppress_small_groups(pd.DataFrame({"n": [1]}), count="size")


@given(st.lists(st.integers(min_value=1, max_value=30), min_size=1, max_size=12), st.integers(2, 8))
def test_combined_groups_keep_the_total_and_show_no_group_below_k(sizes, k):
    data = pd.DataFrame({"g": [f"g{i}" for i in range(len(sizes))], "n": sizes})
    out = combine_small_groups(data, group="g", count="n", k=k, other="rest")
    assert out["n"].sum() == sum(sizes)
    assert out["combined"].sum() == len(sizes)
    if sum(sizes) >= k:
        assert (out["n"] >= k).all()
    else:  # too few people for any breakdown: one row with everyone
        assert out["g"].tolist() == ["rest"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Write to jonas.weber@uni-marburg.de!", "Write to [e-mail]!"),
        ("see https://example.org/path?x=1.", "see [link]."),
        ("www.marburg.de and foo.example.com/a", "[link] and [link]"),
        ("call +49 (0)6421 28-0 today", "call [phone] today"),
        ("Tel. 0176 12345678", "Tel. [phone]"),
        ("0049 6421 123456", "[phone]"),
        ("In 2024 we met 12 times on 01.02.2024", "In 2024 we met 12 times on 01.02.2024"),
        ("Anna-Lena and ANNA thanked weber", "[name] and [name] thanked [name]"),
        ("Annabelle is not Anna", "Annabelle is not [name]"),
    ],
)
def test_scrub_text(text, expected):
    assert scrub_text(text, names=["Anna", "Anna-Lena", "Weber"]) == expected


def test_scrub_keeps_missing_answers_missing():
    out = scrub(pd.Series(["x@y.de", None, ""]))
    assert out.tolist() == ["[e-mail]", None, ""]


def test_registry_names_come_from_the_identifying_columns_only():
    survey, _ = load_survey(DEMO_SURVEY)
    names = registry_names(survey, DEMO_SURVEY.parent)
    registry = pd.read_csv(DEMO_SURVEY.parent / "registry.csv", dtype=str)
    assert set(registry["last_name"]) <= set(names) and set(registry["email"]) <= set(names)
    assert set(registry["code"]) <= set(names), "keys are scrubbed too"
    assert not set(registry["sector"]) & set(names)
